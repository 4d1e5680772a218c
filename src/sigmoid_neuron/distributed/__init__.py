"""The objective's sums taken over the row blocks of Dask arrays (optional extra ``[dask]``).

Importing this package imports Dask; the rest of ``sigmoid_neuron`` imports it only when
it meets Dask input (the estimators build a :class:`DaskData` for Dask ``X``;
:func:`make_objective` here does the same for Dask ``X`` and falls back to NumPy).
"""

from sigmoid_neuron.distributed.data import SUMS_KEY, DaskData
from sigmoid_neuron.distributed.inputs import as_dask_array, is_dask_collection
from sigmoid_neuron.distributed.objective import make_objective
from sigmoid_neuron.distributed.predict import predict_blocks
from sigmoid_neuron.distributed.reduce import active_client, tree_reduce
from sigmoid_neuron.distributed.stream import iter_blocks

__all__ = [
    "SUMS_KEY",
    "DaskData",
    "active_client",
    "as_dask_array",
    "is_dask_collection",
    "iter_blocks",
    "make_objective",
    "predict_blocks",
    "tree_reduce",
]
