"""The answer of one step check: :class:`Status`, :class:`Verdict`, :class:`Counterexample`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Counterexample", "Status", "Verdict"]


class Status(enum.Enum):
    """Outcome of checking one step against the step before it."""

    GIVEN = "given"
    SYMBOLIC = "verified symbolically"
    NUMERIC = "verified numerically"
    FAILED = "FAILED"
    UNDECIDED = "undecided"

    @property
    def mark(self) -> str:
        """One character: ✓ symbolic, ≈ numeric, ✗ failed, ? undecided, blank given."""
        return _MARKS[self]

    @property
    def verified(self) -> bool:
        """True for the first step and for steps verified symbolically or numerically."""
        return self in (Status.GIVEN, Status.SYMBOLIC, Status.NUMERIC)


_MARKS = {
    Status.GIVEN: " ",
    Status.SYMBOLIC: "✓",
    Status.NUMERIC: "≈",
    Status.FAILED: "✗",
    Status.UNDECIDED: "?",
}


@dataclass(frozen=True)
class Counterexample:
    """A point where two expressions differ, and both sides' values there."""

    point: tuple[tuple[str, str], ...]
    previous: str
    current: str

    def describe(self, previous: str = "previous step", current: str = "this step") -> str:
        """``x = 0.5: previous step = 0.19661193, this step = 0.4``."""
        where = ", ".join(f"{name} = {value}" for name, value in self.point) or "any point"
        return f"at {where}: {previous} = {self.previous}, {current} = {self.current}"


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`compare`: a status, how it was reached, and a counterexample."""

    status: Status
    method: str
    counterexample: Counterexample | None = None
