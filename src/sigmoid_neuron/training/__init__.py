"""Training: the epoch loop, stopping rules, history, callbacks and progress.

``train(objective, state, config)`` runs the epochs; :class:`TrainerState` holds
everything needed to continue (parameters, optimizer state, epoch, history, random
generator) and serialises to plain JSON values. :class:`Checkpoint` writes it to a file
every few epochs and resumes from one (:func:`load_checkpoint` reads it back);
:func:`stop_on_signals` turns Ctrl-C into "stop after this epoch and checkpoint".
"""

from typing import TYPE_CHECKING

from sigmoid_neuron._lazy import lazy_exports

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
    from sigmoid_neuron.training.callbacks import Callback, ProgressBar, RecordParameters
    from sigmoid_neuron.training.checkpoint import (
        Checkpoint,
        CheckpointData,
        load_checkpoint,
        stop_on_signals,
    )
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

#: public name -> the module that defines it (imported on first use: a fit without
#: checkpoints never loads them)
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["Checkpoint", "CheckpointData", "load_checkpoint", "stop_on_signals"],
        "sigmoid_neuron.training.checkpoint",
    ),
    "Callback": "sigmoid_neuron.training.callbacks",
    "ProgressBar": "sigmoid_neuron.training.callbacks",
    "RecordParameters": "sigmoid_neuron.training.callbacks",
    "DEFAULT_SGD_BATCH_SIZE": "sigmoid_neuron.training.config",
    "FULL_BATCH_SOLVERS": "sigmoid_neuron.training.config",
    "OPTIMIZERS": "sigmoid_neuron.training.config",
    "UPDATE_RULES": "sigmoid_neuron.training.config",
    "TrainConfig": "sigmoid_neuron.training.config",
    "default_learning_rate": "sigmoid_neuron.training.config",
    "resolve_learning_rate": "sigmoid_neuron.training.config",
    "History": "sigmoid_neuron.training.history",
    "TrainingContext": "sigmoid_neuron.training.loop",
    "train": "sigmoid_neuron.training.loop",
    "DivergenceError": "sigmoid_neuron.training.state",
    "TrainerState": "sigmoid_neuron.training.state",
    "StopReason": "sigmoid_neuron.training.stopping",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
