"""CSV and Parquet tables: read by extension, with errors that name the row and the column.

Rows are counted as a spreadsheet user counts data rows: the first row under the header
is row 1. Every user mistake is a ``ValueError`` (or ``FileNotFoundError``) whose message
names the file, the column and the row, and says what to do.

Before a table is parsed, :func:`read_header` checks its header and the start of its
rows cheaply (a CSV header is read by the ``csv`` module with a bounded budget of
characters, a Parquet file's footer alone is read): an empty file, a file without data
rows, more than ``max_columns`` columns (:data:`MAX_COLUMNS` unless told otherwise) and
repeated column names are refused in time and memory proportional to the header alone,
never after pandas has built the whole table. Column names are the ones in the file:
pandas' invented names (``x.1`` for a second ``x``, ``Unnamed: 2`` for an empty header
cell) never reach a model.

``pandas`` (and ``pyarrow`` for Parquet) are imported inside the functions, so importing
this module is cheap.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.atomic import WriteError, atomic_write, describe_os_error

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "MAX_COLUMNS",
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
    "table_format",
    "write_table",
]

#: File extension -> table format.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Most columns a table may have unless ``max_columns`` (``--max-columns``) says
#: otherwise. pandas needs seconds per 100 000 columns of a CSV header, so a wider file
#: is refused from its header alone.
MAX_COLUMNS = 100_000

#: A CSV header is read with a budget of ``max(MIN_HEADER_CHARS, max_columns *
#: HEADER_CHARS_PER_COLUMN)`` characters; a longer header is refused unread.
HEADER_CHARS_PER_COLUMN = 256
MIN_HEADER_CHARS = 1 << 20


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


def _existing_file(path: str | os.PathLike[str], argument: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{argument} {str(p)!r} does not exist; check the path")
    if p.is_dir():
        raise ValueError(f"{argument} {str(p)!r} is a directory; pass a .csv or .parquet file")
    return p


def _check_max_columns(max_columns: int | None) -> None:
    if max_columns is not None and (
        isinstance(max_columns, bool) or not isinstance(max_columns, int) or max_columns < 1
    ):
        raise ValueError(
            f"max_columns must be an integer >= 1 or None (no limit), got {max_columns!r}"
        )


def read_header(
    path: str | os.PathLike[str], argument: str = "DATA", *, max_columns: int | None = MAX_COLUMNS
) -> list[str]:
    """The column names of a CSV or Parquet file, checked without reading its rows.

    CSV: the header is the first line that is not blank (pandas skips blank lines),
    read with a budget of ``max(MIN_HEADER_CHARS, max_columns *
    HEADER_CHARS_PER_COLUMN)`` characters; its columns are counted before any name is
    split off (a header without quotes ends at its line break; one with quotes is
    parsed by the ``csv`` module), then the next lines are read only until one is not
    blank. Parquet: only the footer (schema and row count) is read; a stored pandas
    index is not a column. The names are returned as written (``""`` for an empty CSV
    header cell).

    Raises ``ValueError`` naming ``argument`` and the file when it is empty, has no data
    rows, has more than ``max_columns`` columns (None: no limit), repeats a column name,
    or cannot be read; ``FileNotFoundError`` when it does not exist. The cost is that of
    the header alone: a 1 000 000-column header without rows is refused in a fraction
    of a second.
    """
    _check_max_columns(max_columns)
    fmt = table_format(path, argument)
    p = _existing_file(path, argument)
    source = f"{argument} {str(p)!r}"
    if fmt == "csv":
        header = _csv_header(p, source, max_columns)
        if not header.has_rows and not header.open_quote:
            raise ValueError(f"{source} has no data rows; it needs at least one")
        count = header.count
    else:
        names, n_rows = _parquet_header(p, source)
        if n_rows == 0:
            raise ValueError(f"{source} has no data rows; it needs at least one")
        count = len(names)
    if max_columns is not None and count > max_columns:
        raise ValueError(
            f"{source} has {count} columns, more than the limit of {max_columns}; "
            f"keep only the columns you need, or raise the limit (--max-columns "
            f"{count}, max_columns= in Python) to read it"
        )
    if fmt == "csv":
        names = header.names()
    check_column_names(names, source)
    return names


class _HeaderTooLong(Exception):
    """The CSV header did not end within its budget of characters."""


def _bounded_lines(handle: IO[str], budget: int) -> Iterator[str]:
    """The lines of ``handle``, raising :class:`_HeaderTooLong` past ``budget`` characters
    (each ``readline`` is bounded too, so one endless line costs ``budget`` at most)."""
    used = 0
    while True:
        line = handle.readline(budget - used + 1)
        if not line:
            return
        used += len(line)
        if used > budget:
            raise _HeaderTooLong
        yield line


def _has_data_line(handle: IO[str]) -> bool:
    """Whether a line after the header holds more than white space (pandas skips the
    others); long lines are read in pieces, so this costs little for any line."""
    while True:
        line = handle.readline(1 << 16)
        if not line:
            return False
        if line.strip():
            return True


class _CsvHeader:
    """A CSV header as read by :func:`_csv_header`: its column count, whether data rows
    follow, whether a quote is left open, and its names (split only when asked)."""

    def __init__(self, line: str, row: list[str] | None, has_rows: bool) -> None:
        self._line = line  # the header line, when it holds no quote
        self._row = row  # the parsed header, when it does
        self.has_rows = has_rows
        # a line break inside a name: an unterminated quote, which pandas reports
        self.open_quote = row is not None and any("\n" in n or "\r" in n for n in row)
        self.count = len(row) if row is not None else line.count(",") + 1

    def names(self) -> list[str]:
        if self._row is not None:
            return self._row
        return next(csv.reader([self._line.rstrip("\r\n")], skipinitialspace=True))


def _csv_header(p: Path, source: str, max_columns: int | None) -> _CsvHeader:
    """The header of a CSV file, and whether data rows follow, from its first lines."""
    budget = max(MIN_HEADER_CHARS, (max_columns or 0) * HEADER_CHARS_PER_COLUMN)
    if max_columns is None:
        budget = 1 << 62
    try:
        with p.open("r", encoding="utf-8-sig", newline="") as handle:
            lines = _bounded_lines(handle, budget)
            line = next((text for text in lines if text.strip()), "")
            if not line:
                raise ValueError(f"{source} is empty; it needs a header and rows")
            row = None
            if '"' in line:  # quoted names may hold commas and line breaks
                row = next(csv.reader(itertools.chain([line], lines), skipinitialspace=True))
            return _CsvHeader(line if row is None else "", row, _has_data_line(handle))
    except _HeaderTooLong:
        raise ValueError(
            f"{source}: the header is longer than {budget} characters without ending; it is "
            "not a table header (or raise the column limit with --max-columns, max_columns= "
            "in Python)"
        ) from None
    except csv.Error as exc:
        raise ValueError(
            f"{source} is not a readable CSV file: the header cannot be parsed ({exc})"
        ) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{source} is not a readable CSV file: {_parser_message(exc)}") from None


def _parquet_header(p: Path, source: str) -> tuple[list[str], int]:
    """``(names, number of rows)`` of a Parquet file from its footer alone."""
    try:
        import pyarrow.parquet as pq

        metadata = pq.read_metadata(p)
        schema = metadata.schema.to_arrow_schema()
        n_rows = int(metadata.num_rows)
    except ImportError as exc:
        raise ValueError(
            f"{source}: reading Parquet needs pyarrow; "
            f"install it with `pip install sigmoid-neuron[parquet]` ({exc})"
        ) from None
    except (ValueError, OSError, ArithmeticError, LookupError, NotImplementedError) as exc:
        raise ValueError(
            f"{source} is not a readable Parquet file: {_parser_message(exc)}"
        ) from None
    # a stored pandas index is not a column (pandas reads it back as the index)
    try:
        index = (schema.pandas_metadata or {}).get("index_columns", [])
    except (ValueError, TypeError):  # a pandas entry that is not JSON
        index = []
    stored = {i for i in index if isinstance(i, str)}
    return [str(name) for name in schema.names if name not in stored], n_rows


def check_column_names(names: Sequence[Any], source: str = "the table") -> None:
    """Refuse a repeated column name (compared as text): ``ValueError`` naming the
    column and its positions (1-based), e.g. ``column 'x' appears 2 times (columns 1
    and 2)``. Empty names are not compared (see :func:`read_xy`)."""
    text = [str(n) for n in names]
    if len(set(text)) == len(text):
        return
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(text, start=1):
        if name:
            positions.setdefault(name, []).append(i)
    repeated = [(name, where) for name, where in positions.items() if len(where) > 1]
    if not repeated:
        return
    name, where = repeated[0]
    shown = ", ".join(map(str, where[:-1][:5])) + f" and {where[-1]}"
    others = (
        f"; {len(repeated) - 1} more name(s) repeat, e.g. {_quote(repeated[1][0])}"
        if len(repeated) > 1
        else ""
    )
    raise ValueError(
        f"{source}: column {_quote(name)} appears {len(where)} times (columns {shown}){others}; "
        "give every column a distinct name"
    )


def _unnamed_columns(columns: Sequence[Any]) -> list[int]:
    return [i for i, c in enumerate(columns, start=1) if str(c).strip() == ""]


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
    p = _existing_file(path, argument)
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
            f"{argument} {str(p)!r} is not a readable {kind} file: {_parser_message(exc)}"
        ) from None
    if fmt == "csv" and len(header) == len(df.columns):
        df.columns = header  # the names as written: no 'x.1', no 'Unnamed: 2'
    else:
        df.columns = [str(c) for c in df.columns]
    check_column_names(list(df.columns), f"{argument} {str(p)!r}")
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
    check_column_names(list(df.columns), source)
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


def _column(df: pd.DataFrame, name: str, source: str) -> pd.Series:
    """``df[name]`` as one Series; ``ValueError`` if the name is repeated (or missing)."""
    if not df.columns.is_unique:
        check_column_names(list(df.columns), source)
    if name not in df.columns:
        raise ValueError(
            f"{source} has no column {_quote(name)}; its columns are {_some(list(df.columns), 12)}"
        )
    return df[name]


def numeric_column(
    df: pd.DataFrame, name: str, source: str = "the table", dtype: Any = np.float64
) -> NDArray[np.floating]:
    """Column ``name`` as a float array; every cell must be a finite number.

    Raises ``ValueError`` naming the column and the 1-based data row of the first empty,
    non-numeric or infinite cell.
    """
    import pandas as pd

    column = _column(df, name, source)
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

    column = _column(df, name, source)
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
    if len(set(features)) != len(features):
        parse_columns(",".join(features), "features")  # names the repeated one
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
    source = f"DATA {str(path)!r}"
    _require_columns(df, [target], source, "--target")
    if features is None:
        unnamed = _unnamed_columns(list(df.columns))
        if unnamed:
            raise ValueError(
                f"{source}: column {unnamed[0]} has no name in the header; name every column, "
                "or choose the feature columns with --features (a file pandas saved with its "
                "index has an unnamed first column: save it with index=False)"
            )
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
    _require_columns(df, features, source, "the model's features")
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
