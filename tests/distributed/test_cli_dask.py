"""``train --dask`` input: files to Dask arrays, the cluster context, the Dask scaler.

Oracles: pandas reading the same files and concatenating them, scikit-learn's
``StandardScaler`` and the estimators fitted on the pandas data, and the cluster's own
client and task stream.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

distributed = pytest.importorskip("distributed")

from sigmoid_neuron.cli import dask_input  # noqa: E402
from sigmoid_neuron.cli.dask_input import (  # noqa: E402
    add_dask_arguments,
    dask_client,
    dask_standard_scaler,
    load_dask_training_data,
    table_files,
    uses_dask,
)
from sigmoid_neuron.distributed import active_client  # noqa: E402
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression  # noqa: E402
from sigmoid_neuron.io.model_file import load_model, save_model  # noqa: E402

SIZES = (40, 55, 25)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--model", default="neuron")
    add_dask_arguments(parser)
    return parser.parse_args(list(argv))


def _frames(seed: int = 0, dtype: type = np.float64) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frames = []
    for n in SIZES:
        X = rng.normal(size=(n, 3)).astype(dtype)
        frame = pd.DataFrame(X, columns=["a", "b", "c"])
        frame["score"] = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=n)
        frame["kind"] = np.where(X[:, 0] - X[:, 2] + rng.normal(size=n) > 0, "spam", "ham")
        frames.append(frame)
    return frames


def _write(directory: Path, frames: list[pd.DataFrame], fmt: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for j, frame in enumerate(frames):
        path = directory / f"part-{j}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


# ---------------------------------------------------------------------- arguments and files


def test_arguments() -> None:
    assert not uses_dask(_args("data.csv"))
    assert uses_dask(_args("data/", "--dask"))
    args = _args("data/", "--scheduler", "tcp://10.0.0.5:8786")
    assert uses_dask(args) and args.scheduler == "tcp://10.0.0.5:8786"
    with dask_client(_args("data.csv")) as client:  # no --dask: nothing starts
        assert client is None


def test_table_files_directory_glob_and_errors(tmp_path: Path) -> None:
    frames = _frames()
    paths = _write(tmp_path / "data", frames, "parquet")
    nested = _write(tmp_path / "data" / "2026", frames[:1], "parquet")
    (tmp_path / "data" / "_SUCCESS").write_text("")
    _write(tmp_path / "data" / ".cache", frames[:1], "parquet")  # hidden: skipped
    (tmp_path / "data" / "README.txt").write_text("not a table")
    files, fmt = table_files(tmp_path / "data")
    assert fmt == "parquet" and files == sorted([*nested, *paths])
    assert table_files(str(tmp_path / "data" / "part-*.parquet")) == (paths, "parquet")
    assert table_files(paths[1]) == ([paths[1]], "parquet")
    with pytest.raises(FileNotFoundError, match="does not exist; check the path"):
        table_files(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="matches no files"):
        table_files(str(tmp_path / "data" / "*.feather"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"holds no \.csv, \.parquet or \.pq files"):
        table_files(tmp_path / "empty")
    _write(tmp_path / "data", frames[:1], "csv")
    with pytest.raises(ValueError, match="mixes CSV and Parquet files"):
        table_files(tmp_path / "data")


# ---------------------------------------------------------------------- loading


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_become_blocks_equal_to_pandas(client, tmp_path: Path, fmt: str) -> None:
    frames = _frames(1, dtype=np.float32)
    paths = _write(tmp_path / "data", frames, fmt)
    whole = pd.concat([pd.read_csv(p) if fmt == "csv" else pd.read_parquet(p) for p in paths])
    args = _args(str(tmp_path / "data"), "--dask", "--model", "linear")
    with distributed.get_task_stream(client) as ts:
        X, y, names = load_dask_training_data(args, "score", ["a", "c"])
    assert names == ["a", "c"]
    assert isinstance(X, da.Array) and X.shape == (sum(SIZES), 2)  # row counts are known
    assert X.chunks[0] == y.chunks[0] == SIZES  # one block per file
    # float32 Parquet columns stay float32; CSV numbers are float64
    assert X.dtype == (np.float32 if fmt == "parquet" else np.float64)
    np.testing.assert_array_equal(X.compute(), whole[["a", "c"]].to_numpy(dtype=X.dtype))
    np.testing.assert_array_equal(y.compute(), whole["score"].to_numpy(dtype=np.float64))
    assert ts.data and {t["worker"] for t in ts.data} <= set(client.nthreads())
    # default features: every column of the first file but the target
    args = _args(str(tmp_path / "data" / f"*.{fmt}"), "--dask", "--model", "logistic")
    X, y, names = load_dask_training_data(args, "kind", None)
    assert names == ["a", "b", "c", "score"]
    np.testing.assert_array_equal(y.compute(), whole["kind"].to_numpy())


def test_training_on_the_files_equals_training_on_pandas(client, tmp_path: Path) -> None:
    frames = _frames(2)
    _write(tmp_path / "data", frames, "parquet")
    whole = pd.concat(frames, ignore_index=True)
    features = ["a", "b", "c"]
    args = _args(str(tmp_path / "data"), "--dask", "--model", "logistic")
    X, y, _ = load_dask_training_data(args, "kind", features)
    params = {"optimizer": "newton", "alpha": 0.05, "tol": 1e-10}
    model = LogisticRegression(**params).fit(X, y)
    ref = LogisticRegression(**params).fit(whole[features].to_numpy(), whole["kind"].to_numpy())
    np.testing.assert_array_equal(model.classes_, ["ham", "spam"])
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    save_model(model, tmp_path / "model.json")  # the labels found on Dask can be saved
    loaded = load_model(tmp_path / "model.json")
    np.testing.assert_array_equal(
        loaded.predict(whole[features].to_numpy()), ref.predict(whole[features].to_numpy())
    )
    # numeric labels come back as numbers, as from one file
    for frame in frames:
        frame["kind"] = (frame["kind"] == "spam").astype(int)
    _write(tmp_path / "numeric", frames, "csv")
    args = _args(str(tmp_path / "numeric"), "--dask", "--model", "logistic")
    X, y, _ = load_dask_training_data(args, "kind", features)
    model = LogisticRegression(**params).fit(X, y)
    assert model.classes_.dtype.kind == "i"
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_column_errors_name_the_file_and_the_column(client, tmp_path: Path) -> None:
    paths = _write(tmp_path / "data", _frames(3), "csv")
    data = str(tmp_path / "data")
    first = repr(str(paths[0]))
    with pytest.raises(ValueError, match=rf"--target: column\(s\) 'nope' not in DATA {first}"):
        load_dask_training_data(_args(data, "--dask"), "nope", None)
    with pytest.raises(ValueError, match=r"--features: column\(s\) 'x', 'y' not in DATA"):
        load_dask_training_data(_args(data, "--dask"), "score", ["a", "x", "y"])
    with pytest.raises(ValueError, match="--features includes the target column 'score'"):
        load_dask_training_data(_args(data, "--dask"), "score", ["a", "score"])
    pd.DataFrame({"t": [1.0, 2.0]}).to_csv(tmp_path / "only.csv", index=False)
    with pytest.raises(ValueError, match="has only the target column 't'"):
        load_dask_training_data(_args(str(tmp_path / "only.csv"), "--dask"), "t", None)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="is empty; it needs a header and rows"):
        load_dask_training_data(_args(str(tmp_path / "empty.csv"), "--dask"), "t", None)


def test_a_stored_pandas_index_is_not_a_feature(client, tmp_path: Path) -> None:
    """As pandas.read_parquet: an index saved in the file is the index, not a column."""
    frames = _frames(7)
    (tmp_path / "data").mkdir()
    for j, frame in enumerate(frames):
        indexed = frame.set_index(pd.Index(np.arange(len(frame)) * 10 + j, name="row_id"))
        indexed.to_parquet(tmp_path / "data" / f"part-{j}.parquet")
    args = _args(str(tmp_path / "data"), "--dask", "--model", "logistic")
    X, _, names = load_dask_training_data(args, "kind", None)
    assert names == list(pd.read_parquet(tmp_path / "data" / "part-0.parquet").columns[:-1])
    assert names == ["a", "b", "c", "score"]
    whole = pd.concat(frames)
    np.testing.assert_array_equal(X.compute(), whole[names].to_numpy())


def test_a_bad_cell_names_its_file_column_and_row(client, tmp_path: Path) -> None:
    frames = _frames(4)
    frames[1] = frames[1].astype({"b": object})
    frames[1].loc[6, "b"] = "oops"  # data row 7 of the second file
    paths = _write(tmp_path / "data", frames, "csv")
    args = _args(str(tmp_path / "data"), "--dask", "--model", "linear")
    expected = f"DATA {str(paths[1])!r}: column 'b', row 7: 'oops' is not a number"
    with pytest.raises(ValueError, match=re.escape(expected)):
        load_dask_training_data(args, "score", ["a", "b", "c"])


# ---------------------------------------------------------------------- the cluster context


def test_scheduler_connects_to_a_running_cluster(dask_cluster) -> None:
    address = dask_cluster.scheduler.address
    with dask_client(_args("data/", "--scheduler", address)) as client:
        assert client is not dask_cluster and client.scheduler.address == address
        assert active_client() is client  # what fit and compute use inside the block
        assert da.arange(10, chunks=5).sum().compute() == 45
    assert client.status == "closed"
    assert dask_cluster.status == "running"  # the cluster itself is left alone


def test_unreachable_scheduler_is_one_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(dask_input, "CONNECT_TIMEOUT_S", 0.5)
    with (
        pytest.raises(OSError, match=r"--scheduler 'tcp://127\.0\.0\.1:9': cannot connect"),
        dask_client(_args("data/", "--scheduler", "tcp://127.0.0.1:9")),
    ):
        pass


@pytest.mark.slow
def test_dask_starts_and_stops_a_local_cluster(tmp_path: Path) -> None:
    frames = _frames(5)
    _write(tmp_path / "data", frames, "parquet")
    whole = pd.concat(frames, ignore_index=True)
    args = _args(str(tmp_path / "data"), "--dask", "--model", "linear")
    with dask_client(args) as client:
        assert active_client() is client
        workers = client.nthreads()
        assert len(workers) >= 1
        assert all(n >= 1 for n in workers.values())
        X, y, _ = load_dask_training_data(args, "score", ["a", "b", "c"])
        model = LinearRegression(alpha=0.1, tol=1e-10).fit(X, y)
    assert client.status == "closed" and active_client() is None
    ref = LinearRegression(alpha=0.1, tol=1e-10).fit(whole[["a", "b", "c"]], whole["score"])
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8)


# ---------------------------------------------------------------------- standardising


def test_dask_standard_scaler_equals_scikit_learn(client) -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(loc=[5.0, -3.0, 0.0], scale=[2.0, 0.01, 1.0], size=(500, 3))
    X[:, 2] = 7.25  # a constant column: scale 1, as scikit-learn
    Xd = da.from_array(X, chunks=(90, 3))
    with distributed.get_task_stream(client) as ts:
        scaler, scaled = dask_standard_scaler(Xd)
    assert ts.data  # one pass on the cluster for the moments ...
    assert isinstance(scaled, da.Array)  # ... and the transformed X is lazy
    ref = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, ref.mean_, rtol=1e-14)
    np.testing.assert_allclose(scaler.var_, ref.var_, rtol=1e-12, atol=1e-28)
    np.testing.assert_allclose(scaler.scale_, ref.scale_, rtol=1e-12)
    assert scaler.scale_[2] == 1.0
    assert scaler.n_samples_seen_ == ref.n_samples_seen_ == 500
    np.testing.assert_allclose(scaled.compute(), ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.transform(X), ref.transform(X), rtol=1e-12, atol=1e-12)
