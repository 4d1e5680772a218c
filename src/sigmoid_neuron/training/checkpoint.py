"""Checkpoints: save a run's whole state atomically, resume it bit for bit, stop on signals.

:class:`Checkpoint` is the callback: it writes the training state every few epochs
(:mod:`sigmoid_neuron.training.checkpoint_file`: the file, versioned JSON, never
pickle) and, given ``resume_from``, restores a saved state before the first epoch once
:func:`~sigmoid_neuron.training.fingerprint.check_compatible` has found it belongs to
this run (same data and settings; ``max_epochs`` may change: resuming with a larger
budget trains further). :func:`~sigmoid_neuron.training.signals.stop_on_signals` turns
Ctrl-C into "stop after this epoch and checkpoint". The names of those modules are
importable from here too.

Resuming restores parameters, optimizer state, epoch count, history, random generator
and stopping bookkeeping before the first epoch, so for ``gd``, ``sgd``, ``momentum``,
``nesterov``, ``adam`` and ``newton`` (whose state is all in the checkpoint) the resumed
run computes exactly the iterates of the uninterrupted one. ``lbfgs`` keeps its
curvature pairs inside SciPy: a resumed lbfgs run restarts the solver from the
checkpoint's parameters (memory empty), reaching the same optimum within the tolerance
but not the same iterates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sigmoid_neuron.training import Callback, StopReason, TrainerState
from sigmoid_neuron.training.checkpoint_file import (
    FORMAT,
    MAX_FILE_BYTES,
    VERSION,
    CheckpointData,
    checkpoint_from_dict,
    checkpoint_to_dict,
    load_checkpoint,
    write_checkpoint,
)
from sigmoid_neuron.training.fingerprint import (
    check_compatible,
    context_fingerprint,
    data_fingerprint,
    training_settings,
)
from sigmoid_neuron.training.signals import stop_on_signals

if TYPE_CHECKING:
    from sigmoid_neuron.training import TrainingContext

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "VERSION",
    "Checkpoint",
    "CheckpointData",
    "check_compatible",
    "checkpoint_from_dict",
    "checkpoint_to_dict",
    "context_fingerprint",
    "data_fingerprint",
    "load_checkpoint",
    "stop_on_signals",
    "training_settings",
    "write_checkpoint",
]


class Checkpoint(Callback):
    """Write the training state to ``path`` every ``every`` epochs; optionally resume.

    ``every``: epochs between writes (None: only when training ends or is stopped by
    :meth:`request_stop`); a final checkpoint is always written when training ends
    normally or by a stop request, never after a divergence or an exception (the last
    good file stays). ``resume_from``: a checkpoint path (or a loaded
    :class:`CheckpointData`) to continue from: at the start of ``fit`` it is checked
    against the data and settings (ValueError naming what differs) and restored, and
    the run continues to the same result as if it had never stopped. ``metadata``: any
    JSON dict stored in the file.

    ``est = SigmoidNeuron(..., callbacks=[Checkpoint("ck.json", every=10)]).fit(X, y)``;
    later ``SigmoidNeuron(..., callbacks=[Checkpoint("ck.json", resume_from="ck.json")])``
    with the same arguments and data continues. Restoring happens only in a ``train``
    call that starts from epoch 0 (a fresh ``fit``), never in later ``partial_fit`` calls.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int | None = 1,
        *,
        resume_from: str | os.PathLike[str] | CheckpointData | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if every is not None and (
            isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1
        ):
            raise ValueError(f"every must be an integer >= 1 or None, got {every!r}")
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
        self.path = os.fspath(path)
        self.every = None if every is None else int(every)
        self.resume_from = resume_from
        self.metadata = metadata
        self.stop_requested = False
        self.aborted = False
        self.started = False
        self.ended = False
        self.resumed_epoch: int | None = None
        self.last_saved_epoch: int | None = None
        self._context: dict[str, Any] | None = None
        self._ready = False
        self._saved_key: tuple[int, str] | None = None
        self._final_state: TrainerState | None = None

    # -- control (e.g. from a signal handler)

    def request_stop(self) -> None:
        """Stop training after the current epoch and write the checkpoint."""
        self.stop_requested = True

    def abort(self) -> None:
        """Give up at once: no further checkpoint is written by this callback."""
        self.aborted = True

    # -- hooks

    def bind(self, context: TrainingContext) -> None:
        """Remember the run's data and settings fingerprints (the data are hashed once)."""
        self._context = context_fingerprint(context)

    def on_train_begin(self, state: TrainerState) -> None:
        """Check the path can be written; restore ``resume_from`` into a fresh state."""
        self._ready = False
        self.ended = False
        self._final_state = None
        directory = Path(self.path).parent
        if not directory.is_dir():
            raise OSError(
                f"checkpoint {self.path!r} cannot be written: directory {str(directory)!r} "
                "does not exist"
            )
        if self.resume_from is not None and state.epoch == 0 and not state.history.loss:
            checkpoint = (
                self.resume_from
                if isinstance(self.resume_from, CheckpointData)
                else load_checkpoint(self.resume_from)
            )
            if self._context is None:
                raise ValueError("Checkpoint.bind(context) must be called before training")
            check_compatible(checkpoint, self._context)
            saved = checkpoint.state
            state.params = saved.params.copy()
            state.opt_state = saved.opt_state
            state.epoch = saved.epoch
            state.history = saved.history
            state.rng = saved.rng
            state.best_loss = saved.best_loss
            state.no_improvement = saved.no_improvement
            state.reference_loss = saved.reference_loss
            if saved.stop is not None and saved.stop.by_own_rule:  # nothing left to run
                state.finish(saved.stop, saved.stop_reason, converged=saved.converged)
            self.resumed_epoch = saved.epoch
        self.started = True
        self._ready = True

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        """Write every ``every`` epochs; True (stop) once a stop was requested."""
        if self.every is not None and state.epoch % self.every == 0 and not self.aborted:
            self.save(state)
        return True if self.stop_requested else None

    def on_train_end(self, state: TrainerState) -> None:
        """Write the final state, unless training failed or was aborted."""
        ready, self._ready = self._ready, False
        self.ended = True
        if not ready or self.aborted or not _at_epoch_boundary(state):
            return
        self._final_state = state
        if self.every is not None or self.stop_requested:
            self.save(state)

    # -- writing

    def save(self, state: TrainerState | None = None) -> None:
        """Write ``state`` (default: the final state of the last run) to ``path`` now."""
        if state is None:
            state = self._final_state
        if state is None or self._context is None:
            raise ValueError("there is no training state to checkpoint yet; call fit first")
        interrupted = self.stop_requested and state.stop in (None, StopReason.CALLBACK)
        key = (int(state.epoch), "" if interrupted else state.stop_reason)
        if key == self._saved_key and Path(self.path).exists():
            return
        write_checkpoint(self.path, state, self._context, self.metadata, interrupted=interrupted)
        self._saved_key = key
        self.last_saved_epoch = int(state.epoch)

    @property
    def final_state(self) -> TrainerState | None:
        """The state at the end of the last complete run (None if it failed)."""
        return self._final_state


def _at_epoch_boundary(state: TrainerState) -> bool:
    """The state is between epochs (consistent to save): the run ended normally, not by
    a divergence or an exception (which can leave it mid-epoch)."""
    if state.stop in (StopReason.DIVERGED, StopReason.FAILED):
        return False
    lr = len(state.history.learning_rate)
    return lr in (0, len(state.history.loss))
