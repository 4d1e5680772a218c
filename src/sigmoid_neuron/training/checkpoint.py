"""Checkpoints: save a run's whole state atomically, resume it bit for bit, stop on signals.

A checkpoint file is versioned JSON (never pickle), written with
:func:`sigmoid_neuron.io.atomic.atomic_write`, so a reader sees the previous complete
file or the new complete file, never a torn one::

    {"format": "sigmoid-neuron-checkpoint", "version": 1, "library_version": "0.1.0",
     "max_epochs": 5000,                     # the budget of the run that wrote it
     "data": {...fingerprint of the training rows...},
     "validation_data": {...} or null,
     "settings": {...everything that changes the iterates...},
     "state": {...TrainerState.to_dict(): params, opt_state, epoch, history, rng, ...},
     "metadata": {...any JSON, e.g. the command-line options...}}

The *data fingerprint* is ``n_samples``, ``n_features``, ``n_outputs``, the dtype, the
total sample weight and the SHA-256 of the bytes of ``X``, ``y`` and the sample weights
as the objective sees them (after label encoding, scaling and the validation split);
Dask data, which would need an extra pass to hash, are fingerprinted by shape, dtype and
total weight only. The *settings* are the optimizer, loss, ``alpha``,
``fit_intercept``, the number of parameters, the effective batch size, ``shuffle``,
``tol``, ``n_iter_no_change``, the divergence factor and the learning rate at the
updates ``t = 0, 1, 2, 3, 10, 100, 10^3, ..., 10^6`` (which identifies a schedule,
including a cosine schedule's length). ``max_epochs`` may change: resuming with a larger
budget trains further.

Resuming (``Checkpoint(path, resume_from=path)``) restores parameters, optimizer state,
epoch count, history, random generator and stopping bookkeeping before the first epoch,
so for ``gd``, ``sgd``, ``momentum``, ``nesterov``, ``adam`` and ``newton`` (whose state
is all in the checkpoint) the resumed run computes exactly the iterates of the
uninterrupted one. ``lbfgs`` keeps its curvature pairs inside SciPy: a resumed lbfgs
run restarts the solver from the checkpoint's parameters (memory empty), reaching the
same optimum within the tolerance but not the same iterates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from sigmoid_neuron.io.atomic import WriteError, atomic_write
from sigmoid_neuron.training.callbacks import Callback
from sigmoid_neuron.training.loop import (
    UPDATE_RULES,
    TrainerState,
    TrainingContext,
)

FORMAT = "sigmoid-neuron-checkpoint"
VERSION = 1
#: Largest checkpoint file :func:`load_checkpoint` reads (1 GiB).
MAX_FILE_BYTES = 1 << 30
#: Updates at which the learning-rate schedule is sampled for the settings fingerprint.
_RATE_PROBES = (0, 1, 2, 3, 10, 100, 1_000, 10_000, 100_000, 1_000_000)

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


# =========================================================================== fingerprints


def _hash_arrays(*arrays: Any) -> str:
    """SHA-256 over each array's dtype, shape and C-ordered bytes (None hashes as a tag)."""
    digest = hashlib.sha256()
    for a in arrays:
        if a is None:
            digest.update(b"none;")
            continue
        arr = np.ascontiguousarray(a)
        digest.update(f"{arr.dtype.str}{arr.shape};".encode())
        digest.update(arr.tobytes() if arr.size < 1 else arr.data.cast("B"))
    return digest.hexdigest()


def data_fingerprint(objective: Any) -> dict[str, Any]:
    """What identifies the rows of ``objective.data``.

    ``{"kind", "n_samples", "n_features", "n_outputs", "dtype", "total_weight",
    "sha256"}`` with ``sha256 = SHA-256(X, y, sample_weight)`` for in-memory data
    (one read of the arrays) and None for data held elsewhere (Dask blocks).
    """
    data = objective.data
    n_samples = getattr(data, "n_samples", None)
    fingerprint: dict[str, Any] = {
        "kind": type(data).__name__,
        "n_samples": None if n_samples is None else int(n_samples),
        "n_features": int(data.n_features),
        "n_outputs": int(data.n_outputs),
        "dtype": np.dtype(data.dtype).name,
        "total_weight": float(data.total_weight),
        "sha256": None,
    }
    X = getattr(data, "X", None)
    if isinstance(X, np.ndarray):
        fingerprint["sha256"] = _hash_arrays(X, data.y, data.sample_weight)
    return fingerprint


