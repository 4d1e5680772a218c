"""The elastic-net penalty: its proximal map and subgradient against SciPy's scalar
minimiser, its value and derivatives against the formula and finite differences, and
its bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit, logsumexp
from sklearn.datasets import load_diabetes

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    make_objective,
)
from sigmoid_neuron.objective.penalty import (
    Penalty,
    l1_norm,
    min_norm_subgradient,
    soft_threshold,
)
from sigmoid_neuron.objective.standardized import StandardizedObjective

rng = np.random.default_rng(15)


def _central_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.empty_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        out[j] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("v", [-3.0, -0.7, -0.2, 0.0, 0.1, 0.5, 2.5])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_soft_threshold_is_the_proximal_map_of_the_absolute_value(v: float, t: float) -> None:
    # prox_{t|.|}(v) = argmin_x (x - v)^2 / 2 + t |x|, found by SciPy's bounded minimiser
    ref = minimize_scalar(
        lambda x: 0.5 * (x - v) ** 2 + t * abs(x),
        bounds=(-5, 5),
        method="bounded",
        options={"xatol": 1e-12},
    ).x
    out = soft_threshold(np.array([v]), t)[0]
    assert out == pytest.approx(ref, abs=1e-6)
    if abs(v) <= t:
        assert out == 0.0 and not np.signbit(out)  # an exact (positive) zero


def test_soft_threshold_keeps_float32_and_broadcasts() -> None:
    x = np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
    out = soft_threshold(x, np.array([0.5, 3.0, 0.0]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[0.5, 0.0, 0.5]], dtype=np.float32))


def test_min_norm_subgradient_is_the_distance_of_zero_to_the_subdifferential() -> None:
    # the subdifferential of g.x + lam |x| at x_j = 0 is the interval g_j + [-lam_j, lam_j]:
    # its element of least magnitude, found by SciPy over that interval
    theta = np.array([0.0, 0.0, 0.0, 1.5, -2.0, 0.0])
    g = np.array([0.3, -2.0, 1.0, 0.4, 0.1, 5.0])
    lam = np.array([1.0, 0.5, 1.0, 0.2, 0.3, 0.0])
    out = min_norm_subgradient(theta, g, lam)
    for j in range(theta.size):
        if theta[j] != 0:
            assert out[j] == pytest.approx(g[j] + lam[j] * np.sign(theta[j]), abs=1e-15)
        else:
            ref = minimize_scalar(
                lambda s, j=j: abs(g[j] + s),
                bounds=(-lam[j], lam[j]),
                method="bounded",
                options={"xatol": 1e-12},
            )
            assert abs(out[j]) == pytest.approx(ref.fun, abs=1e-6)
    assert l1_norm(theta, lam) == pytest.approx(0.2 * 1.5 + 0.3 * 2.0, rel=1e-15)


def test_penalty_value_and_gradient_follow_the_elastic_net_formula() -> None:
    d = 5
    f = rng.uniform(0, 2, d)
    f[1] = 0.0
    pen = Penalty(0.3, d, l1_ratio=0.4, penalty_factor=f)
    W = rng.normal(size=(3, d))
    expected = 0.3 * (0.4 * np.sum(f * np.abs(W)) + 0.6 / 2 * np.sum(f * W**2))
    assert pen.value(W) == pytest.approx(expected, rel=1e-14)
    grad = _central_gradient(lambda w: pen.smooth_value(w.reshape(3, d)), W.ravel())
    np.testing.assert_allclose(pen.smooth_gradient(W).ravel(), grad, rtol=1e-7, atol=1e-9)
    assert not pen.plain and pen.has_l1
    # the proximal map of step * L1 thresholds column j by step * alpha * l1_ratio * f_j
    np.testing.assert_allclose(pen.prox(W, 2.0), soft_threshold(W, 2.0 * 0.3 * 0.4 * f))


def test_plain_ridge_is_computed_as_before() -> None:
    # l1_ratio = 0 with every factor 1 is the old alpha/2 ||W||^2, bit for bit
    W = rng.normal(size=(2, 4))
    for factor in (None, np.ones(4)):
        pen = Penalty(0.7, 4, 0.0, factor)
        assert pen.plain and not pen.has_l1
        assert pen.value(W) == 0.5 * 0.7 * float(np.vdot(W, W))
        np.testing.assert_array_equal(pen.smooth_gradient(W), 0.7 * W)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"l1_ratio": -0.1}, "l1_ratio"),
        ({"l1_ratio": float("nan")}, "l1_ratio"),
        ({"l1_ratio": "lasso"}, "l1_ratio"),
        ({"penalty_factor": [1.0, -1.0, 1.0]}, "penalty_factor.*>= 0"),
        ({"penalty_factor": [1.0, 1.0]}, "penalty_factor.*3 value"),
        ({"penalty_factor": [[1.0, 1.0, 1.0]]}, "penalty_factor.*one number per feature"),
        ({"penalty_factor": [1.0, np.nan, 1.0]}, "penalty_factor.*finite"),
        ({"penalty_factor": ["a", "b", "c"]}, "penalty_factor"),
        ({"penalty_factor": "ones"}, "penalty_factor"),
    ],
)
def test_bad_penalty_arguments_name_the_argument(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Penalty(1.0, 3, **kwargs)


def _independent_smooth(kind: str, X, y, sw, theta, alpha, l1_ratio, f, K):
    """F(theta) computed from scratch with SciPy: weighted mean loss + ridge part."""
    d = X.shape[1]
    M = theta.reshape(K, d + 1)
    W, b = M[:, :d], M[:, d]
    Z = X @ W.T + b
    if kind == "binary":
        z = Z[:, 0]
        losses = np.logaddexp(0, z) - y * z
    elif kind == "multinomial":
        losses = logsumexp(Z, axis=1) - np.sum(y * Z, axis=1)
    else:
        losses = 0.5 * (Z[:, 0] - y) ** 2
    return np.sum(sw * losses) / sw.sum() + 0.5 * alpha * (1 - l1_ratio) * np.sum(f * W**2)


@pytest.mark.parametrize("kind", ["binary", "multinomial", "linear"])
def test_objective_smooth_part_gradient_hessian_and_l1_part(kind: str) -> None:
    n, d = 40, 4
    X = rng.normal(size=(n, d)) * [1.0, 10.0, 0.1, 3.0]
    K = 3 if kind == "multinomial" else 1
    loss = {"binary": BinaryCrossEntropy(), "multinomial": MultinomialCrossEntropy()}.get(
        kind, HalfSquaredError()
    )
    y = (
        np.eye(3)[rng.integers(0, 3, n)]
        if kind == "multinomial"
        else (rng.integers(0, 2, n).astype(float) if kind == "binary" else rng.normal(size=n))
    )
    sw = rng.uniform(0.5, 2.0, n)
    f = np.array([1.0, 0.0, 2.5, 0.3])
    obj = make_objective(X, y, loss, sw, alpha=0.2, l1_ratio=0.3, penalty_factor=f)
    theta = rng.normal(size=obj.n_params)

    def F(t):
        return _independent_smooth(kind, X, y, sw, t, 0.2, 0.3, f, K)

    value, grad = obj.loss_gradient(theta)
    assert value == pytest.approx(F(theta), rel=1e-12)
    np.testing.assert_allclose(grad, _central_gradient(F, theta), rtol=1e-6, atol=1e-7)
    H = obj.hessian(theta)
    fd_h = np.array(
        [_central_gradient(lambda t, j=j: obj.gradient(t)[j], theta) for j in range(theta.size)]
    )
    np.testing.assert_allclose(H, fd_h, rtol=1e-5, atol=1e-6)
    W = theta.reshape(K, d + 1)[:, :d]
    l1 = 0.2 * 0.3 * np.sum(f * np.abs(W))
    assert obj.penalty_value(theta) == pytest.approx(l1, rel=1e-14)
    assert obj.value(theta) == pytest.approx(F(theta) + l1, rel=1e-12)
    # the intercepts carry no L1 weight
    assert np.all(obj.l1_weights.reshape(K, d + 1)[:, d] == 0)


def test_objective_without_l1_reports_the_gradient_as_its_optimality() -> None:
    X, y = load_diabetes(return_X_y=True)
    obj = make_objective(X, y, HalfSquaredError(), alpha=0.1)
    theta = rng.normal(size=obj.n_params)
    _, grad = obj.loss_gradient(theta)
    assert obj.optimality(theta, grad) == np.max(np.abs(grad))
    assert obj.penalty_value(theta) == 0.0 and obj.value(theta) == obj.loss(theta)


def test_standardised_l1_weights_are_divided_by_the_column_scales() -> None:
    # |w_j| = |w'_j| / c_j: the L1 part is the same function in both coordinates
    X, y = load_diabetes(return_X_y=True)
    X = X * np.arange(1, 11) * 100 + 5
    f = np.linspace(0, 2, 10)
    obj = make_objective(X, y, HalfSquaredError(), alpha=0.5, l1_ratio=0.8, penalty_factor=f)
    st = StandardizedObjective.of(obj)
    assert not np.allclose(st.scale, 1.0)
    inner = rng.normal(size=obj.n_params)
    outer = st.to_outer(inner)
    assert st.penalty_value(inner) == pytest.approx(obj.penalty_value(outer), rel=1e-13)
    assert l1_norm(inner, st.l1_weights) == pytest.approx(obj.penalty_value(outer), rel=1e-13)
    inner[[2, 5]] = 0.0
    assert np.all(st.to_outer(inner)[[2, 5]] == 0.0)


def test_with_data_keeps_the_penalty() -> None:
    X = rng.normal(size=(20, 3))
    y = expit(X @ [1.0, -1.0, 0.5]) > 0.5
    obj = make_objective(
        X,
        y.astype(float),
        BinaryCrossEntropy(),
        alpha=0.3,
        l1_ratio=0.5,
        penalty_factor=[1.0, 0.0, 2.0],
    )
    half = make_objective(X[:10], y[:10].astype(float), BinaryCrossEntropy()).data
    sub = obj.with_data(half)
    np.testing.assert_array_equal(sub.l1_weights, obj.l1_weights)
    assert sub.penalty.l1_ratio == 0.5 and sub.alpha == 0.3
