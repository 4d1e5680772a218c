"""Dask inputs made ready for the data term: DataFrames to arrays, known row chunks,
float dtypes, targets and weights aligned with the blocks of ``X``."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a Dask DataFrame or Series."""
    return type(obj).__module__.startswith("dask.dataframe") and hasattr(obj, "to_dask_array")


def is_dask_collection(obj: object) -> bool:
    """Whether ``obj`` is a Dask array, DataFrame or Series."""
    return isinstance(obj, da.Array) or is_dask_frame(obj)


def frame_to_array(frame: Any, name: str) -> da.Array:
    """A Dask DataFrame/Series as a Dask array of floats, lazily (row chunks may be unknown).

    Every column must be numeric or boolean; integer and boolean columns become float64,
    float32 is kept when every column is float32.
    """
    import pandas as pd

    dtypes = frame.dtypes
    if not isinstance(dtypes, pd.Series):  # a Series: one dtype
        dtypes = pd.Series([dtypes], index=[frame.name])
    bad = [
        str(col)
        for col, dt in dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))
    ]
    if bad:
        raise ValueError(
            f"{name} has non-numeric column(s) {', '.join(bad)}; encode or drop them before fitting"
        )
    all_f32 = all(dt == np.dtype(np.float32) for dt in dtypes)
    target = np.float32 if all_f32 else np.float64
    if any(dt != np.dtype(target) for dt in dtypes):
        frame = frame.astype(target)
    return frame.to_dask_array()


def as_dask_array(obj: Any, name: str) -> da.Array:
    """``obj`` (Dask array, DataFrame or Series) as a Dask array, lazily."""
    if isinstance(obj, da.Array):
        return obj
    if is_dask_frame(obj):
        return frame_to_array(obj, name)
    raise TypeError(
        f"{name} must be a Dask array, DataFrame or Series, got {type(obj).__name__}; "
        f"wrap it with dask.array.from_array"
    )


def known_row_chunks(*arrays: da.Array) -> list[da.Array]:
    """The arrays with unknown row chunk sizes (DataFrames, masks, files) filled in.

    One compute of the block lengths, with the active scheduler (cheap on persisted
    arrays); arrays whose row chunks are known come back unchanged.
    """
    unknown = [i for i, a in enumerate(arrays) if any(np.isnan(c) for c in a.chunks[0])]
    out = list(arrays)
    if not unknown:
        return out
    blocks = [np.asarray(arrays[i].to_delayed()).reshape(-1) for i in unknown]
    (lengths,) = dask.compute([[dask.delayed(len)(b) for b in bs] for bs in blocks])
    for i, n in zip(unknown, lengths, strict=True):
        a = arrays[i]
        chunks = (tuple(int(v) for v in n), *a.chunks[1:])
        out[i] = da.Array(a.dask, a.name, chunks, dtype=a.dtype)
    return out


def _prepare_X(X: da.Array) -> da.Array:
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D shape {X.shape}")
    if np.isnan(X.shape[1]):
        raise ValueError("X has an unknown number of columns; compute its chunk sizes first")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise ValueError(f"X must hold numbers, got dtype {X.dtype}; encode it as floats")
    if X.dtype == np.float16:
        X = X.astype(np.float32)
    elif X.dtype not in (np.float32, np.float64) or not X.dtype.isnative:
        X = X.astype(np.float64)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def _prepare_y(y: da.Array, dtype: np.dtype[Any]) -> da.Array:
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(f"y must be 1-D (n,) or 2-D (n, K), got {y.ndim}-D shape {y.shape}")
    if np.isnan(y.shape[1]):
        raise ValueError("y has an unknown number of columns; compute its chunk sizes first")
    if y.numblocks[1] != 1:
        y = y.rechunk({1: -1})
    return y.astype(dtype)


def _prepare_sw(sw: da.Array, dtype: np.dtype[Any]) -> da.Array:
    if sw.ndim == 2 and sw.shape[1] == 1:
        sw = sw[:, 0]
    if sw.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D (n_samples,), got shape {sw.shape}")
    return sw.astype(dtype)


def _numpy_y(y: Any, n: int, dtype: np.dtype[Any]) -> Array:
    y = np.asarray(y, dtype=dtype)
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    if y.ndim != 2 or y.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) or ({n}, K) to match X, got {y.shape}")
    return y


def _numpy_sw(sw: Any, n: int, dtype: np.dtype[Any]) -> Array:
    sw = np.asarray(sw, dtype=dtype)
    if sw.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {sw.shape}")
    return sw
