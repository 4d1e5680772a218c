"""The linear objective against finite differences and scikit-learn's optimum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
    make_objective,
)

rng = np.random.default_rng(1)


def _problem(loss_name: str, n: int = 30, d: int = 4):
    X = rng.normal(size=(n, d))
    if loss_name == "multinomial":
        return X, np.eye(3)[rng.integers(0, 3, n)], MultinomialCrossEntropy(), 3
    if loss_name == "linear":
        return X, rng.normal(size=n), HalfSquaredError(), 1
    if loss_name == "sigmoid_se":
        return X, rng.uniform(size=n), SigmoidHalfSquaredError(), 1
    return X, rng.integers(0, 2, n).astype(float), BinaryCrossEntropy(), 1


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["binary", "multinomial", "linear", "sigmoid_se"])
def test_gradient_and_hessian_finite_differences(kind: str, fit_intercept: bool) -> None:
    X, y, loss, _ = _problem(kind)
    sw = rng.uniform(0.5, 2.0, size=X.shape[0])
    obj = make_objective(X, y, loss, sample_weight=sw, alpha=0.3, fit_intercept=fit_intercept)
    theta = rng.normal(size=obj.n_params)
    value, grad = obj.loss_gradient(theta)
    assert value == pytest.approx(obj.loss(theta), rel=1e-14)
    fd = approx_fprime(theta, obj.loss, 1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)
    H = obj.hessian(theta)
    fd_h = np.array(
        [approx_fprime(theta, lambda t, j=j: obj.gradient(t)[j], 1e-7) for j in range(obj.n_params)]
    )
    np.testing.assert_allclose(H, fd_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_value_is_weighted_mean_plus_penalty_not_on_intercept() -> None:
    X, y, loss, _ = _problem("binary")
    sw = rng.uniform(0.5, 2.0, size=X.shape[0])
    obj = make_objective(X, y, loss, sample_weight=sw, alpha=0.7)
    w, b = rng.normal(size=X.shape[1]), 1.5
    p = expit(X @ w + b)
    pointwise = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    expected = np.sum(sw * pointwise) / sw.sum() + 0.35 * w @ w
    assert obj.loss(np.r_[w, b]) == pytest.approx(expected, rel=1e-12)


def test_unpack_pack_round_trip_and_shape_error() -> None:
    X, y, loss, K = _problem("multinomial")
    obj = make_objective(X, y, loss)
    theta = rng.normal(size=obj.n_params)
    W, b = obj.unpack(theta)
    assert W.shape == (K, X.shape[1]) and b.shape == (K,)
    np.testing.assert_array_equal(obj.pack(W, b), theta)
    with pytest.raises(ValueError, match="theta must have shape"):
        obj.loss(theta[:-1])


def test_gradient_vanishes_at_sklearn_logistic_optimum() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.01
    sk = SkLogistic(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    obj = make_objective(X, y.astype(float), BinaryCrossEntropy(), alpha=alpha)
    grad = obj.gradient(np.r_[sk.coef_.ravel(), sk.intercept_])
    assert np.max(np.abs(grad)) < 1e-6


def test_gradient_vanishes_at_sklearn_multinomial_optimum() -> None:
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.05
    sk = SkLogistic(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    obj = make_objective(X, np.eye(3)[y], MultinomialCrossEntropy(), alpha=alpha)
    # scikit-learn's multinomial parameters are identifiable only up to a shift of all
    # classes; the gradient of the objective is invariant to it.
    theta = obj.pack(sk.coef_, sk.intercept_)
    assert np.max(np.abs(obj.gradient(theta))) < 1e-6


def test_gradient_vanishes_at_ridge_optimum() -> None:
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5) + 0.3 + rng.normal(scale=0.1, size=200)
    alpha = 0.2
    # Ridge minimises ||y - Xw - b||^2 + a ||w||^2 = 2n * (mean half-SE + (a/2n) ||w||^2)
    rd = Ridge(alpha=alpha * len(y)).fit(X, y)
    obj = make_objective(X, y, HalfSquaredError(), alpha=alpha)
    assert np.max(np.abs(obj.gradient(np.r_[rd.coef_, rd.intercept_]))) < 1e-10


def test_float32_is_kept_in_the_data_pass() -> None:
    X, y, loss, _ = _problem("binary")
    obj = make_objective(X.astype(np.float32), y, loss)
    assert obj.data.dtype == np.float32
    value, grad = obj.loss_gradient(np.zeros(obj.n_params))
    assert value == pytest.approx(np.log(2), rel=1e-6)
    assert grad.dtype == np.float64


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": -1.0}, "alpha"),
        ({"sample_weight": -np.ones(30)}, "sample_weight"),
        ({"sample_weight": np.zeros(30)}, "sample_weight"),
        ({"sample_weight": np.ones(3)}, "sample_weight"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    X, y, loss, _ = _problem("binary")
    with pytest.raises(ValueError, match=match):
        make_objective(X, y, loss, **kwargs)
