"""``sigmoid-neuron train``: fit a model on a CSV/Parquet table and save it as JSON.

``--checkpoint FILE [--checkpoint-every N]`` writes the whole training state (parameters,
optimizer state, epoch, history, random state) atomically every N epochs; ``--resume
FILE`` continues from one to the same result as an uninterrupted run. The first Ctrl-C
(SIGINT) or SIGTERM stops after the current epoch, writes the checkpoint (``FILE``, or
``MODEL.checkpoint.json`` beside ``--out``) and the model trained so far, says where,
and exits 130; a second one exits at once, leaving every file complete.

Structure: :func:`add_arguments` registers every option, :func:`load_data` reads the
training rows, :func:`run` does the rest.
"""

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
DEFAULT_MODEL = "neuron"
#: Options a checkpoint records, so ``--resume`` can fill them in and check them.
RESUMABLE_OPTIONS = (
    "target",
    "model",
    "loss",
    "optimizer",
    "learning_rate",
    "epochs",
    "batch_size",
    "alpha",
    "tol",
    "features",
    "standardize",
    "seed",
)
#: The type of each resumable option's value (the others are strings).
_OPTION_TYPES: dict[str, type] = {
    "epochs": int,
    "batch_size": int,
    "seed": int,
    "alpha": float,
    "standardize": bool,
}
_KIND_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
#: ``--checkpoint-every`` by default: about this many checkpoints per run.
CHECKPOINTS_PER_RUN = 100


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="fit a sigmoid neuron, logistic or linear regression on a CSV/Parquet table",
        description=(
            "Fit a model on DATA (.csv or .parquet) and save it as a JSON model file. "
            "Features are every column but the target unless --features names them; "
            "--standardize stores a StandardScaler in the model. Feature names and the "
            "target column are kept in the model file, so predict and evaluate find them. "
            "Ctrl-C stops after the current epoch and saves a checkpoint and the model so "
            "far (exit 130); --resume continues from the checkpoint."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register every option of ``train`` on ``parser``."""
    parser.add_argument("data", metavar="DATA", help="training table, .csv or .parquet")
    parser.add_argument("--target", required=True, metavar="COL", help="the target column")
    parser.add_argument(
        "--model",
        choices=sorted(MODELS),
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
    parser.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="write the training state to FILE (JSON, atomically) during training",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="N",
        help="epochs between checkpoints (default: about 100 checkpoints per run)",
    )
    parser.add_argument(
        "--resume",
        metavar="FILE",
        help="continue from a checkpoint; options left out are taken from it, options "
        "given must match it (--epochs may grow); checkpoints go on to FILE unless "
        "--checkpoint names another",
    )
    add_max_columns_argument(parser)
    from sigmoid_neuron.cli.dask_input import add_dask_arguments

    add_dask_arguments(parser)


def add_max_columns_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--max-columns N``: the most columns a table may have (checked from its header,
    before the table is read; see :data:`sigmoid_neuron.io.tables.MAX_COLUMNS`)."""
    from sigmoid_neuron.io.tables import MAX_COLUMNS

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

    class_name, losses = MODELS[args.model or DEFAULT_MODEL]
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


def uses_dask(args: argparse.Namespace) -> bool:
    """``--dask`` or ``--scheduler`` given (without importing Dask)."""
    from sigmoid_neuron.cli import dask_input

    return dask_input.uses_dask(args)


def load_data(args: argparse.Namespace) -> tuple[Any, Any, list[str]]:
    """``(X, y, feature_names)`` of the training table named by the arguments."""
    from sigmoid_neuron.io.tables import MAX_COLUMNS, parse_columns, read_xy

    features = parse_columns(args.features)
    model = args.model or DEFAULT_MODEL
    if uses_dask(args):  # DATA: files, a directory or a glob; one block of rows per file
        from sigmoid_neuron.cli.dask_input import load_dask_training_data

        return load_dask_training_data(args, args.target, features)
    return read_xy(
        args.data,
        args.target,
        features,
        numeric_target=model != "logistic",
        max_columns=getattr(args, "max_columns", MAX_COLUMNS),
    )


def run(args: argparse.Namespace) -> int:
    """Train, save the model (and the loss curve); print a summary; 0 on success.

    130 when interrupted (SIGINT/SIGTERM): the checkpoint and the model so far are
    written first, unless the signal came twice or before training started.
    """
    # a bad table (no rows, too many columns, repeated names) is refused from its
    # header, in a fraction of a second, before the heavy imports and any cluster
    if uses_dask(args):
        from sigmoid_neuron.cli.dask_input import check_table_files

        check_table_files(args.data, args.max_columns)
    else:
        from sigmoid_neuron.io.tables import read_header

        read_header(args.data, max_columns=args.max_columns)
    from sigmoid_neuron.cli.dask_input import dask_client
    from sigmoid_neuron.training import Checkpoint, stop_on_signals

    resume = _prepare_resume(args)
    if args.model is None:
        args.model = DEFAULT_MODEL
    check_writable(args.out, "--out", args.data)
    checkpoint_path = args.checkpoint or args.resume or default_checkpoint_path(args.out)
    check_writable(checkpoint_path, "--checkpoint", args.data, args.out)
    if args.plot is not None:
        from sigmoid_neuron.plotting import figure_format

        figure_format(args.plot, "--plot")
        check_writable(args.plot, "--plot", args.data, args.out)
    _remove_stale_temporaries(args.out, checkpoint_path, args.plot)
    if args.checkpoint_every is not None:
        if args.checkpoint is None and args.resume is None:
            raise ValueError("--checkpoint-every needs --checkpoint FILE (or --resume FILE)")
        if args.checkpoint_every < 1:
            raise ValueError(f"--checkpoint-every must be >= 1, got {args.checkpoint_every}")
    estimator = build_estimator(args)
    every: int | None = None
    if args.checkpoint is not None or args.resume is not None:
        every = args.checkpoint_every or max(
            1, -(-int(estimator.max_epochs) // CHECKPOINTS_PER_RUN)
        )
    checkpoint = Checkpoint(
        checkpoint_path,
        every,
        resume_from=resume,
        metadata={"command": "train", "options": _options(args), "data": Path(args.data).name},
    )
    notice = (
        "sigmoid-neuron train: interrupt received; stopping after this epoch to save a "
        "checkpoint (interrupt again to quit at once)\n"
    )
    try:
        with (
            dask_client(args),  # --dask / --scheduler: the cluster to train on; else nothing
            stop_on_signals(checkpoint, notice=notice, exiting=True) as received,
        ):
            return _train_and_save(args, estimator, checkpoint, received)
    except KeyboardInterrupt:
        if not checkpoint.started:
            where = "before training started; nothing was saved"
        elif checkpoint.last_saved_epoch is not None:
            where = (
                f"at once; the last checkpoint, {checkpoint_path} (epoch "
                f"{checkpoint.last_saved_epoch}), is intact"
            )
        else:
            where = "at once; no checkpoint had been written yet"
        print(f"sigmoid-neuron train: interrupted {where}", file=sys.stderr)
        return 130


def _remove_stale_temporaries(*paths: str | None) -> None:
    """Remove the temporary files that killed writes of the outputs left behind (see
    :func:`sigmoid_neuron.io.atomic.remove_stale_temporaries`) and say so on stderr."""
    from sigmoid_neuron.io.atomic import remove_stale_temporaries

    removed: list[Path] = []
    for path in dict.fromkeys(p for p in paths if p is not None):
        removed += remove_stale_temporaries(path)
    if removed:
        shown = ", ".join(str(p) for p in removed[:3])
        more = f" and {len(removed) - 3} more" if len(removed) > 3 else ""
        print(
            f"sigmoid-neuron train: removed {len(removed)} stale temporary file(s) left by an "
            f"interrupted write: {shown}{more}",
            file=sys.stderr,
        )


def default_checkpoint_path(out: str) -> str:
    """Where an interrupted run without --checkpoint saves its state: beside --out."""
    target = Path(out)
    stem = target.name[: -len(target.suffix)] if target.suffix else target.name
    return str(target.with_name(f"{stem}.checkpoint.json"))


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in RESUMABLE_OPTIONS}


def _normalised(name: str, value: Any) -> Any:
    """An option's value in a comparable form (e.g. '0.50' and '0.5' are one rate)."""
    from sigmoid_neuron.io.tables import parse_columns

    if value is None:
        return None
    if name == "learning_rate":
        return _learning_rate(str(value))
    if name == "tol":
        return _tol(str(value))[1]
    if name == "features":
        return parse_columns(str(value))
    return value


def _prepare_resume(args: argparse.Namespace) -> Any:
    """Load ``--resume``; fill the options left out from it and refuse conflicting ones."""
    from sigmoid_neuron.training import load_checkpoint

    if args.resume is None:
        return None
    for name, other in (("--out", args.out), ("DATA", args.data)):
        if Path(args.resume).resolve() == Path(other).resolve():
            raise ValueError(f"--resume {args.resume!r} is also {name}; pass the checkpoint file")
    if not Path(args.resume).exists():
        raise ValueError(
            f"--resume {args.resume!r} does not exist; pass the file written by --checkpoint"
        )
    checkpoint = load_checkpoint(args.resume)
    metadata = checkpoint.metadata or {}
    stored = metadata.get("options") if metadata.get("command") == "train" else None
    if not isinstance(stored, dict):
        return checkpoint  # written by the library: the fingerprints still guard the resume
    conflicts = []
    for name in RESUMABLE_OPTIONS:
        if name not in stored:
            continue
        given, saved = getattr(args, name), stored[name]
        flag = "--" + name.replace("_", "-")
        kind = _OPTION_TYPES.get(name, str)
        if saved is not None and (
            type(saved) is not kind and not (kind is float and type(saved) is int)
        ):
            raise ValueError(
                f"--resume {args.resume!r}: the stored option {flag} is not {_KIND_NAMES[kind]}; "
                "the checkpoint is corrupt"
            )
        if name == "standardize":
            if given and not saved:
                conflicts.append(f"{flag} was not used for the checkpoint")
            args.standardize = bool(saved)
            continue
        if given is None:
            setattr(args, name, saved)
        elif name != "epochs" and _normalised(name, given) != _normalised(name, saved):
            conflicts.append(
                f"{flag} was not given for the checkpoint but is {given} now"
                if saved is None
                else f"{flag} is {saved} in the checkpoint but {given} now"
            )
    if conflicts:
        raise ValueError(
            f"--resume {args.resume!r} was written with other options: {'; '.join(conflicts)}. "
            "Leave these options out to use the checkpoint's, or start afresh without --resume"
        )
    return checkpoint


def _train_and_save(
    args: argparse.Namespace, estimator: Any, checkpoint: Any, received: list[int]
) -> int:
    from sigmoid_neuron.io.model_file import save_model

    X, y, names = load_data(args)
    callbacks: list[Any] = [checkpoint]
    show_progress = not args.quiet and sys.stderr.isatty()
    if show_progress:  # a tqdm bar on a terminal only, never in logs or pipes
        from sigmoid_neuron.training import ProgressBar

        callbacks.append(ProgressBar(total=estimator.max_epochs, desc=f"training {args.model}"))
    estimator.set_params(callbacks=callbacks)
    if args.standardize and uses_dask(args):
        from sklearn.pipeline import Pipeline

        from sigmoid_neuron.cli.dask_input import dask_standard_scaler

        scaler, X = dask_standard_scaler(X)  # one pass; X is standardised lazily from here
        caught = _fit(estimator, X, y, args, checkpoint)
        model: Any = Pipeline([("scaler", scaler), ("model", estimator)])
        summarised: Any = estimator  # the summary predicts the standardised X lazily
    else:
        if args.standardize:
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler

            model = Pipeline([("scaler", StandardScaler()), ("model", estimator)])
        else:
            model = estimator
        caught = _fit(model, X, y, args, checkpoint)
        summarised = model
    report_warnings(caught, "train")
    fitted = final_estimator(model)
    fitted.set_params(callbacks=None)  # callbacks are not part of the saved model
    metadata = {
        "model": args.model,
        "features": names,
        "target": args.target,
        "standardize": bool(args.standardize),
        "trained_on": Path(args.data).name,
        "n_samples": int(X.shape[0]),
    }
    losses = _losses(getattr(fitted, "history_", None))
    if received and checkpoint.last_saved_epoch != fitted.n_iter_:
        checkpoint.save()  # the signal came after training ended: record the final state
    save_model(model, args.out, metadata=metadata)
    if args.plot is not None:
        _plot_history(losses, args)
    if received:
        print(
            f"sigmoid-neuron train: interrupted after epoch {fitted.n_iter_}: checkpoint "
            f"written to {checkpoint.path}, model so far written to {args.out}; to continue, "
            f"run the same command with --resume {checkpoint.path}",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(_summary(args, summarised, fitted, X, y, names, losses))
        if args.plot is not None:
            print(f"loss curve written to {args.plot}")
    return 0


def _fit(
    model: Any, X: Any, y: Any, args: argparse.Namespace, checkpoint: Any
) -> list[warnings.WarningMessage]:
    """``model.fit(X, y)``; the warnings it raised. A divergence is a ``ValueError``
    saying that no model was written and which checkpoint, if any, is intact."""
    from sigmoid_neuron.training import DivergenceError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except DivergenceError as exc:
            out = Path(args.out)
            previous = f" (the previous {args.out!r} is unchanged)" if out.exists() else ""
            saved = checkpoint.last_saved_epoch
            kept = (
                f"; the last checkpoint, {checkpoint.path} (epoch {saved}), is intact"
                if saved is not None
                else ""
            )
            raise ValueError(f"{exc} No model was written{previous}{kept}.") from None
    return caught


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
    model_name = args.model or DEFAULT_MODEL
    loss_name = args.loss or ("squared_error" if model_name == "linear" else "cross_entropy")
    fig = loss_curves_figure(
        {loss_name: losses}, title=f"Training loss: {model_name} on {Path(args.data).name}"
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
        from sigmoid_neuron.cli.commands.evaluate import Undefined, r2_score

        r2 = r2_score(np.asarray(y), np.asarray(model.predict(X)))
        lines.append(f"training R^2 {r2 if isinstance(r2, Undefined) else f'{r2:.4f}'}")
    else:
        mse = float(np.mean((np.asarray(model.predict(X), dtype=float) - y) ** 2))
        lines.append(f"training MSE {mse:.6g}")
    coef = np.ravel(getattr(fitted, "coef_", []))
    if 0 < coef.size <= 10 and coef.size == len(names):
        weights = ", ".join(f"{n}={c:.4g}" for n, c in zip(names, coef, strict=True))
        lines.append(f"weights: {weights}; intercept {np.ravel(fitted.intercept_)[0]:.4g}")
    lines.append(f"model written to {args.out}")
    return "\n".join(lines)
