"""The training loop against independent transcriptions of the algorithms it runs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import log_loss

from sigmoid_neuron.objective import BinaryCrossEntropy, HalfSquaredError, make_objective
from sigmoid_neuron.training import (
    DivergenceError,
    History,
    RecordParameters,
    TrainConfig,
    TrainerState,
    train,
)

rng = np.random.default_rng(7)
X = rng.normal(size=(10, 3))
y = (X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=10) > 0).astype(float)


def logistic_grad(theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray, alpha: float) -> np.ndarray:
    """Hand-written gradient of mean log-loss + alpha/2 ||w||^2, theta = [w, b]."""
    w, b = theta[:-1], theta[-1]
    r = expit(Xb @ w + b) - yb
    return np.r_[Xb.T @ r / len(yb) + alpha * w, r.mean()]


def logistic_loss(theta: np.ndarray, Xb: np.ndarray, yb: np.ndarray, alpha: float) -> float:
    z = Xb @ theta[:-1] + theta[-1]
    return float(np.mean(np.logaddexp(0, z) - yb * z) + 0.5 * alpha * theta[:-1] @ theta[:-1])


def test_notes_trajectory_matches_every_epoch() -> None:
    """Full-batch gd on the notes' toy data, compared epoch by epoch with the notes' loop."""
    obj = make_objective(np.array([[0.5], [2.5]]), np.array([0.2, 0.9]), BinaryCrossEntropy())
    rec = RecordParameters()
    state = TrainerState(params=np.array([-2.0, -2.0]))
    train(
        obj, state, TrainConfig("gd", learning_rate=2.0, max_epochs=50, tol=None, callbacks=[rec])
    )
    w, b, path = -2.0, -2.0, [(-2.0, -2.0)]
    for _ in range(50):
        fx = [1 / (1 + math.exp(-(w * x + b))) for x in (0.5, 2.5)]
        dw = sum((f - t) * x for f, t, x in zip(fx, (0.2, 0.9), (0.5, 2.5), strict=True))
        db = sum(f - t for f, t in zip(fx, (0.2, 0.9), strict=True))
        w, b = w - dw, b - db
        path.append((w, b))
    np.testing.assert_allclose(rec.trajectory, np.array(path), atol=1e-13)
    assert state.epoch == 50 and len(state.history) == 50


def test_tol_none_runs_exactly_max_epochs_and_tol_stops_early() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.1)
    full = train(obj, TrainerState(np.zeros(4)), TrainConfig("gd", 0.5, max_epochs=300, tol=None))
    assert full.epoch == 300 and not full.converged
    assert np.abs(logistic_grad(full.params, X, y, 0.1)).max() < 1e-6  # no stop without tol
    # full batch: stops at the first epoch whose parameters have max|grad J| <= tol
    early = train(obj, TrainerState(np.zeros(4)), TrainConfig("gd", 0.5, max_epochs=300, tol=1e-6))
    assert early.converged and early.epoch < 300
    assert np.abs(logistic_grad(early.params, X, y, 0.1)).max() <= 1e-6
    before = train(
        obj, TrainerState(np.zeros(4)), TrainConfig("gd", 0.5, max_epochs=early.epoch - 1, tol=None)
    )
    assert np.abs(logistic_grad(before.params, X, y, 0.1)).max() > 1e-6
    # the gradient test leaves the iterates alone
    same = train(
        obj, TrainerState(np.zeros(4)), TrainConfig("gd", 0.5, max_epochs=early.epoch, tol=None)
    )
    np.testing.assert_array_equal(same.params, early.params)
    assert same.history.loss == early.history.loss


def test_mini_batches_stop_by_scikit_learns_rule() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.1)
    config = TrainConfig("sgd", 0.5, 3, max_epochs=300, tol=1e-6)
    early = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(0)), config)
    assert early.converged and early.epoch < 300 and "improved by less than" in early.stop_reason
    # scikit-learn's rule, checked on the record: each of the last n_iter_no_change epochs
    # failed to beat the best loss before it by tol, and the epoch before them did beat it
    loss = early.history.loss
    assert all(loss[k] > min(loss[:k]) - 1e-6 for k in range(len(loss) - 5, len(loss)))
    assert loss[-6] <= min(loss[:-6]) - 1e-6


def test_mini_batches_without_shuffle_match_a_transcription() -> None:
    alpha, lr, bs = 0.05, 0.3, 4
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=alpha)
    state = train(
        obj,
        TrainerState(np.zeros(4)),
        TrainConfig("sgd", lr, bs, max_epochs=3, tol=None, shuffle=False),
    )
    theta = np.zeros(4)
    epoch_losses = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 10, bs):
            Xb, yb = X[start : start + bs], y[start : start + bs]
            total += logistic_loss(theta, Xb, yb, alpha) * len(yb)
            theta = theta - lr * logistic_grad(theta, Xb, yb, alpha)
        epoch_losses.append(total / 10)
    np.testing.assert_allclose(state.params, theta, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state.history.loss, epoch_losses, rtol=1e-12)


def test_shuffled_mini_batches_use_a_fresh_permutation_per_epoch() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy())
    config = TrainConfig("sgd", 0.2, 3, max_epochs=4, tol=None, shuffle=True)
    state = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(5)), config)
    perm_rng, theta = np.random.default_rng(5), np.zeros(4)
    for _ in range(4):
        order = perm_rng.permutation(10)
        for start in range(0, 10, 3):
            rows = order[start : start + 3]
            theta = theta - 0.2 * logistic_grad(theta, X[rows], y[rows], 0.0)
    np.testing.assert_allclose(state.params, theta, rtol=1e-12, atol=1e-14)
    again = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(5)), config)
    np.testing.assert_array_equal(again.params, state.params)
    other = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(6)), config)
    assert not np.array_equal(other.params, state.params)


def test_momentum_state_is_threaded_through_epochs() -> None:
    """Heavy ball (v <- beta v + g; theta <- theta - eta v), transcribed."""
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.01)
    state = train(
        obj, TrainerState(np.zeros(4)), TrainConfig("momentum", 0.1, max_epochs=40, tol=None)
    )
    theta, v = np.zeros(4), np.zeros(4)
    for _ in range(40):
        v = 0.9 * v + logistic_grad(theta, X, y, 0.01)
        theta = theta - 0.1 * v
    np.testing.assert_allclose(state.params, theta, rtol=1e-11, atol=1e-13)


def test_schedule_rates_are_recorded_per_epoch() -> None:
    """invscaling: eta_t = eta0 / (t + 1)^power_t with t counting updates (3 per epoch)."""
    from sigmoid_neuron.training import resolve_learning_rate

    schedule = resolve_learning_rate(
        "invscaling", "sgd", eta0=0.5, schedule_params={"power_t": 0.5}
    )
    obj = make_objective(X, y, BinaryCrossEntropy())
    state = train(
        obj, TrainerState(np.zeros(4)), TrainConfig("sgd", schedule, 4, max_epochs=5, tol=None)
    )
    expected = [0.5 / math.sqrt(3 * k + 1) for k in range(5)]
    np.testing.assert_allclose(state.history.learning_rate, expected, rtol=1e-15)


def test_validation_loss_is_the_held_out_log_loss() -> None:
    obj = make_objective(X[:7], y[:7], BinaryCrossEntropy(), alpha=0.1)
    val = make_objective(X[7:], y[7:], BinaryCrossEntropy())
    state = train(
        obj,
        TrainerState(np.zeros(4)),
        TrainConfig("gd", 0.5, max_epochs=20, tol=None),
        validation=val,
    )
    assert len(state.history.val_loss) == 20
    p = expit(X[7:] @ state.params[:3] + state.params[3])
    assert state.history.val_loss[-1] == pytest.approx(log_loss(y[7:], p), rel=1e-12)


def test_validation_drives_early_stopping_for_solvers_too() -> None:
    Xs = rng.normal(size=(60, 8))
    ys = (Xs[:, 0] + rng.normal(size=60) > 0).astype(float)
    obj = make_objective(Xs[:20], ys[:20], BinaryCrossEntropy())  # overfits: no penalty
    val = make_objective(Xs[20:], ys[20:], BinaryCrossEntropy())
    config = TrainConfig("lbfgs", max_epochs=500, tol=1e-3, n_iter_no_change=3)
    state = train(obj, TrainerState(np.zeros(9)), config, validation=val)
    assert "validation loss" in state.stop_reason
    v = state.history.val_loss
    assert len(v) == state.epoch == len(state.history.loss)
    assert all(x > min(v[:-3]) - 1e-3 for x in v[-3:])


def test_divergence_keeps_the_last_good_parameters() -> None:
    Xl = rng.normal(size=(30, 2)) * 3
    yl = Xl @ np.array([2.0, -1.0]) + 0.5
    obj = make_objective(Xl, yl, HalfSquaredError())
    rec = RecordParameters()
    state = TrainerState(np.zeros(3))
    with pytest.raises(DivergenceError, match="smaller learning_rate") as info:
        train(obj, state, TrainConfig("gd", 5.0, max_epochs=500, tol=None, callbacks=[rec]))
    assert info.value.state is state
    first = obj.loss(rec.trajectory[0])
    losses = [obj.loss(t) for t in rec.trajectory]
    # the kept point is the last recorded one whose loss is finite and below 1e4 * J_0
    good = [t for t, v in zip(rec.trajectory, losses, strict=True) if v <= 1e4 * max(first, 1)]
    np.testing.assert_array_equal(state.params, good[-1])
    assert len(state.history.loss) == state.epoch < 500


def test_a_huge_step_to_non_finite_parameters_is_caught() -> None:
    obj = make_objective(X, X[:, 0] * 1e3, HalfSquaredError())
    state = TrainerState(np.zeros(4))
    with pytest.raises(DivergenceError, match="training diverged in epoch"):
        train(obj, state, TrainConfig("gd", 1e305, max_epochs=5, tol=None))
    np.testing.assert_array_equal(state.params, np.zeros(4))


def test_state_round_trips_through_json_and_resumes_identically() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.01)
    config = TrainConfig("adam", 0.05, 3, max_epochs=6, tol=None)
    straight = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(1)), config)
    half = TrainConfig("adam", 0.05, 3, max_epochs=3, tol=None)
    first = train(obj, TrainerState(np.zeros(4), rng=np.random.default_rng(1)), half)
    restored = TrainerState.from_dict(json.loads(json.dumps(first.to_dict())))
    resumed = train(obj, restored, half)
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert resumed.history.loss == straight.history.loss
    assert resumed.epoch == 6


def test_state_from_dict_rejects_malformed_input() -> None:
    good = TrainerState(np.zeros(2)).to_dict()
    with pytest.raises(ValueError, match="malformed"):
        TrainerState.from_dict({k: v for k, v in good.items() if k != "epoch"})
    with pytest.raises(ValueError, match="bit generator"):
        TrainerState.from_dict({**good, "rng": {"bit_generator": "os.system", "state": {}}})
    with pytest.raises(ValueError, match="finite"):
        History.from_dict({"loss": [1.0, float("nan")]})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"optimizer": "rmsprop"}, "optimizer must be one of"),
        ({"max_epochs": 0}, "max_epochs must be an integer >= 1"),
        ({"tol": -1.0}, "tol must be a finite number >= 0 or None"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"n_iter_no_change": 0}, "n_iter_no_change must be an integer >= 1"),
    ],
)
def test_config_errors_name_the_argument(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_wrong_parameter_length_is_refused() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy())
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(4,\)"):
        train(obj, TrainerState(np.zeros(3)), TrainConfig())
