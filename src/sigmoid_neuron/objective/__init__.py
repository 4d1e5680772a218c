"""Objective layer: linear predictor + pointwise loss + elastic-net penalty.

``make_objective(X, y, loss, ...)`` returns a :class:`LinearObjective` whose
``loss_gradient(theta)`` is all any solver needs.
"""

from sigmoid_neuron.objective.linear import ArrayData, DataTerm, LinearObjective, make_objective
from sigmoid_neuron.objective.links import (
    LOSSES,
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    PointwiseLoss,
    SigmoidHalfSquaredError,
)
from sigmoid_neuron.objective.penalty import Penalty

__all__ = [
    "LOSSES",
    "ArrayData",
    "BinaryCrossEntropy",
    "DataTerm",
    "HalfSquaredError",
    "LinearObjective",
    "MultinomialCrossEntropy",
    "Penalty",
    "PointwiseLoss",
    "SigmoidHalfSquaredError",
    "make_objective",
]
