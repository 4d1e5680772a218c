"""Statistical inference for the fitted linear models: covariance, standard errors, tables.

One pass over the rows (:mod:`sigmoid_neuron.objective.scores`, block by block on Dask
through :mod:`sigmoid_neuron.distributed.scores`) gives the Hessian of the summed
objective and the score outer products; :mod:`~sigmoid_neuron.inference.covariance`
turns them into the classical, HC0 or cluster-robust covariance,
:mod:`~sigmoid_neuron.inference.separation` finds singular and separated directions,
:mod:`~sigmoid_neuron.inference.table` and :mod:`~sigmoid_neuron.inference.summary`
present the result. The estimators expose it as ``covariance_matrix``, ``coef_table``
and ``summary`` (:class:`sigmoid_neuron.estimators.inference.InferenceMixin`).
"""

from sigmoid_neuron.inference.covariance import Inference, ModelInfo, covariance
from sigmoid_neuron.inference.separation import InferenceWarning
from sigmoid_neuron.inference.summary import InferenceSummary
from sigmoid_neuron.inference.table import coef_table

__all__ = [
    "Inference",
    "InferenceSummary",
    "InferenceWarning",
    "ModelInfo",
    "coef_table",
    "covariance",
]
