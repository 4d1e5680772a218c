"""Half squared error and binary cross-entropy (on probabilities and on logits).

Oracles: scikit-learn (log_loss, mean_squared_error), scipy.special (xlogy, xlog1py,
log_expit, expit), mpmath at 60 digits, SymPy for the symbolic derivative, central
finite differences (check_gradient and an inline one).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import mpmath
import numpy as np
import pytest
import scipy.special as sc
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import log_loss, mean_squared_error

from sigmoid_neuron.functional import (
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_derivative,
    check_gradient,
    squared_error,
    squared_error_derivative,
)

SETTINGS = settings(max_examples=80, deadline=None)
EPS = np.finfo(np.float64).eps
F32_MAX = float(np.finfo(np.float32).max)

unit = st.floats(0.0, 1.0)
logit = st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Any warning is an error, and so is any floating-point event but underflow."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


def bce_oracle(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return -(sc.xlogy(y, p) + sc.xlog1py(1 - y, -p))


def bce_logits_oracle(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    # -[y log sigma(z) + (1 - y) log sigma(-z)], written with SciPy's log_expit
    return -(y * sc.log_expit(z) + (1 - y) * sc.log_expit(-z))


# --------------------------------------------------------------------------- squared error


def test_squared_error_against_sklearn() -> None:
    rng = np.random.default_rng(0)
    y, p, w = rng.normal(size=50), rng.normal(size=50), rng.uniform(0, 3, size=50)
    with strict():
        assert_allclose(squared_error(y, p), mean_squared_error(y, p) / 2, rtol=1e-14)
        assert_allclose(
            squared_error(y, p, sample_weight=w),
            mean_squared_error(y, p, sample_weight=w) / 2,
            rtol=1e-14,
        )
        assert_allclose(squared_error(y, p, reduction="sum"), 0.5 * np.sum((p - y) ** 2))
        assert_allclose(squared_error(y, p, reduction="none"), 0.5 * (p - y) ** 2, rtol=1e-15)


def test_squared_error_derivative_by_finite_differences() -> None:
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=20), rng.normal(size=20)
    # elementwise: d/dp of the per-element loss
    err = check_gradient(
        lambda q: squared_error(y, q, reduction="none"),
        p,
        lambda q: squared_error_derivative(y, q),
    )
    assert err < 1e-8
    # scalar-valued: the gradient of the summed loss, one coordinate at a time
    assert (
        check_gradient(
            lambda q: squared_error(y, q, reduction="sum"),
            p,
            lambda q: squared_error_derivative(y, q),
        )
        < 1e-6
    )
    # and an independent inline central difference
    h = 1e-6
    numeric = (0.5 * (p + h - y) ** 2 - 0.5 * (p - h - y) ** 2) / (2 * h)
    assert_allclose(squared_error_derivative(y, p), numeric, rtol=1e-7, atol=1e-9)


def test_squared_error_huge_values_no_warning() -> None:
    with strict():
        # 0.5 d^2 = 1.62e308 is representable although d^2 is not
        assert squared_error([0.0], [1.8e154]) == pytest.approx((0.5 * 1.8e154) * 1.8e154)
        assert squared_error([-1e308], [1e308]) == np.inf  # true value beyond the range
        assert squared_error_derivative(-1e308, 1e308) == np.inf


# --------------------------------------------------------------------------- BCE on probabilities


def test_bce_against_sklearn_log_loss() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=200)
    p = rng.uniform(1e-6, 1 - 1e-6, size=200)
    w = rng.uniform(0, 2, size=200)
    with strict():
        ours = binary_cross_entropy(y, p)
        ours_w = binary_cross_entropy(y, p, sample_weight=w)
        ours_sum = binary_cross_entropy(y, p, reduction="sum")
    assert_allclose(ours, log_loss(y, p, labels=[0, 1]), rtol=1e-13)
    assert_allclose(ours_w, log_loss(y, p, sample_weight=w, labels=[0, 1]), rtol=1e-13)
    assert_allclose(ours_sum, log_loss(y, p, normalize=False, labels=[0, 1]), rtol=1e-13)


@SETTINGS
@given(hnp.arrays(np.float64, 8, elements=unit), hnp.arrays(np.float64, 8, elements=unit))
def test_bce_soft_targets_against_scipy_xlogy(y: np.ndarray, p: np.ndarray) -> None:
    with strict():
        got = binary_cross_entropy(y, p, reduction="none")
    assert_allclose(got, bce_oracle(y, p), rtol=1e-14, atol=0)
    assert np.all(got >= 0)


def test_bce_edges_zero_log_zero_and_inf() -> None:
    with strict():
        got = binary_cross_entropy([0, 1, 1, 0, 0.5, 0.5], [0, 1, 0, 1, 0, 1], reduction="none")
    assert_array_equal(got, [0.0, 0.0, np.inf, np.inf, np.inf, np.inf])
    assert not np.signbit(got[0])  # +0.0, not -0.0
    with strict():
        assert binary_cross_entropy([1, 0], [1.0, 0.5]) == pytest.approx(np.log(2) / 2)
        assert binary_cross_entropy([1, 1], [0.0, 1.0]) == np.inf


def test_bce_derivative_by_finite_differences_and_formula() -> None:
    rng = np.random.default_rng(3)
    y = rng.uniform(0, 1, size=40)
    y[:10] = np.round(y[:10])  # hard labels too
    p = rng.uniform(0.01, 0.99, size=40)
    err = check_gradient(
        lambda q: binary_cross_entropy(y, q, reduction="none"),
        p,
        lambda q: binary_cross_entropy_derivative(y, q),
    )
    assert err < 1e-7
    h = 1e-7
    numeric = (bce_oracle(y, p + h) - bce_oracle(y, p - h)) / (2 * h)
    with strict():
        d = binary_cross_entropy_derivative(y, p)
    assert_allclose(d, numeric, rtol=1e-6)
    assert_allclose(d, -y / p + (1 - y) / (1 - p), rtol=1e-12, atol=1e-12)


def test_bce_derivative_matches_sympy_and_not_the_notes() -> None:
    t, yh = sympy.symbols("t yhat", positive=True)
    loss = -(t * sympy.log(yh) + (1 - t) * sympy.log(1 - yh))
    d = sympy.diff(loss, yh)
    assert sympy.simplify(d - (yh - t) / (yh * (1 - yh))) == 0
    notes_final = t / yh + (1 - t) / (1 - yh)  # seed 000, last line
    assert sympy.simplify(d - notes_final) != 0
    f = sympy.lambdify((t, yh), d, "numpy")
    rng = np.random.default_rng(4)
    y, p = rng.uniform(size=30), rng.uniform(0.001, 0.999, size=30)
    assert_allclose(binary_cross_entropy_derivative(y, p), f(y, p), rtol=1e-12)
    notes = sympy.lambdify((t, yh), notes_final, "numpy")(y, p)
    assert np.all(notes > 0)  # always positive: descent would push yhat away from t
    assert np.all(np.abs(binary_cross_entropy_derivative(y, p) - notes) > 1e-3)


def test_bce_derivative_edges() -> None:
    with strict():
        got = binary_cross_entropy_derivative(
            [0.0, 0.3, 1.0, 0.7, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
        )
    # p=0: 1/(1-p) survives when y=0, -y/p -> -inf otherwise; mirror at p=1
    assert_array_equal(got, [1.0, -np.inf, -1.0, np.inf, np.inf, -np.inf])
    with strict():
        assert binary_cross_entropy_derivative(0.5, 1e-320) == -np.inf  # beyond the range
        assert binary_cross_entropy_derivative(0.5, 0.5 + 2**-40) == pytest.approx(
            2**-40 / 0.25, rel=1e-12
        )  # no cancellation near p = y


# --------------------------------------------------------------------------- BCE with logits


@SETTINGS
@given(
    hnp.arrays(np.float64, 8, elements=unit),
    hnp.arrays(np.float64, 8, elements=logit),
)
def test_bce_with_logits_against_scipy_log_expit(y: np.ndarray, z: np.ndarray) -> None:
    with strict():
        got = binary_cross_entropy_with_logits(y, z, reduction="none")
    with np.errstate(over="ignore"):  # the oracle's y * z can overflow past 1e308
        expected = bce_logits_oracle(y, z)
    ok = np.isfinite(expected)
    assert_allclose(got[ok], expected[ok], rtol=1e-13, atol=1e-300)
    assert np.all(np.isfinite(got)) and np.all(got >= 0)


@SETTINGS
@given(unit, st.floats(-745, 745))
def test_bce_with_logits_equals_bce_of_sigmoid_where_finite(y: float, z: float) -> None:
    p = float(sc.expit(z))
    with strict():
        via_p = binary_cross_entropy(y, p)
        direct = binary_cross_entropy_with_logits(y, z)
    if not np.isfinite(via_p) or p in (0.0, 1.0):
        return
    # the probability route loses ~eps / min(p, 1 - p) in absolute terms: that is the bound
    tol = 1e-13 * abs(direct) + 8 * EPS / min(p, 1 - p)
    assert abs(direct - via_p) <= tol


mpmath.mp.dps = 60


def _mp_softplus(t: mpmath.mpf) -> mpmath.mpf:
    return mpmath.log1p(mpmath.exp(t))


def _mp_bce_logits(y: float, z: float) -> float:
    # softplus(z) - y z = y softplus(-z) + (1 - y) softplus(z): two non-negative terms
    ym, zm = mpmath.mpf(y), mpmath.mpf(z)
    return float(ym * _mp_softplus(-zm) + (1 - ym) * _mp_softplus(zm))


@pytest.mark.parametrize(
    ("dtype", "zs"),
    [
        (np.float64, [1e308, -1e308, 1e10, -1e10, 1e3, -1e3, 40.0, -40.0, 0.5, 0.0]),
        (np.float32, [F32_MAX, -F32_MAX, 1e10, -1e10, 1e3, -1e3, 20.0, -20.0, 0.5]),
    ],
    ids=["f64", "f32"],
)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_extreme_against_mpmath(dtype: type, zs: list[float], y: float) -> None:
    z = np.array(zs, dtype=dtype)
    yy = np.full_like(z, y)
    with strict():
        got = binary_cross_entropy_with_logits(yy, z, reduction="none")
        grad = binary_cross_entropy_with_logits_derivative(yy, z)
    assert got.dtype == dtype and grad.dtype == dtype
    assert np.all(np.isfinite(got)) and np.all(np.isfinite(grad))
    finfo = np.finfo(dtype)
    expected = np.array([_mp_bce_logits(float(a), float(b)) for a, b in zip(yy, z, strict=True)])
    assert_allclose(got.astype(np.float64), expected, rtol=4 * finfo.eps, atol=finfo.tiny)
    expected_grad = np.array(
        [
            float(1 / (1 + mpmath.exp(-mpmath.mpf(float(b)))) - mpmath.mpf(float(a)))
            for a, b in zip(yy, z, strict=True)
        ]
    )
    assert_allclose(grad.astype(np.float64), expected_grad, rtol=4 * finfo.eps, atol=finfo.tiny)


def test_bce_with_logits_infinite_logits_take_the_limits() -> None:
    with strict():
        got = binary_cross_entropy_with_logits(
            [1.0, 0.0, 0.0, 1.0, 0.5], [np.inf, -np.inf, np.inf, -np.inf, np.inf], reduction="none"
        )
        grad = binary_cross_entropy_with_logits_derivative(
            [1.0, 0.0, 0.3], [np.inf, -np.inf, np.inf]
        )
    assert_array_equal(got, [0.0, 0.0, np.inf, np.inf, np.inf])
    assert_array_equal(grad, [0.0, 0.0, 0.7])


def test_bce_with_logits_derivative_by_finite_differences() -> None:
    rng = np.random.default_rng(5)
    y = rng.uniform(size=50)
    z = rng.normal(scale=8, size=50)
    assert (
        check_gradient(
            lambda t: binary_cross_entropy_with_logits(y, t, reduction="none"),
            z,
            lambda t: binary_cross_entropy_with_logits_derivative(y, t),
        )
        < 1e-6
    )
    h = 1e-6
    numeric = (bce_logits_oracle(y, z + h) - bce_logits_oracle(y, z - h)) / (2 * h)
    assert_allclose(
        binary_cross_entropy_with_logits_derivative(y, z), numeric, rtol=1e-5, atol=1e-9
    )
    assert_allclose(binary_cross_entropy_with_logits_derivative(y, z), sc.expit(z) - y, atol=1e-15)


def test_bce_with_logits_derivative_keeps_tiny_gradients() -> None:
    # y = 1, z = 40: the gradient is -sigma(-40) = -4.2e-18, not 1.0 - 1.0 = 0
    with strict():
        assert_allclose(
            binary_cross_entropy_with_logits_derivative(1.0, 40.0), -sc.expit(-40.0), rtol=1e-15
        )
        assert_allclose(
            binary_cross_entropy_with_logits(1.0, 40.0), -sc.log_expit(40.0), rtol=1e-15
        )


def test_chain_rule_links_the_two_derivatives() -> None:
    z = np.linspace(-6, 6, 25)
    y = np.linspace(0, 1, 25)
    p = sc.expit(z)
    chained = binary_cross_entropy_derivative(y, p) * p * (1 - p)
    assert_allclose(chained, binary_cross_entropy_with_logits_derivative(y, z), atol=1e-14)


# --------------------------------------------------------------------------- reduction & weights


LOSSES = [
    (squared_error, [0.1, 0.5, 0.9, 0.2]),
    (binary_cross_entropy, [0.1, 0.5, 0.9, 0.2]),
    (binary_cross_entropy_with_logits, [-3.0, 0.5, 2.0, 8.0]),
]


@pytest.mark.parametrize(("loss", "pred"), LOSSES, ids=lambda v: getattr(v, "__name__", ""))
def test_reductions_and_sample_weight(loss, pred) -> None:  # type: ignore[no-untyped-def]
    y = np.array([0.0, 1.0, 1.0, 0.25])
    pred = np.array(pred)
    w = np.array([1.0, 0.0, 2.5, 0.5])
    per = loss(y, pred, reduction="none")
    assert per.shape == (4,)
    assert_allclose(loss(y, pred), per.mean(), rtol=1e-15)
    assert_allclose(loss(y, pred, reduction="sum"), per.sum(), rtol=1e-15)
    assert_allclose(loss(y, pred, sample_weight=w), np.average(per, weights=w), rtol=1e-14)
    assert_allclose(loss(y, pred, reduction="sum", sample_weight=w), (w * per).sum(), rtol=1e-14)
    assert_allclose(loss(y, pred, reduction="none", sample_weight=w), w * per, rtol=1e-15)
    # weights are scale-free for the mean, and ints are fine
    assert_allclose(loss(y, pred, sample_weight=w * 1e300), np.average(per, weights=w), rtol=1e-14)
    assert_allclose(loss(y, pred, sample_weight=[1, 1, 1, 1]), per.mean(), rtol=1e-15)
    # 2-D: a sample's weight applies to its whole row
    y2, p2 = np.stack([y, y[::-1]], axis=1), np.stack([pred, pred[::-1]], axis=1)
    per2 = loss(y2, p2, reduction="none")
    assert per2.shape == (4, 2)
    expected = (w[:, None] * per2).sum() / (2 * w.sum())
    assert_allclose(loss(y2, p2, sample_weight=w), expected, rtol=1e-14)


def test_zero_weight_excludes_an_infinite_loss() -> None:
    with strict():
        got = binary_cross_entropy([1.0, 0.0], [0.0, 0.25], sample_weight=[0.0, 2.0])
        none = binary_cross_entropy([1.0, 0.0], [0.0, 0.25], reduction="none", sample_weight=[0, 2])
    assert_allclose(got, -np.log(0.75))
    assert_array_equal(none, [0.0, -2 * np.log(0.75)])


def test_mean_does_not_overflow_when_the_sum_would() -> None:
    with strict():
        big = (0.5 * 1.8e154) * 1.8e154  # 1.62e308: two of them overflow a plain sum
        assert squared_error([0.0, 0.0], [1.8e154, 1.8e154]) == pytest.approx(big)
        assert binary_cross_entropy_with_logits([0.0, 0.0], [1.5e308, 1.5e308]) == 1.5e308


def test_empty_inputs() -> None:
    with pytest.raises(ValueError, match="y_true is empty"):
        squared_error([], [])
    assert binary_cross_entropy([], [], reduction="sum") == 0.0
    assert binary_cross_entropy_with_logits([], [], reduction="none").shape == (0,)


# --------------------------------------------------------------------------- dtypes


def test_dtype_rules() -> None:
    y_int = np.array([0, 1, 1])
    p32 = np.array([0.2, 0.7, 0.9], dtype=np.float32)
    for fn in (squared_error, binary_cross_entropy, binary_cross_entropy_with_logits):
        assert fn(y_int, p32).dtype == np.float32
        assert fn(y_int, p32, reduction="none").dtype == np.float32
        assert fn(y_int, p32, sample_weight=[1, 2, 3]).dtype == np.float32
        assert fn(y_int, p32, sample_weight=np.ones(3)).dtype == np.float64
        assert fn(y_int.astype(np.float64), p32).dtype == np.float64
        assert fn(1.0, np.float32(0.5)).dtype == np.float32  # a Python float is weak
        assert fn(np.float64(1.0), np.float32(0.5)).dtype == np.float64
        assert fn([0, 1], [0, 1], reduction="none").dtype == np.float64
        out = fn(1, 0.5)
        assert isinstance(out, np.float64)
        assert isinstance(fn(1, 0.5, reduction="none"), np.float64)
    for fn in (
        squared_error_derivative,
        binary_cross_entropy_derivative,
        binary_cross_entropy_with_logits_derivative,
    ):
        assert fn(y_int, p32).dtype == np.float32
        assert isinstance(fn(1.0, 0.5), np.float64)


# --------------------------------------------------------------------------- bad input

ALL = [
    (squared_error, "y_pred"),
    (binary_cross_entropy, "y_prob"),
    (binary_cross_entropy_with_logits, "logits"),
]
DERIVATIVES = [
    (squared_error_derivative, "y_pred"),
    (binary_cross_entropy_derivative, "y_prob"),
    (binary_cross_entropy_with_logits_derivative, "logits"),
]


@pytest.mark.parametrize(("fn", "pred_name"), ALL + DERIVATIVES)
def test_shape_mismatch_is_an_error(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=rf"y_true and {pred_name} must have the same shape"):
        fn([0.0, 1.0], [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        fn([[0.0], [1.0]], [0.5, 0.5])  # would broadcast to (2, 2) silently
    with pytest.raises(ValueError, match="same shape"):
        fn(1.0, [0.5, 0.5])


@pytest.mark.parametrize(("fn", "pred_name"), ALL + DERIVATIVES)
def test_nan_is_an_error(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=rf"{pred_name} contains NaN"):
        fn([0.0, 1.0], [0.5, np.nan])
    with pytest.raises(ValueError, match="y_true contains NaN"):
        fn([np.nan, 1.0], [0.5, 0.5])


@pytest.mark.parametrize(("fn", "pred_name"), ALL + DERIVATIVES)
def test_non_numeric_is_an_error(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="y_true must be numeric"):
        fn(["a", "b"], [0.5, 0.5])
    with pytest.raises(TypeError, match=rf"{pred_name} must be"):
        fn([0.0, 1.0], [0.5, 0.5j])


@pytest.mark.parametrize(
    ("fn", "pred_name"),
    [
        (binary_cross_entropy, "y_prob"),
        (binary_cross_entropy_derivative, "y_prob"),
        (binary_cross_entropy_with_logits, None),
        (binary_cross_entropy_with_logits_derivative, None),
    ],
)
def test_targets_and_probabilities_must_lie_in_unit_interval(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 1\], found 2.0"):
        fn([0.0, 2.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 1\], found -1.0"):
        fn([-1.0, 1.0], [0.5, 0.5])
    if pred_name:
        with pytest.raises(ValueError, match=rf"{pred_name} must lie in \[0, 1\]"):
            fn([0.0, 1.0], [0.5, 1.0000001])
        with pytest.raises(ValueError, match=rf"{pred_name} must lie in \[0, 1\]"):
            fn([0.0, 1.0], [-0.1, 0.5])
    else:  # logits may be anything but NaN
        fn([0.0, 1.0], [-5.0, 1e300])


@pytest.mark.parametrize(
    ("fn", "pred_name"), [(squared_error, "y_pred"), (squared_error_derivative, "y_pred")]
)
def test_squared_error_rejects_infinite_values(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=rf"{pred_name} contains inf"):
        fn([0.0], [np.inf])
    with pytest.raises(ValueError, match="y_true contains inf"):
        fn([-np.inf], [0.0])


@pytest.mark.parametrize(("fn", "pred_name"), ALL)
def test_unknown_reduction(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    for bad in ("avg", "MEAN", None, 1):
        with pytest.raises(ValueError, match=r"reduction must be one of 'mean', 'sum', 'none'"):
            fn([0.0, 1.0], [0.5, 0.5], reduction=bad)


@pytest.mark.parametrize(("fn", "pred_name"), ALL)
def test_bad_sample_weight(fn, pred_name) -> None:  # type: ignore[no-untyped-def]
    y, p = [0.0, 1.0, 1.0], [0.5, 0.5, 0.5]
    cases = [
        ([1.0, 2.0], "length 3"),
        ([[1.0, 1.0, 1.0]], "1-D"),
        ([1.0, -1.0, 1.0], "non-negative"),
        ([0.0, 0.0, 0.0], "not be all zero"),
        ([1.0, np.nan, 1.0], "finite"),
        ([1.0, np.inf, 1.0], "finite"),
    ]
    for weights, message in cases:
        with pytest.raises(ValueError, match=rf"sample_weight.*{message}"):
            fn(y, p, sample_weight=weights)
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        fn(y, p, sample_weight=["a", "b", "c"])
    with pytest.raises(ValueError, match="sample_weight needs per-sample inputs"):
        fn(1.0, 0.5, sample_weight=[1.0])
