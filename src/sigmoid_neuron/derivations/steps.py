"""Steps, derivations, and the check that each step equals the one before.

A :class:`Derivation` is an ordered list of :class:`Step` s (a SymPy expression and the
rule applied, in words). :meth:`Derivation.verify` checks every step against the one
before it with :func:`compare`, which answers with a :class:`Verdict`:

* ``✓`` :attr:`Status.SYMBOLIC`: SymPy proved ``a − b = 0`` (cheap rewrites first:
  ``expand``, ``cancel``, ``expand_log(force=True)``; ``simplify`` last);
* ``≈`` :attr:`Status.NUMERIC`: no proof, but both sides agree (relative tolerance) at
  many random real points of the symbols' domains, evaluated with 30 significant digits;
* ``✗`` :attr:`Status.FAILED`: a point where the two sides differ, with both values;
* ``?`` :attr:`Status.UNDECIDED`: neither (no point where both sides are real, or the
  time budget ran out).

"Equal" means: equal at every real point of the declared domains where both sides are
defined and real. Logarithms are therefore expanded with ``force=True`` (log(ab) =
log a + log b holds wherever both sides are real).

The random points are screened before ``simplify`` runs, so a false step is refuted in
milliseconds; ``simplify`` only runs on steps that already agree numerically.
"""

from __future__ import annotations

import enum
import math
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import FrameType

import sympy as sp

from sigmoid_neuron.derivations.functions import expand_sigmoid

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

#: Significant digits of the numeric check (SymPy ``evalf`` precision).
PRECISION = 30
#: Default number of random points that must agree for a ``≈``.
DEFAULT_POINTS = 16
#: Default relative tolerance of the numeric check.
DEFAULT_RTOL = 1e-8
#: Default time budget, in seconds, of one comparison (one step, one instance).
DEFAULT_TIMEOUT = 10.0
#: Random points tried before any symbolic rewriting (to refute false steps cheaply).
PRESCREEN_POINTS = 3
#: Beyond this many terms a full expansion is not attempted (the numeric check stands).
MAX_EXPANSION_TERMS = 5_000


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


@dataclass(frozen=True)
class Step:
    """One line of a derivation: an expression and the rule that produced it."""

    expr: sp.Expr
    rule: str


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


# --------------------------------------------------------------------------- time limit


class CheckTimeout(BaseException):
    """Raised inside a :func:`time_limit` block when its time is up.

    A ``BaseException`` so that SymPy's internal ``except Exception`` clauses cannot
    swallow it.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[bool]:
    """Raise :class:`CheckTimeout` in the block after ``seconds`` of wall time.

    Uses ``SIGALRM``, so it only works in the main thread on POSIX; elsewhere (and with
    ``seconds=None``) the block runs unbounded. Yields whether the limit is armed.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable or seconds is None:
        yield False
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise CheckTimeout(f"time budget of {seconds:g} s spent")

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, _raise)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # an outer limit was running: re-arm what is left of it
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


# --------------------------------------------------------------------------- comparing


