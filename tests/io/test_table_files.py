"""Table file sets: which files a directory or glob means (the oracle: the files this
test wrote and the ones it hid), their one format, and every header checked unread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron.io.table_files import check_table_files, table_files, table_schema


def _frame(n: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    return pd.DataFrame({"a": rng.normal(size=n), "y": rng.normal(size=n)})


def _tree(root: Path) -> list[Path]:
    """Two parts at the top, one in a subdirectory; bookkeeping files that must be skipped."""
    (root / "sub").mkdir(parents=True)
    (root / "_temporary").mkdir()
    (root / ".hidden").mkdir()
    wanted = [root / "part-1.parquet", root / "part-0.parquet", root / "sub" / "part-2.PQ"]
    for path in wanted:
        _frame().to_parquet(path, index=False)
    _frame().to_parquet(root / "_temporary" / "part-9.parquet", index=False)
    _frame().to_parquet(root / ".hidden" / "part-8.parquet", index=False)
    _frame().to_parquet(root / ".part-7.parquet", index=False)
    (root / "_SUCCESS").write_text("")
    (root / "notes.txt").write_text("not a table")
    return sorted(wanted)


def test_a_directory_means_its_table_files_recursively_without_bookkeeping(
    tmp_path: Path,
) -> None:
    wanted = _tree(tmp_path / "data")
    assert table_files(tmp_path / "data") == (wanted, "parquet")
    assert table_files(str(tmp_path / "data" / "part-*.parquet")) == (wanted[:2], "parquet")
    assert table_files(str(tmp_path / "data" / "**" / "*.PQ")) == ([wanted[2]], "parquet")
    assert table_files(wanted[1]) == ([wanted[1]], "parquet")


def test_nothing_to_read_is_refused_naming_the_argument(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"DATA '.*nowhere' does not exist"):
        table_files(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"\(a glob\) matches no files"):
        table_files(str(tmp_path / "*.feather"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"holds no \.csv, \.parquet or \.pq files"):
        table_files(tmp_path / "empty", "--data")
    _frame().to_csv(tmp_path / "empty" / "a.csv", index=False)
    _frame().to_parquet(tmp_path / "empty" / "b.parquet", index=False)
    with pytest.raises(ValueError, match="mixes CSV and Parquet files"):
        table_files(tmp_path / "empty")


def test_every_header_is_checked_without_reading_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        _frame().to_csv(data / f"part-{i}.csv", index=False)
    (data / "part-3.csv").write_text("a,y,a\n1,2,3\n")

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a table was read although its header decides")

    monkeypatch.setattr(pd, "read_csv", forbidden)
    with pytest.raises(ValueError, match=r"part-3\.csv': column 'a' appears 2 times"):
        check_table_files(data)
    (data / "part-3.csv").write_text("a,y\n")
    with pytest.raises(ValueError, match=r"part-3\.csv' has no data rows"):
        check_table_files(data)
    with pytest.raises(ValueError, match="has 2 columns, more than the limit of 1"):
        check_table_files(data, max_columns=1)
    (data / "part-3.csv").write_text("a,y\n1,2\n")
    check_table_files(data)


def test_the_schema_gives_names_and_parquet_dtypes(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "f32": np.float32([1.5]),
            "i64": np.int64([3]),
            "text": ["x"],
            "f64": [0.25],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    names, dtypes = table_schema(tmp_path / "t.parquet", "parquet")
    assert names == ["f32", "i64", "text", "f64"]
    assert dtypes[0] == np.float32 and dtypes[1] == np.int64 and dtypes[3] == np.float64
    assert dtypes[2] is None or dtypes[2] == np.dtype(object)
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert table_schema(tmp_path / "t.csv", "csv") == (names, [None] * 4)
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match=r"bad\.parquet' is not a readable Parquet file"):
        table_schema(tmp_path / "bad.parquet", "parquet")