def _rate(schedule: Any, t: int) -> float | None:
    try:
        value = float(schedule(t))
    except Exception:  # a user schedule that fails somewhere: record "no value"
        return None
    return value if math.isfinite(value) else None


def training_settings(objective: Any, config: Any) -> dict[str, Any]:
    """The settings that determine the iterates (see the module docstring)."""
    n = getattr(objective.data, "n_samples", None)
    batch = None if n is None else int(config.effective_batch_size(int(n)))
    if batch is not None and n is not None and batch >= n:
        batch = None  # full batch, however it was asked for
    rates: list[float | None] = []
    if config.optimizer in UPDATE_RULES:
        schedule = config.schedule()
        rates = [_rate(schedule, t) for t in _RATE_PROBES]
    return {
        "optimizer": config.optimizer,
        "loss": type(objective.data.loss).__name__,
        "alpha": float(objective.alpha),
        "fit_intercept": bool(objective.fit_intercept),
        "n_params": int(objective.n_params),
        "batch_size": batch,
        "shuffle": bool(config.shuffle) if batch is not None else None,
        "tol": None if config.tol is None else float(config.tol),
        "n_iter_no_change": int(config.n_iter_no_change),
        "divergence_factor": float(config.divergence_factor),
        "learning_rates": rates,
    }


# =========================================================================== the file


@dataclass(frozen=True)
class CheckpointData:
    """A loaded, validated checkpoint.

    ``state``: the :class:`TrainerState` to continue from; ``data``/``validation_data``/
    ``settings``: the fingerprints it belongs to; ``max_epochs``: the budget of the run
    that wrote it; ``metadata``: whatever the writer stored (a dict or None);
    ``finished``: the run had stopped by its own rule (converged, stopping rule, a
    callback), not by an interruption or by running out of epochs (a larger budget
    continues it); ``path``: where it was read from.
    """

    path: str
    state: TrainerState
    data: dict[str, Any]
    validation_data: dict[str, Any] | None
    settings: dict[str, Any]
    max_epochs: int | None
    metadata: dict[str, Any] | None
    library_version: str

    @property
    def finished(self) -> bool:
        """True when the run stopped by its own rule (nothing is left to resume)."""
        return bool(self.state.stop_reason) and not self.state.exhausted

    @property
    def epoch(self) -> int:
        """Epochs completed when the checkpoint was written."""
        return int(self.state.epoch)


def context_fingerprint(context: TrainingContext) -> dict[str, Any]:
    """``{"max_epochs", "data", "validation_data", "settings"}`` of a run: what a
    checkpoint records about the run it belongs to (the data are hashed here, once)."""
    return {
        "max_epochs": int(context.config.max_epochs),
        "data": data_fingerprint(context.objective),
        "validation_data": (
            None if context.validation is None else data_fingerprint(context.validation)
        ),
        "settings": training_settings(context.objective, context.config),
    }


def checkpoint_to_dict(
    state: TrainerState,
    context: TrainingContext | dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    interrupted: bool = False,
) -> dict[str, Any]:
    """The JSON document of a checkpoint of ``state`` in ``context`` (a
    :class:`TrainingContext`, or its :func:`context_fingerprint` computed before).

    ``interrupted=True`` records the run as unfinished even though the loop marked it
    stopped (the stop was the interruption's, not the run's own rule).
    """
    from sigmoid_neuron import __version__

    described = context if isinstance(context, dict) else context_fingerprint(context)
    body = state.to_dict()
    if interrupted:
        body["stop_reason"] = ""
        body["converged"] = False
    return {
        "format": FORMAT,
        "version": VERSION,
        "library_version": __version__,
        **described,
        "state": body,
        "metadata": metadata,
    }


