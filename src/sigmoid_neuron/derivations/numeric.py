"""The numeric check: both sides at random points of the symbols' domains.

Values are taken with 30 significant digits (SymPy ``evalf``); a mismatch is confirmed
at 60 digits and returned as a :class:`~sigmoid_neuron.derivations.verdicts.Counterexample`
with the point and both values. Points where a side is undefined or not real are skipped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import sympy as sp

from sigmoid_neuron.derivations.domains import REAL, Domain
from sigmoid_neuron.derivations.verdicts import Counterexample, Status, Verdict

__all__ = ["PRECISION", "agree_at_random_points"]

#: Significant digits of the numeric check (SymPy ``evalf`` precision).
PRECISION = 30


def _variables(*exprs: sp.Basic) -> list[sp.Basic]:
    """Free symbols and indexed objects, without the ``IndexedBase`` labels."""
    indexed: set[sp.Basic] = set()
    symbols: set[sp.Basic] = set()
    for expr in exprs:
        indexed |= expr.atoms(sp.Indexed)
        symbols |= expr.free_symbols
    labels = {item.base.label for item in indexed}
    found = (symbols - labels - indexed) | indexed
    return sorted((v for v in found if not v.free_symbols - {v} - labels), key=sp.default_sort_key)


def _name(variable: sp.Basic) -> str:
    if isinstance(variable, sp.Indexed):
        return str(variable.base.label)
    return str(variable)


def _value(expr: sp.Basic, point: Mapping[sp.Basic, sp.Rational], digits: int) -> float | None:
    """The real value of ``expr`` at ``point``, or None where it is undefined or not real."""
    try:
        value = expr.xreplace(dict(point)).evalf(digits)
        number = complex(value)
    except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError):
        return None
    except (NotImplementedError, MemoryError):
        return None
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        return None
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        return None
    return number.real


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-12


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def agree_at_random_points(
    lhs: sp.Basic,
    rhs: sp.Basic,
    domains: Mapping[str, Domain],
    points: int,
    rtol: float,
    seed: int,
    prefix: tuple[tuple[str, str], ...],
) -> Verdict:
    """Compare ``lhs`` and ``rhs`` at random points of ``domains``.

    A point agrees when |a - b| <= rtol * max(|a|, |b|) + 1e-12 (values at 30 digits);
    a disagreement confirmed at 60 digits is ✗ with the point (``prefix`` first) and both
    values; ``points`` agreements (or half of them) are ≈; fewer, or none, are ?.
    """
    variables = _variables(lhs, rhs)
    rng = random.Random(seed)
    agreed = 0
    for _ in range(points * 8):
        point = {v: domains.get(_name(v), REAL).sample(rng) for v in variables}
        a = _value(lhs, point, PRECISION)
        if a is None:
            continue
        b = _value(rhs, point, PRECISION)
        if b is None:
            continue
        if not _close(a, b, rtol):
            a2 = _value(lhs, point, 2 * PRECISION)
            b2 = _value(rhs, point, 2 * PRECISION)
            if a2 is not None and b2 is not None and not _close(a2, b2, rtol):
                shown = prefix + tuple((str(v), _fmt(float(point[v]))) for v in variables)
                return Verdict(
                    Status.FAILED,
                    "numeric: the sides differ",
                    Counterexample(shown, _fmt(a2), _fmt(b2)),
                )
        agreed += 1
        if agreed >= points or not variables:
            break
    if agreed and not variables:
        return Verdict(Status.NUMERIC, f"numeric: equal to {PRECISION} digits")
    if agreed >= max(1, points // 2):
        return Verdict(Status.NUMERIC, f"numeric: equal at {agreed} random points")
    if agreed:
        return Verdict(
            Status.UNDECIDED,
            f"numeric: equal at only {agreed} points where both sides are real",
        )
    return Verdict(Status.UNDECIDED, "no point found where both sides are defined and real")
