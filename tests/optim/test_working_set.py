"""Proximal Newton on working sets against glum, scikit-learn and the KKT conditions
(gradients by finite differences of an objective written out with SciPy), on wide
sparse (CSR) and dense problems."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from l1_oracles import flat, kkt_violation, smooth_objective
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    make_objective,
)
from sigmoid_neuron.objective.standardized import StandardizedObjective
from sigmoid_neuron.optim import working_set as ws_module
from sigmoid_neuron.optim.working_set import working_set


def _solve(obj, theta0=None, tol=1e-9, **kwargs):
    problem = StandardizedObjective.of(obj)
    start = np.zeros(obj.n_params) if theta0 is None else problem.to_inner(theta0)
    result = working_set(problem, start, tol=tol, max_iter=200, **kwargs)
    return problem.to_outer(result.theta), result


def _zeros(theta: np.ndarray, d: int) -> np.ndarray:
    return np.flatnonzero(theta.reshape(-1, d + 1)[:, :d].ravel() == 0)


def _wide_sparse(n: int, d: int, density: float, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Uniform(0, 1) values at ``density``, 10 informative columns."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed)
    w = np.zeros(d)
    w[rng.choice(d, 10, replace=False)] = rng.normal(scale=8.0, size=10)
    z = X @ w - 0.2
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)
    return X, y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_sparse_logistic_matches_glum_with_the_same_zeros(l1_ratio: float) -> None:
    X, y = _wide_sparse(3000, 2000, 0.01, seed=0)
    alpha = 0.0016 / l1_ratio
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=alpha, l1_ratio=l1_ratio)
    theta, result = _solve(obj)
    assert result.converged, result.message
    assert "working set" in result.message
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=l1_ratio, gradient_tol=1e-12, max_iter=1000
    ).fit(X, y)
    J_ref = obj.value(flat(glum.coef_, glum.intercept_))
    assert abs(obj.value(theta) - J_ref) <= 1e-7 * J_ref
    zeros = _zeros(theta, 2000)
    np.testing.assert_array_equal(zeros, np.flatnonzero(glum.coef_ == 0))
    assert 1900 < zeros.size < 2000  # few non-zeros: the case working sets are for


def test_kkt_by_finite_differences_and_dense_equals_csr() -> None:
    X, y = _wide_sparse(400, 600, 0.03, seed=1)
    alpha, l1_ratio = 0.004, 0.7
    factor = np.random.default_rng(5).uniform(0.5, 2.0, 600)
    factor[:3] = 0.0  # unpenalised columns are always in the working set
    sparse_obj = make_objective(
        X, y, BinaryCrossEntropy(), alpha=alpha, l1_ratio=l1_ratio, penalty_factor=factor
    )
    theta, result = _solve(sparse_obj, tol=1e-10)
    assert result.converged, result.message
    Xd = X.toarray()
    F = smooth_objective("binary", Xd, y, alpha, l1_ratio, factor)
    assert kkt_violation(F, theta, 600, alpha, l1_ratio, factor) < 1e-6
    assert np.all(theta[:3] != 0)
    dense_obj = make_objective(
        Xd, y, BinaryCrossEntropy(), alpha=alpha, l1_ratio=l1_ratio, penalty_factor=factor
    )
    dense, _ = _solve(dense_obj, tol=1e-10)
    np.testing.assert_array_equal(_zeros(dense, 600), _zeros(theta, 600))
    np.testing.assert_allclose(dense, theta, rtol=1e-7, atol=1e-9)


def test_multinomial_wide_problem_meets_kkt() -> None:
    rng = np.random.default_rng(2)
    n, d, K = 600, 300, 3
    X = rng.normal(size=(n, d))
    W = np.zeros((K, d))
    W[:, :4] = rng.normal(scale=2.0, size=(K, 4))
    Z = X @ W.T
    labels = np.array([rng.choice(K, p=np.exp(z - z.max()) / np.exp(z - z.max()).sum()) for z in Z])
    Y = np.eye(K)[labels]
    alpha = 0.02
    obj = make_objective(X, Y, MultinomialCrossEntropy(), alpha=alpha, l1_ratio=1.0)
    theta, result = _solve(obj, tol=1e-10)
    assert result.converged, result.message
    F = smooth_objective("multinomial", X, Y, alpha, 1.0)
    assert kkt_violation(F, theta, d, alpha, 1.0) < 1e-6
    assert 0 < _zeros(theta, d).size < K * d


def test_linear_lasso_matches_scikit_learn_from_a_dense_warm_start() -> None:
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(3)
    X = np.hstack([X, rng.normal(scale=0.05, size=(X.shape[0], 90))])  # 100 columns
    obj = make_objective(X, y, HalfSquaredError(), alpha=0.5, l1_ratio=1.0)
    start = rng.normal(size=obj.n_params)  # every coefficient non-zero
    theta, result = _solve(obj, theta0=start, tol=1e-8)
    assert result.converged, result.message
    ref = Lasso(alpha=0.5, tol=1e-14, max_iter=10**6).fit(X, y)
    J_ref = obj.value(flat(ref.coef_, ref.intercept_))
    assert abs(obj.value(theta) - J_ref) <= 1e-7 * J_ref
    np.testing.assert_array_equal(_zeros(theta, 100), np.flatnonzero(ref.coef_ == 0))


def test_the_working_set_stays_small_and_passes_are_few(monkeypatch) -> None:
    X, y = _wide_sparse(3000, 2000, 0.01, seed=0)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.0016, l1_ratio=1.0)
    sizes: list[int] = []
    original = ws_module._solve_subproblem

    def spy(objective, theta, columns, features, tol):
        sizes.append(columns.size)
        return original(objective, theta, columns, features, tol)

    monkeypatch.setattr(ws_module, "_solve_subproblem", spy)
    theta, result = _solve(obj)
    assert result.converged
    nonzero = 2000 - _zeros(theta, 2000).size
    assert max(sizes) <= max(4 * nonzero, 4 * ws_module.MIN_SIZE)
    assert result.n_iter <= 10


def test_callback_history_and_budget() -> None:
    X, y = _wide_sparse(1000, 500, 0.02, seed=4)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.0015, l1_ratio=1.0)
    seen: list[tuple[int, float]] = []
    _, result = _solve(obj, callback=lambda it, th, J: seen.append((it, J)))
    assert [it for it, _ in seen] == list(range(1, result.n_iter + 1))
    assert result.history == [J for _, J in seen]
    assert all(b <= a + 1e-15 for a, b in zip(result.history, result.history[1:], strict=False))
    problem = StandardizedObjective.of(obj)
    short = working_set(problem, np.zeros(obj.n_params), tol=1e-12, max_iter=1)
    assert not short.converged and "max_iter=1" in short.message
    stopped = working_set(
        problem, np.zeros(obj.n_params), tol=1e-12, max_iter=50, callback=lambda *a: True
    )
    assert stopped.n_iter == 1 and "callback" in stopped.message
