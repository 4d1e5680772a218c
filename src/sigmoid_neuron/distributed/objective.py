"""The objective over Dask arrays or DataFrames: the Dask side of ``make_objective``."""

from __future__ import annotations

from typing import Any

from sigmoid_neuron.distributed.data import DaskData
from sigmoid_neuron.distributed.inputs import is_dask_collection
from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.linear import make_objective as make_array_objective
from sigmoid_neuron.objective.links import PointwiseLoss


def make_objective(
    X: Any,
    y: Any,
    loss: PointwiseLoss,
    sample_weight: Any = None,
    alpha: float = 0.0,
    fit_intercept: bool = True,
) -> LinearObjective:
    """``J(W, b) = sum_i s_i l(y_i, W x_i + b) / sum_i s_i + alpha/2 ||W||^2`` over the
    row blocks of a Dask ``X`` (:class:`DaskData`: one task per block, tree-summed), or
    over in-memory arrays (:func:`sigmoid_neuron.objective.make_objective`) otherwise.

    ``y`` and ``sample_weight`` may be Dask or NumPy; a Dask DataFrame ``X`` gives its
    numeric columns.
    """
    if not is_dask_collection(X):
        return make_array_objective(X, y, loss, sample_weight, alpha, fit_intercept)
    data = DaskData(X, y, loss, sample_weight)
    return LinearObjective(data, alpha=alpha, fit_intercept=fit_intercept)
