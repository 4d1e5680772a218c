"""``sigmoid-neuron evaluate MODEL DATA --target COL --summary``: the coefficient table.

Oracle: statsmodels (Logit / OLS) fitted in the test to the same table; the printed
numbers (4 decimals) must be statsmodels' numbers rounded the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron import save_model
from sigmoid_neuron.cli.main import main
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression

sm = pytest.importorskip("statsmodels.api")

FEATURES = ["mean radius", "mean texture", "mean smoothness", "worst symmetry"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X[FEATURES].assign(diagnosis=np.where(y == 1, "benign", "malignant"))
    frame["size"] = X["mean area"] / 100 + 0.1 * X["mean texture"]
    path = tmp_path_factory.mktemp("summary") / "cancer.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _rows(stdout: str, names: list[str]) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        for name in names:
            if line.startswith(name + " "):
                rows[name] = line[len(name) :].split()
    return rows


def _run(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_logistic_summary_prints_statsmodels_numbers(data, tmp_path, capsys):
    path, frame = data
    model = LogisticRegression(alpha=0, tol=1e-10).fit(frame[FEATURES], frame["diagnosis"])
    save_model(model, tmp_path / "m.json")
    status, out, err = _run(capsys, "evaluate", tmp_path / "m.json", path, "--target",
                            "diagnosis", "--summary")  # fmt: skip
    assert status == 0 and err == ""
    assert "accuracy" in out and "P>|z|" in out and "Covariance:" in out
    y = (frame["diagnosis"] == "malignant").astype(float)  # classes_[1] is the positive class
    res = sm.Logit(y, sm.add_constant(frame[FEATURES], prepend=False)).fit(
        method="newton", tol=1e-12, disp=0
    )
    rows = _rows(out, [*FEATURES, "intercept"])
    for j, name in enumerate([*FEATURES, "intercept"]):
        assert rows[name][0] == f"{res.params.iloc[j]:.4f}"
        assert rows[name][1] == f"{res.bse.iloc[j]:.4f}"


def test_linear_summary_through_a_scaler_uses_t(data, tmp_path, capsys):
    path, frame = data
    X = frame[FEATURES]
    model = Pipeline([("scaler", StandardScaler()), ("model", LinearRegression())])
    model.fit(X, frame["size"])
    save_model(model, tmp_path / "lin.json")
    status, out, err = _run(capsys, "evaluate", tmp_path / "lin.json", path, "--target", "size",
                            "--summary")  # fmt: skip
    assert status == 0 and err == ""
    assert "P>|t|" in out and "the model's scaler" in out
    Z = (X - X.mean()) / X.std(ddof=0)
    res = sm.OLS(frame["size"], sm.add_constant(Z, prepend=False)).fit()
    rows = _rows(out, FEATURES)
    for j, name in enumerate(FEATURES):
        assert rows[name][1] == f"{res.bse.iloc[j]:.4f}"
        assert rows[name][2] == f"{res.tvalues.iloc[j]:.4f}"


def test_without_summary_no_table_is_printed(data, tmp_path, capsys):
    path, frame = data
    model = LogisticRegression().fit(frame[FEATURES], frame["diagnosis"])
    save_model(model, tmp_path / "m.json")
    status, out, _ = _run(capsys, "evaluate", tmp_path / "m.json", path, "--target", "diagnosis")
    assert status == 0 and "std err" not in out


def test_summary_on_too_few_rows_is_one_line_exit_2(tmp_path, capsys):
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 4.0], "y": [1.0, 2.0, 4.5]})
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    model = LinearRegression().fit(frame[["a", "b"]], frame["y"])
    save_model(model, tmp_path / "tiny.json")
    status, _, err = _run(capsys, "evaluate", tmp_path / "tiny.json", tmp_path / "tiny.csv",
                          "--target", "y", "--summary")  # fmt: skip
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("sigmoid-neuron evaluate: error: ") and "more observations" in err
