"""Every user error through the real command line: exit 2, one line on stderr, no
traceback, and no output file (or the previous one intact)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.estimators import LogisticRegression
from sigmoid_neuron.io.model_file import save_model


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def fails_cleanly(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, exactly one line on stderr containing every fragment, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    return lines[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small real table, broken copies of it and a real model file."""
    root = tmp_path_factory.mktemp("cli-errors")
    frame = load_breast_cancer(as_frame=True).frame
    small = frame[["mean radius", "mean texture", "target"]].iloc[:40]
    small.to_csv(root / "good.csv", index=False)
    bad = small.astype(object)
    bad.iloc[6, 1] = "n/a?"  # data row 7, column 'mean texture'
    bad.to_csv(root / "text.csv", index=False)
    empty = small.copy()
    empty.iloc[11, 0] = np.nan  # data row 12, column 'mean radius'
    empty.to_csv(root / "empty.csv", index=False)
    model = LogisticRegression().fit(small.iloc[:, :2].to_numpy(), small["target"].to_numpy())
    save_model(
        model,
        root / "model.json",
        metadata={
            "features": ["mean radius", "mean texture"],
            "target": "target",
            "model": "logistic",
        },
    )
    text = (root / "model.json").read_text()
    (root / "truncated.json").write_text(text[: len(text) // 2])
    (root / "other.json").write_text('{"name": "not a model", "values": [1, 2, 3]}')
    return root


def test_missing_data_file(workdir: Path) -> None:
    result = cli("train", "nope.csv", "--target", "target", "--out", "m1.json", cwd=workdir)
    fails_cleanly(result, "nope.csv", "does not exist")
    assert not (workdir / "m1.json").exists()


def test_missing_target_column(workdir: Path) -> None:
    result = cli("train", "good.csv", "--target", "label", "--out", "m2.json", cwd=workdir)
    fails_cleanly(result, "'label'", "--target", "'mean radius'")
    assert not (workdir / "m2.json").exists()


def test_non_numeric_cell_names_row_and_column(workdir: Path) -> None:
    result = cli("train", "text.csv", "--target", "target", "--out", "m3.json", cwd=workdir)
    fails_cleanly(result, "column 'mean texture', row 7", "'n/a?' is not a number")
    assert not (workdir / "m3.json").exists()


def test_empty_cell_names_row_and_column(workdir: Path) -> None:
    (workdir / "m4.json").write_text("previous model")
    result = cli("train", "empty.csv", "--target", "target", "--out", "m4.json", cwd=workdir)
    fails_cleanly(result, "column 'mean radius', row 12", "empty")
    assert (workdir / "m4.json").read_text() == "previous model"


def test_corrupt_model_file(workdir: Path) -> None:
    result = cli("predict", "truncated.json", "good.csv", "--out", "p1.csv", cwd=workdir)
    fails_cleanly(result, "truncated.json")
    assert not (workdir / "p1.csv").exists()


@pytest.mark.parametrize("model", ["other.json", "good.csv"])
def test_model_file_of_another_kind(workdir: Path, model: str) -> None:
    result = cli("evaluate", model, "good.csv", "--target", "target", cwd=workdir)
    fails_cleanly(result, model)


def test_unwritable_output_directory(workdir: Path) -> None:
    result = cli("train", "good.csv", "--target", "target", "--out", "no/such/m.json", cwd=workdir)
    fails_cleanly(result, "--out", "no/such/m.json", "does not exist")
    assert not (workdir / "no").exists()


def test_output_path_is_a_directory(workdir: Path) -> None:
    (workdir / "adir").mkdir()
    result = cli("predict", "model.json", "good.csv", "--out", "adir", cwd=workdir)
    fails_cleanly(result, "--out", "adir")
    assert list((workdir / "adir").iterdir()) == []


def test_bad_prediction_data_keeps_previous_output(workdir: Path) -> None:
    (workdir / "p2.csv").write_text("previous,table\n1,2\n")
    result = cli("predict", "model.json", "text.csv", "--out", "p2.csv", cwd=workdir)
    fails_cleanly(result, "column 'mean texture', row 7")
    assert (workdir / "p2.csv").read_text() == "previous,table\n1,2\n"
    leftovers = [p.name for p in workdir.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no temporary files left behind


def test_the_good_files_do_work(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fixtures are fine apart from the planted faults: the errors above are theirs."""
    assert main(["predict", str(workdir / "model.json"), str(workdir / "good.csv")]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(table) == 40


def test_output_over_an_input_is_refused(workdir: Path) -> None:
    before = (workdir / "good.csv").read_bytes()
    result = cli("predict", "model.json", "good.csv", "--out", "good.csv", cwd=workdir)
    fails_cleanly(result, "--out 'good.csv' is also an input file")
    assert (workdir / "good.csv").read_bytes() == before
