"""Dask input for the estimators: validation, labels, hold-out split, lazy predictions.

Imported only when a Dask collection reaches an estimator, so the core never imports
Dask. What it costs, in passes over the data (``n`` rows, ``m`` blocks):

- :func:`fit_inputs` persists ``X``, ``y`` and the weights together, once, so every
  later pass reads the workers' memory, never the source again;
- :func:`class_labels` (LogisticRegression) and :func:`finite_range` (SigmoidNeuron)
  are one pass over ``y`` only; the label encoding is lazy (one-hot per block);
- the objective's construction makes one pass checking ``X``, ``y`` and the weights;
- predictions are lazy Dask arrays: nothing runs until ``.compute()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse
from numpy.typing import NDArray
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from sigmoid_neuron.distributed import as_dask_array, predict_blocks
from sigmoid_neuron.distributed.inputs import _prepare_X, is_dask_frame

Array = NDArray[Any]


# ---------------------------------------------------------------------- fit inputs


def fit_inputs(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    *,
    reset: bool,
    numeric_y: bool,
    multi_output: bool,
) -> tuple[da.Array, Any, Any]:
    """``(X, y, sample_weight)`` ready for the objective, the Dask ones persisted together.

    ``X``: a Dask array or DataFrame ``(n, d)``, as a float32/float64 Dask array chunked
    along rows only (a DataFrame's columns become ``feature_names_in_``). ``y``: Dask
    (array, Series, one-column DataFrame) or in-memory, ``(n,)`` (``(n, K)`` when
    ``multi_output``); numeric targets take ``X``'s dtype, labels keep theirs.
    ``sample_weight``: Dask, in-memory or None; a positive scalar is the same as None.
    Sets (``reset``) or checks ``n_features_in_`` and ``feature_names_in_``.
    """
    _check_names(estimator, X, reset=reset)
    Xd = _prepare_X(as_dask_array(X, "X"))
    d = int(Xd.shape[1])
    if reset:
        estimator.n_features_in_ = d
    elif d != estimator.n_features_in_:
        raise ValueError(
            f"X has {d} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )
    yd = _target(y, numeric_y, multi_output, Xd.dtype)
    swd = _weights(sample_weight, Xd.dtype)
    arrays = [Xd, yd, swd]
    lazy = [i for i, a in enumerate(arrays) if isinstance(a, da.Array)]
    for i, a in zip(lazy, dask.persist(*[arrays[i] for i in lazy]), strict=True):
        arrays[i] = a
    return arrays[0], arrays[1], arrays[2]


def _check_names(estimator: Any, X: Any, *, reset: bool) -> None:
    """scikit-learn's feature-name bookkeeping, on a Dask DataFrame's (empty) pandas meta."""
    meta = getattr(X, "_meta", None) if is_dask_frame(X) else None
    _check_feature_names(estimator, X if meta is None else meta, reset=reset)


def _target(y: Any, numeric: bool, multi_output: bool, dtype: np.dtype[Any]) -> Any:
    if is_dask_frame(y):
        if y.ndim == 2 and len(y.columns) == 1 and not multi_output:
            y = y[y.columns[0]]
        y = _frame_values(y, numeric)
    elif not isinstance(y, da.Array):
        y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y[:, 0]
    if y.ndim != 1 and not (multi_output and y.ndim == 2):
        shape = "(n_samples,) or (n_samples, n_targets)" if multi_output else "(n_samples,)"
        raise ValueError(
            f"y must have shape {shape}, got {y.ndim}-D shape {y.shape}; pass one target "
            "column" + ("s" if multi_output else "")
        )
    if numeric:
        if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
            raise ValueError(
                f"y must be numeric, got dtype {y.dtype}; convert the target to numbers"
            )
        y = y.astype(dtype)
    return y


def _frame_values(frame: Any, numeric: bool) -> da.Array:
    """A Dask Series/DataFrame as a Dask array: numbers as float, labels as they are."""
    import pandas as pd

    dtypes = [frame.dtype] if frame.ndim == 1 else list(frame.dtypes)
    if numeric:
        return as_dask_array(frame, "y")
    if any(isinstance(t, pd.api.extensions.ExtensionDtype) for t in dtypes):
        # nullable and string columns: plain NumPy dtypes (strings become objects)
        is_num = all(pd.api.types.is_numeric_dtype(t) for t in dtypes)
        frame = frame.astype(np.float64 if is_num else object)
    return frame.to_dask_array()


def _weights(sample_weight: Any, dtype: np.dtype[Any]) -> Any:
    if sample_weight is None:
        return None
    if isinstance(sample_weight, da.Array) or is_dask_frame(sample_weight):
        swd = as_dask_array(sample_weight, "sample_weight")
        if not (np.issubdtype(swd.dtype, np.number) or swd.dtype == np.bool_):
            raise ValueError(f"sample_weight must be numeric, got dtype {swd.dtype}")
        return swd.astype(dtype)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:  # one weight for every row: the weighted mean is the plain mean
        if not (math.isfinite(float(sw)) and float(sw) > 0):
            raise ValueError(
                f"sample_weight must be a positive number or one weight per row, got {float(sw)}"
            )
        return None
    return sw.astype(dtype)


# ---------------------------------------------------------------------- targets


def class_labels(y: Any) -> Array:
    """The sorted distinct labels of ``y`` (one pass over a Dask ``y``).

    Labels held as Python objects come back as a numeric array when every label is a
    number, else as an object array of strings; a mix of both is a ``ValueError``.
    """
    try:
        if isinstance(y, da.Array):
            (found,) = dask.compute(da.unique(y))
        else:
            found = np.unique(np.asarray(y))
    except TypeError:  # sorting mixed types: numbers and strings, or None
        raise ValueError(
            "y mixes labels of different types (numbers and text, or missing values); "
            "make every class label the same type, e.g. all strings"
        ) from None
    found = np.asarray(found)
    if found.dtype == object:
        values = found.tolist()
        if all(isinstance(v, (int, float, np.number)) for v in values):
            found = np.unique(np.asarray(values))
        elif all(isinstance(v, str) for v in values):
            found = np.asarray(values, dtype=object)
        else:
            raise ValueError(
                "y mixes labels of different types (numbers and text, or missing values); "
                "make every class label the same type, e.g. all strings"
            )
    return found


def one_hot(y: Any, classes: Array) -> Any:
    """Targets of the loss, lazily for Dask ``y``: ``[y == classes_[1]]`` (two classes,
    shape ``(n, 1)``) or the one-hot ``[y == classes_[k]]_k`` (``(n, K)``)."""
    width = 1 if classes.size == 2 else int(classes.size)
    if isinstance(y, da.Array):
        return da.map_blocks(
            _one_hot_block,
            y,
            classes=classes,
            chunks=(y.chunks[0], (width,)),
            new_axis=1,
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
    return _one_hot_block(np.asarray(y), classes)


def _one_hot_block(labels: Array, classes: Array) -> Array:
    """One block of :func:`one_hot`: ``(m,)`` labels to ``(m, 1)`` or ``(m, K)`` floats."""
    if classes.size == 2:
        return np.asarray(labels == classes[1], dtype=np.float64).reshape(-1, 1)
    return np.asarray(labels[:, None] == classes[None, :], dtype=np.float64)


def unknown_labels(y: Any, classes: Array) -> Array:
    """Labels of ``y`` that are not in ``classes`` (one pass over a Dask ``y``)."""
    return np.setdiff1d(class_labels(y), classes)


def finite_range(y: Any) -> tuple[float, float]:
    """``(min, max)`` of the finite values of ``y``, in one pass; ``(inf, -inf)`` if none.

    Non-finite targets are left to the objective's check pass, which reports them.
    """
    finite = da.isfinite(y)
    low = da.where(finite, y, np.inf).min()
    high = da.where(finite, y, -np.inf).max()
    lo, hi = dask.compute(low, high)
    return float(lo), float(hi)


# ---------------------------------------------------------------------- predictions


def predict_lazy(
    estimator: Any,
    X: Any,
    post: Callable[..., Array],
    *extra: Any,
    n_outputs: int | None = None,
    dtype: Any = None,
) -> da.Array:
    """``post(X_j W^T + b, *extra)`` for every row block ``X_j``, as a lazy Dask array.

    ``post`` maps the raw predictions ``z`` ``(m, K)`` of a block to the output (``(m,)``
    when ``n_outputs`` is None, else ``(m, n_outputs)``) of dtype ``dtype`` (default
    the float dtype of ``z``). Validation that needs no data (fitted, columns, feature
    names) happens now; a non-finite value in a block raises when that block is computed.
    """
    check_is_fitted(estimator)
    _check_names(estimator, X, reset=False)
    Xd = as_dask_array(X, "X")
    if Xd.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {Xd.ndim}-D shape {Xd.shape}")
    if Xd.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {Xd.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )
    coef, intercept = estimator._coefficients()
    x_dtype = Xd.dtype if np.issubdtype(Xd.dtype, np.floating) else np.dtype(np.float64)
    out = np.result_type(x_dtype, coef.dtype) if dtype is None else np.dtype(dtype)
    return predict_blocks(
        Xd, _BlockOutput(post), coef, intercept, *extra, n_outputs=n_outputs, dtype=out
    )


class _BlockOutput:
    """``post(z, *extra)`` with ``z = X_j W^T + b`` for one block (picklable)."""

    def __init__(self, post: Callable[..., Array]) -> None:
        self.post = post

    def __call__(self, block: Array, coef: Array, intercept: Array, *extra: Any) -> Array:
        values = block.data if scipy.sparse.issparse(block) else block
        if not np.all(np.isfinite(values)):
            raise ValueError(
                "X contains NaN or infinity in a block being predicted; impute or drop "
                "those rows first"
            )
        dtype = np.result_type(block.dtype, coef.dtype)
        z: Array = np.asarray(block.astype(dtype, copy=False) @ coef.T.astype(dtype, copy=False))
        z += intercept.astype(dtype, copy=False)
        return self.post(z, *extra)


def score_inputs(estimator: Any, X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
    """``(predict(X), y, sample_weight)`` computed together (one graph), in memory."""
    pred = estimator.predict(X)
    return dask.compute(pred, y, sample_weight)
