"""``sigmoid-neuron predict``: apply a saved model to a CSV/Parquet table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="predict with a saved model; CSV/Parquet out, or CSV on stdout",
        description=(
            "Read the model's feature columns from DATA and write one row of predictions "
            "per data row: 'prediction' (the class, the value, or the neuron's probability) "
            "and, for a classifier, 'probability_<class>' for each class."
        ),
    )
    parser.add_argument("model", metavar="MODEL.json", help="model file from `train`")
    parser.add_argument("data", metavar="DATA", help="table with the feature columns")
    parser.add_argument(
        "--out", metavar="FILE", help=".csv or .parquet file (default: CSV on stdout)"
    )
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
    """The feature columns the model was trained on (from the model file's metadata)."""
    features = metadata.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        raise ValueError(
            f"MODEL {path!r} does not record its feature columns; train it with "
            f"`sigmoid-neuron train`, or save it with metadata={{'features': [...]}}"
        )
    return list(features)


def model_kind(model: Any, metadata: dict[str, Any]) -> str:
    """``"neuron"``, ``"logistic"`` or ``"linear"``, from the metadata or the estimator type."""
    kind = metadata.get("model")
    if kind in ("neuron", "logistic", "linear"):
        return str(kind)
    from sigmoid_neuron.cli.commands.train import final_estimator

    name = type(final_estimator(model)).__name__
    return {"SigmoidNeuron": "neuron", "LogisticRegression": "logistic"}.get(name, "linear")


def prediction_table(model: Any, kind: str, X: Any) -> Any:
    """A DataFrame of predictions: ``prediction`` (+ ``probability_<class>`` for classifiers)."""
    import numpy as np
    import pandas as pd

    columns: dict[str, Any] = {"prediction": model.predict(X)}
    if kind == "logistic":
        proba = np.asarray(model.predict_proba(X))
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
    X, _ = read_features(args.data, features)
    table = prediction_table(model, model_kind(model, metadata), X)
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
