"""Where a symbol's random values are drawn: :class:`Domain` and the usual ones.

A domain is an open interval (low, high); it also gives the symbol its SymPy
assumptions (``positive`` when low >= 0, else ``real``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import sympy as sp

__all__ = ["POSITIVE", "PROBABILITY", "REAL", "Domain", "interval"]


@dataclass(frozen=True)
class Domain:
    """Where a symbol's random values are drawn: the open interval (low, high).

    ``kind`` is ``"real"``, ``"positive"``, ``"probability"`` or ``"interval"``; it also
    sets the SymPy assumptions of the symbol (see :meth:`symbol`).
    """

    kind: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(
                f"domain: need finite low < high, got ({self.low}, {self.high}); "
                "pass an open interval such as (0, 1)"
            )

    def sample(self, rng: random.Random) -> sp.Rational:
        """A random value strictly inside (low, high), rounded to 3 decimals, as a Rational."""
        for _ in range(100):
            value = round(rng.uniform(self.low, self.high), 3)
            if self.low < value < self.high:
                return sp.Rational(str(value))
        return sp.Rational(str((self.low + self.high) / 2))

    def assumptions(self) -> dict[str, bool]:
        """SymPy assumptions for a symbol of this domain (``real`` or ``positive``)."""
        if self.low >= 0:
            return {"positive": True}
        return {"real": True}

    def symbol(self, name: str) -> sp.Symbol:
        """A SymPy symbol called ``name`` with this domain's assumptions."""
        return sp.Symbol(name, **self.assumptions())

    def indexed(self, name: str) -> sp.IndexedBase:
        """A SymPy ``IndexedBase`` called ``name`` with this domain's assumptions."""
        return sp.IndexedBase(name, **self.assumptions())

    def describe(self) -> str:
        """Human-readable: ``real``, ``positive``, ``in (0, 1)``."""
        if self.kind in ("real", "positive"):
            return self.kind
        return f"in ({_num(self.low)}, {_num(self.high)})"


def _num(value: float) -> str:
    return f"{value:g}"


#: Real numbers, sampled in (−3, 3).
REAL = Domain("real", -3.0, 3.0)
#: Positive numbers, sampled in (0, 5).
POSITIVE = Domain("positive", 0.0, 5.0)
#: Probabilities, sampled in (0, 1).
PROBABILITY = Domain("probability", 0.0, 1.0)


def interval(low: float, high: float) -> Domain:
    """The open interval (low, high) as a :class:`Domain`."""
    return Domain("interval", float(low), float(high))
