"""A file set as Dask arrays, one block per file (oracle: pandas reading the same files
and concatenating them); the feature rule and the errors are those of one file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")

from sigmoid_neuron.io.dask_tables import read_xy_blocks
from sigmoid_neuron.io.tables import read_xy

SIZES = (7, 3, 5)


def _parts(directory: Path, fmt: str, dtype: type = np.float64) -> list[pd.DataFrame]:
    directory.mkdir()
    frames = []
    rng = np.random.default_rng(3)
    for i, n in enumerate(SIZES):
        frame = pd.DataFrame(rng.normal(size=(n, 3)).astype(dtype), columns=["b", "a", "c"])
        frame["kind"] = np.where(frame["a"] > 0, "spam", "ham")
        frame["score"] = rng.normal(size=n)
        if fmt == "csv":
            frame.to_csv(directory / f"part-{i}.csv", index=False)
        else:
            frame.to_parquet(directory / f"part-{i}.parquet", index=False)
        frames.append(frame)
    return frames


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_blocks_are_the_files_in_order(tmp_path: Path, fmt: str) -> None:
    frames = _parts(tmp_path / "data", fmt)
    X, y, names = read_xy_blocks(tmp_path / "data", "score", ["a", "c"])
    assert names == ["a", "c"] and X.chunks[0] == SIZES and y.chunks[0] == SIZES
    whole = pd.concat(frames, ignore_index=True)
    np.testing.assert_array_equal(X.compute(), whole[["a", "c"]].to_numpy())
    np.testing.assert_array_equal(y.compute(), whole["score"].to_numpy())


def test_default_features_labels_and_float32(tmp_path: Path) -> None:
    frames = _parts(tmp_path / "data", "parquet", np.float32)
    X, y, names = read_xy_blocks(tmp_path / "data", "kind", None, numeric_target=False)
    whole = pd.concat(frames, ignore_index=True)
    assert names == ["b", "a", "c", "score"]  # every column but the target, in file order
    assert X.dtype == np.float64  # 'score' is float64: not every feature is float32
    assert y.dtype == object and y.compute().tolist() == whole["kind"].tolist()
    X32, _, _ = read_xy_blocks(tmp_path / "data", "kind", ["a", "b"], numeric_target=False)
    assert X32.dtype == np.float32
    np.testing.assert_array_equal(X32.compute(), whole[["a", "b"]].to_numpy())


def test_the_column_rules_and_errors_are_those_of_one_file(tmp_path: Path) -> None:
    _parts(tmp_path / "data", "csv")
    one_file = tmp_path / "data" / "part-0.csv"
    for target, features in (("nope", None), ("score", ["a", "zz"]), ("score", ["a", "score"])):
        with pytest.raises(ValueError) as in_memory:
            read_xy(one_file, target, features)
        with pytest.raises(ValueError) as blocks:
            read_xy_blocks(tmp_path / "data", target, features)
        assert str(blocks.value) == str(in_memory.value)


def test_a_bad_cell_in_a_later_file_names_that_file(tmp_path: Path) -> None:
    _parts(tmp_path / "data", "csv")
    bad = tmp_path / "data" / "part-2.csv"
    bad.write_text(bad.read_text().replace("\n", "\nx,1,2,ham,0\n", 1))
    with pytest.raises(ValueError, match=r"part-2\.csv'.*column 'b', row 1: 'x' is not a number"):
        read_xy_blocks(tmp_path / "data", "score", ["b", "a"])
