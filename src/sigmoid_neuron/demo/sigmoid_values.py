"""1. The notes' sigmoid table: g(x) exactly, truncated (as the notes print it) and rounded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import numpy as np

from sigmoid_neuron.demo.data import NOTES_SIGMOID


@dataclass(frozen=True)
class SigmoidRow:
    """One line of the sigmoid table: g(x) exactly, as the notes print it, and rounded."""

    x: float
    value: float  #: g(x) = 1 / (1 + e^-x) in float64
    truncated: str  #: g(x) truncated to 4 decimals (what the notes print)
    rounded: str  #: g(x) rounded to 4 decimals
    notes: str  #: the value printed in the notes


def _decimals(value: float, places: int, rounding: str) -> str:
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(value).quantize(quantum, rounding=rounding))


def sigmoid_table(points: dict[float, str] | None = None) -> list[SigmoidRow]:
    """g(x) = 1 / (1 + e^-x) at the notes' points, truncated and rounded to 4 places.

    The decimal conversions are exact (``decimal`` on the float64 value), so truncation
    is never confused by binary rounding.
    """
    from sigmoid_neuron.functional.activations import sigmoid

    points = NOTES_SIGMOID if points is None else points
    rows = []
    for x, printed in points.items():
        g = float(np.asarray(sigmoid(np.float64(x))))
        rows.append(
            SigmoidRow(
                x=float(x),
                value=g,
                truncated=_decimals(g, 4, ROUND_DOWN),
                rounded=_decimals(g, 4, ROUND_HALF_EVEN),
                notes=printed,
            )
        )
    return rows
