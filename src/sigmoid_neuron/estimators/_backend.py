"""The one place an estimator chooses its backend: Dask collections go to
:class:`~sigmoid_neuron.distributed.DaskData` (blocks, tree reductions, never gathered),
everything else to the in-memory ``ArrayData`` (NumPy arrays or SciPy CSR matrices)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sigmoid_neuron.objective.array_data import as_array_data
from sigmoid_neuron.objective.linear import DataTerm
from sigmoid_neuron.objective.links import HalfSquaredError, PointwiseLoss


def _is_dask(obj: object) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing Dask."""
    return type(obj).__module__.split(".")[0] == "dask"


def _data_term(
    X: Any, Y: Any, loss: PointwiseLoss, sample_weight: Any, offset: Any = None
) -> DataTerm:
    """The backend's data term of validated inputs: :class:`~sigmoid_neuron.distributed.
    DaskData` over the blocks of Dask arrays, else in-memory ``ArrayData`` (NumPy or
    SciPy CSR rows). ``offset`` is added to ``z`` (for the squared error it is taken off
    ``y``, which keeps exact least squares)."""
    if _is_dask(X):
        from sigmoid_neuron.distributed import DaskData

        if offset is not None:
            if not isinstance(loss, HalfSquaredError):
                raise ValueError(
                    "offset with Dask input is supported for LinearRegression only; fit on "
                    "NumPy arrays (or fold the offset into the target) for this model"
                )
            Y = Y - _dask_offset(offset, Y)
        return DaskData(X, Y, loss, sample_weight)
    return as_array_data(X, Y, loss, sample_weight, offset)


def _dask_offset(offset: Any, Y: Any) -> Any:
    """The offset shaped like the Dask target ``Y`` (``(n,)`` broadcast over outputs)."""
    import dask.array as da

    off = offset if _is_dask(offset) else da.from_array(np.asarray(offset, dtype=np.float64))
    if off.shape[0] != Y.shape[0]:
        raise ValueError(f"offset must have {Y.shape[0]} values (one per row), got {off.shape}")
    if Y.ndim == 2 and off.ndim == 1:
        off = off[:, None]
    return off.rechunk({0: Y.chunks[0]})
