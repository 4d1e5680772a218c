"""`train --l1-ratio` and `plot coef-path` through the command line: the lasso model
against glum fitted on the same standardised rows, and clean errors (exit 2, one line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from glum import GeneralizedLinearRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.io.model_file import load_model


@pytest.fixture(scope="module")
def cancer_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "cancer.csv"
    load_breast_cancer(as_frame=True).frame.to_csv(path, index=False)
    return path


def test_train_with_l1_ratio_gives_glums_lasso(cancer_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    args = ["train", str(cancer_csv), "--target", "target", "--model", "logistic"]
    args += ["--alpha", "0.03", "--l1-ratio", "1", "--tol", "1e-10", "--standardize"]
    assert main([*args, "--quiet", "--out", str(out)]) == 0
    pipeline = load_model(out)
    model = pipeline.steps[-1][1]
    assert model.l1_ratio == 1.0
    frame = load_breast_cancer(as_frame=True).frame
    X = StandardScaler().fit_transform(frame.drop(columns="target").to_numpy())
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.03, l1_ratio=1.0, gradient_tol=1e-12
    ).fit(X, frame["target"].to_numpy(float))
    np.testing.assert_array_equal(model.coef_[0] == 0, glum.coef_ == 0)
    np.testing.assert_allclose(model.coef_[0], glum.coef_, atol=1e-6)
    assert np.sum(model.coef_ == 0) >= 10


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--l1-ratio", "1.5"], "--l1-ratio must be a number in [0, 1]"),
        (["--l1-ratio", "nan"], "--l1-ratio must be a number in [0, 1]"),
        (["--l1-ratio", "0.5", "--optimizer", "lbfgs"], "cannot minimise an L1 penalty"),
    ],
)
def test_bad_l1_ratio_fails_cleanly(cancer_csv: Path, tmp_path: Path, extra, fragment) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sigmoid_neuron",
            "train",
            str(cancer_csv),
            "--target",
            "target",
            "--model",
            "logistic",
            "--out",
            str(tmp_path / "m.json"),
            *extra,
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert not (tmp_path / "m.json").exists()


def test_plot_coef_path_builtin_and_from_a_table(tmp_path: Path, capsys) -> None:
    out = tmp_path / "path.png"
    assert main(["plot", "coef-path", "--out", str(out), "--n-alphas", "8"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert mpimg.imread(out).shape[0] > 300
    frame = load_diabetes(as_frame=True).frame
    frame.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "d.svg"
    args = ["plot", "coef-path", "--data", str(tmp_path / "d.csv"), "--target", "target"]
    assert main([*args, "--family", "linear", "--l1-ratio", "0.5", "--out", str(out)]) == 0
    text = out.read_text()
    assert "bmi" in text and "elastic net" in text


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--l1-ratio", "3"], "--l1-ratio must be a number in [0, 1]"),
        (["--n-alphas", "1"], "--n-alphas must be >= 2"),
        (["--family", "linear"], "pass --data"),
        (["--target", "x"], "--target and --features need --data"),
    ],
)
def test_plot_coef_path_errors(tmp_path: Path, capsys, extra, fragment) -> None:
    assert main(["plot", "coef-path", "--out", str(tmp_path / "p.png"), *extra]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and fragment in err
    assert not (tmp_path / "p.png").exists()
