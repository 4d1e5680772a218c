"""What a checkpoint records about the run it belongs to, and the check before resuming.

The *data fingerprint* is ``n_samples``, ``n_features``, ``n_outputs``, the dtype, the
total sample weight and the SHA-256 of the bytes of ``X``, ``y`` and the sample weights
as the objective sees them (after label encoding, scaling and the validation split);
Dask data, which would need an extra pass to hash, are fingerprinted by shape, dtype and
total weight only. The *settings* are the optimizer, loss, ``alpha``,
``fit_intercept``, the number of parameters, the effective batch size, ``shuffle``,
``tol``, ``n_iter_no_change``, the divergence factor and the learning rate at the
updates ``t = 0, 1, 2, 3, 10, 100, 10^3, ..., 10^6`` (which identifies a schedule,
including a cosine schedule's length). :func:`check_compatible` refuses to resume a
checkpoint in a run whose fingerprints differ; ``max_epochs`` may change.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse

if TYPE_CHECKING:
    from sigmoid_neuron.training import TrainingContext
    from sigmoid_neuron.training.checkpoint_file import CheckpointData

#: Updates at which the learning-rate schedule is sampled for the settings fingerprint.
RATE_PROBES = (0, 1, 2, 3, 10, 100, 1_000, 10_000, 100_000, 1_000_000)

__all__ = [
    "RATE_PROBES",
    "check_compatible",
    "context_fingerprint",
    "data_fingerprint",
    "training_settings",
]


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
    "sha256"}`` with ``sha256 = SHA-256(X, y, sample_weight, offset)`` for in-memory data
    (one read of the arrays; a CSR ``X`` as its values, indices and row pointers) and
    None for data held elsewhere (Dask blocks).
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
    X: Any = getattr(data, "X", None)
    offset = getattr(data, "offset", None)
    extra = () if offset is None else (offset,)  # data without an offset hash as before
    if isinstance(X, np.ndarray):
        fingerprint["sha256"] = _hash_arrays(X, data.y, data.sample_weight, *extra)
    elif scipy.sparse.issparse(X):  # the stored values and where they stand
        parts = (X.data, X.indices, X.indptr, data.y, data.sample_weight, *extra)
        fingerprint["sha256"] = _hash_arrays(*parts)
    return fingerprint


def _rate(schedule: Any, t: int) -> float | None:
    try:
        value = float(schedule(t))
    except Exception:  # a user schedule that fails somewhere: record "no value"
        return None
    return value if math.isfinite(value) else None


def training_settings(objective: Any, config: Any) -> dict[str, Any]:
    """The settings that determine the iterates (see the module docstring); the
    learning rates are ``eta_t`` at ``t`` in :data:`RATE_PROBES` (update rules only)."""
    from sigmoid_neuron.training import UPDATE_RULES

    n = getattr(objective.data, "n_samples", None)
    batch = None if n is None else int(config.effective_batch_size(int(n)))
    if batch is not None and n is not None and batch >= n:
        batch = None  # full batch, however it was asked for
    penalty = getattr(objective, "penalty", None)
    factor = getattr(penalty, "factor", None)
    if factor is not None and bool(np.all(np.asarray(factor) == 1.0)):
        factor = None  # the default: every feature penalised alike
    rates: list[float | None] = []
    if config.optimizer in UPDATE_RULES:
        schedule = config.schedule()
        rates = [_rate(schedule, t) for t in RATE_PROBES]
    return {
        "optimizer": config.optimizer,
        "loss": type(objective.data.loss).__name__,
        "alpha": float(objective.alpha),
        "l1_ratio": float(getattr(penalty, "l1_ratio", 0.0)),
        "penalty_factor": None if factor is None else [float(v) for v in np.ravel(factor)],
        "fit_intercept": bool(objective.fit_intercept),
        "n_params": int(objective.n_params),
        "batch_size": batch,
        "shuffle": bool(config.shuffle) if batch is not None else None,
        "tol": None if config.tol is None else float(config.tol),
        "n_iter_no_change": int(config.n_iter_no_change),
        "divergence_factor": float(config.divergence_factor),
        "learning_rates": rates,
    }


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


#: settings added after checkpoints were first written, with the value older runs had
_DEFAULT_SETTINGS: dict[str, Any] = {"l1_ratio": 0.0, "penalty_factor": None}


def check_compatible(checkpoint: CheckpointData, context: TrainingContext | dict[str, Any]) -> None:
    """Refuse (ValueError naming each difference) to resume ``checkpoint`` in a run on
    other data or with other settings (``context``: a :class:`TrainingContext` or its
    :func:`context_fingerprint`); ``max_epochs`` may differ."""
    described = context if isinstance(context, dict) else context_fingerprint(context)
    problems: list[str] = []
    now = described["settings"]
    for key in sorted(set(now) | set(checkpoint.settings)):
        # a setting a checkpoint predates holds its default (e.g. l1_ratio 0)
        old = checkpoint.settings.get(key, _DEFAULT_SETTINGS.get(key))
        new = now.get(key)
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
