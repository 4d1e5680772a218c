"""Curves: the sigmoid with its derivative, and training-loss curves of two runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from sigmoid_neuron.plotting._style import COLORS, LOSS_COLORS, LOSS_LABELS, new_figure, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The three points of the notes' sigmoid table.
NOTES_POINTS: tuple[float, ...] = (-5.5, 6.5, 0.4)


def sigmoid_figure(
    x_min: float = -8.0, x_max: float = 8.0, marks: Sequence[float] = NOTES_POINTS
) -> Figure:
    """The sigmoid g(x) = 1 / (1 + e^-x) and its derivative g'(x) = g(x)(1 - g(x)).

    The derivative peaks at g'(0) = 1/4; the points ``marks`` (by default the notes'
    g(-5.5), g(6.5), g(0.4)) are marked with their values.
    """
    from sigmoid_neuron.functional.activations import sigmoid, sigmoid_derivative

    if not x_min < x_max:
        raise ValueError(f"x_min must be below x_max, got {x_min} and {x_max}")
    x = np.linspace(x_min, x_max, 801)
    g = np.asarray(sigmoid(x))
    dg = np.asarray(sigmoid_derivative(x))
    with style():
        fig = new_figure(8.5, 5.0)
        ax = fig.add_subplot()
        ax.axhline(0.5, color=COLORS["grey"], lw=1, ls=":")
        ax.axvline(0.0, color=COLORS["grey"], lw=1, ls=":")
        ax.plot(x, g, color=COLORS["blue"], label=r"$g(x) = \dfrac{1}{1 + e^{-x}}$")
        ax.plot(x, dg, color=COLORS["red"], label=r"$g'(x) = g(x)\,(1 - g(x))$")
        ax.plot([0.0], [0.25], "o", color=COLORS["red"], ms=5)
        ax.annotate(
            r"max $g'(0) = \frac{1}{4}$",
            (0.0, 0.25),
            xytext=(12, 8),
            textcoords="offset points",
            color=COLORS["red"],
        )
        for x0 in marks:
            if not x_min <= x0 <= x_max:
                continue
            g0 = float(np.asarray(sigmoid(np.float64(x0))))
            ax.plot([x0], [g0], "o", color=COLORS["blue"], ms=6, zorder=5)
            if g0 < 0.5:  # low on the curve: the text goes above the point
                offset, ha = (0, 22), "center"
            elif x0 < x_max - 0.25 * (x_max - x_min):  # below and to the right
                offset, ha = (12, -18), "left"
            else:  # near the right edge: below and to the left
                offset, ha = (-12, -18), "right"
            ax.annotate(
                f"g({x0:g}) = {g0:.5f}",
                (x0, g0),
                xytext=offset,
                textcoords="offset points",
                ha=ha,
                fontsize=10,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )
        ax.set_xlim(x_min, x_max)
        ax.set_ylim(-0.05, 1.08)
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.set_title("The sigmoid and its derivative")
        ax.legend(loc="center left", bbox_to_anchor=(0.0, 0.72))
    return fig


def loss_curves_figure(
    histories: Mapping[str, ArrayLike],
    minima: Mapping[str, float] | None = None,
    title: str = "Training the sigmoid neuron: squared error vs cross-entropy",
    first_epoch: int = 1,
    log_epochs: bool | None = None,
) -> Figure:
    """Loss per epoch of runs keyed by loss name, and their gap to the minimum on a log scale.

    Left panel: J_t, the training loss after epoch t. Right panel: J_t - J*, where J* is
    ``minima[name]`` (for cross-entropy on soft targets J* is the entropy of the targets,
    so the gap is the KL divergence), on a logarithmic axis, which shows the speed of
    convergence; a curve ends where the gap reaches the float64 resolution of J*
    (8 eps max(1, |J*|)). Without ``minima`` only the left panel is drawn.

    ``values[k]`` is drawn at epoch ``first_epoch + k`` (use 0 when the first value is
    the loss before training). ``log_epochs`` puts the left panel's epochs on a
    symmetric-log axis (default: when there are more than 100 epochs), so early
    plateaus and drops stay visible.
    """
    if not histories:
        raise ValueError("histories must hold at least one run: {loss name: [loss per epoch]}")
    longest = max(np.size(v) for v in histories.values())
    if log_epochs is None:
        log_epochs = longest > 100
    with style():
        fig = new_figure(12.5 if minima else 7.0, 4.8)
        axes = fig.subplots(1, 2 if minima else 1, squeeze=False)[0]
        ax = axes[0]
        for name, values in histories.items():
            y = np.asarray(values, dtype=np.float64)
            epochs = np.arange(first_epoch, first_epoch + len(y))
            label = LOSS_LABELS.get(name, name)
            ax.plot(epochs, y, color=LOSS_COLORS.get(name), label=label)
            if minima and name in minima:
                ax.axhline(
                    minima[name],
                    color=LOSS_COLORS.get(name),
                    lw=1,
                    ls="--",
                    label=f"minimum of {label} = {minima[name]:.4f}",
                )
        if log_epochs:
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_xlabel("epoch (log scale)")
        else:
            ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (mean over points)")
        ax.set_title("Loss per epoch" if minima else title)
        ax.set_xlim(left=0, right=first_epoch + longest - 1)
        ax.legend()
        if minima:
            _gap_panel(axes[1], histories, minima, first_epoch, longest)
            fig.suptitle(title, fontsize=14, fontweight="bold")
    return fig


def _gap_panel(
    ax: Any,
    histories: Mapping[str, ArrayLike],
    minima: Mapping[str, float],
    first_epoch: int,
    longest: int,
) -> None:
    eps = float(np.finfo(np.float64).eps)
    for name, values in histories.items():
        if name not in minima:
            continue
        gap = np.asarray(values, dtype=np.float64) - minima[name]
        epochs = np.arange(first_epoch, first_epoch + len(gap))
        resolution = 8 * eps * max(1.0, abs(minima[name]))
        reached = np.flatnonzero(gap <= resolution)
        end = int(reached[0]) if reached.size else len(gap)
        label = LOSS_LABELS.get(name, name)
        if name == "cross_entropy":
            label += " (gap = KL divergence)"
        color = LOSS_COLORS.get(name)
        ax.semilogy(epochs[:end], gap[:end], color=color, label=label)
        if reached.size:
            ax.plot(epochs[end - 1], gap[end - 1], "o", color=color, ms=6)
            ax.annotate(
                f"float64 precision\nreached at epoch {epochs[end]}",
                (epochs[end - 1], gap[end - 1]),
                xytext=(10, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=color,
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"loss $-$ minimum (log scale)")
    ax.set_title("Distance to the minimum")
    ax.set_xlim(left=0, right=first_epoch + longest - 1)
    ax.legend()
