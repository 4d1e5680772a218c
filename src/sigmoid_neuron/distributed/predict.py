"""Lazy predictions on Dask input: one task per row block, nothing computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import DTypeLike, NDArray

from sigmoid_neuron.distributed.inputs import as_dask_array

Array = NDArray[Any]

#: Key prefix of the prediction tasks (one per row block).
PREDICT_KEY = "sigmoid-neuron-predict"


def predict_blocks(
    X: Any,
    fn: Callable[..., Array],
    *params: Any,
    n_outputs: int | None = None,
    dtype: DTypeLike | None = None,
) -> da.Array:
    """``out_j = fn(X_j, *params)`` for every row block ``X_j``, as a lazy Dask array.

    ``X`` is a Dask array or DataFrame ``(n, d)`` (rechunked lazily to one chunk of
    columns); ``fn`` maps a NumPy block ``(m, d)`` to ``(m,)`` when ``n_outputs`` is
    None, else to ``(m, n_outputs)``. ``params`` (e.g. ``coef, intercept``) become one
    key of the graph, shared by the block tasks instead of copied into each. ``dtype``
    (default: ``X``'s float dtype) is the dtype ``fn`` returns. Nothing is computed.

    Example: ``predict_blocks(X, lambda B, W, b: B @ W.T + b, W, b, n_outputs=K)``
    gives the raw predictions ``z = X W^T + b``. The block tasks are keyed
    ``(sigmoid-neuron-predict-<token>, j, ...)`` (:data:`PREDICT_KEY`).
    """
    X = as_dask_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D shape {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    if n_outputs is not None and (int(n_outputs) != n_outputs or n_outputs < 1):
        raise ValueError(f"n_outputs must be None or an integer >= 1, got {n_outputs!r}")
    out_dtype = np.dtype(X.dtype if dtype is None else dtype)
    args: list[Any] = []
    if params:
        shared = dask.delayed(tuple(params), pure=True, traverse=False)
        args.append(shared)
        call: Callable[..., Array] = _Unpacked(fn)
    else:
        call = fn
    if n_outputs is None:
        return X.map_blocks(
            call,
            *args,
            drop_axis=1,
            dtype=out_dtype,
            meta=np.empty((0,), out_dtype),
            token=PREDICT_KEY,
        )
    return X.map_blocks(
        call,
        *args,
        token=PREDICT_KEY,
        chunks=(X.chunks[0], (int(n_outputs),)),
        dtype=out_dtype,
        meta=np.empty((0, 0), out_dtype),
    )


class _Unpacked:
    """``fn(block, *params)`` from ``(block, params_tuple)``; a picklable wrapper."""

    def __init__(self, fn: Callable[..., Array]) -> None:
        self.fn = fn

    def __call__(self, block: Array, params: tuple[Any, ...]) -> Array:
        return self.fn(block, *params)
