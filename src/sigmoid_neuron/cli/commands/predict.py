"""``sigmoid-neuron predict``: apply a saved model to a CSV/Parquet table."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from sigmoid_neuron.cli.common import (
    KINDS,
    add_max_columns_argument,
    apply_model,
    check_writable,
    final_input,
    load_model_file,
    model_features,
    model_kind,
    n_outputs,
    recorded_offset,
    recorded_targets,
)

__all__ = [  # the shared helpers stay importable from here, where they used to live
    "KINDS",
    "apply_model",
    "final_input",
    "load_model_file",
    "model_features",
    "model_kind",
    "n_outputs",
    "prediction_table",
    "recorded_targets",
    "register",
    "run",
]


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
    add_max_columns_argument(parser)
    parser.set_defaults(run=run)


def prediction_table(
    model: Any,
    kind: str,
    X: Any,
    metadata: dict[str, Any] | None = None,
    offset: Any = None,
) -> Any:
    """A DataFrame of predictions: ``prediction`` (+ ``probability_<class>`` for classifiers).

    A multi-output regression gets one column per target, ``prediction_<target>`` with the
    target names in the metadata, else ``prediction_0``, ``prediction_1``, ...
    """
    import pandas as pd

    prediction = np.asarray(apply_model(model, "predict", X, offset))
    if prediction.ndim == 2:
        k = prediction.shape[1]
        targets = recorded_targets(metadata or {})
        names = targets if targets is not None and len(targets) == k else list(map(str, range(k)))
        return pd.DataFrame(
            {f"prediction_{name}": prediction[:, j] for j, name in enumerate(names)}
        )
    columns: dict[str, Any] = {"prediction": prediction}
    if kind == "logistic":
        proba = np.asarray(apply_model(model, "predict_proba", X, offset))
        for k, cls in enumerate(model.classes_):
            columns[f"probability_{cls}"] = proba[:, k]
    return pd.DataFrame(columns)


def run(args: argparse.Namespace) -> int:
    """Predict and write the table (or print CSV); 0 on success."""
    from sigmoid_neuron.io.tables import read_features, table_format, write_table

    if args.out is not None:
        table_format(args.out, "--out")
        check_writable(args.out, "--out", args.model, args.data)
    model, metadata = load_model_file(args.model)
    features = model_features(model, metadata, args.model)
    X, df = read_features(args.data, features, max_columns=args.max_columns)
    offset = recorded_offset(metadata, df, args.data)
    table = prediction_table(model, model_kind(model, metadata), X, metadata, offset)
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
