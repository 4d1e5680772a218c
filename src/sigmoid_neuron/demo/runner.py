"""All four experiments together (:func:`run_demo`) and the figures (:func:`write_figures`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sigmoid_neuron.demo.data import BOUNDARY_FEATURES
from sigmoid_neuron.demo.notes_experiments import (
    FivePointResult,
    ToyResult,
    five_point_experiment,
    toy_experiment,
)
from sigmoid_neuron.demo.real_data import RealDataResult, boundary_model, breast_cancer_experiment
from sigmoid_neuron.demo.sigmoid_values import SigmoidRow, sigmoid_table


@dataclass
class DemoResult:
    """Everything :func:`run_demo` computed."""

    sigmoid: list[SigmoidRow]
    toy: ToyResult
    five_point: FivePointResult
    real: RealDataResult
    figures: list[Path] = field(default_factory=list)


def run_demo(out_dir: str | os.PathLike[str] | None = None) -> DemoResult:
    """Run the four experiments; with ``out_dir``, also write the figures there."""
    result = DemoResult(
        sigmoid=sigmoid_table(),
        toy=toy_experiment(),
        five_point=five_point_experiment(),
        real=breast_cancer_experiment(),
    )
    if out_dir is not None:
        result.figures = write_figures(result, out_dir)
    return result


def write_figures(result: DemoResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the demo's figures (PNG) into ``out_dir`` (created if missing); return the paths.

    sigmoid.png: g and g'; loss_curves.png: both toy runs; error_surface_*.png: the
    surface of each loss over (w, b) with the descent path; decision_boundary.png:
    logistic regression on two breast-cancer features.
    """
    from sigmoid_neuron.plotting import (
        decision_boundary_figure,
        loss_curves_figure,
        save_figure,
        sigmoid_figure,
        surface_figure,
    )

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; pass a directory for the figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"--out {str(out)!r} cannot be created: {exc.strerror or exc}") from None
    toy = result.toy
    written = [save_figure(sigmoid_figure(), out / "sigmoid.png")]
    histories = {name: run.losses for name, run in toy.runs.items()}
    minima = {"squared_error": 0.0, "cross_entropy": toy.target_entropy}
    fig = loss_curves_figure(
        histories,
        minima,
        title=f"Toy neuron: {toy.epochs} epochs of gradient descent from w = b = -2",
        first_epoch=0,
    )
    written.append(save_figure(fig, out / "loss_curves.png"))
    for name, run in toy.runs.items():
        fig = surface_figure(toy.x, toy.y, name, run.path, w_range=(-4, 6), b_range=(-6, 4))
        written.append(save_figure(fig, out / f"error_surface_{name}.png"))
    model, X, y = boundary_model()
    fig = decision_boundary_figure(
        model,
        X,
        y,
        feature_names=BOUNDARY_FEATURES,
        class_names=("malignant", "benign"),
        title="Logistic regression on two breast-cancer features",
    )
    written.append(save_figure(fig, out / "decision_boundary.png"))
    return written
