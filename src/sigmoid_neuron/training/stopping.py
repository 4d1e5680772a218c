"""Why a run stops: :class:`StopReason` and the rules applied after every epoch.

With ``tol=None`` exactly ``max_epochs`` epochs run (the notes' loop). Otherwise, with
``m_k`` the monitored loss of epoch ``k`` (validation loss when validation data is given,
else the training loss), the *patience rule* (scikit-learn's SGD rule) fires once
``m_k > best - tol`` for ``n_iter_no_change`` consecutive epochs, and:

- full batch (``lbfgs``, ``newton``, and update rules whose batch covers every row): the
  run stops *converged* once ``max|grad J| <= tol`` at the parameters reached. A
  training loss that merely stalls is no stop (slow progress far from the minimum is
  not convergence). With validation data the patience rule on the validation loss is
  early stopping, reported converged;
- mini-batches: the full gradient is never computed; the patience rule stops the run,
  reported converged (scikit-learn's SGD convention).

Update rules also stop, *not* converged, when the training loss rose in each of the last
``n_iter_no_change`` epochs (the learning rate is too large).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sigmoid_neuron.training.config import FULL_BATCH_SOLVERS, UPDATE_RULES, TrainConfig

if TYPE_CHECKING:
    from sigmoid_neuron.objective.linear import LinearObjective
    from sigmoid_neuron.training.state import TrainerState


class StopReason(enum.Enum):
    """How a ``train`` call ended; ``state.stop_reason`` carries the sentence with numbers.

    ``converged`` says whether the reason is an optimum (the gradient test, a solver's
    own convergence test, early stopping on a stalled loss).
    """

    #: max|grad J| <= tol (full batch) or the solver's convergence test
    CONVERGED = "converged"
    #: the patience rule: the monitored loss stopped improving by tol
    STALLED = "stalled"
    #: the training loss rose for n_iter_no_change epochs (rate too large)
    RISING = "rising"
    #: a callback's on_epoch_end returned True
    CALLBACK = "callback"
    #: the epoch budget ran out
    EXHAUSTED = "exhausted"
    #: a full-batch solver stopped short of its test (line search failed, ...)
    SOLVER_STOPPED = "solver_stopped"
    #: a non-finite or exploding loss (DivergenceError)
    DIVERGED = "diverged"
    #: an exception ended the run
    FAILED = "failed"

    @property
    def converged(self) -> bool:
        """Whether this reason means the optimum (or early stopping) was reached."""
        return self in (StopReason.CONVERGED, StopReason.STALLED)

    @property
    def by_own_rule(self) -> bool:
        """The run ended by its own rule (not its budget, a failure or a divergence):
        continuing it with more epochs would change nothing."""
        return self in (
            StopReason.CONVERGED,
            StopReason.STALLED,
            StopReason.RISING,
            StopReason.CALLBACK,
            StopReason.SOLVER_STOPPED,
        )


def hooks(callbacks: Sequence[Any], name: str) -> list[Any]:
    """The bound ``name`` methods of the callbacks that define it."""
    return [getattr(cb, name) for cb in callbacks if callable(getattr(cb, name, None))]


def _update_patience(
    state: TrainerState, monitored: float, tol: float | None, patience: int
) -> bool:
    """scikit-learn's SGD rule: stop after ``patience`` epochs without a ``tol`` improvement."""
    if tol is None:
        return False
    if monitored > state.best_loss - tol:
        state.no_improvement += 1
    else:
        state.no_improvement = 0
    state.best_loss = min(state.best_loss, monitored)
    return state.no_improvement >= patience


def end_of_epoch(
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    grad_max: float | None = None,
) -> bool:
    """Validation loss, stopping rules and callbacks after an epoch; True means stop.

    ``grad_max``: ``max|grad J|`` at the parameters reached, given for a full-batch
    update rule with a ``tol`` (``inf`` if not finite); None for mini-batches and for
    the solvers (which test the gradient themselves). The rules: module docstring.
    """
    state.epoch += 1
    state.n_iter += 1
    monitored = state.history.loss[-1]
    if validation is not None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            val = float(validation.loss(state.params))
        state.history.val_loss.append(val)
        monitored = val
    full_batch = grad_max is not None or config.optimizer in FULL_BATCH_SOLVERS
    # the patience rule's bookkeeping runs for the update rules and with validation data
    # (for full-batch solvers it is then early stopping)
    counted = validation is not None or config.optimizer in UPDATE_RULES
    stalled = counted and _update_patience(state, monitored, config.tol, config.n_iter_no_change)
    rising = False
    if stalled and validation is None:
        window = state.history.loss[-(config.n_iter_no_change + 1) :]
        rising = len(window) > 1 and all(a < b for a, b in itertools.pairwise(window))
    if grad_max is not None and config.tol is not None and grad_max <= config.tol:
        state.finish(StopReason.CONVERGED, f"max|grad| = {grad_max:.3g} <= tol = {config.tol:.3g}")
    elif rising:
        state.finish(
            StopReason.RISING,
            f"the training loss rose in each of the last {config.n_iter_no_change} "
            f"epochs (to {state.history.loss[-1]:.6g}): the learning rate is probably too large",
        )
    elif stalled and (validation is not None or not full_batch):
        what = "validation loss" if validation is not None else "training loss"
        state.finish(
            StopReason.STALLED,
            f"the {what} improved by less than tol={config.tol:g} for "
            f"{config.n_iter_no_change} consecutive epochs",
        )
    # else a full-batch training loss that stalls is no stop: only max|grad| <= tol says
    # the minimum is reached (slow progress far from it is not convergence)
    stop = state.stop is not None
    for hook in hooks(callbacks, "on_epoch_end"):
        if hook(state) is True:
            if not stop:
                state.finish(
                    StopReason.CALLBACK, f"stopped by callback {type(hook.__self__).__name__}"
                )
            stop = True
    return stop
