"""Numbers printed in the notes: :class:`ValueClaim` and :func:`check_value_claim`."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from sigmoid_neuron.derivations.functions import expand_sigmoid

__all__ = ["ValueClaim", "ValueClaimResult", "check_value_claim"]


@dataclass(frozen=True)
class ValueClaim:
    """A number printed in the notes: ``expr`` claimed to be ``written`` (``decimals`` places)."""

    expr: sp.Expr
    written: str
    decimals: int
    location: str


@dataclass(frozen=True)
class ValueClaimResult:
    """The true value of a :class:`ValueClaim`, rounded, and whether the notes agree."""

    claim: ValueClaim
    value: str
    rounded: str
    ok: bool


def check_value_claim(claim: ValueClaim) -> ValueClaimResult:
    """Round the exact value of ``claim.expr`` to ``claim.decimals`` places and compare.

    ``ok`` is True when the written number equals the correctly rounded value.
    """
    value = sp.N(expand_sigmoid(claim.expr), 30)
    rounded = f"{float(value):.{claim.decimals}f}"
    return ValueClaimResult(
        claim=claim,
        value=f"{float(value):.{claim.decimals + 3}f}",
        rounded=rounded,
        ok=rounded == claim.written,
    )
