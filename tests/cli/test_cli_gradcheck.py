"""`sigmoid-neuron gradcheck`: the table, exit 0 when all pass and 1 when one fails."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sigmoid_neuron import functional
from sigmoid_neuron.cli.main import main


def test_gradcheck_prints_the_table_and_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", "gradcheck", "--points", "1"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["derivative", "worst", "rel", "err", "tolerance", "ok"]
    rows = [ln for ln in lines if ln.startswith(("functional:", "links:", "objective:"))]
    assert len(rows) >= 40
    for row in rows:
        error, tolerance, verdict = row.split()[-3:]
        assert verdict == "yes" and float(error) <= float(tolerance)
    assert "all within tolerance" in lines[-1]


def test_gradcheck_exits_1_on_a_wrong_derivative(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(functional, "sigmoid_derivative", lambda z: np.asarray(z) * 0 + 0.25)
    assert main(["gradcheck", "--points", "1"]) == 1
    out = capsys.readouterr().out
    bad = [ln for ln in out.splitlines() if ln.endswith(" NO")]
    assert len(bad) == 1 and "sigmoid_derivative" in bad[0]
    assert "1 FAILED" in out


def test_gradcheck_rejects_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "--points", "0"]) == 2
    assert "--points" in capsys.readouterr().err
    assert main(["gradcheck", "--tolerance", "-1"]) == 2
    assert "--tolerance" in capsys.readouterr().err
