"""Figures a teacher would put on a slide (matplotlib, Agg; no pyplot state).

Each ``*_figure`` function returns a :class:`matplotlib.figure.Figure`;
:func:`save_figure` writes it atomically as PNG, SVG or PDF by the file extension.
matplotlib is imported only when a figure is drawn.
"""

from sigmoid_neuron.plotting._style import figure_format, save_figure
from sigmoid_neuron.plotting.boundary import decision_boundary_figure
from sigmoid_neuron.plotting.coef_path import alpha_max, coef_path, coef_path_figure
from sigmoid_neuron.plotting.curves import loss_curves_figure, sigmoid_figure
from sigmoid_neuron.plotting.surface import error_surface, surface_figure

__all__ = [
    "alpha_max",
    "coef_path",
    "coef_path_figure",
    "decision_boundary_figure",
    "error_surface",
    "figure_format",
    "loss_curves_figure",
    "save_figure",
    "sigmoid_figure",
    "surface_figure",
]
