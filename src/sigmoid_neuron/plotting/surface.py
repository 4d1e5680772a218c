"""The error surface of a one-input sigmoid neuron over (w, b), with a descent path on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sigmoid_neuron.plotting._style import COLORS, LOSS_LABELS, new_figure, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Neuron loss name -> pointwise loss on the logit z (sigmoid link fused in).
NEURON_LOSSES: dict[str, str] = {
    "squared_error": "sigmoid_squared_error",
    "cross_entropy": "cross_entropy",
}

#: The pointwise loss of each neuron loss, for labels.
FORMULAS: dict[str, str] = {
    "squared_error": r"$\frac{1}{2}(\hat y - y)^2$",
    "cross_entropy": r"$-[y \log \hat y + (1 - y) \log(1 - \hat y)]$",
}


def error_surface(
    x: ArrayLike, y: ArrayLike, loss: str, w: ArrayLike, b: ArrayLike
) -> NDArray[np.float64]:
    """J(w, b) = (1/n) sum_i l(y_i, w x_i + b) on the grid ``w`` x ``b``, shape (len(b), len(w)).

    ``loss`` is ``"squared_error"`` (l = (sigma(z) - y)^2 / 2) or ``"cross_entropy"``
    (l = log(1 + e^z) - y z, computed on the logit z, never from a rounded sigma).
    """
    from sigmoid_neuron.objective.links import LOSSES

    if loss not in NEURON_LOSSES:
        raise ValueError(f"loss must be one of {sorted(NEURON_LOSSES)}, got {loss!r}")
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape or xs.size == 0:
        raise ValueError(f"x and y must be equal-length, non-empty; got {xs.size} and {ys.size}")
    ws = np.asarray(w, dtype=np.float64).ravel()
    bs = np.asarray(b, dtype=np.float64).ravel()
    pointwise = LOSSES[NEURON_LOSSES[loss]]()
    z = ws[None, :, None] * xs[None, None, :] + bs[:, None, None]  # (B, W, n)
    targets = np.broadcast_to(ys, z.shape).reshape(-1, 1)
    values = pointwise.loss(targets, z.reshape(-1, 1)).reshape(z.shape)
    return np.asarray(values.mean(axis=2), dtype=np.float64)


def surface_figure(
    x: ArrayLike,
    y: ArrayLike,
    loss: str,
    path: ArrayLike | None = None,
    w_range: Sequence[float] | None = None,
    b_range: Sequence[float] | None = None,
    resolution: int = 121,
    title: str | None = None,
) -> Figure:
    """Contour map and 3-D surface of J(w, b) = (1/n) sum_i l(y_i, sigma(w x_i + b)).

    ``path`` is a ``(T, 2)`` array of (w, b) after each gradient-descent step (the first
    row the starting point); it is drawn on both panels, lifted onto the surface in 3-D.
    Ranges default to a box around the path.
    """
    pts: NDArray[np.float64] | None = None
    if path is not None:
        pts = np.asarray(path, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
            raise ValueError(f"path must have shape (T, 2) of (w, b) pairs, got {pts.shape}")
    if resolution < 10:
        raise ValueError(f"resolution must be >= 10 grid points, got {resolution}")
    w_lo, w_hi = _range(w_range, None if pts is None else pts[:, 0], "w_range")
    b_lo, b_hi = _range(b_range, None if pts is None else pts[:, 1], "b_range")
    ws = np.linspace(w_lo, w_hi, resolution)
    bs = np.linspace(b_lo, b_hi, resolution)
    J = error_surface(x, y, loss, ws, bs)
    Wg, Bg = np.meshgrid(ws, bs)
    label = LOSS_LABELS.get(loss, loss)
    with style():
        fig = new_figure(13.0, 5.6)
        ax = fig.add_subplot(1, 2, 1)
        filled = ax.contourf(Wg, Bg, J, levels=30, cmap="viridis")
        ax.contour(Wg, Bg, J, levels=15, colors="white", linewidths=0.5, alpha=0.5)
        bar = fig.colorbar(filled, ax=ax, shrink=0.9)
        bar.set_label(f"J(w, b) = mean {FORMULAS.get(loss, label)}")
        ax.set_xlabel("weight w")
        ax.set_ylabel("bias b")
        ax.set_title("Contours of the error surface")
        ax.grid(False)
        ax3 = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
        ax3.plot_surface(
            Wg,
            Bg,
            J,
            cmap="viridis",
            alpha=0.75,
            linewidth=0,
            antialiased=True,
            rstride=2,
            cstride=2,
        )
        ax3.set_xlabel("weight w", labelpad=8)
        ax3.set_ylabel("bias b", labelpad=8)
        ax3.zaxis.set_rotate_label(False)
        ax3.set_zlabel("J(w, b)", labelpad=10, rotation=90)
        ax3.set_title("Error surface")
        ax3.view_init(elev=32, azim=-128)
        if pts is not None:
            Jp = error_surface(x, y, loss, pts[:, 0], pts[:, 1]).diagonal()
            _draw_path(ax, pts, len(pts) - 1)
            lift = 0.01 * float(J.max() - J.min())
            ax3.plot(pts[:, 0], pts[:, 1], Jp + lift, color=COLORS["red"], lw=2.2, zorder=10)
            ax3.scatter(*pts[0], Jp[0] + lift, color="white", edgecolor="black", s=45, zorder=11)
            ax3.scatter(*pts[-1], Jp[-1] + lift, color=COLORS["red"], marker="*", s=160, zorder=11)
            ax.legend(loc="upper right")
        fig.suptitle(
            title or f"Gradient descent on the {label} surface", fontsize=14, fontweight="bold"
        )
    return fig


def _range(
    given: Sequence[float] | None, values: NDArray[np.float64] | None, name: str
) -> tuple[float, float]:
    if given is not None:
        lo, hi = (float(v) for v in given)
        if not lo < hi:
            raise ValueError(f"{name} must be (low, high) with low < high, got {tuple(given)}")
        return lo, hi
    if values is None:
        return -6.0, 6.0
    lo, hi = float(values.min()), float(values.max())
    pad = max(1.0, 0.3 * (hi - lo))
    return lo - pad, hi + pad


def _draw_path(ax: Any, pts: NDArray[np.float64], steps: int) -> None:
    ax.plot(
        pts[:, 0], pts[:, 1], color=COLORS["red"], lw=2.2, label=f"gradient descent ({steps} steps)"
    )
    marks = np.unique(np.geomspace(1, max(steps, 1), num=12).astype(int))
    ax.plot(pts[marks, 0], pts[marks, 1], "o", color=COLORS["red"], ms=3.5)
    ax.plot(
        *pts[0],
        "o",
        color="white",
        mec="black",
        ms=9,
        label=f"start ({pts[0, 0]:g}, {pts[0, 1]:g})",
    )
    ax.plot(
        *pts[-1],
        "*",
        color=COLORS["red"],
        mec="black",
        ms=16,
        label=f"end ({pts[-1, 0]:.3f}, {pts[-1, 1]:.3f})",
    )
