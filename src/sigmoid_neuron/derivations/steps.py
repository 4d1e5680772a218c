"""Steps and derivations: an ordered list of steps, each claimed equal to the one before.

A :class:`Derivation` is an ordered list of :class:`Step` s (a SymPy expression and the
rule applied, in words). :meth:`Derivation.verify` checks every step against the one
before it with :func:`~sigmoid_neuron.derivations.equality.compare` and collects the
verdicts in a :class:`DerivationResult`.

This module also re-exports the pieces the checker is made of, so the names stay
importable from here: :mod:`~sigmoid_neuron.derivations.domains`,
:mod:`~sigmoid_neuron.derivations.verdicts`, :mod:`~sigmoid_neuron.derivations.budget`,
:mod:`~sigmoid_neuron.derivations.equality` and
:mod:`~sigmoid_neuron.derivations.printed_values`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import sympy as sp

from sigmoid_neuron.derivations.budget import CheckTimeout, time_limit
from sigmoid_neuron.derivations.domains import POSITIVE, PROBABILITY, REAL, Domain, interval
from sigmoid_neuron.derivations.equality import (
    DEFAULT_POINTS,
    DEFAULT_RTOL,
    DEFAULT_TIMEOUT,
    compare,
)
from sigmoid_neuron.derivations.equality import PRESCREEN_POINTS as PRESCREEN_POINTS
from sigmoid_neuron.derivations.numeric import PRECISION as PRECISION
from sigmoid_neuron.derivations.printed_values import (
    ValueClaim,
    ValueClaimResult,
    check_value_claim,
)
from sigmoid_neuron.derivations.symbolic import MAX_EXPANSION_TERMS as MAX_EXPANSION_TERMS
from sigmoid_neuron.derivations.verdicts import Counterexample, Status, Verdict

__all__ = [
    "POSITIVE",
    "PROBABILITY",
    "REAL",
    "CheckTimeout",
    "Counterexample",
    "Derivation",
    "DerivationResult",
    "Domain",
    "Erratum",
    "Status",
    "Step",
    "StepResult",
    "ValueClaim",
    "ValueClaimResult",
    "Verdict",
    "check_value_claim",
    "compare",
    "interval",
    "make_derivation",
    "time_limit",
]


@dataclass(frozen=True)
class Step:
    """One line of a derivation: an expression and the rule that produced it."""

    expr: sp.Expr
    rule: str


@dataclass(frozen=True)
class StepResult:
    """A step of a derivation with the verdict of its check against the step before."""

    index: int
    step: Step
    verdict: Verdict

    @property
    def status(self) -> Status:
        """Shortcut for ``verdict.status``."""
        return self.verdict.status


@dataclass(frozen=True)
class Erratum:
    """A wrong step of the course notes, as a patch on a correct derivation.

    ``steps`` replace ``derivation.steps[start:stop]`` (``start == stop`` inserts); in
    the patched derivation the first step that fails must be ``fails_at``.
    """

    key: str
    location: str
    written: str
    right: str
    start: int
    stop: int
    steps: tuple[Step, ...]
    fails_at: int


@dataclass(frozen=True)
class Derivation:
    """An ordered list of steps, each claimed equal to the one before.

    ``domains`` maps symbol names (for ``IndexedBase`` s, the base's name) to the
    :class:`Domain` random points are drawn from (default :data:`REAL`).
    ``definitions`` are substituted before checking (e.g. ŷ -> σ(wx + b), so steps can
    be written with ŷ). ``instances`` are substitutions of symbolic sizes and indices
    (e.g. m = 3, j = 1) under which every step is checked after ``doit()`` (so sums over
    i = 1..m are genuinely expanded). ``errata`` are the notes' wrong versions.
    """

    name: str
    title: str
    source: str
    steps: tuple[Step, ...]
    domains: tuple[tuple[str, Domain], ...] = ()
    definitions: tuple[tuple[sp.Basic, sp.Expr], ...] = ()
    instances: tuple[tuple[tuple[sp.Symbol, int], ...], ...] = ((),)
    errata: tuple[Erratum, ...] = field(default=())

    def domain_of(self, name: str) -> Domain:
        """The domain of symbol ``name`` (:data:`REAL` unless declared)."""
        return dict(self.domains).get(name, REAL)

    def verify(
        self,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        points: int = DEFAULT_POINTS,
        rtol: float = DEFAULT_RTOL,
        stop_on_failure: bool = False,
    ) -> DerivationResult:
        """Check every step against the one before; see :func:`compare`.

        With ``stop_on_failure`` the steps after the first ✗ are not checked (they are
        left out of the result).
        """
        if not self.steps:
            raise ValueError(f"derivation {self.name!r}: no steps; give at least one")
        results = [StepResult(0, self.steps[0], Verdict(Status.GIVEN, "start"))]
        for index in range(1, len(self.steps)):
            verdict = compare(
                self.steps[index - 1].expr,
                self.steps[index].expr,
                domains=dict(self.domains),
                definitions=dict(self.definitions),
                instances=[dict(instance) for instance in self.instances],
                timeout=timeout,
                points=points,
                rtol=rtol,
            )
            results.append(StepResult(index, self.steps[index], verdict))
            if stop_on_failure and verdict.status is Status.FAILED:
                break
        return DerivationResult(self, tuple(results))

    def with_step(self, index: int, step: Step) -> Derivation:
        """A copy with step ``index`` replaced (and no errata)."""
        steps = list(self.steps)
        steps[index] = step
        return replace(self, steps=tuple(steps), errata=())

    def with_erratum(self, erratum: Erratum) -> Derivation:
        """The derivation as written in the notes: ``erratum`` patched in (no errata)."""
        steps = list(self.steps)
        steps[erratum.start : erratum.stop] = erratum.steps
        return replace(
            self,
            name=f"{self.name} (notes: {erratum.key})",
            steps=tuple(steps),
            errata=(),
        )

    def erratum(self, key: str) -> Erratum:
        """The erratum called ``key``."""
        for item in self.errata:
            if item.key == key:
                return item
        known = ", ".join(item.key for item in self.errata) or "none"
        raise ValueError(f"derivation {self.name!r}: no erratum {key!r}; known: {known}")


@dataclass(frozen=True)
class DerivationResult:
    """The verdict of every step of a derivation."""

    derivation: Derivation
    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        """True when every step was verified (symbolically or numerically)."""
        return all(result.status.verified for result in self.steps) and len(self.steps) == len(
            self.derivation.steps
        )

    @property
    def first_failure(self) -> int | None:
        """Index of the first step that is not verified (✗ or ?), or None."""
        for result in self.steps:
            if not result.status.verified:
                return result.index
        return None

    def count(self, status: Status) -> int:
        """How many steps have ``status``."""
        return sum(1 for result in self.steps if result.status is status)


def make_derivation(
    name: str,
    title: str,
    source: str,
    steps: Sequence[tuple[sp.Expr, str]],
    *,
    domains: Mapping[str, Domain] | None = None,
    definitions: Mapping[sp.Basic, sp.Expr] | None = None,
    instances: Sequence[Mapping[sp.Symbol, int]] | None = None,
    errata: Sequence[Erratum] = (),
) -> Derivation:
    """Build a :class:`Derivation` from ``(expression, rule)`` pairs and plain mappings."""
    return Derivation(
        name=name,
        title=title,
        source=source,
        steps=tuple(Step(expr, rule) for expr, rule in steps),
        domains=tuple(sorted((domains or {}).items())),
        definitions=tuple((definitions or {}).items()),
        instances=tuple(tuple(instance.items()) for instance in instances) if instances else ((),),
        errata=tuple(errata),
    )
