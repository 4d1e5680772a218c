"""CSV and Parquet tables: read by extension, with errors that name the row and the column.

Rows are counted as a spreadsheet user counts data rows: the first row under the header
is row 1. Every user mistake is a ``ValueError`` (or ``FileNotFoundError``) whose message
names the file, the column and the row, and says what to do.

``pandas`` (and ``pyarrow`` for Parquet) are imported inside the functions, so importing
this module is cheap.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.atomic import atomic_write

if TYPE_CHECKING:
    import pandas as pd

#: File extension -> table format.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_format(path: str | os.PathLike[str], argument: str = "DATA") -> str:
    """The format of ``path`` by its extension: ``"csv"`` or ``"parquet"``.

    Raises ``ValueError`` naming ``argument`` for any other extension.
    """
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ValueError(
            f"{argument} {str(path)!r}: unknown table format {suffix or '(no extension)'!r}; "
            f"use a file ending in .csv, .parquet or .pq"
        ) from None


def read_table(path: str | os.PathLike[str], argument: str = "DATA") -> pd.DataFrame:
    """Read a whole CSV or Parquet file (chosen by extension) into a DataFrame.

    Empty CSV cells and the usual missing markers (``NA``, ``nan``) become NaN; the
    caller decides whether that is an error. Raises ``FileNotFoundError`` for a missing
    file and ``ValueError`` for an unreadable or empty one.
    """
    import pandas as pd

    fmt = table_format(path, argument)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{argument} {str(p)!r} does not exist; check the path")
    if p.is_dir():
        raise ValueError(f"{argument} {str(p)!r} is a directory; pass a .csv or .parquet file")
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
            f"{argument} {str(p)!r} is not a readable {kind} file: {_parser_message(exc)}"
        ) from None
    df.columns = [str(c) for c in df.columns]
    if len(df) == 0:
        raise ValueError(f"{argument} {str(p)!r} has no data rows; it needs at least one")
    return df


def _quote(text: str, limit: int = 40) -> str:
    """``repr(text)`` cut to about ``limit`` characters (a cell may hold megabytes)."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


