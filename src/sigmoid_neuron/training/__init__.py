"""Training: the epoch loop, stopping rules, history, callbacks and progress.

``train(objective, state, config)`` runs the epochs; :class:`TrainerState` holds
everything needed to continue (parameters, optimizer state, epoch, history, random
generator) and serialises to plain JSON values.
"""

from sigmoid_neuron.training.callbacks import Callback, ProgressBar, RecordParameters
from sigmoid_neuron.training.history import History
from sigmoid_neuron.training.loop import (
    DEFAULT_SGD_BATCH_SIZE,
    FULL_BATCH_SOLVERS,
    OPTIMIZERS,
    UPDATE_RULES,
    DivergenceError,
    TrainConfig,
    TrainerState,
    default_learning_rate,
    resolve_learning_rate,
    train,
)

__all__ = [
    "DEFAULT_SGD_BATCH_SIZE",
    "FULL_BATCH_SOLVERS",
    "OPTIMIZERS",
    "UPDATE_RULES",
    "Callback",
    "DivergenceError",
    "History",
    "ProgressBar",
    "RecordParameters",
    "TrainConfig",
    "TrainerState",
    "default_learning_rate",
    "resolve_learning_rate",
    "train",
]
