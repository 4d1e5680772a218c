"""Table headers: a CSV or Parquet file's column names, checked before any row is parsed.

:func:`read_header` checks a table's header and the start of its rows cheaply (a CSV
header is read by the ``csv`` module with a bounded budget of characters, a Parquet
file's footer alone is read): an empty file, a file without data rows, more than
``max_columns`` columns (:data:`MAX_COLUMNS` unless told otherwise) and repeated column
names (:func:`check_column_names`) are refused in time and memory proportional to the
header alone, never after pandas has built the whole table. Column names are the ones in
the file: pandas' invented names (``x.1`` for a second ``x``, ``Unnamed: 2`` for an empty
header cell) never reach a model. The format is chosen by the extension
(:func:`table_format`).

``pyarrow`` (for Parquet) is imported inside the functions, so importing this module is
cheap.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "FORMATS",
    "HEADER_CHARS_PER_COLUMN",
    "MAX_COLUMNS",
    "MIN_HEADER_CHARS",
    "check_column_names",
    "existing_table_file",
    "parser_message",
    "quote_name",
    "read_header",
    "table_format",
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


def existing_table_file(path: str | os.PathLike[str], argument: str) -> Path:
    """``path`` as a ``Path``: ``FileNotFoundError`` if it does not exist, ``ValueError``
    naming ``argument`` if it is a directory."""
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
    p = existing_table_file(path, argument)
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
        raise ValueError(f"{source} is not a readable CSV file: {parser_message(exc)}") from None


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
            f"{source} is not a readable Parquet file: {parser_message(exc)}"
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
        f"; {len(repeated) - 1} more name(s) repeat, e.g. {quote_name(repeated[1][0])}"
        if len(repeated) > 1
        else ""
    )
    raise ValueError(
        f"{source}: column {quote_name(name)} appears {len(where)} times (columns "
        f"{shown}){others}; give every column a distinct name"
    )


def quote_name(text: str, limit: int = 40) -> str:
    """``repr(text)`` cut to about ``limit`` characters (a cell may hold megabytes)."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


_C_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def parser_message(exc: BaseException) -> str:
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
