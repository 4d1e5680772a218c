"""``train --dask``: fit on a directory or glob of Parquet/CSV files on a Dask cluster.

DATA is one file, a directory (every ``.parquet``/``.pq``/``.csv`` file in it and its
subdirectories, names starting with ``.`` or ``_`` skipped) or a glob such as
``data/part-*.parquet``; all files must have one format. **Each file is one block of
rows**: split big data into several files, a file per block fitting comfortably in a
worker's memory. The columns are chosen as for one file (:func:`sigmoid_neuron.io.
tables.read_xy`): the features are ``--features`` or every column of the first file
except ``--target``. Every file is read on the workers by ``read_xy`` itself, so a bad
cell is reported with its file, column and row, exactly as without ``--dask``. With
``--scheduler`` the workers must see DATA at the same path.

Nothing here imports Dask until ``--dask`` is used.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.tables import FORMATS, MAX_COLUMNS, read_header, read_xy

#: Seconds to wait for ``--scheduler`` before giving up.
CONNECT_TIMEOUT_S = 10.0

_GLOB_CHARS = frozenset("*?[")


def add_dask_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--dask`` and ``--scheduler ADDRESS`` to ``parser``."""
    parser.add_argument(
        "--dask",
        action="store_true",
        help="train on a Dask cluster (a local one unless --scheduler is given); DATA may "
        "then be a directory or a glob of .parquet/.csv files, one block of rows per file",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
        "--dask; its workers must see DATA at the same path)",
    )


def uses_dask(args: argparse.Namespace) -> bool:
    """Whether the arguments ask for Dask: ``--dask`` or ``--scheduler``."""
    return bool(getattr(args, "dask", False) or getattr(args, "scheduler", None))


@contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """The ``distributed.Client`` to train with, current (the default) inside the block.

    ``--scheduler ADDRESS`` connects to that scheduler (``OSError`` naming the address if
    it cannot within :data:`CONNECT_TIMEOUT_S` seconds); otherwise ``--dask`` starts a
    ``LocalCluster`` of worker processes (one per core, memory shared equally) that is
    shut down at the end (``OSError`` if it cannot start).
    Without either, yields None and does nothing.
    """
    if not uses_dask(args):
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ValueError(
            f"--dask needs Dask: install it with `pip install sigmoid-neuron[dask]` ({exc})"
        ) from None
    address = getattr(args, "scheduler", None)
    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=True)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise OSError(
                f"--scheduler {address!r}: cannot connect ({reason}); check the address "
                "(tcp://HOST:PORT) and that the scheduler is running, or drop --scheduler "
                "to start a local cluster"
            ) from None
        with client:
            yield client
        return
    try:  # worker processes, one per core; the dashboard on any free port; no log noise
        cluster = LocalCluster(
            processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
        )
    except (RuntimeError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OSError(
            f"--dask: could not start a local Dask cluster ({reason}); pass --scheduler "
            "ADDRESS to use a running one"
        ) from None
    with cluster, Client(cluster, set_as_default=True) as client:
        yield client


def table_files(data: str | os.PathLike[str], argument: str = "DATA") -> tuple[list[Path], str]:
    """``(files, format)`` of DATA: one file, a directory (searched recursively) or a glob.

    Raises ``FileNotFoundError`` when nothing is there and ``ValueError`` when no table
    file matches, or when ``.csv`` and Parquet files are mixed.
    """
    text = os.fspath(data)
    if _GLOB_CHARS & set(text):
        candidates = [Path(p) for p in glob.glob(text, recursive=True)]
        candidates = [p for p in candidates if p.is_file()]
        where = f"{argument} {text!r} (a glob)"
        if not candidates:
            raise FileNotFoundError(f"{where} matches no files; check the pattern")
    else:
        path = Path(text)
        if not path.exists():
            raise FileNotFoundError(f"{argument} {text!r} does not exist; check the path")
        if path.is_file():
            candidates = [path]
        else:
            candidates = [
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            ]
        where = f"{argument} {text!r}"
    tables = sorted(p for p in candidates if p.suffix.lower() in FORMATS)
    if not tables:
        raise ValueError(
            f"{where} holds no .csv, .parquet or .pq files; point it at table files, "
            "e.g. data/ or 'data/part-*.parquet'"
        )
    formats = {FORMATS[p.suffix.lower()] for p in tables}
    if len(formats) > 1:
        raise ValueError(
            f"{where} mixes CSV and Parquet files; keep one format, or pick one with a glob "
            "such as 'data/*.parquet'"
        )
    return tables, formats.pop()


def check_table_files(data: str | os.PathLike[str], max_columns: int | None = MAX_COLUMNS) -> None:
    """Check the header of every file of DATA cheaply, before a cluster is started:
    ``ValueError`` naming the file (and column) for a file without rows, with more than
    ``max_columns`` columns or with a repeated column name
    (:func:`sigmoid_neuron.io.tables.read_header`)."""
    files, _ = table_files(data)
    for path in files:
        read_header(path, "DATA", max_columns=max_columns)


def _header(
    path: Path, fmt: str, max_columns: int | None = MAX_COLUMNS
) -> tuple[list[str], list[Any]]:
    """Column names and dtypes of a table without reading its rows (dtypes: Parquet only).

    The names come from :func:`sigmoid_neuron.io.tables.read_header`, as written in the
    file and checked cheaply (no rows, more than ``max_columns`` columns, a repeated
    name: ``ValueError`` naming the file and the column).
    """
    names = read_header(path, "DATA", max_columns=max_columns)
    if fmt != "parquet":
        return names, [None] * len(names)
    import pyarrow.parquet as pq

    source = f"DATA {str(path)!r}"
    try:
        schema = pq.read_schema(path)
    except (ValueError, OSError, ArithmeticError, LookupError, NotImplementedError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{source} is not a readable Parquet file: {first}") from None
    by_name = {str(f.name): _pandas_dtype(f.type) for f in schema}
    return names, [by_name.get(n) for n in names]


def _pandas_dtype(arrow_type: Any) -> Any:
    """The NumPy dtype of an Arrow type, None when it has none (strings, nested...)."""
    try:
        return np.dtype(arrow_type.to_pandas_dtype())
    except (NotImplementedError, TypeError):
        return None


def _select_features(
    columns: Sequence[str], target: str, features: Sequence[str] | None, source: str
) -> list[str]:
    """The feature columns, with :func:`sigmoid_neuron.io.tables.read_xy`'s rules and errors."""

    def some(names: Sequence[str], limit: int) -> str:
        shown = ", ".join(repr(str(n)) for n in names[:limit])
        return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"

    def require(names: Sequence[str], argument: str) -> None:
        missing = [n for n in names if n not in columns]
        if missing:
            raise ValueError(
                f"{argument}: column(s) {some(missing, 5)} not in {source}; "
                f"its columns are {some(list(columns), 12)}"
            )

    require([target], "--target")
    if features is None:
        unnamed = [i for i, c in enumerate(columns, start=1) if not c.strip()]
        if unnamed:
            raise ValueError(
                f"{source}: column {unnamed[0]} has no name in the header; name every column, "
                "or choose the feature columns with --features (a file pandas saved with its "
                "index has an unnamed first column: save it with index=False)"
            )
        chosen = [c for c in columns if c != target]
        if not chosen:
            raise ValueError(
                f"{source} has only the target column {target!r}; it needs feature columns too"
            )
        return chosen
    chosen = list(features)
    require(chosen, "--features")
    if target in chosen:
        raise ValueError(
            f"--features includes the target column {target!r}; leave it out of --features"
        )
    return chosen


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


def load_dask_training_data(
    args: argparse.Namespace, target: str, features: list[str] | None
) -> tuple[Any, Any, list[str]]:
    """``(X, y, feature_names)`` of DATA (``args.data``) as Dask arrays, one block per file.

    ``X`` is ``(n, d)`` float64 (float32 when every feature column of a Parquet file is
    float32), ``y`` the target column: float64, or class labels (objects) for
    ``args.model == "logistic"``. Both are persisted on the current client (run this
    inside :func:`dask_client`) and their row counts are known, so ``X.shape[0]`` is the
    number of rows. A bad file, column or cell raises ``ValueError`` naming it; the
    first file's header is checked before anything is sent to the cluster (repeated
    names, more than ``args.max_columns`` columns, no rows), every file's when it is
    read.
    """
    import dask
    import dask.array as da

    from sigmoid_neuron.distributed.data import known_row_chunks

    files, fmt = table_files(args.data)
    max_columns = getattr(args, "max_columns", MAX_COLUMNS)
    columns, dtypes = _header(files[0], fmt, max_columns)
    source = f"DATA {str(files[0])!r}"
    names = _select_features(columns, target, features, source)
    numeric_target = getattr(args, "model", None) != "logistic"
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


def dask_standard_scaler(X: Any) -> tuple[Any, Any]:
    """A fitted scikit-learn ``StandardScaler`` from one pass over Dask ``X``, and the
    lazily standardised ``(X - mean_) / scale_``.

    ``mean_ = sum_i x_i / n``, ``var_ = sum_i (x_i - mean_)^2 / n`` (two-pass within
    blocks, combined by Chan's formula), ``scale_ = sqrt(var_)`` with zeros replaced by
    1, as ``StandardScaler().fit(X)`` gives in memory; the scaler goes into a Pipeline
    that ``save_model`` writes and ``predict`` applies to new rows.
    """
    import dask
    from sklearn.preprocessing import StandardScaler
    from sklearn.preprocessing._data import _handle_zeros_in_scale, _is_constant_feature

    n = int(X.shape[0])
    mean, var = dask.compute(X.mean(axis=0, dtype=np.float64), X.var(axis=0, dtype=np.float64))
    scaler = StandardScaler()
    scaler.mean_ = mean
    scaler.var_ = var
    constant = _is_constant_feature(var, mean, n)
    scaler.scale_ = _handle_zeros_in_scale(np.sqrt(var), copy=False, constant_mask=constant)
    scaler.n_samples_seen_ = n
    scaler.n_features_in_ = int(X.shape[1])
    scaled = (X - mean.astype(X.dtype)) / scaler.scale_.astype(X.dtype)
    return scaler, scaled
