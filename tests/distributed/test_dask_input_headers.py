"""``train --dask`` file sets and their headers (issue 19): repeated names, unnamed
columns and the column limit are refused naming the file and the column, from the
client's header check or from the worker that reads a later file."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from sigmoid_neuron.cli.dask_input import (  # noqa: E402
    check_table_files,
    load_dask_training_data,
)


def _args(data: Path, max_columns: int | None = 100_000) -> argparse.Namespace:
    return argparse.Namespace(data=str(data), model="linear", max_columns=max_columns)


def _parts(directory: Path, columns: list[list[str]]) -> Path:
    directory.mkdir()
    rng = np.random.default_rng(0)
    for i, names in enumerate(columns):
        frame = pd.DataFrame(rng.normal(size=(10, len(names))), columns=names)
        frame.to_csv(directory / f"part-{i}.csv", index=False)
    return directory


def test_the_first_files_header_is_checked_before_any_task(tmp_path: Path) -> None:
    """No client at all: the refusals come before anything is sent to a cluster."""
    data = _parts(tmp_path / "dup", [["a", "a", "y"], ["a", "b", "y"]])
    with pytest.raises(ValueError, match=r"part-0\.csv': column 'a' appears 2 times"):
        load_dask_training_data(_args(data), "y", None)
    data = _parts(tmp_path / "wide", [["a", "b", "c", "y"]])
    with pytest.raises(ValueError, match=r"has 4 columns, more than the limit of 3"):
        load_dask_training_data(_args(data, 3), "y", None)
    data = _parts(tmp_path / "unnamed", [["", "b", "y"]])
    with pytest.raises(ValueError, match=r"column 1 has no name in the header"):
        load_dask_training_data(_args(data), "y", None)


def test_check_table_files_reads_every_header(tmp_path: Path) -> None:
    data = _parts(tmp_path / "later", [["a", "b", "y"], ["a", "b", "y"], ["a", "y", "y"]])
    with pytest.raises(ValueError, match=r"part-2\.csv': column 'y' appears 2 times"):
        check_table_files(data)
    (data / "part-2.csv").write_text("a,b,y\n")
    with pytest.raises(ValueError, match=r"part-2\.csv' has no data rows"):
        check_table_files(data)
    (data / "part-2.csv").write_text("a,b,y\n1,2,3\n")
    check_table_files(data)  # all good now


def test_a_later_file_is_refused_by_the_worker_that_reads_it(client, tmp_path: Path) -> None:
    data = _parts(tmp_path / "later", [["a", "b", "y"], ["a", "a", "y"]])
    with pytest.raises(ValueError, match=r"part-1\.csv': column 'a' appears 2 times"):
        load_dask_training_data(_args(data), "y", None)
