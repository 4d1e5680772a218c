"""Table headers checked before the table is read (issue 19): repeated and unnamed
columns, the column limit, files without rows, endless headers.

Oracles: the names written by Python's ``csv`` writer and pyarrow; pandas' own reading
of the same files (for the names it does not invent); the positions of a repeated name
counted independently; pandas' reader replaced by one that fails, which shows a refusal
came from the header alone.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmoid_neuron.io import tables
from sigmoid_neuron.io.tables import (
    MAX_COLUMNS,
    check_column_names,
    feature_matrix,
    label_column,
    numeric_column,
    read_features,
    read_header,
    read_table,
    read_xy,
)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_pandas_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas' readers fail if called: a refusal under this fixture used the header only."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the table was read although the header decides")

    monkeypatch.setattr(pd, "read_csv", forbidden)
    monkeypatch.setattr(pd, "read_parquet", forbidden)


# --------------------------------------------------------------------- repeated names


@pytest.mark.parametrize(
    ("header", "name", "positions"),
    [
        ("x,x,y", "x", [1, 2]),
        ("y,a,b,a", "a", [2, 4]),
        ("a,b,a,c,a,y", "a", [1, 3, 5]),
        ('"a",a,y', "a", [1, 2]),  # quoting does not make a name distinct
        ("a, a,y", "a", [1, 2]),  # nor does the space pandas skips after a comma
    ],
)
def test_a_repeated_csv_column_is_refused_naming_it(
    tmp_path: Path, header: str, name: str, positions: list[int], no_pandas_reading: None
) -> None:
    width = len(next(csv.reader([header])))
    path = _csv(tmp_path / "d.csv", header + "\n" + ",".join(["1"] * width) + "\n")
    where = " and ".join([", ".join(map(str, positions[:-1])), str(positions[-1])])
    expected = f"column {name!r} appears {len(positions)} times (columns {where})"
    for read in (
        lambda: read_xy(path, "y"),
        lambda: read_table(path),
        lambda: read_features(path, ["y"]),
        lambda: read_header(path),
    ):
        with pytest.raises(ValueError) as info:
            read()
        message = str(info.value)
        assert expected in message and "d.csv" in message and "\n" not in message
        assert ".1" not in message  # no invented name


def test_a_repeated_parquet_column_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    columns = [pa.array([1.0]), pa.array([2.0]), pa.array([0.0])]
    table = pa.Table.from_arrays(columns, ["x", "x", "y"])
    pq.write_table(table, path)
    with pytest.raises(ValueError, match=r"column 'x' appears 2 times \(columns 1 and 2\)"):
        read_xy(path, "y")


def test_names_that_collide_as_text_are_refused() -> None:
    frame = pd.DataFrame([[1.0, 2.0, 0.0]], columns=[1, "1", "y"])
    with pytest.raises(ValueError, match=r"column '1' appears 2 times"):
        check_column_names(list(frame.columns), "the frame")


def test_data_frames_with_repeated_columns_are_refused() -> None:
    frame = pd.DataFrame([[1.0, 2.0, 0.0]], columns=["x", "x", "y"])
    for call in (
        lambda: feature_matrix(frame, ["x"], "DATA 'f'"),
        lambda: feature_matrix(frame, ["y"], "DATA 'f'"),  # even an unused repeat
        lambda: numeric_column(frame, "x", "DATA 'f'"),
        lambda: label_column(frame, "x", "DATA 'f'"),
    ):
        with pytest.raises(ValueError, match=r"DATA 'f': column 'x' appears 2 times"):
            call()
    with pytest.raises(ValueError, match="twice"):
        feature_matrix(pd.DataFrame({"a": [1.0], "y": [0.0]}), ["a", "a"], "DATA 'f'")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    names=st.lists(
        st.text(alphabet=st.sampled_from(list("ab xy,\"'_-.1é")), min_size=1, max_size=6).filter(
            lambda n: n.strip() == n and n != ""
        ),
        min_size=2,
        max_size=6,
        unique=True,
    )
)
def test_distinct_names_come_back_as_written(names: list[str]) -> None:
    """Any distinct names (commas, quotes, dots...), written by ``csv``: read as written,
    as pandas reads them too (the ``csv`` writer is the oracle)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerow(["1"] * len(names))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = _csv(Path(tmp) / "d.csv", buffer.getvalue())
        assert read_header(path) == names
        assert list(read_table(path).columns) == names
        assert list(pd.read_csv(path, skipinitialspace=True).columns) == names


