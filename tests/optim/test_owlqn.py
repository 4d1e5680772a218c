"""OWL-QN against glum, scikit-learn's Lasso and the KKT conditions (gradients by finite
differences of an objective written out with SciPy)."""

from __future__ import annotations

import numpy as np
import pytest
from glum import GeneralizedLinearRegressor
from l1_oracles import central_gradient, flat, kkt_violation, smooth_objective
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import Lasso
from sklearn.linear_model import LogisticRegression as SkLogistic

from sigmoid_neuron.objective import BinaryCrossEntropy, HalfSquaredError, make_objective
from sigmoid_neuron.objective.standardized import StandardizedObjective
from sigmoid_neuron.optim.owlqn import owlqn


def _solve(obj, tol=1e-9, **kwargs):
    problem = StandardizedObjective.of(obj)
    result = owlqn(problem, np.zeros(obj.n_params), tol=tol, max_iter=20000, **kwargs)
    return problem.to_outer(result.theta), result


def _zeros(theta: np.ndarray, d: int) -> np.ndarray:
    return np.flatnonzero(theta.reshape(-1, d + 1)[:, :d].ravel() == 0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_logistic_with_penalty_factors_matches_glum(l1_ratio: float) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    y = y.astype(float)
    f = np.random.default_rng(2).uniform(0.5, 1.5, X.shape[1])
    f[[0, 7]] = 0.0
    alpha = 0.02
    obj = make_objective(
        X, y, BinaryCrossEntropy(), alpha=alpha, l1_ratio=l1_ratio, penalty_factor=f
    )
    theta, result = _solve(obj)
    assert result.converged, result.message
    glum = GeneralizedLinearRegressor(
        family="binomial",
        alpha=alpha,
        l1_ratio=l1_ratio,
        P1=f,
        P2=f,
        gradient_tol=1e-12,
        max_iter=1000,
    ).fit(X, y)
    J_ref = obj.value(flat(glum.coef_, glum.intercept_))
    assert abs(obj.value(theta) - J_ref) <= 1e-7 * J_ref
    np.testing.assert_array_equal(_zeros(theta, 30), np.flatnonzero(glum.coef_ == 0))
    assert theta[0] != 0 and theta[7] != 0


def test_wide_lasso_with_more_features_than_rows() -> None:
    rng = np.random.default_rng(3)
    n, d = 120, 400
    X = rng.normal(size=(n, d))
    w = np.zeros(d)
    w[:8] = rng.normal(size=8) * 2
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w)))).astype(float)
    alpha = 0.03
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=alpha, l1_ratio=1.0)
    theta, result = _solve(obj, tol=1e-10)
    assert result.converged, result.message
    F = smooth_objective("binary", X, y, alpha, 1.0)
    assert kkt_violation(F, theta, d, alpha, 1.0) < 1e-6
    zeros = _zeros(theta, d)
    assert d - 60 < zeros.size < d  # a sparse answer with exact zeros
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=1.0, gradient_tol=1e-12, max_iter=1000
    ).fit(X, y)
    J_ref = obj.value(flat(glum.coef_, glum.intercept_))
    assert abs(obj.value(theta) - J_ref) <= 1e-7 * J_ref
    np.testing.assert_array_equal(zeros, np.flatnonzero(glum.coef_ == 0))


def test_linear_lasso_matches_scikit_learn() -> None:
    X, y = load_diabetes(return_X_y=True)
    obj = make_objective(X, y, HalfSquaredError(), alpha=0.3, l1_ratio=1.0)
    theta, result = _solve(obj, tol=1e-8)
    assert result.converged, result.message
    ref = Lasso(alpha=0.3, tol=1e-14, max_iter=10**6).fit(X, y)
    J_ref = obj.value(flat(ref.coef_, ref.intercept_))
    assert abs(obj.value(theta) - J_ref) <= 1e-7 * J_ref
    np.testing.assert_array_equal(_zeros(theta, 10), np.flatnonzero(ref.coef_ == 0))
    assert 0 < _zeros(theta, 10).size < 10


def test_without_l1_weights_it_is_lbfgs_and_reaches_the_optimum() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 6)) * [1, 5, 0.2, 1, 1, 3]
    y = (rng.uniform(size=500) < 1 / (1 + np.exp(-X @ np.ones(6) * 0.4))).astype(float)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-3)
    theta, result = _solve(obj, tol=1e-10)
    assert result.converged
    F = smooth_objective("binary", X, y, 1e-3, 0.0)
    assert np.max(np.abs(central_gradient(F, theta))) < 1e-6
    sk = SkLogistic(C=1 / (1e-3 * 500), tol=1e-12, max_iter=10000).fit(X, y)
    assert obj.value(theta) <= obj.value(flat(sk.coef_, sk.intercept_)) + 1e-12


def test_history_callback_and_arguments() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    obj = make_objective(X, y.astype(float), BinaryCrossEntropy(), alpha=0.05, l1_ratio=1.0)
    st = StandardizedObjective.of(obj)
    result = owlqn(st, np.zeros(31), tol=1e-8, max_iter=5000)
    assert result.converged
    assert np.all(np.diff(result.history) <= 0)  # a descent method on J (L1 included)
    assert result.history[-1] == pytest.approx(obj.value(st.to_outer(result.theta)), rel=1e-12)
    result = owlqn(st, np.zeros(31), tol=0.0, callback=lambda k, t, J: k == 3)
    assert result.n_iter == 3 and "callback" in result.message
    result = owlqn(st, np.zeros(31), tol=0.0, max_iter=2)
    assert not result.converged and "max_iter=2" in result.message
    with pytest.raises(ValueError, match="memory"):
        owlqn(st, np.zeros(31), memory=0)
    result = owlqn(obj, np.full(31, 1e300))
    assert not result.converged and "not finite" in result.message
