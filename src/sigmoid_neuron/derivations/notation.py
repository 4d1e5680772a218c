"""Notation shared by the built-in derivations: the notes' names and unevaluated forms.

Steps are kept in the unevaluated form the notes write them in (``UnevaluatedExpr``,
``evaluate=False``, unevaluated ``Derivative`` / ``Sum``); the checker evaluates them
(``doit``) before comparing.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["SEED_000", "SEED_002", "U", "frac", "index", "neg"]

#: The notes ``shared/seeds/000_5e8543a9bc1c14a3.txt``.
SEED_000 = "seed 000 (Differentiation of the Sigmoid activation and crossentropy loss)"
#: The notes ``shared/seeds/002_c96d548af70d4e49.txt``.
SEED_002 = "seed 002 (Sigmoid Neuron and Cross-Entropy)"

#: Keeps a subexpression as written (no automatic simplification).
U = sp.UnevaluatedExpr


def neg(expr: sp.Expr) -> sp.Expr:
    """−(expr) without distributing the minus sign (kept for display)."""
    return sp.Mul(-1, expr, evaluate=False)


def frac(numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
    """numerator / denominator without cancelling (kept for display)."""
    return sp.Mul(numerator, sp.Pow(denominator, -1, evaluate=False), evaluate=False)


def index(name: str) -> sp.Symbol:
    """An index or size: a positive integer symbol called ``name`` (i, j, m, n, K)."""
    return sp.Symbol(name, integer=True, positive=True)
