"""What several subcommands share: options, output checks, model files and their use.

- arguments: :func:`add_max_columns_argument`;
- outputs: :func:`check_writable` (before any work), :func:`report_warnings`;
- model files: :func:`load_model_file`, the columns and kind of the saved model
  (:func:`model_features`, :func:`recorded_targets`, :func:`model_kind`,
  :func:`n_outputs`) and applying it (:func:`final_estimator`, :func:`final_input`,
  :func:`apply_model`);
- scores: :func:`r2_score` with :class:`Undefined` for a score that has no value,
  :func:`format_score`.

Commands import these from here, never from each other. Heavy imports (pandas,
scikit-learn) happen inside the functions, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "KINDS",
    "Undefined",
    "add_max_columns_argument",
    "apply_model",
    "check_writable",
    "final_estimator",
    "final_input",
    "format_score",
    "load_model_file",
    "model_features",
    "model_kind",
    "n_outputs",
    "r2_score",
    "recorded_targets",
    "report_warnings",
]

#: Estimator class -> model kind (``--model`` of ``train``).
KINDS: dict[str, str] = {
    "SigmoidNeuron": "neuron",
    "LogisticRegression": "logistic",
    "LinearRegression": "linear",
}


# =========================================================================== arguments


def add_max_columns_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--max-columns N``: the most columns a table may have (checked from its header,
    before the table is read; see :data:`sigmoid_neuron.io.table_header.MAX_COLUMNS`)."""
    from sigmoid_neuron.io.table_header import MAX_COLUMNS

    parser.add_argument(
        "--max-columns",
        type=_max_columns,
        default=MAX_COLUMNS,
        metavar="N",
        help=f"refuse tables with more than N columns, from the header alone (default "
        f"{MAX_COLUMNS}); a wider table takes pandas seconds per {MAX_COLUMNS} columns",
    )


