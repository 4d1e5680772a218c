"""`sigmoid-neuron plot`: each figure as a valid PNG/SVG, and clean errors."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from sigmoid_neuron.cli.main import main


def test_sigmoid_svg_through_a_subprocess(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", "plot", "sigmoid", "--out", "g.svg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    root = ET.parse(tmp_path / "g.svg").getroot()
    assert root.tag.endswith("svg")
    assert "The sigmoid and its derivative" in (tmp_path / "g.svg").read_text()


@pytest.mark.parametrize(
    ("figure", "extra"),
    [
        ("loss-curves", ["--epochs", "200"]),
        ("loss-surface", ["--loss", "cross_entropy", "--epochs", "100"]),
        ("decision-boundary", []),
    ],
)
def test_each_figure_is_a_valid_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figure: str, extra: list[str]
) -> None:
    out = tmp_path / f"{figure}.png"
    assert main(["plot", figure, "--out", str(out), *extra]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    image = mpimg.imread(out)
    assert image.shape[0] > 400 and image[..., :3].std() > 0.05


def test_decision_boundary_from_a_table(tmp_path: Path) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    frame[["worst radius", "worst texture", "target"]].to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "b.png"
    args = [
        "plot",
        "decision-boundary",
        "--data",
        str(tmp_path / "d.csv"),
        "--target",
        "target",
        "--features",
        "worst radius,worst texture",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert mpimg.imread(out).ndim == 3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plot", "sigmoid", "--out", "x.jpg"], "unknown figure format '.jpg'"),
        (["plot", "sigmoid", "--out", "missing/x.png"], "cannot be written"),
        (["plot", "loss-curves", "--epochs", "0"], "--epochs must be >= 1"),
        (["plot", "decision-boundary", "--target", "t"], "need --data"),
        (["plot", "sigmoid", "--data", "d.csv"], "decision-boundary only"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    fragment: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert not any(p.suffix in (".png", ".jpg") for p in tmp_path.rglob("*"))


def test_boundary_needs_two_classes_and_two_features(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 2.0], "c": [0.0, 1.0, 1.0], "t": [0, 1, 2]}
    ).to_csv(tmp_path / "d.csv", index=False)
    base = ["plot", "decision-boundary", "--data", str(tmp_path / "d.csv"), "--target", "t"]
    assert main([*base, "--out", str(tmp_path / "x.png")]) == 2
    assert "exactly two features" in capsys.readouterr().err
    assert main([*base, "--features", "a,b", "--out", str(tmp_path / "x.png")]) == 2
    assert "3 classes" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_decision_boundary_of_a_trained_neuron(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    frame[["mean radius", "mean texture", "target"]].to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    train = [
        "train",
        str(tmp_path / "d.csv"),
        "--target",
        "target",
        "--model",
        "neuron",
        "--standardize",
        "--quiet",
        "--out",
        str(model),
    ]
    assert main(train) == 0
    out = tmp_path / "b.png"
    args = [
        "plot",
        "decision-boundary",
        "--model",
        str(model),
        "--data",
        str(tmp_path / "d.csv"),
        "--out",
        str(out),
    ]
    assert main(args) == 0, capsys.readouterr().err
    assert mpimg.imread(out).ndim == 3