_C_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parser_message(exc: BaseException) -> str:
    """The first line of a parser error, in rows and cells where pandas says lines."""
    text = str(exc).strip()
    match = _C_ERROR.search(text)
    if match:
        expected, line, saw = (int(g) for g in match.groups())
        return (
            f"row {line - 1} has {saw} cells but the header has {expected} columns; remove "
            "the stray cells or quote cells that contain commas"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 200 else first[:197] + "..."


def _long_row(path: Path) -> str:
    """Which data row of a CSV file has more cells than its header (for the message)."""
    import csv

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


def parse_columns(text: str | None, argument: str = "--features") -> list[str] | None:
    """Split ``"A,B,C"`` into ``["A", "B", "C"]`` (spaces around names dropped); None stays None."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    if not names or any(not name for name in names):
        raise ValueError(
            f"{argument} must be comma-separated column names like A,B,C; got {_quote(text)}"
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{argument} names column(s) {duplicates} twice; list each once")
    return names


def _require_columns(df: pd.DataFrame, names: Sequence[str], source: str, argument: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise ValueError(
            f"{argument}: column(s) {_some(missing, 5)} not in {source}; "
            f"its columns are {_some(list(df.columns), 12)}"
        )


def _some(names: Sequence[Any], limit: int) -> str:
    """``'a', 'b', ... (N in all)``: at most ``limit`` quoted names."""
    shown = ", ".join(_quote(str(n)) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"


def numeric_column(
    df: pd.DataFrame, name: str, source: str = "the table", dtype: Any = np.float64
) -> NDArray[np.floating]:
    """Column ``name`` as a float array; every cell must be a finite number.

    Raises ``ValueError`` naming the column and the 1-based data row of the first empty,
    non-numeric or infinite cell.
    """
    import pandas as pd

    column = df[name]
    if pd.api.types.is_bool_dtype(column):
        column = column.astype(np.int8)
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=dtype, na_value=np.nan)
        bad_text = np.zeros(len(values), dtype=bool)
    else:
        coerced = pd.to_numeric(column, errors="coerce")
        values = coerced.to_numpy(dtype=dtype, na_value=np.nan)
        bad_text = (np.isnan(values) & column.notna().to_numpy()).astype(bool)
    bad = ~np.isfinite(values) | bad_text
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = i + 1
        raw = column.iloc[i]
        if bad_text[i]:
            what = f"{_quote(str(raw))} is not a number"
        elif pd.isna(raw):
            what = "the cell is empty"
        else:
            what = f"{_quote(str(raw))} is not a finite number"
        count = int(bad.sum())
        others = f" ({count - 1} more bad cell(s) in this column)" if count > 1 else ""
        raise ValueError(
            f"{source}: column {_quote(name)}, row {row}: {what}{others}; "
            f"every cell must hold a finite number"
        )
    return values


def label_column(df: pd.DataFrame, name: str, source: str = "the table") -> NDArray[Any]:
    """Column ``name`` as class labels: numbers if every cell is numeric, else strings.

    Raises ``ValueError`` naming the column and the 1-based data row of the first empty cell.
    """
    import pandas as pd

    column = df[name]
    missing = column.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise ValueError(
            f"{source}: column {_quote(name)}, row {row}: the cell is empty; "
            f"every row needs a class label"
        )
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.int64)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy()
    coerced = pd.to_numeric(column, errors="coerce")
    if coerced.notna().all():
        return coerced.to_numpy()
    return column.astype(str).to_numpy(dtype=object)


def _features_dtype(df: pd.DataFrame, features: Sequence[str]) -> Any:
    """float32 when every feature column is float32 (preserve it), else float64."""
    if features and all(df[f].dtype == np.float32 for f in features):
        return np.float32
    return np.float64


def feature_matrix(
    df: pd.DataFrame, features: Sequence[str], source: str = "the table"
) -> NDArray[np.floating]:
    """The ``(n, d)`` matrix of the named columns, each checked with :func:`numeric_column`."""
    _require_columns(df, features, source, "features")
    dtype = _features_dtype(df, features)
    if not features:
        raise ValueError(f"{source}: no feature columns; pass --features A,B,...")
    columns = [numeric_column(df, f, source, dtype) for f in features]
    return np.column_stack(columns).astype(dtype, copy=False)


def read_xy(
    path: str | os.PathLike[str],
    target: str,
    features: Sequence[str] | None = None,
    *,
    numeric_target: bool = True,
) -> tuple[NDArray[np.floating], NDArray[Any], list[str]]:
    """Read ``(X, y, feature_names)`` from a CSV/Parquet file.

    ``X`` holds ``features`` (default: every column except ``target``) as a float
    matrix; ``y`` is the ``target`` column, numeric unless ``numeric_target`` is False
    (class labels may then be strings). Errors name the file, column and data row.
    """
    df = read_table(path)
    source = f"DATA {str(path)!r}"
    _require_columns(df, [target], source, "--target")
    if features is None:
        features = [c for c in df.columns if c != target]
        if not features:
            raise ValueError(
                f"{source} has only the target column {_quote(target)}; it needs feature "
                "columns too"
            )
    else:
        features = list(features)
        _require_columns(df, features, source, "--features")
        if target in features:
            raise ValueError(
                f"--features includes the target column {target!r}; leave it out of --features"
            )
    X = feature_matrix(df, features, source)
    if numeric_target:
        y: NDArray[Any] = numeric_column(df, target, source)
    else:
        y = label_column(df, target, source)
    return X, y, list(features)


def read_features(
    path: str | os.PathLike[str], features: Sequence[str]
) -> tuple[NDArray[np.floating], pd.DataFrame]:
    """Read the named feature columns of a CSV/Parquet file: ``(X, the whole table)``."""
    df = read_table(path)
    source = f"DATA {str(path)!r}"
    _require_columns(df, features, source, "the model's features")
    return feature_matrix(df, features, source), df


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], argument: str = "--out") -> None:
    """Write ``df`` atomically as CSV or Parquet, chosen by the extension of ``path``.

    Nothing is left at ``path`` if writing fails; an existing file stays intact.
    """
    fmt = table_format(path, argument)
    try:
        if fmt == "csv":
            with atomic_write(path, "w") as handle:
                df.to_csv(handle, index=False, lineterminator="\n")
        else:
            with atomic_write(path, "wb") as handle:
                df.to_parquet(handle, index=False)
    except OSError as exc:
        raise OSError(
            f"{argument} {str(path)!r} cannot be written: {describe_os_error(exc)}"
        ) from None


def describe_os_error(exc: OSError) -> str:
    """A short reason for an ``OSError`` without temporary file names in it."""
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc)
