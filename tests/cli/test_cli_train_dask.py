"""``sigmoid-neuron train --dask`` end to end: the model equals the one trained without Dask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # starts a LocalCluster: ~15 s


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_train_dask_equals_train_in_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = []
    (tmp_path / "data").mkdir()
    for j in range(3):
        X = rng.normal(size=(200, 3)) * [1.0, 10.0, 100.0]
        frame = pd.DataFrame(X, columns=["a", "b", "c"])
        z = X @ np.array([1.0, -0.1, 0.01]) + rng.normal(size=200)
        frame["kind"] = np.where(z > 0, "spam", "ham")
        frame.to_parquet(tmp_path / "data" / f"part-{j}.parquet", index=False)
        frames.append(frame)
    pd.concat(frames).to_csv(tmp_path / "all.csv", index=False)
    common = "--target kind --model logistic --standardize --alpha 0.01 --optimizer newton"
    common += " --tol 1e-10"
    dask_run = cli("train", "data", "--dask", *common.split(), "--out", "dask.json", cwd=tmp_path)
    assert dask_run.returncode == 0, dask_run.stderr
    assert dask_run.stderr == ""  # no cluster logs, no warnings
    assert "on 600 rows x 3 features of data" in dask_run.stdout
    mem_run = cli("train", "all.csv", *common.split(), "--out", "mem.json", cwd=tmp_path)
    assert mem_run.returncode == 0, mem_run.stderr
    a = json.loads((tmp_path / "dask.json").read_text())
    b = json.loads((tmp_path / "mem.json").read_text())
    assert a["metadata"]["n_samples"] == 600 and a["metadata"]["standardize"] is True

    def arrays(doc, key):
        found = []

        def walk(d):
            if isinstance(d, dict):
                for k, v in d.items():
                    if k == key:
                        found.append(np.asarray(v["data"], dtype=float))
                    walk(v)
            elif isinstance(d, list):
                for v in d:
                    walk(v)

        walk(doc)
        return found

    for key in ("coef_", "intercept_", "mean_", "scale_"):
        for x, y in zip(arrays(a, key), arrays(b, key), strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-8, atol=1e-12)
    bad = cli("train", "data/*.csv", "--dask", "--target", "kind", "--out", "x.json", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "matches no files" in bad.stderr
