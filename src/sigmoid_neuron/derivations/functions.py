"""SymPy functions the derivations use besides SymPy's own: the sigmoid σ."""

from __future__ import annotations

from typing import Any

import sympy as sp


class sigmoid(sp.Function):
    """The logistic sigmoid σ(z) = 1 / (1 + e^(−z)) as a SymPy function.

    It stays unevaluated (prints as ``sigmoid(z)``, LaTeX ``\\sigma(z)``) so steps read
    like the notes, differentiates as σ'(z) = σ(z)(1 − σ(z)), and
    ``expr.rewrite(sp.exp)`` or :func:`expand_sigmoid` replaces it by 1 / (1 + e^(−z)).
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """dσ/dz = σ(z)(1 − σ(z))."""
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        s = self.func(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: Any, exp: Any = None) -> str:
        inner = printer._print(self.args[0])
        text = rf"\sigma\left({inner}\right)"
        return rf"{text}^{{{exp}}}" if exp is not None else text


def expand_sigmoid(expr: sp.Basic) -> sp.Basic:
    """Replace every σ(z) in ``expr`` by 1 / (1 + e^(−z))."""
    return expr.replace(sigmoid, lambda arg: 1 / (1 + sp.exp(-arg)))
