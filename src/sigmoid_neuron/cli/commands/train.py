"""``sigmoid-neuron train``: fit a model on a CSV/Parquet table and save it as JSON.

``--checkpoint FILE [--checkpoint-every N]`` writes the whole training state (parameters,
optimizer state, epoch, history, random state) atomically every N epochs; ``--resume
FILE`` continues from one to the same result as an uninterrupted run. The first Ctrl-C
(SIGINT) or SIGTERM stops after the current epoch, writes the checkpoint (``FILE``, or
``MODEL.checkpoint.json`` beside ``--out``) and the model trained so far, says where,
and exits 130; a second one exits at once, leaving every file complete.

Structure: :func:`add_arguments` registers every option, :func:`load_data` reads the
training rows, :func:`run` does the rest; the options and ``--resume`` are
:mod:`sigmoid_neuron.cli.train_options`, the printed summary and the loss curve
:mod:`sigmoid_neuron.cli.train_report`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from sigmoid_neuron.cli.common import (
    add_max_columns_argument,
    check_writable,
    final_estimator,
    report_warnings,
)
from sigmoid_neuron.cli.dask_input import uses_dask
from sigmoid_neuron.cli.train_options import (
    DEFAULT_MODEL,
    MODELS,
    OPTIMIZERS,
    RESUMABLE_OPTIONS,
    build_estimator,
    prepare_resume,
    recorded_options,
)

__all__ = [
    "CHECKPOINTS_PER_RUN",
    "DEFAULT_MODEL",
    "MODELS",
    "OPTIMIZERS",
    "RESUMABLE_OPTIONS",
    "add_arguments",
    "add_max_columns_argument",
    "build_estimator",
    "check_writable",
    "default_checkpoint_path",
    "final_estimator",
    "load_data",
    "register",
    "report_warnings",
    "run",
]

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
    parser.add_argument(
        "data",
        metavar="DATA",
        help="training table, .csv or .parquet, or a sparse svmlight/LIBSVM file (.svm, "
        ".svmlight, .libsvm: its labels are the target, kept sparse)",
    )
    parser.add_argument("--target", metavar="COL", help="the target column (required for a table)")
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
        "--l1-ratio",
        type=float,
        metavar="R",
        help="the L1 share of the penalty: alpha (R ||w||_1 + (1 - R)/2 ||w||^2), 0 ridge "
        "(default), 1 the lasso; R > 0 gives exact zeros",
    )
    parser.add_argument(
        "--class-weight",
        metavar="W",
        help="logistic only: 'balanced' (n / (K n_c)) or LABEL=WEIGHT,... (others weigh 1)",
    )
    parser.add_argument(
        "--offset-column",
        metavar="COL",
        help="a column added to z = X w + b as a known term (not a feature); predict and "
        "evaluate read the same column",
    )
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


def load_data(args: argparse.Namespace) -> tuple[Any, Any, list[str], Any]:
    """``(X, y, feature_names, offset)`` of the training data named by the arguments: a
    table (read once; ``offset`` its ``--offset-column``, else None), an svmlight file (X a
    SciPy CSR matrix) or Dask files."""
    from sigmoid_neuron.io.svmlight import is_svmlight, read_svmlight
    from sigmoid_neuron.io.tables import (
        MAX_COLUMNS,
        numeric_column,
        parse_columns,
        read_table,
        xy_from_table,
    )

    features = parse_columns(args.features)
    model = args.model or DEFAULT_MODEL
    offset_column = getattr(args, "offset_column", None)
    if offset_column is not None and (uses_dask(args) or is_svmlight(args.data)):
        raise ValueError(
            "--offset-column needs a CSV/Parquet table read in memory; it is not available "
            "with --dask or an svmlight file"
        )
    if uses_dask(args):  # DATA: files, a directory or a glob; one block of rows per file
        from sigmoid_neuron.cli.dask_input import load_dask_training_data

        return (*load_dask_training_data(args, args.target, features), None)
    if is_svmlight(args.data):
        return (*read_svmlight(args.data), None)
    df = read_table(args.data, max_columns=getattr(args, "max_columns", MAX_COLUMNS))
    source = f"DATA {str(args.data)!r}"
    X, y, names = xy_from_table(
        df, args.target, features, model != "logistic", source, offset_column
    )
    offset = None if offset_column is None else numeric_column(df, offset_column, source)
    return X, y, names, offset


def run(args: argparse.Namespace) -> int:
    """Train, save the model (and the loss curve); print a summary; 0 on success.

    130 when interrupted (SIGINT/SIGTERM): the checkpoint and the model so far are
    written first, unless the signal came twice or before training started.
    """
    # a bad table (no rows, too many columns, repeated names) is refused from its
    # header, in a fraction of a second, before the heavy imports and any cluster
    from sigmoid_neuron.io.svmlight import is_svmlight

    if args.target is None and not is_svmlight(args.data):
        raise ValueError("--target is required: name the target column of the table")
    if uses_dask(args):
        from sigmoid_neuron.io.table_files import check_table_files

        check_table_files(args.data, args.max_columns)
    elif is_svmlight(args.data):
        pass  # read (and checked) by scikit-learn's svmlight loader
    else:
        from sigmoid_neuron.io.tables import read_header

        read_header(args.data, max_columns=args.max_columns)
    from sigmoid_neuron.cli.dask_input import dask_client
    from sigmoid_neuron.training import Checkpoint, stop_on_signals

    resume = prepare_resume(args)
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
        metadata={
            "command": "train",
            "options": recorded_options(args),
            "data": Path(args.data).name,
        },
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


def _train_and_save(
    args: argparse.Namespace, estimator: Any, checkpoint: Any, received: list[int]
) -> int:
    from sigmoid_neuron.cli.train_report import losses_of, plot_history, summary
    from sigmoid_neuron.io.model_file import save_model

    X, y, names, offset = load_data(args)
    callbacks: list[Any] = [checkpoint]
    show_progress = not args.quiet and sys.stderr.isatty()
    if show_progress:  # a tqdm bar on a terminal only, never in logs or pipes
        from sigmoid_neuron.training import ProgressBar

        callbacks.append(ProgressBar(total=estimator.max_epochs, desc=f"training {args.model}"))
    estimator.set_params(callbacks=callbacks)
    if args.standardize and uses_dask(args):
        from sklearn.pipeline import Pipeline

        from sigmoid_neuron.distributed.scaler import dask_standard_scaler

        scaler, X = dask_standard_scaler(X)  # one pass; X is standardised lazily from here
        caught = _fit(estimator, X, y, args, checkpoint, offset)
        model: Any = Pipeline([("scaler", scaler), ("model", estimator)])
        summarised: Any = estimator  # the summary predicts the standardised X lazily
    else:
        if args.standardize:
            import scipy.sparse
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler

            # a sparse X is scaled, not centred: centring would fill in every zero
            scaler = StandardScaler(with_mean=not scipy.sparse.issparse(X))
            model = Pipeline([("scaler", scaler), ("model", estimator)])
        else:
            model = estimator
        caught = _fit(model, X, y, args, checkpoint, offset)
        summarised = model
    report_warnings(caught, "train")
    fitted = final_estimator(model)
    fitted.set_params(callbacks=None)  # callbacks are not part of the saved model
    metadata = {
        "model": args.model,
        "features": names,
        "target": args.target if args.target is not None else "label",
        "offset_column": getattr(args, "offset_column", None),
        "standardize": bool(args.standardize),
        "trained_on": Path(args.data).name,
        "n_samples": int(X.shape[0]),
    }
    losses = losses_of(getattr(fitted, "history_", None))
    if received and checkpoint.last_saved_epoch != fitted.n_iter_:
        checkpoint.save()  # the signal came after training ended: record the final state
    save_model(model, args.out, metadata=metadata)
    if args.plot is not None:
        plot_history(losses, args)
    if received:
        print(
            f"sigmoid-neuron train: interrupted after epoch {fitted.n_iter_}: checkpoint "
            f"written to {checkpoint.path}, model so far written to {args.out}; to continue, "
            f"run the same command with --resume {checkpoint.path}",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(summary(args, summarised, fitted, X, y, names, losses, offset))
        if args.plot is not None:
            print(f"loss curve written to {args.plot}")
    return 0


def _fit(
    model: Any, X: Any, y: Any, args: argparse.Namespace, checkpoint: Any, offset: Any = None
) -> list[warnings.WarningMessage]:
    """``model.fit(X, y)``; the warnings it raised. A divergence is a ``ValueError``
    saying that no model was written and which checkpoint, if any, is intact."""
    from sigmoid_neuron.training import DivergenceError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if offset is None:
                model.fit(X, y)
            elif hasattr(model, "steps"):
                model.fit(X, y, model__offset=offset)
            else:
                model.fit(X, y, offset=offset)
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
