"""CSV and Parquet tables: read by extension, with errors that name the row and the column.

Rows are counted as a spreadsheet user counts data rows: the first row under the header
is row 1. Every user mistake is a ``ValueError`` (or ``FileNotFoundError``) whose message
names the file, the column and the row, and says what to do.

Before a table is parsed, its header is checked cheaply
(:func:`~sigmoid_neuron.io.table_header.read_header`: no rows, too many columns,
repeated names); the columns are then chosen and converted by
:mod:`sigmoid_neuron.io.table_columns`. A directory or glob of files, one block of rows
each, is :mod:`sigmoid_neuron.io.table_files` and :mod:`sigmoid_neuron.io.dask_tables`.
The names of those modules are importable from here too.

``pandas`` (and ``pyarrow`` for Parquet) are imported inside the functions, so importing
this module is cheap.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.atomic import WriteError, atomic_write, describe_os_error
from sigmoid_neuron.io.table_columns import (
    feature_matrix,
    label_column,
    numeric_column,
    parse_columns,
    require_columns,
    select_features,
)
from sigmoid_neuron.io.table_header import (
    FORMATS,
    HEADER_CHARS_PER_COLUMN,
    MAX_COLUMNS,
    MIN_HEADER_CHARS,
    check_column_names,
    existing_table_file,
    parser_message,
    read_header,
    table_format,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "HEADER_CHARS_PER_COLUMN",
    "MAX_COLUMNS",
    "MIN_HEADER_CHARS",
    "check_column_names",
    "describe_os_error",
    "feature_matrix",
    "label_column",
    "numeric_column",
    "parse_columns",
    "read_features",
    "read_header",
    "read_table",
    "read_xy",
    "select_features",
    "table_format",
    "write_table",
    "xy_from_table",
]


def read_table(
    path: str | os.PathLike[str],
    argument: str = "DATA",
    *,
    max_columns: int | None = MAX_COLUMNS,
) -> pd.DataFrame:
    """Read a whole CSV or Parquet file (chosen by extension) into a DataFrame.

    The header and the start of the rows are checked first by :func:`read_header`
    (empty file, no data rows, more than ``max_columns`` columns, repeated names), so a
    hostile file is refused before pandas reads it. The columns are named as in the
    file (an empty CSV header cell gives ``""``, never pandas' ``Unnamed: 2``).
    Empty CSV cells and the usual missing markers (``NA``, ``nan``) become NaN; the
    caller decides whether that is an error. Raises ``FileNotFoundError`` for a missing
    file and ``ValueError`` for an unreadable or empty one.
    """
    import pandas as pd

    fmt = table_format(path, argument)
    p = existing_table_file(path, argument)
    header = read_header(p, argument, max_columns=max_columns)
    try:
        if fmt == "csv":
            # index_col=False: a row with more cells than the header is an error, never
            # a silent shift of every column (pandas' implicit index)
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                df = pd.read_csv(p, skipinitialspace=True, index_col=False)
        else:
            df = pd.read_parquet(p)
    except pd.errors.ParserWarning:
        raise ValueError(
            f"{argument} {str(p)!r} is not a readable CSV file: {_long_row(p)}; remove the "
            "stray cells or quote cells that contain commas"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{argument} {str(p)!r} is empty; it needs a header and rows") from None
    except ImportError as exc:  # pyarrow missing
        raise ValueError(
            f"{argument} {str(p)!r}: reading Parquet needs pyarrow; "
            f"install it with `pip install sigmoid-neuron[parquet]` ({exc})"
        ) from None
    except (ValueError, OSError, ArithmeticError, LookupError, NotImplementedError) as exc:
        # parser errors, bad encodings, broken Parquet (pyarrow raises ArrowInvalid, a
        # ValueError, but also ArrowNotImplementedError, ArrowIndexError, ArrowKeyError)
        kind = "CSV" if fmt == "csv" else "Parquet"
        raise ValueError(
            f"{argument} {str(p)!r} is not a readable {kind} file: {parser_message(exc)}"
        ) from None
    if fmt == "csv" and len(header) == len(df.columns):
        df.columns = header  # the names as written: no 'x.1', no 'Unnamed: 2'
    else:
        df.columns = [str(c) for c in df.columns]
    check_column_names(list(df.columns), f"{argument} {str(p)!r}")
    if len(df) == 0:
        raise ValueError(f"{argument} {str(p)!r} has no data rows; it needs at least one")
    return df


def _long_row(path: Path) -> str:
    """Which data row of a CSV file has more cells than its header (for the message)."""
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            rows = csv.reader(handle, skipinitialspace=True)
            width = len(next(rows))
            for number, row in enumerate(rows, start=1):
                if len(row) > width:
                    return f"row {number} has {len(row)} cells but the header has {width} columns"
    except (csv.Error, StopIteration, OSError):
        pass
    return "a row has more cells than the header has columns"


def read_xy(
    path: str | os.PathLike[str],
    target: str,
    features: Sequence[str] | None = None,
    *,
    numeric_target: bool = True,
    max_columns: int | None = MAX_COLUMNS,
) -> tuple[NDArray[np.floating], NDArray[Any], list[str]]:
    """Read ``(X, y, feature_names)`` from a CSV/Parquet file.

    ``X`` holds ``features`` (default: every column except ``target``) as a float
    matrix; ``y`` is the ``target`` column, numeric unless ``numeric_target`` is False
    (class labels may then be strings). Errors name the file, column and data row; a
    repeated column name, or a column without a name among the default features, is
    refused. ``max_columns``: see :func:`read_table`.
    """
    df = read_table(path, max_columns=max_columns)
    return xy_from_table(df, target, features, numeric_target, f"DATA {str(path)!r}")


def xy_from_table(
    df: pd.DataFrame,
    target: str,
    features: Sequence[str] | None,
    numeric_target: bool,
    source: str,
    offset: str | None = None,
) -> tuple[NDArray[np.floating], NDArray[Any], list[str]]:
    """``(X, y, feature_names)`` of a table already read (see :func:`read_xy`); the
    ``offset`` column, if named, is never a feature (:func:`select_features`)."""
    features = select_features(list(df.columns), target, features, source, offset)
    X = feature_matrix(df, features, source)
    if numeric_target:
        y: NDArray[Any] = numeric_column(df, target, source)
    else:
        y = label_column(df, target, source)
    return X, y, list(features)


def read_features(
    path: str | os.PathLike[str],
    features: Sequence[str],
    *,
    max_columns: int | None = MAX_COLUMNS,
) -> tuple[NDArray[np.floating], pd.DataFrame]:
    """Read the named feature columns of a CSV/Parquet file: ``(X, the whole table)``.

    ``max_columns``: see :func:`read_table`.
    """
    df = read_table(path, max_columns=max_columns)
    source = f"DATA {str(path)!r}"
    require_columns(list(df.columns), features, source, "the model's features")
    return feature_matrix(df, features, source), df


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], argument: str = "--out") -> None:
    """Write ``df`` atomically as CSV or Parquet, chosen by the extension of ``path``.

    Nothing is left at ``path`` if writing fails; an existing file stays intact. A
    failure is a :class:`~sigmoid_neuron.io.atomic.WriteError` naming ``argument``,
    the path and the cause: ``--out 'p.csv' cannot be written: no space left on
    device; ...``.
    """
    fmt = table_format(path, argument)
    try:
        if fmt == "csv":
            with atomic_write(path, "w") as handle:
                df.to_csv(handle, index=False, lineterminator="\n")
        else:
            with atomic_write(path, "wb") as handle:
                df.to_parquet(handle, index=False)
    except WriteError as exc:
        raise exc.for_option(argument) from None
