"""A table file set as Dask arrays: one block of rows per file, read on the workers.

DATA is what :func:`sigmoid_neuron.io.table_files.table_files` accepts (one file, a
directory or a glob of one format). **Each file is one block of rows**: split big data
into several files, a file per block fitting comfortably in a worker's memory. The
columns are chosen as for one file (:func:`sigmoid_neuron.io.table_columns.
select_features`) from the first file's header; every file is read on the workers by
:func:`sigmoid_neuron.io.tables.read_xy` itself, so a bad cell is reported with its
file, column and row, exactly as in memory. With a remote scheduler the workers must
see DATA at the same path.

Nothing here imports Dask until :func:`read_xy_blocks` is called.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.table_columns import select_features
from sigmoid_neuron.io.table_files import table_files, table_schema
from sigmoid_neuron.io.table_header import MAX_COLUMNS
from sigmoid_neuron.io.tables import read_xy

__all__ = ["read_xy_blocks"]


def _read_block(
    path: str,
    target: str,
    features: list[str],
    numeric_target: bool,
    dtype: Any,
    max_columns: int | None = MAX_COLUMNS,
) -> tuple[NDArray[Any], NDArray[Any]]:
    """One file as ``(X, y)``: read and checked by ``read_xy``; X in ``dtype``, labels
    as Python objects (so that every block has one dtype)."""
    X, y, _ = read_xy(
        path, target, features, numeric_target=numeric_target, max_columns=max_columns
    )
    return X.astype(dtype, copy=False), (y if numeric_target else y.astype(object))


def read_xy_blocks(
    data: str | os.PathLike[str],
    target: str,
    features: list[str] | None = None,
    *,
    numeric_target: bool = True,
    max_columns: int | None = MAX_COLUMNS,
) -> tuple[Any, Any, list[str]]:
    """``(X, y, feature_names)`` of the file set ``data`` as Dask arrays, one block per file.

    ``X`` is ``(n, d)`` float64 (float32 when every feature column of a Parquet file is
    float32), ``y`` the target column: float64, or class labels (objects) unless
    ``numeric_target``. Both are persisted on the current Dask client and their row
    counts are known, so ``X.shape[0]`` is the number of rows. A bad file, column or
    cell raises ``ValueError`` naming it; the first file's header is checked before
    anything is sent to the cluster (repeated names, more than ``max_columns`` columns,
    no rows), every file's when it is read.
    """
    import dask
    import dask.array as da

    from sigmoid_neuron.distributed.inputs import known_row_chunks

    files, fmt = table_files(data)
    columns, dtypes = table_schema(files[0], fmt, max_columns)
    names = select_features(columns, target, features, f"DATA {str(files[0])!r}")
    by_name = dict(zip(columns, dtypes, strict=True))
    all_f32 = all(by_name[f] == np.dtype(np.float32) for f in names)
    dtype = np.dtype(np.float32 if all_f32 else np.float64)
    y_dtype = np.dtype(np.float64 if numeric_target else object)
    read = dask.delayed(_read_block, nout=2, pure=False)
    blocks = [read(str(p), target, names, numeric_target, dtype, max_columns) for p in files]
    X = da.concatenate(
        [da.from_delayed(b[0], shape=(np.nan, len(names)), dtype=dtype) for b in blocks]
    )
    y = da.concatenate([da.from_delayed(b[1], shape=(np.nan,), dtype=y_dtype) for b in blocks])
    X, y = dask.persist(X, y)
    X, y = known_row_chunks(X, y)
    return X, y, names
