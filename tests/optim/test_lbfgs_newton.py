"""L-BFGS then Newton against scikit-learn's newton-cholesky and finite differences, and
its iteration accounting across the switch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.special import logsumexp
from sklearn.datasets import load_digits, load_wine
from sklearn.linear_model import LogisticRegression as SkLogistic

from sigmoid_neuron.estimators import LogisticRegression
from sigmoid_neuron.objective import MultinomialCrossEntropy, make_objective
from sigmoid_neuron.objective.standardized import StandardizedObjective
from sigmoid_neuron.optim import lbfgs_newton as module
from sigmoid_neuron.optim.lbfgs_newton import lbfgs_newton


def _wine_problem():
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)  # raw units (proline ~1e3) would swamp the differences
    Y = np.eye(3)[y]
    obj = make_objective(X, Y, MultinomialCrossEntropy(), alpha=1e-2)
    return X, Y, obj, StandardizedObjective.of(obj)


def test_reaches_the_optimum_checked_by_finite_differences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a warm-up shorter than L-BFGS needs here, so that Newton finishes the run
    monkeypatch.setattr(module, "WARMUP_ITER", 10)
    X, Y, obj, problem = _wine_problem()
    result = lbfgs_newton(problem, np.zeros(obj.n_params), tol=1e-10, max_iter=200)
    assert result.converged, result.message
    warm = int(result.message.split(" L-BFGS iterations, then Newton")[0])
    assert 0 < warm <= module.WARMUP_ITER < 200 and result.n_iter > warm
    theta = problem.to_outer(result.theta)

    def J(t: np.ndarray) -> float:  # written out with SciPy, not the package
        M = t.reshape(3, 14)
        Z = X @ M[:, :13].T + M[:, 13]
        return float(np.mean(logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1))) + 0.5e-2 * float(
            np.sum(M[:, :13] ** 2)
        )

    grad = approx_fprime(theta, J, 1e-7)
    assert np.max(np.abs(grad)) < 1e-5


def test_iterations_history_and_callback_run_on_across_the_switch() -> None:
    _, _, obj, problem = _wine_problem()
    seen: list[int] = []
    result = lbfgs_newton(
        problem, np.zeros(obj.n_params), tol=1e-10, max_iter=200,
        callback=lambda it, th, J: seen.append(it),
    )  # fmt: skip
    assert seen == list(range(1, result.n_iter + 1))
    assert len(result.history) == result.n_iter
    stopped = lbfgs_newton(
        problem, np.zeros(obj.n_params), tol=1e-10, max_iter=200, callback=lambda it, *a: it == 3
    )
    assert stopped.n_iter == 3  # a callback stop during L-BFGS ends the run
    short = lbfgs_newton(problem, np.zeros(obj.n_params), tol=1e-12, max_iter=5)
    assert short.n_iter == 5 and not short.converged


@pytest.mark.slow
def test_auto_uses_it_on_the_digits_and_equals_newton_cholesky() -> None:
    X, y = load_digits(return_X_y=True)
    alpha = 1.0 / len(y)
    ours = LogisticRegression(alpha=alpha, tol=1e-8).fit(X, y)
    assert ours.solver_ == "lbfgs_newton"
    ref = SkLogistic(C=1 / (alpha * len(y)), solver="newton-cholesky", tol=1e-12, max_iter=200)
    ref.fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    newton = LogisticRegression(alpha=alpha, tol=1e-8, optimizer="newton").fit(X, y)
    np.testing.assert_allclose(ours.coef_, newton.coef_, rtol=1e-5, atol=1e-6)
