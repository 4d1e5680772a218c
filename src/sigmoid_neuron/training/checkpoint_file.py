"""The checkpoint file: a run's whole state as versioned JSON, written atomically.

A checkpoint is a :mod:`sigmoid_neuron.io.document` of format
:data:`~sigmoid_neuron.io.document.CHECKPOINT` (never pickle), written with
:func:`sigmoid_neuron.io.atomic.atomic_write`, so a reader sees the previous complete
file or the new complete file, never a torn one::

    {"format": "sigmoid-neuron-checkpoint", "version": 1, "library_version": "0.1.0",
     "max_epochs": 5000,                     # the budget of the run that wrote it
     "data": {...fingerprint of the training rows...},
     "validation_data": {...} or null,
     "settings": {...everything that changes the iterates...},
     "state": {...TrainerState.to_dict(): params, opt_state, epoch, history, rng, ...},
     "metadata": {...any JSON, e.g. the command-line options...}}

The fingerprints (``data``, ``validation_data``, ``settings``) are described in
:mod:`sigmoid_neuron.training.fingerprint`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sigmoid_neuron.io.document import (
    CHECKPOINT,
    Document,
    document_dict,
    parse_document,
    read_document,
    write_document,
)
from sigmoid_neuron.training import TrainerState
from sigmoid_neuron.training.fingerprint import context_fingerprint

if TYPE_CHECKING:
    from sigmoid_neuron.training import TrainingContext

FORMAT = CHECKPOINT.name
VERSION = CHECKPOINT.version
#: Largest checkpoint file :func:`load_checkpoint` reads (1 GiB).
MAX_FILE_BYTES = CHECKPOINT.max_bytes

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "VERSION",
    "CheckpointData",
    "checkpoint_from_dict",
    "checkpoint_to_dict",
    "load_checkpoint",
    "write_checkpoint",
]


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
        return self.state.stop is not None and self.state.stop.by_own_rule

    @property
    def epoch(self) -> int:
        """Epochs completed when the checkpoint was written."""
        return int(self.state.epoch)


def _payload(
    state: TrainerState,
    context: TrainingContext | dict[str, Any],
    metadata: dict[str, Any] | None,
    interrupted: bool,
) -> dict[str, Any]:
    described = context if isinstance(context, dict) else context_fingerprint(context)
    body = state.to_dict()
    if interrupted:
        body["stop"] = None
        body["stop_reason"] = ""
        body["converged"] = False
    return {**described, "state": body, "metadata": metadata}


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
    return document_dict(CHECKPOINT, _payload(state, context, metadata, interrupted))


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
    write_document(path, CHECKPOINT, _payload(state, context, metadata, interrupted))


def _plain_values(doc: Document, value: Any, what: str, *, nullable: bool) -> Any:
    """A JSON object of plain values (a fingerprint), or None when ``nullable``."""
    value = doc.check(value, "object", what, nullable=nullable)
    if value is not None and not all(
        v is None or isinstance(v, (str, int, float, bool)) for v in value.values()
    ):
        raise doc.fail(f"{what} must be a JSON object of plain values; the file is corrupt")
    return value


def _settings(doc: Document) -> dict[str, Any]:
    value = doc.check(doc.body.get("settings"), "object", "settings")
    rates = value.get("learning_rates", [])
    if not isinstance(rates, list) or not all(
        r is None or (isinstance(r, (int, float)) and not isinstance(r, bool)) for r in rates
    ):
        raise doc.fail("settings.learning_rates must be a list of numbers")
    for key, v in value.items():
        if key != "learning_rates" and not (v is None or isinstance(v, (str, int, float, bool))):
            raise doc.fail(f"settings.{key} must be a plain value; the file is corrupt")
    return value


def _checkpoint(doc: Document) -> CheckpointData:
    try:
        state = TrainerState.from_dict(doc.body.get("state"))
    except ValueError as exc:
        raise doc.fail(f"{exc}; the file is corrupt") from None
    data = _plain_values(doc, doc.body.get("data"), "data", nullable=False)
    validation = _plain_values(
        doc, doc.body.get("validation_data"), "validation_data", nullable=True
    )
    settings = _settings(doc)
    n_params = settings.get("n_params")
    if n_params != state.params.size:
        raise doc.fail(
            f"holds {state.params.size} parameters but says the model has {n_params!r}; "
            "the file is corrupt"
        )
    if settings.get("optimizer") != state.optimizer:
        raise doc.fail("the optimizer of the settings and of the state differ; it is corrupt")
    return CheckpointData(
        path=doc.where,
        state=state,
        data=data,
        validation_data=validation,
        settings=settings,
        max_epochs=doc.entry("max_epochs", "integer", required=False, nullable=True, low=1),
        metadata=doc.entry("metadata", "object", required=False, nullable=True),
        library_version=doc.library_version,
    )


def checkpoint_from_dict(doc: Any, *, where: str = "checkpoint") -> CheckpointData:
    """Validate a parsed checkpoint document; ValueError naming ``where`` on any defect."""
    return _checkpoint(parse_document(doc, CHECKPOINT, where=where))


def load_checkpoint(path: str | os.PathLike[str]) -> CheckpointData:
    """Read and validate a checkpoint file (see the module docstring).

    ValueError naming the file for anything that is not a complete checkpoint of this
    library: a directory, larger than :data:`MAX_FILE_BYTES`, not UTF-8 JSON, another
    kind of JSON (a model file is named as such), a newer format version, or malformed
    content. OSError if it cannot be read. Nothing is ever executed or unpickled.
    """
    return _checkpoint(read_document(path, CHECKPOINT, max_bytes=MAX_FILE_BYTES))
