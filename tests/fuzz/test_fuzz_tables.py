"""Fuzzing the table readers: random CSV text, random bytes, generated grids of good and
bad cells, mutated Parquet files. Only ``ValueError`` may escape; a bad cell is reported
with the column and row an independent oracle finds; accepted data are finite.

Budgets are fixed (``max_examples``) and the runs derandomized, so CI is reproducible.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigmoid_neuron.io.tables import read_table, read_xy

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


pytestmark = pytest.mark.timeout(600, method="signal")


def read(path: Path, target: str, *, numeric: bool = True) -> tuple[Any, Any, list[str]] | None:
    """``read_xy``: a ValueError with a short message naming the file, or finite data."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            X, y, names = read_xy(path, target, numeric_target=numeric)
    except ValueError as exc:
        message = str(exc)
        assert path.name in message or "--target" in message or "--features" in message
        assert len(message) < 1000, message[:3000]
        return None
    assert X.ndim == 2 and X.shape == (len(y), len(names)) and len(y) >= 1
    assert np.all(np.isfinite(X))
    if numeric:
        assert np.all(np.isfinite(y))
    assert target not in names
    return X, y, names


# ------------------------------------------------------------------ arbitrary input


@FUZZ
@given(text=st.text(max_size=400))
def test_arbitrary_text(text: str, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text(text, encoding="utf-8")
    read(path, "y")
    read(path, "y", numeric=False)


@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    read(path, "y")


CSV_PIECES = st.sampled_from(
    [
        ",",
        ",",
        ",",
        "\n",
        "\n",
        "\r\n",
        '"',
        '""',
        " ",
        "y",
        "a",
        "b",
        "1",
        "2.5",
        "-3e2",
        "nan",
        "NA",
        "inf",
        "1e999",
        "abc",
        "#",
        "\t",
        "\x00",
        "é",
        "\ufeff",
        "y,a\n",
        "1,2\n",
    ]
)


@FUZZ
@given(pieces=st.lists(CSV_PIECES, max_size=60))
def test_csv_like_text(pieces: list[str], tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text("y,a,b\n" + "".join(pieces), encoding="utf-8")
    read(path, "y")
    read(path, "y", numeric=False)


# ------------------------------------------------------------------ grids with an oracle

GOOD = ["0", "1", "-2.5", "3e2", " 4", "0.125", "-0"]
BAD_TEXT = ["abc", "1.2.3", "--1", "x1", "true?", "1,5"]  # not numbers
BAD_EMPTY = ["", "NA", "nan", "NaN", "null"]  # missing values
BAD_INF = ["inf", "-inf", "1e999", "-1e999", "Infinity"]  # not finite


def _oracle_bad(cell: str) -> bool:
    """Independent judgement of one cell: good iff Python reads it as a finite float."""
    text = cell.strip()
    if text in ("", "NA", "nan", "NaN", "null"):
        return True
    try:
        value = float(text)
    except ValueError:
        return True
    return not math.isfinite(value)


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    n_features = draw(st.integers(1, 4))
    header = [*(f"f{j}" for j in range(n_features)), "y"]
    n_rows = draw(st.integers(1, 8))
    cell = st.sampled_from(GOOD) | st.sampled_from(GOOD + BAD_TEXT + BAD_EMPTY + BAD_INF)
    rows = [[draw(cell) for _ in header] for _ in range(n_rows)]
    return header, rows


@FUZZ
@given(grid=grids())
def test_bad_cells_are_reported_where_the_oracle_finds_them(
    grid: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = grid
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path = tmp_path / "grid.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    # the oracle: columns are checked in order (features, then the target); within the
    # first column holding a bad cell, the first bad row (1-based, under the header)
    expected = None
    for j, name in enumerate(header):
        bad_rows = [i + 1 for i, row in enumerate(rows) if _oracle_bad(row[j])]
        if bad_rows:
            expected = (name, bad_rows[0])
            break
    try:
        X, y, names = read_xy(path, "y")
    except ValueError as exc:
        assert expected is not None, f"refused good data: {exc}"
        name, row = expected
        assert f"column {name!r}, row {row}:" in str(exc), (expected, str(exc))
        return
    assert expected is None, f"accepted a bad cell at {expected}"
    oracle = np.array([[float(c) for c in row] for row in rows])
    np.testing.assert_array_equal(X, oracle[:, :-1])
    np.testing.assert_array_equal(y, oracle[:, -1])
    assert names == header[:-1]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("y,a\n", "no data rows"),
        ("a,b\n1,2\n", r"--target: column\(s\) 'y' not in"),
        ("y\n1\n", "only the target column"),
        ("y,a\n1,2,3\n", "row 1 has 3 cells but the header has 2 columns"),
        ("y,a\n1,2\n4,5,6\n", "row 2 has 3 cells but the header has 2 columns"),
        ('y,a\n"1,2\n', "not a readable CSV|EOF"),
        ("y,a\n1,abc\n", "column 'a', row 1: 'abc' is not a number"),
        ("y,a\n1,2\n1,\n", "column 'a', row 2: the cell is empty"),
        ("y,a\n1,1e999\n", "column 'a', row 1: .* is not a finite number"),
        # duplicate names: refused (pandas alone would rename the second 'a.1')
        ("y,a,a\n1,2,3\n", r"column 'a' appears 2 times \(columns 2 and 3\)"),
    ],
)
def test_hand_made_broken_tables(text: str, match: str | None, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    if match is None:
        assert read(path, "y") is not None
        return
    with pytest.raises(ValueError, match=match):
        read_xy(path, "y")


@pytest.mark.timeout(60, method="signal")  # bounded time: a hang fails the test
def test_a_huge_field_is_refused_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("y,a\n1," + "9" * 5_000_000 + "\n", encoding="utf-8")
    result = read(path, "y")
    if result is not None:  # 10^5000000 is read as inf by pandas: then it must be refused
        raise AssertionError("a 5-million-digit number was accepted")


# ------------------------------------------------------------------ Parquet


@functools.cache
def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    frame = pd.DataFrame(
        {"a": np.float32([1.5, 2.0, -1.0]), "b": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 1.0]}
    )
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@st.composite
def parquet_mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(parquet_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "flip", "delete", "insert", "truncate"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


@FUZZ
@given(content=parquet_mutations())
def test_mutated_parquet_files(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.parquet"
    path.write_bytes(content)
    read(path, "y")


def test_parquet_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(parquet_bytes()[:40])
    with pytest.raises(ValueError, match=re.escape(str(path))) as info:
        read_table(path)
    assert "not a readable Parquet file" in str(info.value)


@pytest.mark.slow
def test_atheris_tables(tmp_path: Path) -> None:
    from test_fuzz_model_file import run_atheris

    seeds = {"rows.csv": b"1,2,3\n0,2.5,-1e3\n1, 4,NA\n", "bad.csv": b'1,"2,3\n1,x\n'}
    run_atheris("table", seeds, tmp_path)
