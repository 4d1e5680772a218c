"""The step checker: symbolic proofs, numeric checks, counterexamples, time limits."""

from __future__ import annotations

import math
import signal

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmoid_neuron.derivations import (
    POSITIVE,
    PROBABILITY,
    REAL,
    CheckTimeout,
    Domain,
    Status,
    ValueClaim,
    check_value_claim,
    compare,
    interval,
    make_derivation,
    sigmoid,
    time_limit,
)

x = sp.Symbol("x", real=True)
p = sp.Symbol("p", positive=True)


def test_equal_by_algebra_is_symbolic() -> None:
    verdict = compare((x + 1) ** 2, x**2 + 2 * x + 1)
    assert verdict.status is Status.SYMBOLIC
    assert verdict.counterexample is None


def test_unevaluated_derivative_is_evaluated_before_comparing() -> None:
    verdict = compare(sp.Derivative(sp.sin(x) ** 2, x), 2 * sp.sin(x) * sp.cos(x))
    assert verdict.status is Status.SYMBOLIC


def test_sigmoid_function_differentiates_and_expands() -> None:
    assert compare(sp.Derivative(sigmoid(x), x), sigmoid(x) * (1 - sigmoid(x))).status is (
        Status.SYMBOLIC
    )
    assert compare(sigmoid(x), 1 / (1 + sp.exp(-x))).status is Status.SYMBOLIC


def test_log_rules_hold_where_both_sides_are_real() -> None:
    q = sp.Symbol("q", positive=True)
    assert compare(sp.log(p / q), sp.log(p) - sp.log(q)).status is Status.SYMBOLIC
    assert compare(sp.log(sp.exp(-x)), -x).status is Status.SYMBOLIC


def test_false_step_gives_a_counterexample_with_both_values() -> None:
    verdict = compare(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, sp.exp(-x) / (1 - sp.exp(-x)) ** 2)
    assert verdict.status is Status.FAILED
    example = verdict.counterexample
    assert example is not None
    (name, value), *_ = example.point
    assert name == "x"
    at = float(value)
    # independent oracle: plain floats
    left = math.exp(-at) / (1 + math.exp(-at)) ** 2
    right = math.exp(-at) / (1 - math.exp(-at)) ** 2
    assert float(example.previous) == pytest.approx(left, rel=1e-8)
    assert float(example.current) == pytest.approx(right, rel=1e-8)
    assert "x = " in example.describe()


def test_identity_sympy_cannot_prove_is_verified_numerically() -> None:
    verdict = compare(sp.atan(p) + sp.atan(1 / p), sp.pi / 2, domains={"p": POSITIVE})
    assert verdict.status is Status.NUMERIC
    assert "random points" in verdict.method


def test_domains_restrict_the_random_points() -> None:
    t = sp.Symbol("t", positive=True)
    # true only for t in (0, 1): sqrt((1 - t)^2) = 1 - t
    claim = (sp.sqrt((1 - t) ** 2), 1 - t)
    assert compare(*claim, domains={"t": PROBABILITY}).status.verified
    verdict = compare(*claim, domains={"t": interval(1, 4)})
    assert verdict.status is Status.FAILED
    assert verdict.counterexample is not None
    value = float(dict(verdict.counterexample.point)["t"])
    assert 1 < value < 4


def test_no_real_point_is_undecided() -> None:
    verdict = compare(sp.log(-1 - x**2), 0)
    assert verdict.status is Status.UNDECIDED
    assert not verdict.status.verified


def test_instances_substitute_sizes_and_expand_sums() -> None:
    i, m = sp.symbols("i m", integer=True, positive=True)
    a = sp.IndexedBase("a", real=True)
    lhs = sp.Sum(2 * a[i], (i, 1, m))
    verdict = compare(lhs, 2 * sp.Sum(a[i], (i, 1, m)), instances=[{m: 3}, {m: 4}])
    assert verdict.status is Status.SYMBOLIC
    wrong = compare(lhs, sp.Sum(a[i], (i, 1, m)) + a[1], instances=[{m: 1}, {m: 3}])
    assert wrong.status is Status.FAILED
    assert wrong.counterexample is not None
    assert ("m", "3") in wrong.counterexample.point


