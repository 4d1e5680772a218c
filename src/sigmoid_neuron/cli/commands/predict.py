"""``sigmoid-neuron predict``: apply a saved model to a CSV/Parquet table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="predict with a saved model; CSV/Parquet out, or CSV on stdout",
        description=(
            "Read the model's feature columns from DATA and write one row of predictions "
            "per data row: 'prediction' (the class, the value, or the neuron's probability) "
            "and, for a classifier, 'probability_<class>' for each class; a multi-output "
            "regression writes 'prediction_<target>' for each target."
        ),
    )
    parser.add_argument("model", metavar="MODEL.json", help="model file from `train`")
    parser.add_argument("data", metavar="DATA", help="table with the feature columns")
    parser.add_argument(
        "--out", metavar="FILE", help=".csv or .parquet file (default: CSV on stdout)"
    )
    from sigmoid_neuron.cli.commands.train import add_max_columns_argument

    add_max_columns_argument(parser)
    parser.set_defaults(run=run)


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


#: Estimator class -> model kind.
KINDS: dict[str, str] = {
    "SigmoidNeuron": "neuron",
    "LogisticRegression": "logistic",
    "LinearRegression": "linear",
}


def model_kind(model: Any, metadata: dict[str, Any]) -> str:
    """``"neuron"``, ``"logistic"`` or ``"linear"``, from the saved estimator's class.

    The class (the last step of a Pipeline) decides; ``metadata["model"]`` is only a
    fallback for a class this table does not know, never an override.
    """
    from sigmoid_neuron.cli.commands.train import final_estimator

    kind = KINDS.get(type(final_estimator(model)).__name__)
    if kind is not None:
        return kind
    recorded = metadata.get("model")
    return str(recorded) if recorded in KINDS.values() else "linear"


def n_outputs(model: Any, kind: str) -> int | None:
    """Columns a multi-output regression predicts; None when it predicts one value per row."""
    from sigmoid_neuron.cli.commands.train import final_estimator

    if kind != "linear":
        return None
    coef = getattr(final_estimator(model), "coef_", None)
    return int(np.shape(coef)[0]) if coef is not None and np.ndim(coef) == 2 else None


def recorded_targets(metadata: dict[str, Any]) -> list[str] | None:
    """The target column(s) in the metadata (``target``: a name or a list of names)."""
    target = metadata.get("target")
    if isinstance(target, str):
        return [target]
    if isinstance(target, list) and target and all(isinstance(t, str) for t in target):
        return list(target)
    return None


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


def apply_model(model: Any, method: str, X: Any) -> Any:
    """``model.<method>(X)`` (e.g. ``predict``), through a Pipeline's steps, without
    scikit-learn's feature-name warnings."""
    estimator, Xt = final_input(model, X)
    return getattr(estimator, method)(Xt)


def prediction_table(model: Any, kind: str, X: Any, metadata: dict[str, Any] | None = None) -> Any:
    """A DataFrame of predictions: ``prediction`` (+ ``probability_<class>`` for classifiers).

    A multi-output regression gets one column per target, ``prediction_<target>`` with the
    target names in the metadata, else ``prediction_0``, ``prediction_1``, ...
    """
    import pandas as pd

    prediction = np.asarray(apply_model(model, "predict", X))
    if prediction.ndim == 2:
        k = prediction.shape[1]
        targets = recorded_targets(metadata or {})
        names = targets if targets is not None and len(targets) == k else list(map(str, range(k)))
        return pd.DataFrame(
            {f"prediction_{name}": prediction[:, j] for j, name in enumerate(names)}
        )
    columns: dict[str, Any] = {"prediction": prediction}
    if kind == "logistic":
        proba = np.asarray(apply_model(model, "predict_proba", X))
        for k, cls in enumerate(model.classes_):
            columns[f"probability_{cls}"] = proba[:, k]
    return pd.DataFrame(columns)


def run(args: argparse.Namespace) -> int:
    """Predict and write the table (or print CSV); 0 on success."""
    from sigmoid_neuron.cli.commands.train import check_writable
    from sigmoid_neuron.io.tables import read_features, table_format, write_table

    if args.out is not None:
        table_format(args.out, "--out")
        check_writable(args.out, "--out", args.model, args.data)
    model, metadata = load_model_file(args.model)
    features = model_features(model, metadata, args.model)
    X, _ = read_features(args.data, features, max_columns=args.max_columns)
    table = prediction_table(model, model_kind(model, metadata), X, metadata)
    if args.out is None:
        try:
            table.to_csv(sys.stdout, index=False, lineterminator="\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the reader (e.g. `head`) closed the pipe: not an error
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    write_table(table, args.out)
    return 0
