"""sigmoid, sigmoid_derivative, log_sigmoid, softplus, softmax, log_softmax.

Oracles: scipy.special (expit, log_expit, softmax, log_softmax, logsumexp), mpmath at
60 digits for the extreme range, central finite differences, and identities checked
with hypothesis.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import mpmath
import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from sigmoid_neuron.functional import (
    check_gradient,
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softplus,
)
from sigmoid_neuron.functional.activations import (
    _log_sigmoid,
    _log_softmax,
    _sigmoid,
    _softplus,
)

SETTINGS = settings(max_examples=80, deadline=None)
F64_TINY = np.finfo(np.float64).tiny
F64_EPS = np.finfo(np.float64).eps
F32_MAX = float(np.finfo(np.float32).max)

reals = st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-700, max_value=700, allow_nan=False)
real_arrays = hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6), elements=reals)


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Any warning is an error, and so is any floating-point event but underflow."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


# --------------------------------------------------------------------------- sigmoid


@SETTINGS
@given(real_arrays)
def test_sigmoid_matches_scipy_expit(z: np.ndarray) -> None:
    with strict():
        got = sigmoid(z)
    assert_allclose(got, sc.expit(z), rtol=4 * F64_EPS, atol=F64_TINY)


@SETTINGS
@given(hnp.arrays(np.float32, 20, elements=st.floats(-F32_MAX, F32_MAX, width=32)))
def test_sigmoid_float32_matches_expit(z: np.ndarray) -> None:
    with strict():
        got = sigmoid(z)
    assert got.dtype == np.float32
    expected = sc.expit(z.astype(np.float64))
    assert_allclose(got, expected, rtol=8 * np.finfo(np.float32).eps, atol=1e-38)


@SETTINGS
@given(reals)
def test_sigmoid_symmetry(z: float) -> None:
    with strict():
        assert abs(sigmoid(-z) - (1 - sigmoid(z))) <= F64_EPS


@SETTINGS
@given(reals)
def test_sigmoid_in_unit_interval_and_monotone(z: float) -> None:
    with strict():
        s = sigmoid(z)
        assert 0.0 <= s <= 1.0
        assert sigmoid(np.nextafter(z, np.inf)) >= s


def test_sigmoid_limits_and_nan() -> None:
    with strict():
        assert sigmoid(np.inf) == 1.0
        assert sigmoid(-np.inf) == 0.0
        assert sigmoid(0) == 0.5
        assert np.isnan(sigmoid(np.nan))
        assert_array_equal(sigmoid([-1e308, 1e308]), [0.0, 1.0])


# --------------------------------------------------------------------------- derivative


@SETTINGS
@given(real_arrays)
def test_sigmoid_derivative_is_s_times_one_minus_s(z: np.ndarray) -> None:
    with strict():
        d = sigmoid_derivative(z)
    s = sc.expit(z)
    # 1 - s(z) = s(-z): the form that keeps relative accuracy when s rounds to 1
    assert_allclose(d, s * sc.expit(-z), rtol=8 * F64_EPS, atol=F64_TINY)
    # the notes' form g(1 - g), exact up to the rounding of 1 - g
    assert_allclose(d, s * (1 - s), rtol=1e-12, atol=F64_EPS)
    assert np.all((d >= 0) & (d <= 0.25))


def test_sigmoid_derivative_against_inline_central_difference() -> None:
    z = np.linspace(-12, 12, 97)
    h = 1e-5
    numeric = (sc.expit(z + h) - sc.expit(z - h)) / (2 * h)
    # rounding noise of the quotient: about eps / h = 2e-11 where sigma(z) is near 1
    assert_allclose(sigmoid_derivative(z), numeric, rtol=1e-8, atol=5e-11)


def test_sigmoid_derivative_with_check_gradient() -> None:
    z = np.linspace(-30, 30, 121)
    assert check_gradient(sigmoid, z, sigmoid_derivative) < 1e-5
    assert check_gradient(sigmoid, z.astype(np.float32), sigmoid_derivative) < 2e-2


def test_log_sigmoid_and_softplus_derivatives_with_check_gradient() -> None:
    z = np.linspace(-40, 40, 81)
    # d/dz log sigma(z) = sigma(-z);  d/dz softplus(z) = sigma(z)
    assert check_gradient(log_sigmoid, z, lambda t: sc.expit(-t)) < 1e-5
    assert check_gradient(softplus, z, sc.expit) < 1e-5


# --------------------------------------------------------------------------- log_sigmoid / softplus


@SETTINGS
@given(real_arrays)
def test_log_sigmoid_matches_scipy_log_expit(z: np.ndarray) -> None:
    with strict():
        got = log_sigmoid(z)
    assert_allclose(got, sc.log_expit(z), rtol=4 * F64_EPS, atol=F64_TINY)


@SETTINGS
@given(reals)
def test_log_sigmoid_is_log_of_sigmoid_where_representable(z: float) -> None:
    s = sc.expit(z)
    if s < F64_TINY:  # sigma(z) is subnormal or 0: log(sigma) is not representable
        return
    with strict():
        assert_allclose(log_sigmoid(z), np.log(s), rtol=1e-14, atol=2 * F64_EPS)


@SETTINGS
@given(real_arrays)
def test_softplus_matches_scipy(z: np.ndarray) -> None:
    with strict():
        got = softplus(z)
    assert_allclose(got, -sc.log_expit(-z), rtol=4 * F64_EPS, atol=F64_TINY)
    finite = np.abs(z) < 1e300  # logaddexp overflows internally near the top
    assert_allclose(got[finite], np.logaddexp(0, z[finite]), rtol=4 * F64_EPS, atol=F64_TINY)


@SETTINGS
@given(reals)
def test_softplus_minus_z_is_softplus_of_minus_z(z: float) -> None:
    if abs(z) > 1e15:  # softplus(z) - z cancels completely; identity still exact in reals
        return
    with strict():
        assert_allclose(softplus(z) - z, softplus(-z), rtol=1e-12, atol=1e-15 * max(1, abs(z)))


# --------------------------------------------------------------------------- extreme range


mpmath.mp.dps = 60


def _mp_sigmoid(z: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


MP_ORACLES = {
    "sigmoid": (sigmoid, _mp_sigmoid),
    # sigma'(z) = sigma(z) sigma(-z) evaluated at 60 digits (no cancellation)
    "sigmoid_derivative": (sigmoid_derivative, lambda z: _mp_sigmoid(z) * _mp_sigmoid(-z)),
    "log_sigmoid": (log_sigmoid, lambda z: -mpmath.log1p(mpmath.exp(-mpmath.mpf(z)))),
    "softplus": (softplus, lambda z: mpmath.log1p(mpmath.exp(mpmath.mpf(z)))),
}
EXTREME_F64 = [
    1e308,
    -1e308,
    np.finfo(np.float64).max,
    -np.finfo(np.float64).max,
    1e10,
    -1e10,
    1e3,
    -1e3,
    745.0,
    -745.0,
    700.0,
    -700.0,
    36.7,
    -36.7,
    1e-300,
    -1e-300,
    0.0,
]
EXTREME_F32 = [F32_MAX, -F32_MAX, 1e10, -1e10, 1e3, -1e3, 88.0, -88.0, 50.0, -50.0, 17.0, 1e-30]


@pytest.mark.parametrize("name", sorted(MP_ORACLES))
@pytest.mark.parametrize(
    ("dtype", "points"), [(np.float64, EXTREME_F64), (np.float32, EXTREME_F32)], ids=["f64", "f32"]
)
def test_extreme_range_against_mpmath(name: str, dtype: type, points: list[float]) -> None:
    ours, oracle = MP_ORACLES[name]
    z = np.array(points, dtype=dtype)
    with strict():
        got = ours(z)
        scalars = [ours(v) for v in z]
    assert got.dtype == dtype
    assert np.all(np.isfinite(got))
    expected = np.array([float(oracle(float(v))) for v in z])
    finfo = np.finfo(dtype)
    assert_allclose(got.astype(np.float64), expected, rtol=4 * finfo.eps, atol=finfo.tiny)
    for v, g in zip(scalars, got, strict=True):
        assert isinstance(v, dtype)
        assert v == g


def test_extreme_limits_are_exact() -> None:
    big = np.array([1e308, -1e308])
    with strict():
        assert_array_equal(sigmoid(big), [1.0, 0.0])
        assert_array_equal(sigmoid_derivative(big), [0.0, 0.0])
        assert_array_equal(log_sigmoid(big), [0.0, -1e308])
        assert_array_equal(softplus(big), [1e308, 0.0])
        f32 = np.array([F32_MAX, -F32_MAX], dtype=np.float32)
        assert_array_equal(log_sigmoid(f32), np.array([0, -F32_MAX], dtype=np.float32))
        assert_array_equal(softplus(f32), np.array([F32_MAX, 0], dtype=np.float32))


def test_no_warnings_even_when_numpy_raises_on_underflow() -> None:
    z = np.array([-1e3, 1e3, -1e308, 1e308, -800.0, 800.0])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for fn in (sigmoid, sigmoid_derivative, log_sigmoid, softplus):
            assert np.all(np.isfinite(fn(z)))
        assert np.all(np.isfinite(softmax(np.array([[0.0, -1e308], [1e308, -1e308]]))))


# --------------------------------------------------------------------------- dtypes, shapes


@pytest.mark.parametrize("fn", [sigmoid, sigmoid_derivative, log_sigmoid, softplus])
def test_dtype_and_scalar_rules(fn) -> None:  # type: ignore[no-untyped-def]
    assert fn(np.array([0.5], dtype=np.float32)).dtype == np.float32
    assert fn(np.float32(0.5)).dtype == np.float32
    assert fn(np.array([1, 2])).dtype == np.float64
    assert fn([True, False]).dtype == np.float64
    out = fn(0.25)
    assert isinstance(out, np.float64) and not isinstance(out, np.ndarray)
    assert isinstance(fn(np.array(0.25)), np.float64)
    assert fn(np.zeros((2, 3, 0))).shape == (2, 3, 0)
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    assert_array_equal(fn(z), np.array([fn(v) for v in z.ravel()]).reshape(3, 4))
    assert_array_equal(fn(z.T), fn(z).T)  # non-contiguous input


@pytest.mark.parametrize("fn", [sigmoid, sigmoid_derivative, log_sigmoid, softplus, softmax])
def test_non_numeric_input_names_z(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="z must be"):
        fn("abc")
    with pytest.raises(TypeError, match="z must be real"):
        fn(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="z must be"):
        fn([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="z must be"):
        fn(np.array([None, 1.0], dtype=object))


def test_private_kernels_agree_with_public_and_keep_dtype() -> None:
    for dtype in (np.float32, np.float64):
        z = np.linspace(-50, 50, 21).astype(dtype)
        for kernel, public in [
            (_sigmoid, sigmoid),
            (_log_sigmoid, log_sigmoid),
            (_softplus, softplus),
        ]:
            out = kernel(z)
            assert out.dtype == dtype and out is not z
            assert_array_equal(out, public(z))
        zz = z.reshape(3, 7)
        assert_array_equal(_log_softmax(zz, 1), log_softmax(zz, axis=1))
        assert _log_softmax(zz, 1).dtype == dtype


# --------------------------------------------------------------------------- softmax


scores = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
    elements=st.floats(-1e308, 1e308, allow_nan=False),
)


@SETTINGS
@given(scores, st.integers(-1, 0))
def test_softmax_matches_scipy_and_sums_to_one(z: np.ndarray, axis: int) -> None:
    with strict():
        p = softmax(z, axis=axis)
        lp = log_softmax(z, axis=axis)
    assert_allclose(p, sc.softmax(z, axis=axis), rtol=1e-13, atol=F64_TINY)
    assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-13)
    assert np.all((p >= 0) & (p <= 1))
    expected_lp = z - sc.logsumexp(z, axis=axis, keepdims=True)
    scale = np.maximum(1.0, np.abs(z))  # z - lse loses absolute digits at the magnitude of z
    assert np.all(np.abs(lp - expected_lp) <= 1e-13 * scale)
    assert_allclose(lp, sc.log_softmax(z, axis=axis), rtol=1e-13, atol=1e-13 * scale.max())


@SETTINGS
@given(moderate)
def test_two_class_softmax_is_sigmoid(z: float) -> None:
    with strict():
        p = softmax(np.array([0.0, z]))
    assert_allclose(p[1], sigmoid(z), rtol=4 * F64_EPS, atol=F64_TINY)
    assert_allclose(p[0], sigmoid(-z), rtol=4 * F64_EPS, atol=F64_TINY)


def test_softmax_axis_none_and_tuple() -> None:
    z = np.arange(24.0).reshape(2, 3, 4) / 7
    assert_allclose(softmax(z, axis=None), sc.softmax(z, axis=None), rtol=1e-14)
    assert_allclose(softmax(z, axis=(1, 2)), sc.softmax(z, axis=(1, 2)), rtol=1e-14)
    assert softmax(3.0, axis=None) == 1.0


def test_softmax_nonfinite_limits_without_warnings() -> None:
    z = np.array([[np.inf, 0.0, np.inf], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]])
    with strict():
        p = softmax(z)
        lp = log_softmax(z)
    assert_array_equal(p[0], [0.5, 0.0, 0.5])
    assert_allclose(p[1], [0.0, *sc.softmax([0.0, 1.0])], rtol=1e-15)
    assert np.all(np.isnan(p[2]))
    assert_allclose(lp[0], [-np.log(2), -np.inf, -np.log(2)])
    assert lp[1, 0] == -np.inf
    with strict():
        assert np.all(np.isnan(softmax([np.nan, 1.0])))


def test_softmax_float32_preserved() -> None:
    z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    assert softmax(z).dtype == np.float32
    assert log_softmax(z).dtype == np.float32
    assert_allclose(softmax(z), sc.softmax(z.astype(np.float64), axis=-1), rtol=1e-6)


def test_softmax_bad_axis_and_empty() -> None:
    with pytest.raises(ValueError, match="axis=2 is invalid for z"):
        softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="axis"):
        log_softmax(np.zeros((2, 3)), axis=(0, 0))
    with pytest.raises(TypeError, match="axis must be"):
        softmax(np.zeros(3), axis=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="z is a scalar"):
        softmax(1.0)
    with pytest.raises(ValueError, match="z has no entries along axis"):
        softmax(np.zeros((3, 0)))
    assert softmax(np.zeros((0, 3))).shape == (0, 3)