def test_definitions_are_substituted() -> None:
    w = sp.Symbol("w", real=True)
    yhat = sp.Symbol("yhat", positive=True)
    verdict = compare(
        sp.Derivative(yhat, w),
        yhat * (1 - yhat) * x,
        definitions={yhat: sigmoid(w * x)},
    )
    assert verdict.status is Status.SYMBOLIC


def test_numbers_are_accepted_and_junk_rejected() -> None:
    assert compare(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1).status is Status.SYMBOLIC
    with pytest.raises(TypeError, match="current"):
        compare(x, "x")  # type: ignore[arg-type]


def test_derivation_result_reports_the_first_failure() -> None:
    derivation = make_derivation(
        "demo",
        "demo",
        "here",
        [(x**2 - 1, "start"), ((x - 1) * (x + 1), "factor"), ((x - 1) ** 2, "wrong"), (x, "x")],
    )
    result = derivation.verify()
    assert not result.ok
    assert result.first_failure == 2
    assert [item.status for item in result.steps] == [
        Status.GIVEN,
        Status.SYMBOLIC,
        Status.FAILED,
        Status.FAILED,
    ]
    assert result.count(Status.FAILED) == 2
    short = derivation.verify(stop_on_failure=True)
    assert len(short.steps) == 3
    assert not short.ok


def test_domain_validation_and_description() -> None:
    with pytest.raises(ValueError, match="low < high"):
        interval(1, 1)
    with pytest.raises(ValueError, match="low < high"):
        Domain("interval", 0, math.inf)
    assert REAL.describe() == "real"
    assert PROBABILITY.describe() == "in (0, 1)"
    assert PROBABILITY.symbol("t").is_positive
    assert REAL.symbol("u").is_real


@pytest.mark.timeout(60, method="thread")
def test_time_limit_interrupts_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(CheckTimeout), time_limit(0.2):
        while True:
            pass
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


@pytest.mark.timeout(60, method="thread")
def test_hostile_numeric_evaluation_is_cut_by_the_budget() -> None:
    tower = sp.exp(sp.exp(sp.exp(sp.exp(sp.exp(x)))))
    verdict = compare(tower, tower * (sp.sin(x) ** 2 + sp.cos(x) ** 2), timeout=1.0)
    assert verdict.status in (Status.UNDECIDED, Status.SYMBOLIC)
    assert verdict.status is not Status.FAILED


def test_value_claims() -> None:
    right = check_value_claim(ValueClaim(sigmoid(sp.Integer(0)), "0.5000", 4, "here"))
    assert right.ok
    wrong = check_value_claim(ValueClaim(sigmoid(sp.Rational("-5.5")), "0.0040", 4, "here"))
    assert not wrong.ok
    assert wrong.rounded == "0.0041"
    assert float(wrong.value) == pytest.approx(1 / (1 + math.exp(5.5)), abs=1e-6)


_coefficients = st.lists(st.integers(-5, 5), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None)
@given(_coefficients, _coefficients, st.integers(1, 9))
def test_polynomial_products_property(a: list[int], b: list[int], shift: int) -> None:
    """expand(P Q) always equals P Q; adding a nonzero constant never does."""
    poly_a = sum(c * x**k for k, c in enumerate(a))
    poly_b = sum(c * x**k for k, c in enumerate(b))
    product = sp.Mul(poly_a, poly_b, evaluate=False)
    assert compare(product, sp.expand(poly_a * poly_b)).status is Status.SYMBOLIC
    wrong = compare(product, sp.expand(poly_a * poly_b) + shift)
    assert wrong.status is Status.FAILED
