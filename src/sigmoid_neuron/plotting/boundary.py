"""The decision boundary of a binary classifier on two features."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sigmoid_neuron.plotting._style import COLORS, new_figure, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ProbabilityFn = Callable[[NDArray[np.float64]], ArrayLike]


def _probability_function(model: Any) -> ProbabilityFn:
    """P(class 1 | x) from a fitted model with ``predict_proba``, or a callable as is."""
    if hasattr(model, "predict_proba"):

        def proba(X: NDArray[np.float64]) -> ArrayLike:
            p = np.asarray(model.predict_proba(X))
            return p[:, -1] if p.ndim == 2 else p

        return proba
    if callable(model):
        return model
    raise TypeError(
        "model must be a fitted classifier with predict_proba, or a function X -> P(y=1 | X)"
    )


def decision_boundary_figure(
    model: Any,
    X: ArrayLike,
    y: ArrayLike,
    feature_names: Sequence[str] = ("x1", "x2"),
    class_names: Sequence[str] = ("class 0", "class 1"),
    resolution: int = 300,
    title: str = "Decision boundary of the sigmoid neuron",
) -> Figure:
    """P(y = 1 | x) = sigma(w . x + b) over the plane of two features, and the line P = 1/2.

    The line P = 1/2 is where w . x + b = 0: the decision boundary. ``model`` is a
    fitted binary classifier with ``predict_proba`` (or a function ``X -> P(y=1|X)``);
    ``X`` is ``(n, 2)`` and ``y`` holds 0/1 (or two labels, the second being class 1).
    """
    proba = _probability_function(model)
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) for a 2-D boundary, got {X.shape}")
    if labels.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {labels.shape}")
    classes = np.unique(labels)
    if len(classes) > 2:
        raise ValueError(f"y must hold two classes for a binary boundary, got {len(classes)}")
    pad = 0.08 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1 = np.linspace(lo[0], hi[0], resolution)
    g2 = np.linspace(lo[1], hi[1], resolution)
    G1, G2 = np.meshgrid(g1, g2)
    P = np.asarray(proba(np.column_stack([G1.ravel(), G2.ravel()])), dtype=np.float64)
    P = P.reshape(G1.shape)
    with style():
        fig = new_figure(8.5, 6.5)
        ax = fig.add_subplot()
        filled = ax.contourf(G1, G2, P, levels=np.linspace(0, 1, 21), cmap="RdBu_r", alpha=0.4)
        bar = fig.colorbar(filled, ax=ax)
        bar.set_label(f"P({class_names[-1]} | x)")
        ax.contour(G1, G2, P, levels=[0.5], colors="black", linewidths=2.2)
        markers = ("o", "s")
        colors = (COLORS["blue"], COLORS["red"])
        for k, cls in enumerate(classes):
            rows = labels == cls
            name = class_names[k] if k < len(class_names) else str(cls)
            ax.scatter(
                X[rows, 0],
                X[rows, 1],
                s=26,
                marker=markers[k % 2],
                c=colors[k % 2],
                edgecolors="black",
                linewidths=0.4,
                alpha=0.9,
                label=f"{name} ({int(rows.sum())})",
            )
        ax.plot([], [], color="black", lw=2.2, label="boundary P = 1/2")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        ax.set_title(title)
        ax.grid(False)
        ax.legend(loc="best")
    return fig
