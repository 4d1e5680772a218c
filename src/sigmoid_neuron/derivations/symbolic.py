"""Exact rewrites that try to reduce the difference of two steps to 0.

Cheap ones first (``expand``, ``cancel``, ``expand_log(force=True)``), costly ones
(powers of e as symbols, ``rewrite(exp)``, ``simplify``) only for steps that already
agree numerically. Logarithms are expanded with ``force=True``: log(ab) = log a + log b
holds wherever both sides are real, which is what "equal" means here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import sympy as sp

__all__ = ["CHEAP_METHODS", "COSTLY_METHODS", "MAX_EXPANSION_TERMS", "reduces_to_zero"]

#: Beyond this many terms a full expansion is not attempted (the numeric check stands).
MAX_EXPANSION_TERMS = 5_000

Method = Callable[[sp.Basic], sp.Basic]


def _expansion_terms(expr: sp.Basic, cap: int) -> int:
    """An upper estimate of the number of terms of ``expand(expr)`` (stops at ``cap``)."""
    if isinstance(expr, sp.Add):
        return min(cap, sum(_expansion_terms(arg, cap) for arg in expr.args))
    if isinstance(expr, sp.Mul):
        total = 1
        for arg in expr.args:
            total = min(cap, total * _expansion_terms(arg, cap))
        return total
    if isinstance(expr, sp.Pow):
        base = _expansion_terms(expr.base, cap)
        exponent = expr.exp
        if exponent.is_Integer:
            n = abs(int(exponent))
            if base <= 1 or n <= 1:
                return base
            try:
                return min(cap, math.comb(n + base - 1, base - 1)) if base < cap else cap
            except (OverflowError, ValueError):
                return cap
        return base
    if expr.args:
        return min(cap, max(_expansion_terms(arg, cap) for arg in expr.args))
    return 1


def _log_args_together(expr: sp.Basic) -> sp.Basic:
    return expr.replace(
        lambda e: isinstance(e, sp.log),
        lambda e: sp.log(sp.cancel(sp.together(e.args[0]))),
    )


def _by_expand(d: sp.Basic) -> sp.Basic:
    return sp.expand(d)


def _by_cancel(d: sp.Basic) -> sp.Basic:
    return sp.cancel(sp.together(d))


def _by_expand_log(d: sp.Basic) -> sp.Basic:
    expanded = sp.expand(sp.expand_log(_log_args_together(d), force=True))
    return expanded if expanded == 0 else sp.cancel(sp.together(expanded))


def _by_exp_as_symbol(d: sp.Basic) -> sp.Basic:
    """Treat each exponential as a new symbol, then cancel (rational functions of e^x)."""
    d = sp.powsimp(sp.expand(d, power_exp=True, mul=False, multinomial=False))
    return sp.cancel(sp.together(d))


CHEAP_METHODS: tuple[tuple[str, Method], ...] = (
    ("expand", _by_expand),
    ("cancel", _by_cancel),
    ("expand_log", _by_expand_log),
)


def _by_rewrite_exp(d: sp.Basic) -> sp.Basic:
    """Hyperbolic and trigonometric functions as exponentials, then as above."""
    return _by_exp_as_symbol(d.rewrite(sp.exp))


COSTLY_METHODS: tuple[tuple[str, Method], ...] = (
    ("powers of e + cancel", _by_exp_as_symbol),
    ("rewrite(exp) + cancel", _by_rewrite_exp),
    ("simplify", sp.simplify),
)


def reduces_to_zero(d: sp.Basic, methods: tuple[tuple[str, Method], ...]) -> str | None:
    """Name of the first method m of ``methods`` with m(d) = 0, or None.

    ``d`` is the difference a - b of two steps; an expansion estimated above
    :data:`MAX_EXPANSION_TERMS` terms is not attempted (None).
    """
    if _expansion_terms(d, MAX_EXPANSION_TERMS + 1) > MAX_EXPANSION_TERMS:
        return None
    for name, method in methods:
        try:
            if method(d) == 0:
                return name
        except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError):
            continue
        except (NotImplementedError, sp.PolynomialError):
            continue
    return None
