"""The console script's entry point: main's exit status, and complete output files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from sigmoid_neuron.cli.main import run; sys.argv[0] = 'sigmoid-neuron'; run()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_run_exits_with_the_status_of_main_and_leaves_complete_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(size=300) > 0).astype(int)
    rows = ["a,b,c,t"] + [f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(X, y, strict=True)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    done = _run("train", "d.csv", "--target", "t", "--out", "m.json", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    model = json.loads((tmp_path / "m.json").read_text())  # written whole before the exit
    assert model  # a JSON document, not a truncated file
    predicted = _run("predict", "m.json", "d.csv", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.strip().splitlines()) >= 300  # stdout flushed at the exit
    refused = _run("train", "missing.csv", "--target", "t", "--out", "x.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "x.json").exists()
