"""When a run may say it converged.

Full-batch runs (every step sees all rows) converge only at ``max|grad J| <= tol``, as
lbfgs/newton do; mini-batch runs keep scikit-learn's SGD rule (the loss stopped improving
by ``tol``). Oracles: scikit-learn's ``LogisticRegression`` optimum at ``C = 1/(alpha n)``
on standardised breast cancer, and a hand-written objective and gradient (not the
library's). The loss tolerance follows from convexity alone: for any two points

    grad J(ref)^T (theta - ref)  <=  J(theta) - J(ref)  <=  grad J(theta)^T (theta - ref)

so ``max|grad J(theta)| <= tol`` gives ``J(theta) - J(ref) <= tol ||theta - ref||_1``
(Hoelder), with ``ref`` scikit-learn's solution (whose own gradient, ~1e-8, bounds how
far below ``J(ref)`` anything can go).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LogisticRegression
from sigmoid_neuron.objective import BinaryCrossEntropy, LinearObjective, make_objective
from sigmoid_neuron.training import DivergenceError, TrainConfig, TrainerState, train

X_RAW, Y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X_RAW)
N, D = X.shape
TOL = 1e-4  # the estimators' default
#: the estimators' default alpha (LogisticRegression) and a better conditioned one
ALPHAS = (1e-4, 1e-2)
#: 64-bit rounding of a mean over 569 rows of terms of order 1, with ample room
ROUNDING = 1e-12


def loss(theta: np.ndarray, alpha: float) -> float:
    """J(theta) = mean(log(1 + e^z) - y z) + alpha/2 ||w||^2, z = X w + b, by hand."""
    w, b = theta[:-1], theta[-1]
    z = X @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - Y * z) + 0.5 * alpha * w @ w)


def gradient(theta: np.ndarray, alpha: float) -> np.ndarray:
    """grad J(theta) = [X^T (sigma(z) - y) / n + alpha w, mean(sigma(z) - y)], by hand."""
    w, b = theta[:-1], theta[-1]
    r = expit(X @ w + b) - Y
    return np.r_[X.T @ r / N + alpha * w, r.mean()]


_REFERENCE: dict[float, np.ndarray] = {}


def reference(alpha: float) -> np.ndarray:
    """scikit-learn's minimiser at C = 1 / (alpha n), as theta = [w, b]."""
    if alpha not in _REFERENCE:
        sk = SkLogisticRegression(C=1 / (alpha * N), tol=1e-12, max_iter=100_000).fit(X, Y)
        _REFERENCE[alpha] = np.r_[sk.coef_.ravel(), sk.intercept_]
    return _REFERENCE[alpha]


def fitted_theta(model: LogisticRegression) -> np.ndarray:
    return np.r_[model.coef_.ravel(), model.intercept_]


def fit(**params: Any) -> tuple[LogisticRegression, list[warnings.WarningMessage]]:
    """Fit on breast cancer; the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(**params).fit(X, Y)
    return model, list(caught)


def convergence_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def assert_near_the_optimum(theta: np.ndarray, alpha: float, tol: float) -> None:
    """max|grad J| <= tol, and J within the convexity bound of scikit-learn's optimum."""
    ref = reference(alpha)
    g_ref = gradient(ref, alpha)
    assert np.abs(g_ref).max() < 1e-6  # the oracle itself is at the optimum
    g = gradient(theta, alpha)
    assert np.abs(g).max() <= tol * (1 + 1e-9)
    gap = loss(theta, alpha) - loss(ref, alpha)
    assert gap <= tol * np.abs(theta - ref).sum() + ROUNDING
    assert gap >= -np.abs(g_ref).max() * np.abs(theta - ref).sum() - ROUNDING


