"""Shared by the checkpoint tests: the data, callbacks that stop or crash a run at a
given epoch, and a small finished gd checkpoint to damage or resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sigmoid_neuron.estimators import LogisticRegression
from sigmoid_neuron.training import Callback, Checkpoint, TrainerState

rng = np.random.default_rng(11)
X = rng.normal(size=(120, 3))
Z = X @ np.array([1.5, -2.0, 0.7]) + 0.3
Y_BIN = (Z + rng.normal(size=120) > 0).astype(float)
Y_SOFT = 1 / (1 + np.exp(-Z))  # soft targets in (0, 1) for the neuron
Y_MULTI = np.digitize(Z + rng.normal(size=120), [-1.0, 1.0])  # three classes
Y_REAL = Z + 0.1 * rng.normal(size=120)

#: The run of :func:`write_gd_checkpoint`: full-batch gd, ten epochs, no stopping rule.
GD_KWARGS: dict[str, Any] = {"optimizer": "gd", "learning_rate": 1.0, "tol": None, "max_epochs": 10}


class StopAt(Callback):
    """Ask the checkpoint to stop (as Ctrl-C does) once ``epoch`` epochs are done."""

    def __init__(self, checkpoint: Checkpoint, epoch: int) -> None:
        self.checkpoint, self.epoch = checkpoint, epoch

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        if state.epoch >= self.epoch:
            self.checkpoint.request_stop()
        return None


class Crash(Callback):
    """Die like a killed process at the end of epoch ``epoch``."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        if state.epoch == self.epoch:
            raise KeyboardInterrupt
        return None


def params_of(model: Any) -> np.ndarray:
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)]


def write_gd_checkpoint(path: Path) -> Path:
    """Fit :data:`GD_KWARGS` on ``(X, Y_BIN)`` checkpointing every 5 epochs to ``path``."""
    LogisticRegression(**GD_KWARGS, callbacks=[Checkpoint(path, every=5)]).fit(X, Y_BIN)
    return path