def _max_columns(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


# =========================================================================== outputs


def report_warnings(caught: list[warnings.WarningMessage], command: str) -> None:
    """Print each distinct warning as one line on stderr (no source lines, no repeats)."""
    seen: set[str] = set()
    for w in caught:
        text = " ".join(str(w.message).split())
        if text not in seen:
            seen.add(text)
            print(f"sigmoid-neuron {command}: warning: {text}", file=sys.stderr)


def check_writable(path: str, argument: str, *inputs: str) -> None:
    """Fail early, before any work, if ``path`` cannot be written or is one of ``inputs``."""
    target = Path(path)
    for source in inputs:
        if target.resolve() == Path(source).resolve():
            raise ValueError(
                f"{argument} {path!r} is also an input file; write the output somewhere else"
            )
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ValueError(f"{argument} {path!r} is a directory; pass a file name")
    if not directory.is_dir():
        raise OSError(
            f"{argument} {path!r} cannot be written: directory {str(directory)!r} does not exist"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OSError(f"{argument} {path!r} cannot be written: permission denied")


# =========================================================================== model files


def load_model_file(path: str) -> tuple[Any, dict[str, Any]]:
    """``(model, metadata)`` from a model file, with one-line errors for every failure."""
    from sigmoid_neuron.io.model_file import read_model_file

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"MODEL {path!r} does not exist; check the path")
    if p.is_dir():
        raise ValueError(f"MODEL {path!r} is a directory; pass a model file from `train`")
    model, metadata = read_model_file(p)
    return model, dict(metadata or {})


def model_features(model: Any, metadata: dict[str, Any], path: str) -> list[str]:
    """The feature columns the model was trained on.

    The names the model itself recorded (``feature_names_in_``, set when it was fitted on
    a DataFrame) win; otherwise the ``features`` of the model file's metadata.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    features = metadata.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ValueError(
            f"MODEL {path!r} does not record its feature columns; train it with "
            f"`sigmoid-neuron train`, or save it with metadata={{'features': [...]}}"
        )
    return list(features)


def recorded_targets(metadata: dict[str, Any]) -> list[str] | None:
    """The target column(s) in the metadata (``target``: a name or a list of names)."""
    target = metadata.get("target")
    if isinstance(target, str):
        return [target]
    if isinstance(target, list) and target and all(isinstance(t, str) for t in target):
        return list(target)
    return None


def final_estimator(model: Any) -> Any:
    """The estimator itself, inside a Pipeline or not."""
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def model_kind(model: Any, metadata: dict[str, Any]) -> str:
    """``"neuron"``, ``"logistic"`` or ``"linear"``, from the saved estimator's class.

    The class (the last step of a Pipeline) decides; ``metadata["model"]`` is only a
    fallback for a class :data:`KINDS` does not know, never an override.
    """
    kind = KINDS.get(type(final_estimator(model)).__name__)
    if kind is not None:
        return kind
    recorded = metadata.get("model")
    return str(recorded) if recorded in KINDS.values() else "linear"


def n_outputs(model: Any, kind: str) -> int | None:
    """Columns a multi-output regression predicts; None when it predicts one value per row."""
    if kind != "linear":
        return None
    coef = getattr(final_estimator(model), "coef_", None)
    return int(np.shape(coef)[0]) if coef is not None and np.ndim(coef) == 2 else None


def _as_fitted(step: Any, X: Any) -> Any:
    """``X`` in the form ``step`` was fitted on: a DataFrame with its column names when it
    was fitted on one (so scikit-learn does not warn about missing feature names)."""
    names = getattr(step, "feature_names_in_", None)
    if names is None or np.ndim(X) != 2 or np.shape(X)[1] != len(names):
        return X
    import pandas as pd

    return pd.DataFrame(np.asarray(X), columns=[str(n) for n in names], copy=False)


def final_input(model: Any, X: Any) -> tuple[Any, Any]:
    """``(estimator, Xt)``: the final estimator and ``X`` passed through the steps before it,
    each step given its input in the form it was fitted on."""
    steps = getattr(model, "steps", None)
    if not steps:
        return model, _as_fitted(model, X)
    Xt = X
    for _, step in steps[:-1]:
        Xt = step.transform(_as_fitted(step, Xt))
    estimator = steps[-1][1]
    return estimator, _as_fitted(estimator, Xt)


def apply_model(model: Any, method: str, X: Any, offset: Any = None) -> Any:
    """``model.<method>(X)`` (e.g. ``predict``), through a Pipeline's steps, without
    scikit-learn's feature-name warnings; ``offset`` (None: none) is passed on."""
    estimator, Xt = final_input(model, X)
    if offset is None:
        return getattr(estimator, method)(Xt)
    return getattr(estimator, method)(Xt, offset=offset)


def recorded_offset(metadata: dict[str, Any], table: Any, data: str) -> Any:
    """The offset column the model was trained with (``offset_column`` in its metadata),
    read from ``table`` (a DataFrame of DATA); None when the model has none."""
    column = metadata.get("offset_column")
    if column is None:
        return None
    from sigmoid_neuron.io.tables import numeric_column

    if column not in table.columns:
        raise ValueError(
            f"DATA {data!r} has no column {column!r}: the model was trained with it as its "
            "offset (train --offset-column); add that column to the table"
        )
    return numeric_column(table, column, f"DATA {data!r}")


# =========================================================================== scores


@dataclass(frozen=True)
class Undefined:
    """A score that has no value on these data, with the reason (printed instead of nan)."""

    reason: str

    def __str__(self) -> str:
        return f"undefined ({self.reason})"


def r2_score(
    y: NDArray[Any], prediction: NDArray[Any], targets: Sequence[str] | None = None
) -> float | Undefined:
    """R^2 = 1 - SS_res / SS_tot, SS_res = sum_i (y_hat_i - y_i)^2, SS_tot = sum_i (y_i -
    mean(y))^2, per target column, then their plain mean (scikit-learn's
    ``multioutput="uniform_average"``).

    :class:`Undefined` when a target is constant (SS_tot = 0: R^2 divides by zero;
    scikit-learn reports 0.0 or 1.0 there, a convention, not a score). ``targets``
    names the columns of a multi-output ``y`` in that reason.
    """
    Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    P = np.asarray(prediction, dtype=np.float64).reshape(len(y), -1)
    total = np.sum((Y - Y.mean(axis=0)) ** 2, axis=0)
    constant = np.flatnonzero(~(total > 0))
    if constant.size:
        if Y.shape[1] == 1:
            which = "the target is constant"
        else:
            names = [
                repr(targets[j]) if targets is not None and j < len(targets) else f"#{j + 1}"
                for j in constant.tolist()
            ]
            which = f"target(s) {', '.join(names)} of {Y.shape[1]} are constant"
        return Undefined(f"{which}: R^2 divides by the variance of the target, which is 0")
    residual = np.sum((P - Y) ** 2, axis=0)
    return float(np.mean(1.0 - residual / total))


def format_score(value: float | Undefined) -> str:
    """A score as printed: 6 significant digits, or ``undefined (reason)``."""
    return str(value) if isinstance(value, Undefined) else f"{value:.6g}"
