"""`train --class-weight`, `--offset-column` and svmlight (sparse) DATA through the command
line, and `predict`/`evaluate` reading the offset column the model recorded.

Oracles: scikit-learn's LogisticRegression (class weights; the svmlight file read by
scikit-learn's own loader) and statsmodels' GLM with an offset, fitted in the test.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import dump_svmlight_file, load_breast_cancer, load_svmlight_file
from sklearn.linear_model import LogisticRegression as SkLogistic

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.io.model_file import load_model


@pytest.fixture(scope="module")
def fair_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """statsmodels' Fair affairs survey: a label column and an exposure offset."""
    data = sm.datasets.fair.load_pandas().data
    frame = data[["rate_marriage", "age", "children", "religious", "educ"]].copy()
    frame["affair"] = np.where(data["affairs"] > 0, "yes", "no")
    frame["log_years"] = np.log(data["yrs_married"])
    path = tmp_path_factory.mktemp("data") / "fair.csv"
    frame.to_csv(path, index=False)
    return path


def _train(*args: str | Path) -> None:
    assert main(["train", *map(str, args), "--quiet"]) == 0


def test_offset_column_equals_statsmodels_and_predict_reads_it(
    fair_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.json"
    _train(fair_csv, "--target", "affair", "--model", "logistic", "--alpha", "0",
           "--tol", "1e-10", "--offset-column", "log_years", "--out", out)  # fmt: skip
    model = load_model(out)
    frame = pd.read_csv(fair_csv)
    X = frame[["rate_marriage", "age", "children", "religious", "educ"]].to_numpy(float)
    y = (frame["affair"] == "yes").to_numpy(float)
    glm = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), offset=frame["log_years"]
    ).fit(tol=1e-12)
    np.testing.assert_allclose(model.coef_[0], glm.params[1:], rtol=1e-6)
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out), str(fair_csv), "--out", str(predictions)]) == 0
    expected = glm.predict(sm.add_constant(X), offset=frame["log_years"])
    got = pd.read_csv(predictions)["probability_yes"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    text = io.StringIO()
    with redirect_stdout(text):
        assert main(["evaluate", str(out), str(fair_csv)]) == 0
    accuracy = float(text.getvalue().split("accuracy")[1].split()[0])
    assert accuracy == pytest.approx(np.mean((expected > 0.5) == (y == 1)), abs=1e-6)


def test_class_weight_balanced_and_a_dict_equal_scikit_learn(
    fair_csv: Path, tmp_path: Path
) -> None:
    frame = pd.read_csv(fair_csv)
    X = frame[["rate_marriage", "age", "children", "religious", "educ"]].to_numpy(float)
    y = frame["affair"].to_numpy()
    alpha = 1e-2
    for spec, flag in (("balanced", "balanced"), ({"yes": 3.0, "no": 1.0}, "yes=3,no=1")):
        out = tmp_path / "cw.json"
        _train(fair_csv, "--target", "affair", "--model", "logistic", "--alpha", alpha,
               "--tol", "1e-10", "--features", "rate_marriage,age,children,religious,educ",
               "--class-weight", flag, "--out", out)  # fmt: skip
        model = load_model(out)
        per_class = {"balanced": {"no": len(y) / (2 * np.sum(y == "no")),
                                  "yes": len(y) / (2 * np.sum(y == "yes"))}}.get(
            flag, spec if isinstance(spec, dict) else {})  # fmt: skip
        total = sum(per_class[label] for label in y)
        theirs = SkLogistic(
            C=1 / (alpha * total), class_weight=spec, solver="newton-cholesky", tol=1e-12
        ).fit(X, y)
        np.testing.assert_allclose(model.coef_, theirs.coef_, rtol=1e-6, atol=1e-7)


def test_an_svmlight_file_trains_on_its_sparse_rows(tmp_path: Path) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = X / X.max(axis=0)
    X[X < 0.3] = 0.0  # a sparse table: about half the values stored
    path = tmp_path / "cancer.svm"
    dump_svmlight_file(X, y, str(path), zero_based=False)
    out = tmp_path / "m.json"
    _train(path, "--model", "logistic", "--alpha", "0.001", "--tol", "1e-10", "--out", out)
    model = load_model(out)
    Xs, ys = load_svmlight_file(str(path), zero_based=False)
    theirs = SkLogistic(
        C=1 / (0.001 * len(ys)), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(Xs, ys)
    np.testing.assert_allclose(model.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "linear", "--class-weight", "balanced"], "--class-weight applies to"),
        (["--model", "logistic", "--class-weight", "maybe=2"], "class_weight has the class"),
        (["--model", "logistic", "--class-weight", "yes"], "--class-weight must be"),
        (["--model", "logistic", "--offset-column", "nope"], "--offset-column 'nope'"),
        (
            ["--model", "logistic", "--features", "age,log_years", "--offset-column", "log_years"],
            "is also in --features",
        ),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    fair_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    args = ["train", str(fair_csv), "--target", "affair", *extra, "--quiet"]
    assert main([*args, "--out", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_table_needs_target_and_predict_needs_the_offset_column(
    fair_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", str(fair_csv), "--out", str(tmp_path / "m.json")]) == 2
    assert "--target is required" in capsys.readouterr().err
    out = tmp_path / "m.json"
    _train(fair_csv, "--target", "affair", "--model", "logistic", "--offset-column",
           "log_years", "--out", out)  # fmt: skip
    without = tmp_path / "without.csv"
    pd.read_csv(fair_csv).drop(columns="log_years").to_csv(without, index=False)
    assert main(["predict", str(out), str(without)]) == 2
    assert "no column 'log_years'" in capsys.readouterr().err
