"""``sigmoid-neuron evaluate``: score a saved model on a labelled CSV/Parquet table."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from numpy.typing import NDArray


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score a saved model: accuracy/log loss, MSE/R^2 or log loss/MSE",
        description=(
            "Score MODEL on DATA. logistic: accuracy and log loss; linear: mean squared "
            "error and R^2; neuron: log loss (cross-entropy of the targets in [0, 1]) and "
            "mean squared error. Log losses are computed from the logits, never from "
            "rounded probabilities."
        ),
    )
    parser.add_argument("model", metavar="MODEL.json", help="model file from `train`")
    parser.add_argument("data", metavar="DATA", help="table with the features and the target")
    parser.add_argument(
        "--target", metavar="COL", help="target column (default: the one the model was trained on)"
    )
    parser.set_defaults(run=run)


def logits(model: Any, X: NDArray[np.floating]) -> NDArray[np.float64]:
    """The raw prediction z = W x + b (after the model's scaler): ``(n,)`` or ``(n, K)``."""
    from sigmoid_neuron.cli.commands.train import final_estimator

    estimator = final_estimator(model)
    Xt: Any = X
    for _, step in (getattr(model, "steps", None) or [])[:-1]:
        Xt = step.transform(Xt)
    if hasattr(estimator, "predict_logit"):
        z = np.asarray(estimator.predict_logit(Xt), dtype=np.float64)
    elif hasattr(estimator, "decision_function"):
        z = np.asarray(estimator.decision_function(Xt), dtype=np.float64)
    else:
        coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
        z = np.asarray(Xt, dtype=np.float64) @ coef.T + np.ravel(estimator.intercept_)
    if z.ndim == 1:
        return z
    return z[:, 0] if z.shape[1] == 1 else z


def metrics(model: Any, kind: str, X: NDArray[np.floating], y: NDArray[Any]) -> dict[str, float]:
    """The scores that fit the model kind, as ``{name: value}``.

    logistic: accuracy = mean(y_hat == y), log loss = -(1/n) sum_i log p(y_i | x_i);
    linear: MSE = (1/n) sum_i (y_hat_i - y_i)^2, R^2 = 1 - SS_res / SS_tot;
    neuron: log loss = (1/n) sum_i [log(1 + e^{z_i}) - y_i z_i], MSE as above.
    """
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
        z = logits(model, X)
        if z.ndim == 1:  # binary: z is the logit of classes[1]
            log_loss = float(binary_cross_entropy_with_logits((index == 1).astype(float), z))
        else:
            log_p = np.asarray(log_softmax(z, axis=1))
            log_loss = float(-np.mean(log_p[np.arange(len(index)), index]))
        accuracy = float(np.mean(np.asarray(model.predict(X)) == np.asarray(y)))
        return {"accuracy": accuracy, "log loss": log_loss}
    y = np.asarray(y, dtype=np.float64)
    prediction = np.asarray(model.predict(X), dtype=np.float64)
    mse = float(np.mean((prediction - y) ** 2))
    if kind == "linear":
        total = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - float(np.sum((prediction - y) ** 2)) / total if total > 0 else float("nan")
        return {"MSE": mse, "R^2": r2}
    if np.any((y < 0) | (y > 1)):
        row = int(np.flatnonzero((y < 0) | (y > 1))[0]) + 1
        raise ValueError(
            f"--target: row {row} holds {y[row - 1]!r}; a sigmoid neuron's targets must lie "
            f"in [0, 1]"
        )
    log_loss = float(binary_cross_entropy_with_logits(y, logits(model, X)))
    return {"log loss": log_loss, "MSE": mse}


def run(args: argparse.Namespace) -> int:
    """Print the scores; 0 on success."""
    from sigmoid_neuron.cli.commands.predict import load_model_file, model_features, model_kind
    from sigmoid_neuron.io.tables import read_xy

    model, metadata = load_model_file(args.model)
    features = model_features(model, metadata, args.model)
    target = args.target or metadata.get("target")
    if not isinstance(target, str):
        raise ValueError(f"MODEL {args.model!r} does not record its target; pass --target COL")
    kind = model_kind(model, metadata)
    X, y, _ = read_xy(args.data, target, features, numeric_target=kind != "logistic")
    scores = metrics(model, kind, X, y)
    print(f"{kind} model {args.model} on {len(y)} rows of {args.data}, target {target!r}")
    width = max(len(name) for name in scores)
    for name, value in scores.items():
        print(f"{name:<{width}}  {value:.6g}")
    return 0