def write_checkpoint(
    path: str | os.PathLike[str],
    state: TrainerState,
    context: TrainingContext | dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    interrupted: bool = False,
) -> None:
    """Write :func:`checkpoint_to_dict` to ``path`` atomically (temporary file, fsync,
    rename): an interruption at any moment leaves the previous file intact. A failed
    write (a full disk, ...) raises :class:`~sigmoid_neuron.io.atomic.WriteError`:
    ``checkpoint 'ck.json' cannot be written: no space left on device; ...``."""
    doc = checkpoint_to_dict(state, context, metadata, interrupted=interrupted)
    try:
        with atomic_write(path, "w") as handle:
            json.dump(doc, handle, separators=(",", ":"))
            handle.write("\n")
    except WriteError as exc:  # e.g. a full disk: the previous checkpoint stays intact
        raise exc.for_option("checkpoint") from None


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _fingerprint_entry(value: Any, where: str, what: str, *, optional: bool) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, dict) or not all(
        v is None or isinstance(v, (str, int, float, bool)) for v in value.values()
    ):
        raise _fail(where, f"{what} must be a JSON object of plain values; the file is corrupt")
    return value


def _settings_entry(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "settings must be a JSON object; the file is corrupt")
    rates = value.get("learning_rates", [])
    if not isinstance(rates, list) or not all(
        r is None or (isinstance(r, (int, float)) and not isinstance(r, bool)) for r in rates
    ):
        raise _fail(where, "settings.learning_rates must be a list of numbers")
    for key, v in value.items():
        if key != "learning_rates" and not (v is None or isinstance(v, (str, int, float, bool))):
            raise _fail(where, f"settings.{key} must be a plain value; the file is corrupt")
    return value


def checkpoint_from_dict(doc: Any, *, where: str = "checkpoint") -> CheckpointData:
    """Validate a parsed checkpoint document; ValueError naming ``where`` on any defect."""
    if isinstance(doc, dict) and doc.get("format") == "sigmoid-neuron-model":
        raise ValueError(
            f"{where} is a model file, not a checkpoint; pass the file written by "
            "--checkpoint (or by the Checkpoint callback)"
        )
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(
            where,
            f'not a sigmoid-neuron checkpoint (no "format": "{FORMAT}" entry); pass a file '
            "written by `sigmoid-neuron train --checkpoint` or the Checkpoint callback",
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(where, f"has an invalid format version {str(version)[:20]!r}; it is corrupt")
    if version > VERSION:
        raise _fail(
            where,
            f"was written in checkpoint format version {version}, newer than this library "
            f"reads (up to {VERSION}); upgrade sigmoid-neuron to resume it",
        )
    try:
        state = TrainerState.from_dict(doc.get("state"))
    except ValueError as exc:
        raise _fail(where, f"{exc}; the file is corrupt") from None
    data = _fingerprint_entry(doc.get("data"), where, "data", optional=False)
    validation = _fingerprint_entry(
        doc.get("validation_data"), where, "validation_data", optional=True
    )
    settings = _settings_entry(doc.get("settings"), where)
    n_params = settings.get("n_params")
    if n_params != state.params.size:
        raise _fail(
            where,
            f"holds {state.params.size} parameters but says the model has {n_params!r}; "
            "the file is corrupt",
        )
    if settings.get("optimizer") != state.optimizer:
        raise _fail(where, "the optimizer of the settings and of the state differ; it is corrupt")
    max_epochs = doc.get("max_epochs")
    if max_epochs is not None and (
        isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1
    ):
        raise _fail(where, "max_epochs must be a positive integer; the file is corrupt")
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise _fail(where, "metadata must be a JSON object or null; the file is corrupt")
    library_version = doc.get("library_version", "")
    return CheckpointData(
        path=where,
        state=state,
        data=data,
        validation_data=validation,
        settings=settings,
        max_epochs=max_epochs,
        metadata=metadata,
        library_version=library_version if isinstance(library_version, str) else "",
    )


def load_checkpoint(path: str | os.PathLike[str]) -> CheckpointData:
    """Read and validate a checkpoint file (see the module docstring).

    ValueError naming the file for anything that is not a complete checkpoint of this
    library: too large, not UTF-8 JSON, another kind of JSON (a model file is named as
    such), a newer format version, or malformed content. OSError if it cannot be read.
    Nothing is ever executed or unpickled.
    """
    target = Path(path)
    where = f"checkpoint {str(target)!r}"
    if target.is_dir():
        raise ValueError(f"{where} is a directory; pass the checkpoint file")
    size = target.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(
            f"{where} is {size} bytes, more than the {MAX_FILE_BYTES} a checkpoint may have"
        )
    raw = target.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not UTF-8 text; it is corrupt or not a checkpoint") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it is corrupt or truncated"
        ) from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply; it is not a checkpoint") from None
    except ValueError as exc:  # e.g. an integer literal with too many digits
        raise ValueError(f"{where} could not be parsed ({exc}); it is corrupt") from None
    return checkpoint_from_dict(doc, where=where)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe_data(fp: dict[str, Any] | None) -> str:
    if fp is None:
        return "none"
    rows = fp.get("n_samples")
    shape = f"{rows if rows is not None else '?'} rows x {fp.get('n_features')} features"
    digest = fp.get("sha256")
    return shape + (f", sha256 {str(digest)[:12]}" if digest else "")


