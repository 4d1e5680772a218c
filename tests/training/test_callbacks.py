"""Callbacks: hook order, stopping, progress bar, parameter recording."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sigmoid_neuron.objective import BinaryCrossEntropy, make_objective
from sigmoid_neuron.training import (
    Callback,
    ProgressBar,
    RecordParameters,
    TrainConfig,
    TrainerState,
    train,
)

X = np.array([[0.5], [2.5], [1.0], [-1.0]])
y = np.array([0.2, 0.9, 1.0, 0.0])


class Spy(Callback):
    def __init__(self, stop_at: int | None = None) -> None:
        self.events: list[tuple[str, int]] = []
        self.stop_at = stop_at
        self.losses: list[float] = []

    def on_train_begin(self, state: TrainerState) -> None:
        self.events.append(("begin", state.epoch))

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        self.events.append(("epoch", state.epoch))
        self.losses.append(state.history.loss[-1])
        return self.stop_at is not None and state.epoch >= self.stop_at

    def on_train_end(self, state: TrainerState) -> None:
        self.events.append(("end", state.epoch))


@pytest.mark.parametrize("optimizer", ["gd", "adam", "lbfgs", "newton"])
def test_hooks_run_in_order_and_a_true_return_stops(optimizer: str) -> None:
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-3)
    spy = Spy(stop_at=3)
    config = TrainConfig(optimizer, max_epochs=50, tol=None, callbacks=[spy])
    state = train(obj, TrainerState(np.zeros(2)), config)
    assert spy.events == [("begin", 0), ("epoch", 1), ("epoch", 2), ("epoch", 3), ("end", 3)]
    assert state.epoch == 3 and "stopped by callback Spy" in state.stop_reason
    assert spy.losses == state.history.loss


def test_duck_typed_callbacks_need_only_the_hooks_they_use() -> None:
    seen: list[int] = []

    class OnlyEpochs:
        def on_epoch_end(self, state: Any) -> None:
            seen.append(state.epoch)

    obj = make_objective(X, y, BinaryCrossEntropy())
    train(
        obj,
        TrainerState(np.zeros(2)),
        TrainConfig("gd", 1.0, max_epochs=4, tol=None, callbacks=[OnlyEpochs()]),
    )
    assert seen == [1, 2, 3, 4]


def test_record_parameters_keeps_the_start_and_every_epoch() -> None:
    obj = make_objective(X, y, BinaryCrossEntropy())
    rec = RecordParameters()
    state = TrainerState(np.array([-2.0, -2.0]))
    train(obj, state, TrainConfig("gd", 1.0, max_epochs=5, tol=None, callbacks=[rec]))
    assert rec.trajectory.shape == (6, 2)
    np.testing.assert_array_equal(rec.trajectory[0], [-2.0, -2.0])
    np.testing.assert_array_equal(rec.trajectory[-1], state.params)
    # the path of gd is made of gradient steps: theta_{k+1} = theta_k - eta grad J(theta_k)
    for a, b in zip(rec.trajectory[:-1], rec.trajectory[1:], strict=True):
        np.testing.assert_allclose(b, a - obj.gradient(a), rtol=1e-14, atol=1e-15)


def test_a_progress_bar_callback_shows_the_epochs_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    obj = make_objective(X, y, BinaryCrossEntropy())
    config = TrainConfig("gd", 1.0, max_epochs=7, tol=None, callbacks=(ProgressBar(total=7),))
    train(obj, TrainerState(np.zeros(2)), config)
    err = capsys.readouterr().err
    assert "7/7" in err and "loss=" in err


def test_a_verbose_estimator_shows_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from sigmoid_neuron.estimators import SigmoidNeuron

    SigmoidNeuron(optimizer="gd", learning_rate=1.0, max_epochs=5, tol=None, verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "5/5" in err and "loss=" in err


def test_estimators_pass_callbacks_through_and_refuse_objects_without_hooks() -> None:
    from sigmoid_neuron.estimators import SigmoidNeuron

    spy = Spy(stop_at=2)
    neuron = SigmoidNeuron(optimizer="gd", learning_rate=1.0, tol=None, callbacks=[spy])
    neuron.fit(X, y)
    assert neuron.n_iter_ == 2 and spy.events[-1] == ("end", 2)
    with pytest.raises(TypeError, match=r"callbacks\[0\].*hooks"):
        SigmoidNeuron(callbacks=[object()]).fit(X, y)
