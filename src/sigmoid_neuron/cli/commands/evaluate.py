"""``sigmoid-neuron evaluate``: score a saved model on a labelled CSV/Parquet table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.cli.common import Undefined, format_score, r2_score


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    from sigmoid_neuron.cli.common import add_max_columns_argument

    parser = subparsers.add_parser(
        "evaluate",
        help="score a saved model: accuracy/log loss, MSE/R^2 or log loss/MSE",
        description=(
            "Score MODEL on DATA. logistic: accuracy and log loss; linear: mean squared "
            "error and R^2; neuron: log loss (cross-entropy of the targets in [0, 1]) and "
            "mean squared error. Log losses are computed from the logits, never from "
            "rounded probabilities. A multi-output regression is scored on all its targets, "
            "MSE and R^2 averaged over them (scikit-learn's multioutput='uniform_average')."
        ),
    )
    parser.add_argument("model", metavar="MODEL.json", help="model file from `train`")
    parser.add_argument("data", metavar="DATA", help="table with the features and the target")
    parser.add_argument(
        "--target",
        metavar="COL",
        help=(
            "target column (default: the one the model was trained on); for a multi-output "
            "regression, its target columns in order, comma-separated: A,B"
        ),
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help=(
            "also print the coefficient table: estimates, standard errors, z (t for a "
            "linear model), p-values and 95%% intervals, computed on DATA (which should be "
            "the data the model was fitted on); see docs/inference.md"
        ),
    )
    add_max_columns_argument(parser)
    parser.set_defaults(run=run)


def logits(model: Any, X: NDArray[np.floating], offset: Any = None) -> NDArray[np.float64]:
    """The raw prediction z = W x + b (+ offset) (after the model's scaler): ``(n,)`` or
    ``(n, K)``."""
    from sigmoid_neuron.cli.common import apply_model, final_input

    estimator, Xt = final_input(model, X)
    if hasattr(estimator, "predict_logit"):
        z = np.asarray(apply_model(model, "predict_logit", X, offset), dtype=np.float64)
    elif hasattr(estimator, "decision_function"):
        z = np.asarray(apply_model(model, "decision_function", X, offset), dtype=np.float64)
    else:
        coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
        z = np.asarray(Xt, dtype=np.float64) @ coef.T + np.ravel(estimator.intercept_)
    if z.ndim == 1:
        return z
    return z[:, 0] if z.shape[1] == 1 else z


def metrics(
    model: Any,
    kind: str,
    X: NDArray[np.floating],
    y: NDArray[Any],
    targets: Sequence[str] | None = None,
    offset: Any = None,
) -> dict[str, float | Undefined]:
    """The scores that fit the model kind, as ``{name: value}`` (predictions with the
    ``offset`` the model was trained with, if any).

    logistic: accuracy = mean(y_hat == y), log loss = -(1/n) sum_i log p(y_i | x_i);
    linear: MSE = (1/n) sum_i (y_hat_i - y_i)^2, R^2 = 1 - SS_res / SS_tot
    (:class:`Undefined` on a constant target, see :func:`r2_score`);
    neuron: log loss = (1/n) sum_i [log(1 + e^{z_i}) - y_i z_i], MSE as above.
    The log loss is defined with one class in ``y`` too: the model's classes give
    p(y_i | x_i).
    """
    from sigmoid_neuron.cli.common import apply_model
    from sigmoid_neuron.functional import binary_cross_entropy_with_logits, log_softmax

    if kind == "logistic":
        classes = list(np.asarray(model.classes_).tolist())
        unknown = sorted({str(v) for v in np.asarray(y).tolist() if v not in classes})
        if unknown:
            raise ValueError(
                f"--target holds label(s) {unknown[:5]} the model never saw; "
                f"its classes are {classes}"
            )
        index = np.array([classes.index(v) for v in np.asarray(y).tolist()])
        z = logits(model, X, offset)
        if z.ndim == 1:  # binary: z is the logit of classes[1]
            log_loss = float(binary_cross_entropy_with_logits((index == 1).astype(float), z))
        else:
            log_p = np.asarray(log_softmax(z, axis=1))
            log_loss = float(-np.mean(log_p[np.arange(len(index)), index]))
        predicted = np.asarray(apply_model(model, "predict", X, offset))
        accuracy = float(np.mean(predicted == np.asarray(y)))
        return {"accuracy": accuracy, "log loss": log_loss}
    y = np.asarray(y, dtype=np.float64)
    prediction = np.asarray(apply_model(model, "predict", X, offset), dtype=np.float64)
    if prediction.shape != y.shape:
        raise ValueError(
            f"the model predicts {_outputs(prediction)} per row but --target holds "
            f"{_outputs(y)}; pass as many target columns as the model predicts"
        )
    mse = float(np.mean((prediction - y) ** 2))
    if kind == "linear":
        return {"MSE": mse, "R^2": r2_score(y, prediction, targets)}
    if np.any((y < 0) | (y > 1)):
        row = int(np.flatnonzero((y < 0) | (y > 1))[0]) + 1
        raise ValueError(
            f"--target: row {row} holds {float(y[row - 1]):g}; a sigmoid neuron's targets "
            f"must lie in [0, 1]"
        )
    log_loss = float(binary_cross_entropy_with_logits(y, logits(model, X, offset)))
    return {"log loss": log_loss, "MSE": mse}


def _outputs(a: NDArray[Any]) -> str:
    k = 1 if a.ndim == 1 else a.shape[1]
    return "1 value" if k == 1 else f"{k} values"


def read_targets(
    df: Any, path: str, targets: list[str], features: list[str]
) -> tuple[NDArray[np.floating], NDArray[np.float64]]:
    """``(X, Y)`` of a multi-output regression from the table ``df`` read from ``path``:
    the features and the ``(n, k)`` targets."""
    from sigmoid_neuron.io.tables import feature_matrix, numeric_column

    source = f"DATA {path!r}"
    missing = [t for t in targets if t not in df.columns]
    if missing:
        shown = ", ".join(repr(str(c)) for c in list(df.columns)[:12])
        more = f", ... ({len(df.columns)} in all)" if len(df.columns) > 12 else ""
        raise ValueError(
            f"--target: column(s) {', '.join(map(repr, missing))} not in {source}; "
            f"its columns are {shown}{more}"
        )
    overlap = [t for t in targets if t in features]
    if overlap:
        raise ValueError(
            f"--target names the model's feature column(s) {', '.join(map(repr, overlap))}; "
            f"pass the target columns"
        )
    X = feature_matrix(df, features, source)
    Y = np.column_stack([numeric_column(df, t, source) for t in targets])
    return X, Y


def _multi_output_targets(args: argparse.Namespace, metadata: dict[str, Any], k: int) -> list[str]:
    """The ``k`` target columns of a multi-output regression: --target A,B or the metadata."""
    from sigmoid_neuron.cli.common import recorded_targets
    from sigmoid_neuron.io.tables import parse_columns

    if args.target:
        targets = parse_columns(args.target, "--target") or []
        source = "--target"
    else:
        recorded = recorded_targets(metadata)
        if recorded is None:
            raise ValueError(
                f"MODEL {args.model!r} predicts {k} targets but does not record their columns; "
                f"pass --target with {k} comma-separated columns"
            )
        targets, source = recorded, f"MODEL {args.model!r} records target(s)"
    if len(targets) != k:
        raise ValueError(
            f"{source} {', '.join(map(repr, targets))}: {len(targets)} column(s), but the model "
            f"predicts {k} targets; pass --target with {k} comma-separated columns"
        )
    return targets


def run(args: argparse.Namespace) -> int:
    """Print the scores; 0 on success."""
    from sigmoid_neuron.cli.common import (
        load_model_file,
        model_features,
        model_kind,
        n_outputs,
        recorded_offset,
        recorded_targets,
    )
    from sigmoid_neuron.io.tables import read_table, xy_from_table

    model, metadata = load_model_file(args.model)
    features = model_features(model, metadata, args.model)
    kind = model_kind(model, metadata)
    k = n_outputs(model, kind)
    if k is not None:
        targets = _multi_output_targets(args, metadata, k)
        df = read_table(args.data, max_columns=args.max_columns)  # the one read of DATA
        X, y = read_targets(df, args.data, targets, features)
        described = f"targets {', '.join(map(repr, targets))} (scores averaged over them)"
    else:
        recorded = recorded_targets(metadata)
        target = args.target or (recorded[0] if recorded and len(recorded) == 1 else None)
        if target is None:
            raise ValueError(f"MODEL {args.model!r} does not record its target; pass --target COL")
        df = read_table(args.data, max_columns=args.max_columns)  # the one read of DATA
        source = f"DATA {str(args.data)!r}"
        X, y, _ = xy_from_table(df, target, features, kind != "logistic", source)
        described = f"target {target!r}"
    offset = recorded_offset(metadata, df, args.data)
    scores = metrics(model, kind, X, y, targets if k is not None else None, offset)
    print(f"{kind} model {args.model} on {len(y)} rows of {args.data}, {described}")
    width = max(len(name) for name in scores)
    for name, value in scores.items():
        print(f"{name:<{width}}  {format_score(value)}")
    if getattr(args, "summary", False):
        print()
        print(coefficient_summary(model, X, y, features, offset))
    return 0


def coefficient_summary(
    model: Any,
    X: NDArray[np.floating],
    y: NDArray[Any],
    features: Sequence[str] | None = None,
    offset: Any = None,
) -> str:
    """The final estimator's ``summary`` on ``X`` passed through the model's steps (so with
    a scaler the coefficients are those of the standardised features), as text; rows are
    named after ``features`` when the final estimator was fitted without names.

    The table's warnings (singular or separated fit, a model not at the optimum of these
    data) are in its numbered notes, not repeated as Python warnings.
    """
    import warnings

    from sigmoid_neuron.cli.common import final_input
    from sigmoid_neuron.inference import InferenceWarning

    estimator, Xt = final_input(model, X)
    if not hasattr(estimator, "summary"):
        raise ValueError(f"--summary: a {type(estimator).__name__} has no coefficient table")
    names = list(features or [])
    if getattr(estimator, "feature_names_in_", None) is None and len(names) == np.shape(Xt)[1]:
        import pandas as pd

        # a model loaded for this command only: name its rows after the table's columns
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
        Xt = pd.DataFrame(np.asarray(Xt), columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        text = str(estimator.summary(Xt, y, offset=offset))
    if getattr(model, "steps", None) and len(model.steps) > 1:
        text += "\nCoefficients are per standard deviation of each feature (the model's scaler)."
    return text
