"""``sigmoid-neuron plot``: the figures on their own (PNG, SVG or PDF by extension)."""

from __future__ import annotations

import argparse
from typing import Any

FIGURES = ("sigmoid", "loss-curves", "loss-surface", "decision-boundary", "coef-path")


def register(subparsers: Any) -> None:
    """Add the ``plot`` subcommand."""
    parser = subparsers.add_parser(
        "plot",
        help="draw one figure: sigmoid, loss-curves, loss-surface, decision-boundary or coef-path",
        description=(
            "Draw one figure. sigmoid: g(x) and g'(x). loss-curves: the notes' toy neuron "
            "trained with squared error and with cross-entropy. loss-surface: the error "
            "surface over (w, b) with the gradient-descent path. decision-boundary: "
            "logistic regression on two features (built-in breast-cancer data, or --data "
            "with --target and --features, or a trained --model). coef-path: the "
            "coefficients against the penalty alpha, warm-started fits on standardised "
            "features (built-in breast-cancer data, or --data with --target)."
        ),
    )
    parser.add_argument("figure", choices=FIGURES, help="which figure")
    parser.add_argument(
        "--out", metavar="FILE", help="output file, .png/.svg/.pdf (default: FIGURE.png)"
    )
    parser.add_argument(
        "--loss",
        choices=("squared_error", "cross_entropy"),
        default="squared_error",
        help="loss-surface: which loss (default squared_error)",
    )
    parser.add_argument(
        "--epochs", type=int, default=1000, metavar="N", help="loss-curves/loss-surface: epochs"
    )
    parser.add_argument("--data", metavar="DATA", help="decision-boundary: CSV or Parquet file")
    parser.add_argument("--target", metavar="COL", help="decision-boundary: class column")
    parser.add_argument(
        "--features", metavar="A,B", help="decision-boundary: the two feature columns"
    )
    parser.add_argument(
        "--model", metavar="MODEL.json", help="decision-boundary: a trained two-feature model"
    )
    parser.add_argument(
        "--l1-ratio",
        type=float,
        default=1.0,
        metavar="R",
        help="coef-path: the L1 share of the penalty (default 1, the lasso)",
    )
    parser.add_argument(
        "--n-alphas", type=int, default=30, metavar="N", help="coef-path: alphas on the path"
    )
    parser.add_argument(
        "--family",
        choices=("logistic", "linear"),
        help="coef-path: the model (default logistic; linear for a numeric target)",
    )
    from sigmoid_neuron.cli.common import add_max_columns_argument

    add_max_columns_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Draw the chosen figure and write it; 0 on success."""
    from sigmoid_neuron.plotting import figure_format, save_figure

    out = args.out or f"{args.figure}.png"
    figure_format(out)  # fail on a bad extension before any work
    if args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    if args.figure == "coef-path":
        fig = _coef_path(args)
        print(f"wrote {save_figure(fig, out)}")
        return 0
    if args.figure != "decision-boundary" and (args.data or args.model or args.target):
        raise ValueError("--data, --target and --model apply to decision-boundary only")
    if args.figure == "sigmoid":
        from sigmoid_neuron.plotting import sigmoid_figure

        fig = sigmoid_figure()
    elif args.figure == "loss-curves":
        from sigmoid_neuron.demo import toy_experiment
        from sigmoid_neuron.plotting import loss_curves_figure

        toy = toy_experiment(epochs=args.epochs, use_estimator=False)
        fig = loss_curves_figure(
            {name: r.losses for name, r in toy.runs.items()},
            {"squared_error": 0.0, "cross_entropy": toy.target_entropy},
            title=f"Toy neuron: {toy.epochs} epochs of gradient descent from w = b = -2",
            first_epoch=0,
        )
    elif args.figure == "loss-surface":
        from sigmoid_neuron.demo import TOY_START, TOY_X, TOY_Y, gradient_descent_path
        from sigmoid_neuron.plotting import surface_figure

        run_ = gradient_descent_path(
            TOY_X, TOY_Y, args.loss, TOY_START, len(TOY_X) * 1.0, args.epochs
        )
        fig = surface_figure(TOY_X, TOY_Y, args.loss, run_.path, (-4, 6), (-6, 4))
    else:
        fig = _boundary(args)
    path = save_figure(fig, out)
    print(f"wrote {path}")
    return 0


def _boundary(args: argparse.Namespace) -> Any:
    from sigmoid_neuron.plotting import decision_boundary_figure

    if args.data is None:
        if args.model or args.target or args.features:
            raise ValueError("--model, --target and --features need --data DATA")
        from sigmoid_neuron.demo import BOUNDARY_FEATURES, boundary_model

        model, X, y = boundary_model()
        return decision_boundary_figure(
            model,
            X,
            y,
            feature_names=BOUNDARY_FEATURES,
            class_names=("malignant", "benign"),
            title="Logistic regression on two breast-cancer features",
        )
    from sigmoid_neuron.io.tables import feature_matrix, label_column, parse_columns, read_table

    df = read_table(args.data, max_columns=args.max_columns)
    source = f"DATA {args.data!r}"
    features = parse_columns(args.features)
    target = args.target
    model = None
    if args.model:
        from sigmoid_neuron.cli.common import load_model_file

        model, metadata = load_model_file(args.model)
        features = features or metadata.get("features")
        target = target or metadata.get("target")
    if target is None:
        raise ValueError("decision-boundary with --data needs --target COL (the class column)")
    if features is None:
        features = [c for c in df.columns if c != target]
    if len(features) != 2:
        raise ValueError(
            f"decision-boundary needs exactly two features, got {len(features)}; "
            f"pass --features A,B"
        )
    if target not in df.columns:
        raise ValueError(f"--target: column {target!r} not in {source}")
    X2 = feature_matrix(df, features, source)
    y = label_column(df, target, source)
    classes = [str(c) for c in sorted(set(y.tolist()))]
    if len(classes) != 2:
        raise ValueError(
            f"{source}: column {target!r} has {len(classes)} classes; a boundary needs two"
        )
    if model is None:
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        from sigmoid_neuron.estimators import LogisticRegression

        model = Pipeline([("scaler", StandardScaler()), ("model", LogisticRegression())])
        model.fit(X2, y)
    elif not hasattr(model, "predict_proba"):
        from sigmoid_neuron.cli.common import model_kind

        if model_kind(model, metadata) != "neuron":
            raise ValueError(
                f"--model {args.model!r} gives no probabilities; train it with --model "
                f"logistic or --model neuron"
            )
        model = model.predict  # the neuron's prediction is P(y = 1 | x)
    return decision_boundary_figure(
        model,
        X2,
        y,
        feature_names=tuple(features),
        class_names=tuple(classes),
        title=f"Decision boundary: {target}",
    )


def _coef_path(args: argparse.Namespace) -> Any:
    """The regularisation path of a lasso / elastic net on standardised features."""
    import numpy as np

    from sigmoid_neuron.estimators import LinearRegression, LogisticRegression
    from sigmoid_neuron.plotting.coef_path import coef_path, coef_path_figure

    if args.model:
        raise ValueError("--model applies to decision-boundary only; coef-path fits its own")
    if not 0 <= args.l1_ratio <= 1:
        raise ValueError(f"--l1-ratio must be a number in [0, 1], got {args.l1_ratio}")
    if args.n_alphas < 2:
        raise ValueError(f"--n-alphas must be >= 2, got {args.n_alphas}")
    family = args.family or "logistic"
    if args.data is None:
        if args.target or args.features:
            raise ValueError("--target and --features need --data DATA")
        from sklearn.datasets import load_breast_cancer

        bunch = load_breast_cancer()
        X, y, names = bunch.data, bunch.target, list(bunch.feature_names)
        title = "Regularisation path: logistic regression on the breast-cancer data"
        if family == "linear":
            raise ValueError("the built-in data is a classification table; pass --data")
    else:
        from sigmoid_neuron.io.tables import (
            feature_matrix,
            label_column,
            parse_columns,
            read_table,
        )

        if args.target is None:
            raise ValueError("coef-path with --data needs --target COL")
        df = read_table(args.data, max_columns=args.max_columns)
        source = f"DATA {args.data!r}"
        if args.target not in df.columns:
            raise ValueError(f"--target: column {args.target!r} not in {source}")
        names = parse_columns(args.features) or [c for c in df.columns if c != args.target]
        X = feature_matrix(df, names, source)
        y = (
            label_column(df, args.target, source)
            if family == "logistic"
            else feature_matrix(df, [args.target], source)[:, 0]
        )
        title = None
    spread = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    cls = LogisticRegression if family == "logistic" else LinearRegression
    path = coef_path(cls(l1_ratio=args.l1_ratio, tol=1e-6), X, y, n_alphas=args.n_alphas)
    return coef_path_figure(path, feature_names=names, title=title)
