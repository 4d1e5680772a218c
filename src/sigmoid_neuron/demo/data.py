"""The demo's data: the notes' points and tables, loss names, figure names."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

#: The notes' sigmoid table: the points and the values the notes print.
NOTES_SIGMOID: dict[float, str] = {-5.5: "0.0040", 6.5: "0.9984", 0.4: "0.5986"}

#: The notes' toy data (seed 002) and starting point.
TOY_X: tuple[float, ...] = (0.5, 2.5)
TOY_Y: tuple[float, ...] = (0.2, 0.9)
TOY_START: tuple[float, float] = (-2.0, -2.0)

#: The notes' five-point table (seed 002).
FIVE_X: tuple[float, ...] = (1.2, -2.1, 3.2, -0.5, 0.6)
FIVE_Y: tuple[float, ...] = (0.0, 1.0, 0.0, 1.0, 1.0)

#: Neuron loss name -> pointwise loss on the logit in :mod:`sigmoid_neuron.objective.links`.
NEURON_LOSSES: dict[str, str] = {
    "squared_error": "sigmoid_squared_error",
    "cross_entropy": "cross_entropy",
}

#: Figure file names written by :func:`write_figures`.
FIGURES: tuple[str, ...] = (
    "sigmoid.png",
    "loss_curves.png",
    "error_surface_squared_error.png",
    "error_surface_cross_entropy.png",
    "decision_boundary.png",
)

#: The two breast-cancer features of the decision-boundary figure.
BOUNDARY_FEATURES: tuple[str, str] = ("mean radius", "mean texture")
