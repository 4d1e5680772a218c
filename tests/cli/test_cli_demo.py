"""`sigmoid-neuron demo` end to end: the printed numbers and the figure files."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from scipy.special import expit
from scipy.stats import entropy
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.demo import FIGURES


def independent_sklearn_row() -> list[str]:
    """Accuracy and test log loss of scikit-learn's C = 1 fit on the demo's split, made here."""
    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    sk = SkLogisticRegression(C=1.0, solver="lbfgs", max_iter=10_000, tol=1e-12)
    sk.fit(X_train, y_train)
    accuracy = accuracy_score(y_test, sk.predict(X_test))
    loss = log_loss(y_test, sk.predict_proba(X_test))
    return [f"{accuracy:.4f}", f"{loss:.4f}"]


@pytest.mark.slow
def test_demo_prints_the_summary_and_writes_the_figures(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", "demo", "--out", "figs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    # 1. the sigmoid table: exact values, the notes' truncations and the roundings
    for x, notes in ((-5.5, "0.0040"), (6.5, "0.9984"), (0.4, "0.5986")):
        line = next(ln for ln in out.splitlines() if ln.split()[:1] == [f"{x:g}"])
        assert line.split() == [
            f"{x:g}",
            f"{expit(x):.10f}",
            notes,
            f"{math.floor(expit(x) * 1e4) / 1e4:.4f}",
            f"{expit(x):.4f}",
        ]
    # 2. cross-entropy = H(targets) + KL, with H from SciPy
    h = (entropy([0.2, 0.8]) + entropy([0.9, 0.1])) / 2
    assert f"H(targets) {h:.8f}" in out
    assert f"cross-entropy {h:.8f} =" in out
    # the exact fit of both points: logit(y_i) = w x_i + b
    w = (math.log(9) - math.log(0.25)) / 2
    assert f"w = {w:.5f}, b = {math.log(0.25) - 0.5 * w:.5f}" in out
    # 4. real data: both printed rows equal an independent scikit-learn fit made here
    expected = independent_sklearn_row()
    rows = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.strip().startswith(("sigmoid-neuron ", "scikit-learn "))
    }
    assert rows == {"sigmoid-neuron": expected, "scikit-learn": expected}
    assert "426 train / 143 test rows" in out
    for name in FIGURES:
        path = tmp_path / "figs" / name
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name
        assert mpimg.imread(path).shape[0] > 400, name
        assert name in out


def test_demo_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep")
    assert main(["demo", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "is a file" in err
    assert target.read_text() == "keep"
