"""train -> predict -> evaluate through the real command line, on real data sets,
checked against scikit-learn and SciPy fitted on the same rows."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import expit, log_expit, xlogy
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.io.model_file import load_model

pytestmark = pytest.mark.slow


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sigmoid_neuron ARGS`` in ``cwd``; stdin closed, text output."""
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "\r" not in result.stderr and "epoch/s" not in result.stderr  # no bar in a pipe
    return result.stdout


def metric(stdout: str, name: str) -> float:
    """The value printed by ``evaluate`` on the line starting with ``name``."""
    for line in stdout.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "\t"):
            return float(line.split()[-1])
    raise AssertionError(f"{name!r} not in:\n{stdout}")


@pytest.fixture(scope="module")
def cancer_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = load_breast_cancer(as_frame=True).frame
    train, test = train_test_split(frame, test_size=0.3, random_state=1, stratify=frame["target"])
    return train, test


def test_logistic_csv_round_trip(
    tmp_path: Path, cancer_split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = cancer_split
    train.to_csv(tmp_path / "train.csv", index=False)
    # the prediction table has its columns in another order, an extra column and no target
    shuffled = test.drop(columns="target").iloc[:, ::-1].assign(note="x")
    shuffled.to_csv(tmp_path / "new.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    alpha = 0.01
    out = ok(
        cli(
            *(
                f"train train.csv --target target --model logistic --standardize --alpha "
                f"{alpha} --optimizer newton --tol 1e-10 --plot loss.png --out "
                f"model.json"
            ).split(),
            cwd=tmp_path,
        )
    )
    assert "model written to model.json" in out
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    doc = json.loads((tmp_path / "model.json").read_text())
    assert doc["metadata"]["target"] == "target"
    assert doc["metadata"]["features"] == list(train.columns[:-1])

    stdout = ok(cli("predict", "model.json", "new.csv", cwd=tmp_path))  # CSV on stdout
    assert stdout.splitlines()[0] == "prediction,probability_0,probability_1"
    pred = pd.read_csv(io.StringIO(stdout))
    assert len(pred) == len(test)

    # scikit-learn on the same rows: objective C sum l + ||w||^2/2 = n C (mean l + alpha/2 ||w||^2)
    X_train = train.drop(columns="target").to_numpy()
    scaler = StandardScaler().fit(X_train)
    sk = SkLogisticRegression(C=1 / (alpha * len(train)), solver="newton-cholesky", tol=1e-12)
    sk.fit(scaler.transform(X_train), train["target"])
    sk_proba = sk.predict_proba(scaler.transform(test.drop(columns="target").to_numpy()))
    np.testing.assert_allclose(pred["probability_1"], sk_proba[:, 1], atol=1e-8)
    np.testing.assert_array_equal(pred["prediction"], sk_proba.argmax(axis=1))

    stdout = ok(cli("evaluate", "model.json", "test.csv", cwd=tmp_path))
    y = test["target"].to_numpy()
    assert metric(stdout, "accuracy") == pytest.approx(accuracy_score(y, pred["prediction"]))
    expected = log_loss(y, pred[["probability_0", "probability_1"]].to_numpy())
    assert metric(stdout, "log loss") == pytest.approx(expected, rel=1e-5)


def test_linear_csv_round_trip_matches_least_squares(tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True).frame
    train, test = frame.iloc[:350], frame.iloc[350:]
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    features = "bmi,bp,s5"
    ok(
        cli(
            *(
                f"train train.csv --target target --model linear --features {features} "
                f"--optimizer newton --tol 1e-9 --out lin.json"
            ).split(),
            cwd=tmp_path,
        )
    )
    ok(cli("predict", "lin.json", "test.csv", "--out", "pred.csv", cwd=tmp_path))
    pred = pd.read_csv(tmp_path / "pred.csv")["prediction"].to_numpy()
    cols = features.split(",")
    ols = SkLinearRegression().fit(train[cols], train["target"])
    np.testing.assert_allclose(pred, ols.predict(test[cols]), rtol=1e-8)
    stdout = ok(cli("evaluate", "lin.json", "test.csv", "--target", "target", cwd=tmp_path))
    y = test["target"].to_numpy()
    assert metric(stdout, "MSE") == pytest.approx(mean_squared_error(y, pred), rel=1e-5)
    assert metric(stdout, "R^2") == pytest.approx(r2_score(y, pred), rel=1e-5)


def test_neuron_parquet_round_trip_with_soft_targets(tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True).frame
    y = frame["target"].to_numpy()
    frame = frame.assign(target=(y - y.min()) / (y.max() - y.min()))  # soft targets in [0, 1]
    train, test = frame.iloc[:300], frame.iloc[300:]
    train.to_parquet(tmp_path / "train.parquet", index=False)
    test.to_parquet(tmp_path / "test.parquet", index=False)
    out = ok(
        cli(
            *(
                "train train.parquet --target target --model neuron --loss "
                "cross_entropy --standardize --optimizer lbfgs --tol 1e-10 --out "
                "neuron.json"
            ).split(),
            cwd=tmp_path,
        )
    )
    assert "SigmoidNeuron" in out
    ok(cli("predict", "neuron.json", "test.parquet", "--out", "pred.parquet", cwd=tmp_path))
    pred = pd.read_parquet(tmp_path / "pred.parquet")["prediction"].to_numpy()

    # independent fit: minimise the mean soft cross-entropy with SciPy on standardised rows
    X = train.drop(columns="target").to_numpy()
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    t = train["target"].to_numpy()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = Xs @ theta[:-1] + theta[-1]
        value = -np.mean(t * log_expit(z) + (1 - t) * log_expit(-z))
        r = (expit(z) - t) / len(t)
        return value, np.r_[Xs.T @ r, r.sum()]

    theta = minimize(
        objective, np.zeros(Xs.shape[1] + 1), jac=True, method="BFGS", options={"gtol": 1e-10}
    ).x
    Xt = scaler.transform(test.drop(columns="target").to_numpy())
    expected = expit(Xt @ theta[:-1] + theta[-1])
    np.testing.assert_allclose(pred, expected, atol=1e-6)

    stdout = ok(cli("evaluate", "neuron.json", "test.parquet", cwd=tmp_path))
    yt = test["target"].to_numpy()
    soft_log_loss = -np.mean(xlogy(yt, pred) + xlogy(1 - yt, 1 - pred))
    assert metric(stdout, "log loss") == pytest.approx(soft_log_loss, rel=1e-5)
    assert metric(stdout, "MSE") == pytest.approx(mean_squared_error(yt, pred), rel=1e-5)


def test_string_labels_and_gd_options(tmp_path: Path) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    frame["diagnosis"] = np.where(frame.pop("target") == 1, "benign", "malignant")
    frame = frame[["mean radius", "mean texture", "worst area", "diagnosis"]]
    frame.to_csv(tmp_path / "d.csv", index=False)
    out = ok(
        cli(
            *(
                "train d.csv --target diagnosis --model logistic --standardize "
                "--optimizer gd --learning-rate 0.5 --epochs 300 --tol none --seed 0 "
                "--out m.json"
            ).split(),
            cwd=tmp_path,
        )
    )
    assert "epochs run 300" in out
    model = load_model(tmp_path / "m.json")  # the saved pipeline, loaded in this process
    X = frame.drop(columns="diagnosis").to_numpy()
    assert set(model.classes_) == {"benign", "malignant"}
    stdout = ok(cli("evaluate", "m.json", "d.csv", cwd=tmp_path))
    accuracy = accuracy_score(frame["diagnosis"], model.predict(X))
    assert metric(stdout, "accuracy") == pytest.approx(accuracy)
    assert metric(stdout, "log loss") == pytest.approx(
        log_loss(frame["diagnosis"], model.predict_proba(X), labels=model.classes_), rel=1e-5
    )
    assert accuracy > 0.9


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import os
    import struct
    import termios
    import threading

    frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, -1]]
    frame.to_csv(tmp_path / "d.csv", index=False)
    args = [
        "train",
        "d.csv",
        "--target",
        "target",
        "--model",
        "logistic",
        "--standardize",
        "--optimizer",
        "gd",
        "--learning-rate",
        "0.5",
        "--epochs",
        "40",
        "--tol",
        "none",
    ]

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    result = subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *args, "--out", "b.json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert result.returncode == 0
    bar = b"".join(chunks).decode(errors="replace")
    assert "training logistic" in bar and "40/40" in bar