def test_blank_lines_before_the_header_and_a_name_with_a_line_break(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", '\n  \n"first\nname",b,y\n1,2,0\n\n\t\n')
    expected = list(pd.read_csv(path, skipinitialspace=True, index_col=False).columns)
    assert expected == ["first\nname", "b", "y"]
    assert read_header(path) == expected
    X, _, names = read_xy(path, "y")
    assert names == ["first\nname", "b"]
    np.testing.assert_array_equal(X, [[1.0, 2.0]])


# --------------------------------------------------------------------- unnamed columns


def test_an_unnamed_column_is_not_a_feature_named_by_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "y": [0.0, 1.0]})
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)  # index=True: an unnamed first column
    assert pd.read_csv(path).columns[0] == "Unnamed: 0"  # what pandas invents
    with pytest.raises(ValueError, match=r"column 1 has no name in the header.*index=False"):
        read_xy(path, "y")
    X, _, names = read_xy(path, "y", ["a"])  # chosen columns: the unnamed one is unused
    assert names == ["a"]
    np.testing.assert_array_equal(X, [[1.0], [2.0]])
    assert read_header(path) == ["", "a", "y"]
    assert "Unnamed: 0" not in read_table(path).columns


# --------------------------------------------------------------------- the cost of a refusal


def test_a_million_column_header_without_rows_is_refused_from_the_header(
    tmp_path: Path, no_pandas_reading: None
) -> None:
    path = _csv(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(1_000_000)) + "\n\n \n")
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"wide\.csv' has no data rows"):
            read_xy(path, "c0")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the 7.9 MB header line is held once; the million names are never split off
    assert peak < 48 * 2**20, peak


def test_the_column_limit(tmp_path: Path, no_pandas_reading: None) -> None:
    path = _csv(tmp_path / "d.csv", "a,b,c,y\n1,2,3,0\n")
    with pytest.raises(ValueError) as info:
        read_xy(path, "y", max_columns=3)
    message = str(info.value)
    assert "has 4 columns, more than the limit of 3" in message
    assert "--max-columns 4" in message and "max_columns=" in message
    assert MAX_COLUMNS == 100_000
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="max_columns must be an integer >= 1 or None"):
            read_header(path, max_columns=bad)  # type: ignore[arg-type]


def test_the_column_limit_counts_exactly(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", "a,b,c,y\n1,2,3,0\n")
    X, _, _ = read_xy(path, "y", max_columns=4)
    np.testing.assert_array_equal(X, [[1.0, 2.0, 3.0]])
    X, _, _ = read_xy(path, "y", max_columns=None)
    assert X.shape == (1, 3)


def test_a_wide_parquet_file_is_refused_from_its_footer(
    tmp_path: Path, no_pandas_reading: None
) -> None:
    frame = pd.DataFrame(np.zeros((2, 6)), columns=[f"c{i}" for i in range(6)])
    frame.to_parquet(tmp_path / "w.parquet")
    with pytest.raises(ValueError, match="has 6 columns, more than the limit of 5"):
        read_table(tmp_path / "w.parquet", max_columns=5)
    frame.iloc[:0].to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(ValueError, match=r"empty\.parquet' has no data rows"):
        read_table(tmp_path / "empty.parquet")


def test_an_endless_header_line_is_refused_within_its_budget(
    tmp_path: Path, no_pandas_reading: None
) -> None:
    path = tmp_path / "line.csv"
    path.write_text("y," + "x" * (tables.MIN_HEADER_CHARS + 10), encoding="utf-8")
    with pytest.raises(ValueError, match=r"the header is longer than 1048576 characters"):
        read_xy(path, "y", max_columns=10)


def test_a_header_cell_too_large_for_the_csv_module(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", 'y,"' + "x" * 200_000 + '"\n1,2\n')
    with pytest.raises(ValueError, match="not a readable CSV file: the header cannot be parsed"):
        read_xy(path, "y")


def test_no_rows_after_an_unterminated_quote_is_reported_as_such(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", 'y,"a\n1,2\n')
    with pytest.raises(ValueError, match="not a readable CSV file"):
        read_xy(path, "y")


def test_not_utf8_is_refused_with_the_codec_message(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xff\xfe,y\n1,2\n")
    with pytest.raises(ValueError, match=r"not a readable CSV file: 'utf-8' codec can't decode"):
        read_xy(path, "y")
