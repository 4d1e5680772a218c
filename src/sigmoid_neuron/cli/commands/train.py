"""``sigmoid-neuron train``: fit a model on a CSV/Parquet table and save it as JSON."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

#: --model -> (estimator class name, losses it accepts).
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "neuron": ("SigmoidNeuron", ("cross_entropy", "squared_error")),
    "logistic": ("LogisticRegression", ("cross_entropy",)),
    "linear": ("LinearRegression", ("squared_error",)),
}

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam", "lbfgs", "newton")


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="fit a sigmoid neuron, logistic or linear regression on a CSV/Parquet table",
        description=(
            "Fit a model on DATA (.csv or .parquet) and save it as a JSON model file. "
            "Features are every column but the target unless --features names them; "
            "--standardize stores a StandardScaler in the model. Feature names and the "
            "target column are kept in the model file, so predict and evaluate find them."
        ),
    )
    parser.add_argument("data", metavar="DATA", help="training table, .csv or .parquet")
    parser.add_argument("--target", required=True, metavar="COL", help="the target column")
    parser.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="neuron",
        help="neuron: sigmoid output in [0, 1] (targets in [0, 1]); logistic: classifier; "
        "linear: least squares (default neuron)",
    )
    parser.add_argument(
        "--loss",
        choices=("cross_entropy", "squared_error"),
        help="neuron: cross_entropy (default) or squared_error; logistic and linear have "
        "one loss each (cross_entropy, squared_error)",
    )
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="default: the model's own")
    parser.add_argument(
        "--learning-rate", metavar="ETA", help="step size, or a schedule name (default: auto)"
    )
    parser.add_argument("--epochs", type=int, metavar="N", help="maximum number of epochs")
    parser.add_argument("--batch-size", type=int, metavar="N", help="rows per mini-batch")
    parser.add_argument("--alpha", type=float, metavar="A", help="L2 penalty (alpha/2)||w||^2")
    parser.add_argument(
        "--tol",
        metavar="TOL",
        help="stopping tolerance; 'none' runs exactly --epochs epochs (default: the model's)",
    )
    parser.add_argument("--features", metavar="A,B,...", help="feature columns (default: all)")
    parser.add_argument(
        "--standardize", action="store_true", help="standardise features (stored in the model)"
    )
    parser.add_argument("--seed", type=int, metavar="N", help="random seed")
    parser.add_argument("--plot", metavar="FILE", help="also draw the loss curve (.png/.svg)")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary on stdout"
    )
    parser.add_argument("--out", required=True, metavar="MODEL.json", help="model file to write")
    parser.set_defaults(run=run)


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


def _learning_rate(text: str | None) -> float | str | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # a schedule name; the estimator validates it
    if not value > 0:
        raise ValueError(f"--learning-rate must be > 0, got {text}")
    return value


def _tol(text: str | None) -> tuple[bool, float | None]:
    """(given, value): 'none' turns early stopping off."""
    if text is None:
        return False, None
    if text.strip().lower() == "none":
        return True, None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--tol must be a number >= 0 or 'none', got {text!r}") from None
    if not value >= 0:
        raise ValueError(f"--tol must be a number >= 0 or 'none', got {text!r}")
    return True, value


def build_estimator(args: argparse.Namespace) -> Any:
    """The estimator the arguments ask for (not fitted)."""
    from sigmoid_neuron import estimators

    class_name, losses = MODELS[args.model]
    params: dict[str, Any] = {}
    if args.loss is not None:
        if args.loss not in losses:
            raise ValueError(
                f"--loss {args.loss} does not apply to --model {args.model}; "
                f"it uses {' or '.join(losses)}"
            )
        if args.model == "neuron":
            params["loss"] = args.loss
    for name, value in (
        ("optimizer", args.optimizer),
        ("learning_rate", _learning_rate(args.learning_rate)),
        ("max_epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("alpha", args.alpha),
        ("random_state", args.seed),
    ):
        if value is not None:
            params[name] = value
    given, tol = _tol(args.tol)
    if given:
        params["tol"] = tol
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.alpha is not None and not args.alpha >= 0:
        raise ValueError(f"--alpha must be >= 0, got {args.alpha}")
    return getattr(estimators, class_name)(**params)


def final_estimator(model: Any) -> Any:
    """The estimator itself, inside a Pipeline or not."""
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def run(args: argparse.Namespace) -> int:
    """Train, save the model (and the loss curve); print a summary; 0 on success."""
    from sigmoid_neuron.io.model_file import save_model
    from sigmoid_neuron.io.tables import parse_columns, read_xy

    check_writable(args.out, "--out", args.data)
    if args.plot is not None:
        from sigmoid_neuron.plotting import figure_format

        figure_format(args.plot, "--plot")
        check_writable(args.plot, "--plot", args.data, args.out)
    features = parse_columns(args.features)
    X, y, names = read_xy(args.data, args.target, features, numeric_target=args.model != "logistic")
    estimator = build_estimator(args)
    show_progress = not args.quiet and sys.stderr.isatty()
    if show_progress:  # a tqdm bar on a terminal only, never in logs or pipes
        from sigmoid_neuron.training import ProgressBar

        bar = ProgressBar(total=estimator.max_epochs, desc=f"training {args.model}")
        estimator.set_params(callbacks=[bar])
    if args.standardize:
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        model: Any = Pipeline([("scaler", StandardScaler()), ("model", estimator)])
    else:
        model = estimator
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    report_warnings(caught, "train")
    fitted = final_estimator(model)
    if show_progress:  # the progress bar is not part of the saved model
        fitted.set_params(callbacks=None)
    metadata = {
        "model": args.model,
        "features": names,
        "target": args.target,
        "standardize": bool(args.standardize),
        "trained_on": Path(args.data).name,
        "n_samples": int(X.shape[0]),
    }
    losses = _losses(getattr(fitted, "history_", None))
    save_model(model, args.out, metadata=metadata)
    if args.plot is not None:
        _plot_history(losses, args)
    if not args.quiet:
        print(_summary(args, model, fitted, X, y, names, losses))
        if args.plot is not None:
            print(f"loss curve written to {args.plot}")
    return 0


def _losses(history: Any) -> list[float]:
    """The per-epoch training loss of ``history_`` (a History, or a dict with "loss")."""
    if history is None:
        return []
    values = history.get("loss", []) if isinstance(history, dict) else history.loss
    return [float(v) for v in values]


def _plot_history(losses: list[float], args: argparse.Namespace) -> None:
    from sigmoid_neuron.plotting import loss_curves_figure, save_figure

    if not losses:
        raise ValueError("the model recorded no loss history, so --plot has nothing to draw")
    loss_name = args.loss or ("squared_error" if args.model == "linear" else "cross_entropy")
    fig = loss_curves_figure(
        {loss_name: losses}, title=f"Training loss: {args.model} on {Path(args.data).name}"
    )
    save_figure(fig, args.plot, "--plot")


def _summary(
    args: argparse.Namespace,
    model: Any,
    fitted: Any,
    X: Any,
    y: Any,
    names: list[str],
    losses: list[float],
) -> str:
    import numpy as np

    lines = [
        f"trained {args.model} ({type(fitted).__name__}) on {X.shape[0]} rows x "
        f"{X.shape[1]} features of {args.data}, target {args.target!r}"
        + (", standardised" if args.standardize else ""),
    ]
    optimizer = getattr(fitted, "optimizer", None)
    n_iter = np.max(np.atleast_1d(getattr(fitted, "n_iter_", 0)))
    lines.append(f"optimizer {optimizer}, epochs run {int(n_iter)}")
    if losses:
        lines.append(f"training loss: first epoch {losses[0]:.6g}, last epoch {losses[-1]:.6g}")
    if args.model == "logistic":
        lines.append(f"training accuracy {float(np.mean(model.predict(X) == y)):.4f}")
    elif args.model == "linear":
        from sklearn.metrics import r2_score

        lines.append(f"training R^2 {float(r2_score(y, model.predict(X))):.4f}")
    else:
        mse = float(np.mean((np.asarray(model.predict(X), dtype=float) - y) ** 2))
        lines.append(f"training MSE {mse:.6g}")
    coef = np.ravel(getattr(fitted, "coef_", []))
    if 0 < coef.size <= 10 and coef.size == len(names):
        weights = ", ".join(f"{n}={c:.4g}" for n, c in zip(names, coef, strict=True))
        lines.append(f"weights: {weights}; intercept {np.ravel(fitted.intercept_)[0]:.4g}")
    lines.append(f"model written to {args.out}")
    return "\n".join(lines)
