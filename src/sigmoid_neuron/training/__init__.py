"""Training: the epoch loop, stopping rules, history, callbacks and progress.

``train(objective, state, config)`` runs the epochs; :class:`TrainerState` holds
everything needed to continue (parameters, optimizer state, epoch, history, random
generator) and serialises to plain JSON values. :class:`Checkpoint` writes it to a file
every few epochs and resumes from one (:func:`load_checkpoint` reads it back);
:func:`stop_on_signals` turns Ctrl-C into "stop after this epoch and checkpoint".
"""

from typing import TYPE_CHECKING, Any

from sigmoid_neuron.training.callbacks import Callback, ProgressBar, RecordParameters
from sigmoid_neuron.training.config import (
    DEFAULT_SGD_BATCH_SIZE,
    FULL_BATCH_SOLVERS,
    OPTIMIZERS,
    UPDATE_RULES,
    TrainConfig,
    default_learning_rate,
    resolve_learning_rate,
)
from sigmoid_neuron.training.history import History
from sigmoid_neuron.training.loop import TrainingContext, train
from sigmoid_neuron.training.state import DivergenceError, TrainerState
from sigmoid_neuron.training.stopping import StopReason

__all__ = [
    "DEFAULT_SGD_BATCH_SIZE",
    "FULL_BATCH_SOLVERS",
    "OPTIMIZERS",
    "UPDATE_RULES",
    "Callback",
    "Checkpoint",
    "CheckpointData",
    "DivergenceError",
    "History",
    "ProgressBar",
    "RecordParameters",
    "StopReason",
    "TrainConfig",
    "TrainerState",
    "TrainingContext",
    "default_learning_rate",
    "load_checkpoint",
    "resolve_learning_rate",
    "stop_on_signals",
    "train",
]


if TYPE_CHECKING:
    from sigmoid_neuron.training.checkpoint import (
        Checkpoint,
        CheckpointData,
        load_checkpoint,
        stop_on_signals,
    )

#: checkpoint names, imported on first use (a fit without checkpoints never loads them)
_CHECKPOINT_NAMES = ("Checkpoint", "CheckpointData", "load_checkpoint", "stop_on_signals")


def __getattr__(name: str) -> Any:
    """Load :mod:`sigmoid_neuron.training.checkpoint` when one of its names is asked for."""
    if name in _CHECKPOINT_NAMES:
        from sigmoid_neuron.training import checkpoint

        return getattr(checkpoint, name)
    raise AttributeError(f"module 'sigmoid_neuron.training' has no attribute {name!r}")
