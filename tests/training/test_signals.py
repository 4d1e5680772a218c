"""stop_on_signals: the first SIGINT stops after the epoch and checkpoints; a signal
before training started raises KeyboardInterrupt at once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from checkpoint_cases import Y_SOFT, X

from sigmoid_neuron.estimators import SigmoidNeuron
from sigmoid_neuron.training import (
    Callback,
    Checkpoint,
    TrainerState,
    load_checkpoint,
    stop_on_signals,
)


def test_stop_on_signals_turns_sigint_into_a_graceful_stop(tmp_path: Path) -> None:
    """The signal is sent to this process at the end of epoch 4; training stops there,
    the checkpoint is written, and the previous handler is back afterwards."""
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path, every=None)

    class Kill(Callback):
        def on_epoch_end(self, state: TrainerState) -> bool | None:
            if state.epoch == 4:
                os.kill(os.getpid(), signal.SIGINT)
            return None

    before = signal.getsignal(signal.SIGINT)
    model = SigmoidNeuron(optimizer="gd", max_epochs=50, tol=None, callbacks=[Kill(), checkpoint])
    with stop_on_signals(checkpoint) as received:
        model.fit(X, Y_SOFT)
    assert received == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    assert model.n_iter_ == 4
    saved = load_checkpoint(path)
    assert saved.epoch == 4 and not saved.finished
    # a signal before training started (or a second one) raises KeyboardInterrupt at once
    fresh = Checkpoint(tmp_path / "other.json")
    with pytest.raises(KeyboardInterrupt), stop_on_signals(fresh):
        os.kill(os.getpid(), signal.SIGINT)
    assert fresh.aborted and not (tmp_path / "other.json").exists()