# ------------------------------------------------------------------ full batch


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("max_epochs", [1000, 20_000])
def test_full_batch_converges_only_with_a_small_gradient(
    optimizer: str, alpha: float, max_epochs: int
) -> None:
    """Default rates and tol: either max|grad J| <= tol (and J near J*), or a warning."""
    model, caught = fit(optimizer=optimizer, alpha=alpha, max_epochs=max_epochs)
    state = model._trainer_state
    warned = convergence_warnings(caught)
    theta = fitted_theta(model)
    if state.converged:
        assert not warned
        assert state.stop_reason.startswith("max|grad| = ")
        assert_near_the_optimum(theta, alpha, TOL)
    else:
        assert len(warned) == 1 and "did not converge" in warned[0]
        assert state.stop_reason == f"ran max_epochs={max_epochs} epochs"
    # never a claim of convergence with a large gradient
    assert state.converged == (np.abs(gradient(theta, alpha)).max() <= TOL)


@pytest.mark.parametrize(("optimizer", "learning_rate"), [("gd", 0.1), ("adam", 0.001)])
def test_the_reported_stall_is_no_longer_called_convergence(
    optimizer: str, learning_rate: float
) -> None:
    """The report: default settings stalled at J = 0.083 (J* = 0.043) 'converged'.

    The loss now improves by less than tol per epoch long before the gradient is small;
    the run goes on to max_epochs (closer to J*) and warns."""
    alpha = 1e-4
    model, caught = fit(optimizer=optimizer, learning_rate=learning_rate, alpha=alpha)
    warned = convergence_warnings(caught)
    assert len(warned) == 1 and "ran max_epochs=1000 epochs" in warned[0]
    state = model._trainer_state
    assert not state.converged and state.n_iter == 1000 and state.exhausted
    theta = fitted_theta(model)
    assert np.abs(gradient(theta, alpha)).max() > TOL
    j_star = loss(reference(alpha), alpha)
    assert loss(theta, alpha) - j_star > 1e-3  # far from J*: honest to warn


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_a_large_enough_budget_reaches_the_optimum(optimizer: str) -> None:
    """alpha = 1e-2: every rule at its default rate reaches max|grad J| <= tol."""
    model, caught = fit(optimizer=optimizer, alpha=1e-2, max_epochs=20_000)
    assert not convergence_warnings(caught)
    state = model._trainer_state
    assert state.converged and state.n_iter < 20_000
    assert_near_the_optimum(fitted_theta(model), 1e-2, TOL)


def _objective(alpha: float) -> LinearObjective:
    return make_objective(X, Y.astype(float), BinaryCrossEntropy(), alpha=alpha)


def test_a_stalled_training_loss_does_not_stop_a_full_batch_run() -> None:
    """A tiny rate: the loss improves by less than tol from the first epoch (about
    eta ||grad J||^2 = 2e-5; the patience rule fires at epoch 5), but the gradient is
    large (0.38): no stop, no convergence."""
    obj = _objective(1e-2)
    config = TrainConfig("gd", learning_rate=1e-5, max_epochs=40, tol=TOL)
    state = train(obj, TrainerState(np.zeros(D + 1)), config)
    loss_ = state.history.loss
    assert all(a - b < TOL for a, b in itertools.pairwise(loss_))
    assert state.no_improvement == 39  # the patience rule fired long ago (at 5)
    assert state.epoch == 40 and not state.converged and state.exhausted
    assert state.stop_reason == "ran max_epochs=40 epochs"
    assert np.abs(gradient(state.params, 1e-2)).max() > 0.1


def test_full_batch_stops_at_the_first_epoch_with_a_small_gradient() -> None:
    obj = _objective(1e-2)
    config = TrainConfig("gd", learning_rate=1.0, max_epochs=5000, tol=TOL)
    state = train(obj, TrainerState(np.zeros(D + 1)), config)
    k = state.epoch
    assert state.converged and k < 5000
    assert np.abs(gradient(state.params, 1e-2)).max() <= TOL
    # one epoch fewer (tol=None: the same iterates) is still above tol
    before = train(obj, TrainerState(np.zeros(D + 1)), TrainConfig("gd", 1.0, None, k - 1, None))
    assert np.abs(gradient(before.params, 1e-2)).max() > TOL
    # the test reads the gradient the next step needs: iterates and history unchanged
    same = train(obj, TrainerState(np.zeros(D + 1)), TrainConfig("gd", 1.0, None, k, None))
    np.testing.assert_array_equal(same.params, state.params)
    assert same.history.loss == state.history.loss


