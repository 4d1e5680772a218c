"""Table columns: which columns a model uses, and each column as checked numbers.

Rows are counted as a spreadsheet user counts data rows: the first row under the header
is row 1. Every mistake is a ``ValueError`` naming the column and the row and saying
what to do. :func:`select_features` is the one rule for choosing the feature columns
from a header (``--features``, or every named column but the target), for one file and
for a Dask file set alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.table_header import check_column_names, quote_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "feature_matrix",
    "label_column",
    "numeric_column",
    "parse_columns",
    "require_columns",
    "select_features",
    "unnamed_columns",
]


def parse_columns(text: str | None, argument: str = "--features") -> list[str] | None:
    """Split ``"A,B,C"`` into ``["A", "B", "C"]`` (spaces around names dropped); None stays None."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    if not names or any(not name for name in names):
        raise ValueError(
            f"{argument} must be comma-separated column names like A,B,C; got {quote_name(text)}"
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{argument} names column(s) {duplicates} twice; list each once")
    return names


def require_columns(
    columns: Sequence[Any], names: Sequence[str], source: str, argument: str
) -> None:
    """Refuse (``ValueError`` naming ``argument`` and ``source``) a repeated column name
    among ``columns``, or any of ``names`` missing from them."""
    check_column_names(list(columns), source)
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(
            f"{argument}: column(s) {some_names(missing, 5)} not in {source}; "
            f"its columns are {some_names(list(columns), 12)}"
        )


def some_names(names: Sequence[Any], limit: int) -> str:
    """``'a', 'b', ... (N in all)``: at most ``limit`` quoted names."""
    shown = ", ".join(quote_name(str(n)) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"


def unnamed_columns(columns: Sequence[Any]) -> list[int]:
    """The 1-based positions of the columns without a name (blank header cells)."""
    return [i for i, c in enumerate(columns, start=1) if str(c).strip() == ""]


def select_features(
    columns: Sequence[str],
    target: str,
    features: Sequence[str] | None,
    source: str,
    offset: str | None = None,
) -> list[str]:
    """The feature columns of a table with header ``columns``: ``features`` (each present,
    the target not among them), or by default every column but ``target`` (and the
    ``offset`` column, a known term of the model, never a feature).

    ``ValueError`` naming ``source`` for a missing target, offset or feature column, a
    repeated name, a default feature without a name (a file pandas saved with its index),
    a table holding the target alone, or an offset column among ``features``.
    """
    require_columns(columns, [target], source, "--target")
    if offset is not None:
        if offset not in columns:
            raise ValueError(f"--offset-column {offset!r} is not a column of {source}")
        if features is not None and offset in features:
            raise ValueError(
                f"--offset-column {offset!r} is also in --features; an offset is a known "
                "term, not a feature: leave it out of --features"
            )
    if features is None:
        unnamed = unnamed_columns(columns)
        if unnamed:
            raise ValueError(
                f"{source}: column {unnamed[0]} has no name in the header; name every column, "
                "or choose the feature columns with --features (a file pandas saved with its "
                "index has an unnamed first column: save it with index=False)"
            )
        chosen = [c for c in columns if c not in (target, offset)]
        if not chosen:
            raise ValueError(
                f"{source} has only the target column {quote_name(target)}; it needs feature "
                "columns too"
            )
        return chosen
    chosen = list(features)
    require_columns(columns, chosen, source, "--features")
    if target in chosen:
        raise ValueError(
            f"--features includes the target column {target!r}; leave it out of --features"
        )
    return chosen


def _column(df: pd.DataFrame, name: str, source: str) -> pd.Series:
    """``df[name]`` as one Series; ``ValueError`` if the name is repeated (or missing)."""
    if not df.columns.is_unique:
        check_column_names(list(df.columns), source)
    if name not in df.columns:
        raise ValueError(
            f"{source} has no column {quote_name(name)}; its columns are "
            f"{some_names(list(df.columns), 12)}"
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
            what = f"{quote_name(str(raw))} is not a number"
        elif pd.isna(raw):
            what = "the cell is empty"
        else:
            what = f"{quote_name(str(raw))} is not a finite number"
        count = int(bad.sum())
        others = f" ({count - 1} more bad cell(s) in this column)" if count > 1 else ""
        raise ValueError(
            f"{source}: column {quote_name(name)}, row {row}: {what}{others}; "
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
            f"{source}: column {quote_name(name)}, row {row}: the cell is empty; "
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
    require_columns(list(df.columns), features, source, "features")
    if len(set(features)) != len(features):
        parse_columns(",".join(features), "features")  # names the repeated one
    dtype = _features_dtype(df, features)
    if not features:
        raise ValueError(f"{source}: no feature columns; pass --features A,B,...")
    columns = [numeric_column(df, f, source, dtype) for f in features]
    return np.column_stack(columns).astype(dtype, copy=False)
