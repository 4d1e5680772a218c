"""``derive`` and ``check-derivation`` end to end, through a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_derivation_catalogue import EXPECTED_NAMES  # read off the notes

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.derivations import names

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def cli(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=cwd,
        timeout=120,
    )


def assert_one_line_usage_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_derive_list() -> None:
    proc = cli("derive", "--list")
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    assert listed == EXPECTED_NAMES  # the notes' derivations, in the notes' order


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("text", " ✓ = "), ("latex", r"\begin{align*}"), ("markdown", "| step | check |")],
)
def test_derive_formats(fmt: str, marker: str) -> None:
    proc = cli("derive", "sigmoid_derivative", "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    assert "all 7 steps verified" in proc.stdout


def test_derive_accepts_hyphenated_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "linear-regression-gradient"]) == 0
    assert "checked for: m = 3, n = 2, j = 1; m = 2, n = 3, j = 3" in capsys.readouterr().out


def test_derive_unknown_name() -> None:
    proc = cli("derive", "no_such_thing")
    assert_one_line_usage_error(proc, "no_such_thing", *names())
    assert proc.stdout == ""


def test_derive_without_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive"]) == 2
    err = capsys.readouterr().err
    assert "--list" in err and "sigmoid_derivative" in err


def test_derive_notes_shows_the_mistakes_caught(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "binary_cross_entropy_derivative", "--notes"]) == 0
    out = capsys.readouterr().out
    assert "written: -(t/yhat - (1 - t)/(1 - yhat)) = (t/yhat + (1 - t)/(1 - yhat))" in out
    assert "  5 ✗ = t/yhat + (1 - t)/(1 - yhat)" in out
    assert "first bad step 5" in out
    assert main(["derive", "kl_divergence", "--notes"]) == 0
    assert "finds no mistake" in capsys.readouterr().out


def test_derive_errata_catches_every_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--errata", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "NOT caught" not in out
    assert out.count("✗ at step") == 6
    assert "rounds to 0.0041" in out


def test_check_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.txt"
    path.write_text(
        "# sigmoid derivative\n"
        "diff(1/(1 + exp(-x)), x)\n"
        "exp(-x)/(1 + exp(-x))**2\n"
        "\n"
        "sigmoid(x)*(1 - sigmoid(x))   # g(1 - g)\n",
        encoding="utf-8",
    )
    proc = cli("check-derivation", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK: 2 steps verified" in proc.stdout
    assert "line 3 ✓" in proc.stdout and "line 5 ✓" in proc.stdout


def test_check_wrong_step_shows_a_counterexample(tmp_path: Path) -> None:
    path = tmp_path / "bce.txt"
    path.write_text(
        "# domain: t, yhat probability\n"
        "diff(-(t*log(yhat) + (1 - t)*log(1 - yhat)), yhat)\n"
        "-(t/yhat - (1 - t)/(1 - yhat))\n"
        "t/yhat + (1 - t)/(1 - yhat)\n"
        "0\n",
        encoding="utf-8",
    )
    proc = cli("check-derivation", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "line 4 ✗" in proc.stdout
    assert "FAILED: line 4 does not follow from line 3" in proc.stdout
    detail = next(line for line in proc.stdout.splitlines() if "not equal to line 3" in line)
    assert "t = 0." in detail and "yhat = 0." in detail  # a point inside (0, 1)
    assert "line 3 = " in detail and "line 4 = " in detail
    assert "line 5" not in proc.stdout  # stops at the first false step


def test_check_reads_stdin() -> None:
    proc = cli("check-derivation", "-", stdin="(x + 1)**2 = x**2 + 2*x + 1\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "<stdin>" in proc.stdout


def test_check_bad_syntax_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("x + 1\n\n# comment\nx +* 2\n", encoding="utf-8")
    assert_one_line_usage_error(cli("check-derivation", str(path)), "line 4", "invalid syntax")


def test_check_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert_one_line_usage_error(cli("check-derivation", str(missing)), "no such file")


def test_check_malicious_input_is_refused_without_running(tmp_path: Path) -> None:
    path = tmp_path / "evil.txt"
    path.write_text("x\n__import__('os').system('touch MARKER')\n", encoding="utf-8")
    proc = cli("check-derivation", str(path), cwd=tmp_path)
    assert_one_line_usage_error(proc, "line 2", "attribute access")
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("__import__('os').system('touch MARKER')", "attribute access"),
        ("__import__('os')", "starting with '_'"),
        ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
        ("exp(x).func", "attribute access"),
        ("__builtins__", "starting with '_'"),
        ("open('MARKER', 'w')", "unknown function 'open'"),
        ("9**9**9", "above the limit"),
        ("x**(10**40)", "above the limit"),
        ("x + " * 200 + "x", "above the limit"),
    ],
)
def test_check_malicious_input_in_process(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    line: str,
    fragment: str,
) -> None:
    """The same refusals through ``main()`` (cheaper than a subprocess per case)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.txt"
    path.write_text(f"x\n{line}\n", encoding="utf-8")
    assert main(["check-derivation", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 2" in err[0] and fragment in err[0]
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.timeout(120, method="thread")
def test_check_hostile_evaluation_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "tower.txt"
    path.write_text(
        "exp(exp(exp(exp(exp(x)))))\nexp(exp(exp(exp(exp(x)))))*(sin(x)**2 + cos(x)**2)\n",
        encoding="utf-8",
    )
    proc = cli("check-derivation", str(path), "--timeout", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "line 2 ?" in proc.stdout
    assert "could not be decided" in proc.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--timeout", "0"], "--timeout"),
        (["--max-time", "-1"], "--max-time"),
        (["--points", "1"], "--points"),
    ],
)
def test_check_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    path = tmp_path / "ok.txt"
    path.write_text("x\n", encoding="utf-8")
    assert main(["check-derivation", str(path), *args]) == 2
    assert fragment in capsys.readouterr().err


def test_check_directory_and_binary_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-derivation", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    path = tmp_path / "bin.txt"
    path.write_bytes(b"\xff\xfe x")
    assert main(["check-derivation", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_derive_errata_rejects_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--errata", "--format", "latex"]) == 2
    assert "text or markdown" in capsys.readouterr().err
