"""What ``sigmoid-neuron train`` prints and draws once a model is trained.

:func:`summary`: the rows and features, the optimizer and epochs run, the first and
last training loss, a training score (accuracy for logistic, R^2 for linear, MSE for
the neuron), the weights of a small model and where it was written;
:func:`plot_history`: the loss curve (``--plot``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sigmoid_neuron.cli.train_options import DEFAULT_MODEL

__all__ = ["losses_of", "plot_history", "summary"]


def losses_of(history: Any) -> list[float]:
    """The per-epoch training loss of ``history_`` (a History, or a dict with "loss")."""
    if history is None:
        return []
    values = history.get("loss", []) if isinstance(history, dict) else history.loss
    return [float(v) for v in values]


def plot_history(losses: list[float], args: argparse.Namespace) -> None:
    """Draw the per-epoch training loss to ``args.plot`` (ValueError when none was recorded)."""
    from sigmoid_neuron.plotting import loss_curves_figure, save_figure

    if not losses:
        raise ValueError("the model recorded no loss history, so --plot has nothing to draw")
    model_name = args.model or DEFAULT_MODEL
    loss_name = args.loss or ("squared_error" if model_name == "linear" else "cross_entropy")
    fig = loss_curves_figure(
        {loss_name: losses}, title=f"Training loss: {model_name} on {Path(args.data).name}"
    )
    save_figure(fig, args.plot, "--plot")


def summary(
    args: argparse.Namespace,
    model: Any,
    fitted: Any,
    X: Any,
    y: Any,
    names: list[str],
    losses: list[float],
    offset: Any = None,
) -> str:
    """The lines ``train`` prints after training (see the module docstring); the training
    scores include the ``offset`` the model was fitted with."""
    import numpy as np

    from sigmoid_neuron.cli.common import apply_model

    def predict(X: Any) -> Any:
        return model.predict(X) if offset is None else apply_model(model, "predict", X, offset)

    lines = [
        f"trained {args.model} ({type(fitted).__name__}) on {X.shape[0]} rows x "
        f"{X.shape[1]} features of {args.data}, target {args.target or 'label'!r}"
        + (", standardised" if args.standardize else ""),
    ]
    optimizer = getattr(fitted, "optimizer", None)
    n_iter = np.max(np.atleast_1d(getattr(fitted, "n_iter_", 0)))
    lines.append(f"optimizer {optimizer}, epochs run {int(n_iter)}")
    if losses:
        lines.append(f"training loss: first epoch {losses[0]:.6g}, last epoch {losses[-1]:.6g}")
    if args.model == "logistic":
        lines.append(f"training accuracy {float(np.mean(predict(X) == y)):.4f}")
    elif args.model == "linear":
        from sigmoid_neuron.cli.common import Undefined, r2_score

        r2 = r2_score(np.asarray(y), np.asarray(predict(X)))
        lines.append(f"training R^2 {r2 if isinstance(r2, Undefined) else f'{r2:.4f}'}")
    else:
        mse = float(np.mean((np.asarray(predict(X), dtype=float) - y) ** 2))
        lines.append(f"training MSE {mse:.6g}")
    coef = np.ravel(getattr(fitted, "coef_", []))
    if 0 < coef.size <= 10 and coef.size == len(names):
        weights = ", ".join(f"{n}={c:.4g}" for n, c in zip(names, coef, strict=True))
        lines.append(f"weights: {weights}; intercept {np.ravel(fitted.intercept_)[0]:.4g}")
    lines.append(f"model written to {args.out}")
    return "\n".join(lines)
