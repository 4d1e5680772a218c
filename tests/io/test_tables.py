"""CSV/Parquet readers: exact round trips of real data, and row/column-precise errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from sigmoid_neuron.io.tables import (
    label_column,
    read_features,
    read_table,
    read_xy,
    table_format,
    write_table,
)


@pytest.fixture(scope="module")
def cancer() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_read_xy_round_trips_real_data_exactly(
    tmp_path: Path, cancer: pd.DataFrame, ext: str
) -> None:
    path = tmp_path / f"cancer{ext}"
    if ext == ".csv":
        cancer.to_csv(path, index=False)
    else:
        cancer.to_parquet(path, index=False)
    X, y, names = read_xy(path, "target")
    expected = cancer.drop(columns="target")
    assert names == list(expected.columns)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, expected.to_numpy(dtype=np.float64))
    np.testing.assert_array_equal(y, cancer["target"].to_numpy(dtype=np.float64))


def test_read_xy_picks_named_features_in_order(tmp_path: Path, cancer: pd.DataFrame) -> None:
    path = tmp_path / "cancer.csv"
    cancer.to_csv(path, index=False)
    X, _, names = read_xy(path, "target", ["worst area", "mean radius"])
    assert names == ["worst area", "mean radius"]
    np.testing.assert_array_equal(X, cancer[["worst area", "mean radius"]].to_numpy())


def test_parquet_float32_stays_float32(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": np.float32([1.5, 2.25]), "b": np.float32([3, 4]), "t": [0.0, 1.0]})
    path = tmp_path / "f32.parquet"
    df.to_parquet(path)
    X, _, _ = read_xy(path, "t")
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, df[["a", "b"]].to_numpy())


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.csv.*does not exist"):
        read_table(tmp_path / "nope.csv")


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx.*\.csv, \.parquet"):
        table_format(tmp_path / "data.xlsx")


def test_missing_target_column_is_named(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"--target.*'label'.*columns are 'a', 'b'"):
        read_xy(path, "label")


def test_missing_feature_column_is_named(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "a,b,t\n1,2,0\n")
    with pytest.raises(ValueError, match=r"--features.*'zz'"):
        read_xy(path, "t", ["a", "zz"])


@pytest.mark.parametrize(
    ("text", "column", "row", "what"),
    [
        ("a,b,t\n1,2,0\n3,4,1\n5,abc,0\n", "b", 3, "'abc' is not a number"),
        ("a,b,t\n1,2,0\n,4,1\n5,6,0\n", "a", 2, "empty"),
        ("a,b,t\n1,2,0\n3,4,1\n5,6,\n", "t", 3, "empty"),
        ("a,b,t\n1,inf,0\n", "b", 1, "not a finite number"),
        ("a,b,t\n1,2,0\n3,4,yes\n", "t", 2, "'yes' is not a number"),
    ],
)
def test_bad_cells_name_row_and_column(
    tmp_path: Path, text: str, column: str, row: int, what: str
) -> None:
    path = _write_csv(tmp_path / "d.csv", text)
    with pytest.raises(ValueError) as info:
        read_xy(path, "t")
    message = str(info.value)
    assert f"column {column!r}, row {row}:" in message
    assert what in message
    assert "d.csv" in message
    assert "\n" not in message


def test_bad_cell_in_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "t": [0, 1, 0, 1]})
    path = tmp_path / "d.parquet"
    df.to_parquet(path)
    with pytest.raises(ValueError, match=r"column 'a', row 3: the cell is empty"):
        read_xy(path, "t")


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no data rows"):
        read_table(_write_csv(tmp_path / "h.csv", "a,b\n"))
    with pytest.raises(ValueError, match="is empty"):
        read_table(_write_csv(tmp_path / "e.csv", ""))


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(ValueError, match=r"bad\.parquet.*not a readable Parquet file"):
        read_table(path)


def test_target_only_table(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "t\n1\n")
    with pytest.raises(ValueError, match="only the target column"):
        read_xy(path, "t")


def test_target_listed_as_feature(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "a,t\n1,0\n")
    with pytest.raises(ValueError, match="includes the target"):
        read_xy(path, "t", ["a", "t"])


def test_string_labels_allowed_when_asked(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "a,t\n1,yes\n2,no\n")
    _, y, _ = read_xy(path, "t", numeric_target=False)
    assert list(y) == ["yes", "no"]
    df = pd.DataFrame({"t": ["x", None]})
    with pytest.raises(ValueError, match=r"column 't', row 2: the cell is empty"):
        label_column(df, "t")


def test_read_features_ignores_other_bad_columns(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", "a,note\n1,hello\n2,\n")
    X, df = read_features(path, ["a"])
    np.testing.assert_array_equal(X, [[1.0], [2.0]])
    assert len(df) == 2


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_write_table_round_trip(tmp_path: Path, cancer: pd.DataFrame, ext: str) -> None:
    path = tmp_path / f"out{ext}"
    write_table(cancer, path)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, cancer, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left


def test_failed_write_keeps_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    path.write_bytes(b"previous")
    bad = pd.DataFrame({"mixed": [1, "a", 2.5]}, dtype=object)  # Arrow cannot type this
    with pytest.raises(Exception):  # noqa: B017 - whatever pyarrow raises
        write_table(bad, path)
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def test_unwritable_directory(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"--out .*missing.*cannot be written"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "out.csv")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(OSError, match="cannot be written: permission denied"):
                write_table(pd.DataFrame({"a": [1]}), locked / "out.csv")
        finally:
            locked.chmod(0o700)
