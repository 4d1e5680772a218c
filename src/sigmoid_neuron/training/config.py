"""How to train: the optimizer names, the learning-rate resolution and :class:`TrainConfig`.

``resolve_learning_rate`` turns an estimator-style specification (None, a number, a
callable ``t -> eta_t`` or a schedule name) into a schedule; :class:`TrainConfig` holds a
run's optimizer, rate, batches, epoch budget and stopping tolerance, validated once.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sigmoid_neuron.optim.schedules import Schedule, make_schedule

#: Optimizers that take steps from gradients (mini-batch capable).
UPDATE_RULES: tuple[str, ...] = ("gd", "sgd", "momentum", "nesterov", "adam")
#: Full-batch solvers (one epoch = one iteration).
FULL_BATCH_SOLVERS: tuple[str, ...] = (
    "auto",
    "lstsq",
    "lbfgs",
    "newton",
    "lbfgs_newton",
    "prox_newton",
    "owlqn",
    "working_set",
)
OPTIMIZERS: tuple[str, ...] = UPDATE_RULES + FULL_BATCH_SOLVERS
#: ``batch_size=None`` with ``optimizer="sgd"`` means this many rows per batch.
DEFAULT_SGD_BATCH_SIZE = 32


def default_learning_rate(optimizer: str) -> float:
    """The update rule's own default rate (gd/sgd 0.1, momentum/nesterov 0.01, adam 0.001)."""
    from sigmoid_neuron.optim.rules import RULES  # the rules load when a rule is asked for

    if optimizer not in RULES:
        raise ValueError(f"optimizer {optimizer!r} has no learning rate; use one of {UPDATE_RULES}")
    return float(inspect.signature(RULES[optimizer]).parameters["learning_rate"].default)


def resolve_learning_rate(
    learning_rate: float | str | Schedule | None,
    optimizer: str,
    *,
    eta0: float | None = None,
    schedule_params: dict[str, Any] | None = None,
    total_steps: int | None = None,
) -> Schedule:
    """The schedule ``t -> eta_t`` (t counts updates) from an estimator-style specification.

    ``None`` is the rule's default constant rate; a number is a constant rate; a callable
    is used as is; a name from :data:`sigmoid_neuron.optim.schedules.SCHEDULES` builds
    that schedule with initial rate ``eta0`` (default: the rule's default rate) and the
    keyword arguments ``schedule_params``; ``cosine`` defaults ``total_steps`` to the
    run's update budget.
    """
    if learning_rate is None:
        return make_schedule(default_learning_rate(optimizer) if eta0 is None else eta0)
    if isinstance(learning_rate, str):
        kwargs = dict(schedule_params or {})
        key = learning_rate.strip().lower()
        if key in ("cosine", "cosine_decay") and "total_steps" not in kwargs and total_steps:
            kwargs["total_steps"] = total_steps
        start = default_learning_rate(optimizer) if eta0 is None else eta0
        try:
            return make_schedule(learning_rate, start, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"learning_rate={learning_rate!r} could not be built with eta0={start!r} and "
                f"schedule_params={kwargs!r}: {exc}; pass the schedule's arguments in "
                "schedule_params"
            ) from None
    if schedule_params:
        raise ValueError(
            "schedule_params is only used when learning_rate is a schedule name; "
            f"got learning_rate={learning_rate!r}"
        )
    return make_schedule(learning_rate)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimizer, learning rate, batches, epoch budget and stopping rule.

    ``learning_rate`` is a number or a schedule ``t -> eta_t`` (None: the rule's default;
    see :func:`resolve_learning_rate` for names). ``batch_size=None`` is the full batch,
    except for ``sgd`` where it means :data:`DEFAULT_SGD_BATCH_SIZE`. ``tol``: a full-batch
    run converges at ``max|grad J| <= tol``; a mini-batch run (and any run on a
    validation loss) stops after ``n_iter_no_change`` epochs that improve the monitored
    loss by less than ``tol`` (module docstring); ``tol=None`` turns stopping off
    (exactly ``max_epochs`` epochs).
    """

    optimizer: str = "gd"
    learning_rate: float | Schedule | None = None
    batch_size: int | None = None
    max_epochs: int = 1000
    tol: float | None = 1e-4
    n_iter_no_change: int = 5
    shuffle: bool = True
    callbacks: Sequence[Any] = ()
    divergence_factor: float = 1e4

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        _check_int("max_epochs", self.max_epochs, 1)
        _check_int("n_iter_no_change", self.n_iter_no_change, 1)
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, 1)
        if self.tol is not None and (
            isinstance(self.tol, bool) or not math.isfinite(self.tol) or self.tol < 0
        ):
            raise ValueError(f"tol must be a finite number >= 0 or None, got {self.tol!r}")
        if not (self.divergence_factor > 1 and math.isfinite(self.divergence_factor)):
            raise ValueError(
                f"divergence_factor must be a finite number > 1, got {self.divergence_factor!r}"
            )

    def effective_batch_size(self, n_samples: int) -> int:
        """Rows per batch for ``n_samples`` rows (``n_samples`` means full batch)."""
        if self.batch_size is None:
            return DEFAULT_SGD_BATCH_SIZE if self.optimizer == "sgd" else n_samples
        return int(self.batch_size)

    def schedule(self) -> Schedule:
        """The learning-rate schedule (update rules only)."""
        return resolve_learning_rate(self.learning_rate, self.optimizer)


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