def _xreplace_all(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    for _ in range(8):
        new = expr.xreplace(dict(mapping))
        if new == expr:
            return new
        expr = new
    return expr


def _prepare(
    expr: sp.Basic,
    definitions: Mapping[sp.Basic, sp.Expr],
    instance: Mapping[sp.Symbol, int],
) -> sp.Basic:
    """Substitute definitions and sizes, evaluate derivatives and sums, expand σ."""
    if definitions:
        expr = _xreplace_all(expr, definitions)
    if instance:
        expr = expr.xreplace({key: sp.Integer(value) for key, value in instance.items()})
    expr = expr.doit()
    if definitions:
        expr = _xreplace_all(expr, definitions).doit()
    return expand_sigmoid(expr)


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


_CHEAP_METHODS: tuple[tuple[str, Callable[[sp.Basic], sp.Basic]], ...] = (
    ("expand", _by_expand),
    ("cancel", _by_cancel),
    ("expand_log", _by_expand_log),
)


def _by_rewrite_exp(d: sp.Basic) -> sp.Basic:
    """Hyperbolic and trigonometric functions as exponentials, then as above."""
    return _by_exp_as_symbol(d.rewrite(sp.exp))


_COSTLY_METHODS: tuple[tuple[str, Callable[[sp.Basic], sp.Basic]], ...] = (
    ("powers of e + cancel", _by_exp_as_symbol),
    ("rewrite(exp) + cancel", _by_rewrite_exp),
    ("simplify", sp.simplify),
)


def _symbolic(
    d: sp.Basic, methods: tuple[tuple[str, Callable[[sp.Basic], sp.Basic]], ...]
) -> str | None:
    """Name of the first method that reduces ``d`` to 0, or None."""
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


def _numeric(
    lhs: sp.Basic,
    rhs: sp.Basic,
    domains: Mapping[str, Domain],
    points: int,
    rtol: float,
    seed: int,
    prefix: tuple[tuple[str, str], ...],
) -> Verdict:
    """Compare at random points of the domains: agreement, a counterexample, or neither."""
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


_CACHE: dict[tuple[object, ...], Verdict] = {}
_CACHE_SIZE = 4096


def _compare_prepared(
    lhs: sp.Basic,
    rhs: sp.Basic,
    domains: Mapping[str, Domain],
    points: int,
    rtol: float,
    timeout: float | None,
    prefix: tuple[tuple[str, str], ...],
) -> Verdict:
    key = (lhs, rhs, tuple(sorted(domains.items())), points, rtol, prefix)
    if key in _CACHE:
        return _CACHE[key]
    verdict = _compare_uncached(lhs, rhs, domains, points, rtol, timeout, prefix)
    if verdict.status is not Status.UNDECIDED:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = verdict
    return verdict


def _compare_uncached(
    lhs: sp.Basic,
    rhs: sp.Basic,
    domains: Mapping[str, Domain],
    points: int,
    rtol: float,
    timeout: float | None,
    prefix: tuple[tuple[str, str], ...],
) -> Verdict:
    difference = lhs - rhs
    if difference == 0:
        return Verdict(Status.SYMBOLIC, "symbolic: identical once evaluated")
    # a few random points first: a false step is refuted before any costly rewriting
    try:
        with time_limit(None if timeout is None else min(2.0, timeout / 4)):
            screen = _numeric(lhs, rhs, domains, PRESCREEN_POINTS, rtol, seed=0, prefix=prefix)
        if screen.status is Status.FAILED:
            return screen
    except CheckTimeout:
        pass
    method = _symbolic(difference, _CHEAP_METHODS)
    if method is not None:
        return Verdict(Status.SYMBOLIC, f"symbolic: {method}")
    numeric = _numeric(lhs, rhs, domains, points, rtol, seed=0, prefix=prefix)
    if numeric.status is not Status.NUMERIC:
        return numeric
    started = time.monotonic()
    try:
        method = _symbolic(difference, _COSTLY_METHODS)
    except CheckTimeout:
        spent = time.monotonic() - started
        return Verdict(Status.NUMERIC, f"{numeric.method} (simplify gave up after {spent:.0f} s)")
    if method is not None:
        return Verdict(Status.SYMBOLIC, f"symbolic: {method}")
    return numeric


def _as_basic(value: object, name: str) -> sp.Basic:
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    if isinstance(value, float) and math.isfinite(value):
        return sp.Rational(repr(value))
    raise TypeError(f"{name}: expected a SymPy expression or a number, got {type(value).__name__}")


def compare(
    previous: sp.Basic,
    current: sp.Basic,
    *,
    domains: Mapping[str, Domain] | None = None,
    definitions: Mapping[sp.Basic, sp.Expr] | None = None,
    instances: Sequence[Mapping[sp.Symbol, int]] | None = None,
    points: int = DEFAULT_POINTS,
    rtol: float = DEFAULT_RTOL,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Verdict:
    """Decide whether ``current`` equals ``previous`` (a step of a derivation).

    Both sides get ``definitions`` substituted, then each instance (symbolic sizes such
    as m = 3), then ``doit()`` and σ(z) -> 1/(1 + e^(−z)). Then, per instance: a few
    random points (a mismatch is a counterexample at once); cheap exact rewrites of the
    difference (``expand``, ``cancel``, ``expand_log(force=True)``); ``points`` random
    points of ``domains`` (relative tolerance ``rtol``, 30 digits; a mismatch is
    confirmed at 60 digits and returned with the point and both values); finally
    ``simplify`` and friends, for the rest of the ``timeout`` (seconds, per instance),
    to turn ``≈`` into ``✓``. The worst verdict over the instances is returned.
    """
    previous, current = _as_basic(previous, "previous"), _as_basic(current, "current")
    domains = dict(domains or {})
    definitions = dict(definitions or {})
    cases = list(instances) if instances else [{}]
    verdicts: list[Verdict] = []
    for instance in cases or [{}]:
        prefix = tuple((str(key), str(value)) for key, value in instance.items())
        try:
            with time_limit(timeout):
                lhs = _prepare(previous, definitions, instance)
                rhs = _prepare(current, definitions, instance)
                verdict = _compare_prepared(lhs, rhs, domains, points, rtol, timeout, prefix)
        except CheckTimeout:
            verdict = Verdict(Status.UNDECIDED, f"time budget of {timeout:g} s spent")
        except (ArithmeticError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            verdict = Verdict(Status.UNDECIDED, f"could not evaluate: {type(exc).__name__}")
        except NotImplementedError as exc:
            verdict = Verdict(Status.UNDECIDED, f"could not evaluate: {type(exc).__name__}")
        if verdict.status is Status.FAILED:
            return verdict
        verdicts.append(verdict)
    for status in (Status.UNDECIDED, Status.NUMERIC):
        for verdict in verdicts:
            if verdict.status is status:
                return verdict
    methods = sorted({verdict.method.removeprefix("symbolic: ") for verdict in verdicts})
    return Verdict(Status.SYMBOLIC, "symbolic: " + ", ".join(methods))


# --------------------------------------------------------------------------- numbers


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