def check_compatible(checkpoint: CheckpointData, context: TrainingContext | dict[str, Any]) -> None:
    """Refuse (ValueError naming each difference) to resume ``checkpoint`` in a run on
    other data or with other settings (``context``: a :class:`TrainingContext` or its
    :func:`context_fingerprint`); ``max_epochs`` may differ."""
    described = context if isinstance(context, dict) else context_fingerprint(context)
    problems: list[str] = []
    now = described["settings"]
    for key in sorted(set(now) | set(checkpoint.settings)):
        old, new = checkpoint.settings.get(key), now.get(key)
        if old != new:
            if key == "learning_rates":
                problems.append(
                    "the learning-rate schedule differs (a different rate, schedule or, for "
                    "a cosine schedule, number of epochs)"
                )
            else:
                problems.append(f"{key} is {_show(old)} in the checkpoint but {_show(new)} now")
    for name, old_fp, new_fp in (
        ("training data", checkpoint.data, described["data"]),
        ("validation data", checkpoint.validation_data, described["validation_data"]),
    ):
        if old_fp != new_fp:
            problems.append(
                f"the {name} differ (checkpoint: {_describe_data(old_fp)}; now: "
                f"{_describe_data(new_fp)})"
            )
    if problems:
        raise ValueError(
            f"{checkpoint.path} does not belong to this run: {'; '.join(problems)}. Resume "
            "with the data and settings that wrote it, or start afresh without resuming"
        )


# =========================================================================== the callback


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
            if saved.stop_reason and not saved.exhausted:  # it had stopped by its own rule
                state.converged = saved.converged
                state.stop_reason = saved.stop_reason
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
        interrupted = self.stop_requested and state.stop_reason in (
            "",
            f"stopped by callback {type(self).__name__}",
        )
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
    if state.stop_reason == "diverged" or state.stop_reason.startswith("failed ("):
        return False
    lr = len(state.history.learning_rate)
    return lr in (0, len(state.history.loss))


# =========================================================================== signals


@contextlib.contextmanager
def stop_on_signals(
    checkpoint: Checkpoint,
    signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM),
    notice: str | None = None,
    *,
    exiting: bool = False,
) -> Iterator[list[int]]:
    """Turn the first SIGINT/SIGTERM into a graceful stop, the second into an exit.

    Inside the block, the first signal while training runs calls
    ``checkpoint.request_stop()`` (training ends after the current epoch, the checkpoint
    is written) and writes ``notice`` to stderr (unbuffered, safe in a handler); a
    signal before training started, or a second signal, calls ``checkpoint.abort()``
    and raises :class:`KeyboardInterrupt` at once (atomic writes in progress are
    abandoned, so every file stays complete). The yielded list collects the signal
    numbers received. Outside the main thread nothing is installed.

    On leaving the block the previous handlers are restored, except with
    ``exiting=True`` after a signal was received: the signals then stay ignored, for a
    program that exits right after (a late second Ctrl-C cannot then interrupt the
    interpreter's shutdown with a traceback).
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        first = len(received) == 1
        if first and checkpoint.started:
            checkpoint.request_stop()
            if notice:
                with contextlib.suppress(OSError):
                    os.write(2, notice.encode("utf-8", "replace"))
            return
        checkpoint.abort()
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, old in previous.items():
            if exiting and received:
                signal.signal(sig, signal.SIG_IGN)
            else:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