def test_a_batch_covering_every_row_is_the_full_batch() -> None:
    """sgd with batch_size >= n steps on J itself: the gradient rule applies."""
    obj = _objective(1e-2)
    config = TrainConfig("sgd", learning_rate=1.0, batch_size=N, max_epochs=5000, tol=TOL)
    state = train(obj, TrainerState(np.zeros(D + 1)), config)
    assert state.converged and state.stop_reason.startswith("max|grad| = ")
    assert np.abs(gradient(state.params, 1e-2)).max() <= TOL


class CountingObjective(LinearObjective):
    """The objective, counting its (J, grad J) evaluations."""

    calls = 0

    def loss_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.calls += 1
        return super().loss_gradient(theta)


@pytest.mark.parametrize(("tol", "passes"), [(None, 7), (1e-12, 8)])
def test_the_gradient_test_costs_one_pass_per_call(tol: float | None, passes: int) -> None:
    """tol=None: one evaluation per epoch (exactly max_epochs epochs); with tol, one more
    per call (at the final parameters)."""
    data = _objective(1e-2).data
    obj = CountingObjective(data, 1e-2)
    state = train(obj, TrainerState(np.zeros(D + 1)), TrainConfig("gd", 0.1, None, 7, tol))
    assert state.epoch == 7 and obj.calls == passes and not state.converged


def test_mini_batches_keep_scikit_learns_rule() -> None:
    """Mini-batch steps never see grad J: the loss stalling is their convergence."""
    obj = _objective(1e-2)
    config = TrainConfig("sgd", learning_rate=0.1, batch_size=32, max_epochs=1000, tol=TOL)
    state = train(obj, TrainerState(np.zeros(D + 1), rng=np.random.default_rng(0)), config)
    assert state.converged and state.epoch < 1000
    assert "training loss improved by less than tol=0.0001 for 5" in state.stop_reason
    loss_ = state.history.loss
    assert all(v > min(loss_[:k]) - TOL for k, v in enumerate(loss_) if k >= len(loss_) - 5)


def test_validation_early_stopping_is_convergence_for_full_batch_too() -> None:
    """Like lbfgs/newton: the validation loss stalling ends a full-batch run, converged."""
    rng = np.random.default_rng(3)
    rows = rng.permutation(N)
    train_rows, val_rows = rows[:60], rows[60:]
    obj = make_objective(X[train_rows], Y[train_rows].astype(float), BinaryCrossEntropy())
    val = make_objective(X[val_rows], Y[val_rows].astype(float), BinaryCrossEntropy())
    config = TrainConfig("gd", learning_rate=1.0, max_epochs=5000, tol=1e-4)
    state = train(obj, TrainerState(np.zeros(D + 1)), config, validation=val)
    assert state.converged and "validation loss improved by less than" in state.stop_reason
    assert state.epoch < 5000


def test_tol_none_runs_max_epochs_even_at_the_optimum() -> None:
    obj = _objective(1e-2)
    start = reference(1e-2)
    config = TrainConfig("gd", learning_rate=0.1, max_epochs=12, tol=None)
    state = train(obj, TrainerState(start.copy()), config)
    assert state.epoch == 12 and not state.converged and state.exhausted


def test_a_non_finite_gradient_is_never_convergence() -> None:
    """With or without tol, divergence ends the run at the same epoch with the same
    parameters (the gradient test's evaluation is the next step's)."""
    rng = np.random.default_rng(0)
    Xl = rng.normal(size=(30, 2)) * 3
    yl = (Xl @ np.array([2.0, -1.0]) > 0).astype(float)
    ends = []
    for tol in (None, 1e-4):
        obj = make_objective(Xl, yl, BinaryCrossEntropy())
        state = TrainerState(np.zeros(3))
        with pytest.raises(DivergenceError) as info:
            train(obj, state, TrainConfig("gd", 1e308, max_epochs=50, tol=tol))
        assert not state.converged and state.stop_reason == "diverged"
        ends.append((str(info.value), state.params.copy(), state.epoch))
    assert ends[0][0] == ends[1][0] and ends[0][2] == ends[1][2]
    np.testing.assert_array_equal(ends[0][1], ends[1][1])
