"""Table file sets: DATA as one file, a directory or a glob of CSV/Parquet files.

A directory is searched recursively (names starting with ``.`` or ``_`` skipped, as
Spark and Dask write their bookkeeping files); a glob such as ``data/part-*.parquet``
is expanded; all files must have one format. Each file's header is checked from the
header alone (:func:`sigmoid_neuron.io.table_header.read_header`), so a bad file set
is refused before anything reads its rows.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import numpy as np

from sigmoid_neuron.io.table_header import FORMATS, MAX_COLUMNS, read_header

__all__ = ["check_table_files", "table_files", "table_schema"]

_GLOB_CHARS = frozenset("*?[")


def table_files(data: str | os.PathLike[str], argument: str = "DATA") -> tuple[list[Path], str]:
    """``(files, format)`` of DATA: one file, a directory (searched recursively) or a glob;
    the files sorted by path.

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
    (:func:`sigmoid_neuron.io.table_header.read_header`)."""
    files, _ = table_files(data)
    for path in files:
        read_header(path, "DATA", max_columns=max_columns)


def table_schema(
    path: Path, fmt: str, max_columns: int | None = MAX_COLUMNS
) -> tuple[list[str], list[Any]]:
    """Column names and NumPy dtypes of a table without reading its rows (dtypes: Parquet
    only, None for CSV and for Arrow types without one, such as strings).

    The names come from :func:`sigmoid_neuron.io.table_header.read_header`, as written
    in the file and checked cheaply (no rows, more than ``max_columns`` columns, a
    repeated name: ``ValueError`` naming the file and the column).
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
    by_name = {str(f.name): _numpy_dtype(f.type) for f in schema}
    return names, [by_name.get(n) for n in names]


def _numpy_dtype(arrow_type: Any) -> Any:
    """The NumPy dtype of an Arrow type, None when it has none (strings, nested...)."""
    try:
        return np.dtype(arrow_type.to_pandas_dtype())
    except (NotImplementedError, TypeError):
        return None
