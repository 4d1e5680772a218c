"""Whether a step equals the one before: :func:`compare`.

:func:`compare` answers with a :class:`~sigmoid_neuron.derivations.verdicts.Verdict`:

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

import math
import time
from collections.abc import Mapping, Sequence

import sympy as sp

from sigmoid_neuron.derivations.budget import CheckTimeout, time_limit
from sigmoid_neuron.derivations.domains import Domain
from sigmoid_neuron.derivations.functions import expand_sigmoid
from sigmoid_neuron.derivations.numeric import agree_at_random_points
from sigmoid_neuron.derivations.symbolic import CHEAP_METHODS, COSTLY_METHODS, reduces_to_zero
from sigmoid_neuron.derivations.verdicts import Status, Verdict

__all__ = ["compare"]

#: Default number of random points that must agree for a ``≈``.
DEFAULT_POINTS = 16
#: Default relative tolerance of the numeric check.
DEFAULT_RTOL = 1e-8
#: Default time budget, in seconds, of one comparison (one step, one instance).
DEFAULT_TIMEOUT = 10.0
#: Random points tried before any symbolic rewriting (to refute false steps cheaply).
PRESCREEN_POINTS = 3


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
            screen = agree_at_random_points(
                lhs, rhs, domains, PRESCREEN_POINTS, rtol, seed=0, prefix=prefix
            )
        if screen.status is Status.FAILED:
            return screen
    except CheckTimeout:
        pass
    method = reduces_to_zero(difference, CHEAP_METHODS)
    if method is not None:
        return Verdict(Status.SYMBOLIC, f"symbolic: {method}")
    numeric = agree_at_random_points(lhs, rhs, domains, points, rtol, seed=0, prefix=prefix)
    if numeric.status is not Status.NUMERIC:
        return numeric
    started = time.monotonic()
    try:
        method = reduces_to_zero(difference, COSTLY_METHODS)
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
