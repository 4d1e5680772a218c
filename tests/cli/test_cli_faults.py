"""Real faults under the real command line (``python -m sigmoid_neuron`` subprocesses):
a full disk (a 64 KiB tmpfs; mounting needs root, so the test skips with the reason
where it cannot mount), a file size limit (``ulimit -f``, no root needed), SIGKILL and
``--resume``, and six concurrent writers of one ``--out``.

Each refusal: exit 2, one line on stderr, the previous file byte for byte. Oracles: the
same command run once without the fault (bit-for-bit parameters, byte-for-byte files).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron.cli.main import main
from sigmoid_neuron.io.model_file import load_model
from sigmoid_neuron.training import load_checkpoint

FULL = "no space left on device; free some space on that file system or write the file elsewhere"


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "sigmoid_neuron", *map(str, args)]


def cli(*args: str | Path, cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        **kwargs,
    )


def refused(result: subprocess.CompletedProcess[str], command_name: str) -> str:
    """Exit 2, one line on stderr, no traceback, nothing on stdout: that line."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"sigmoid-neuron {command_name}: error: ")
    assert result.stdout == ""
    return lines[0]


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(size=200) > 0).astype(int)
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y).to_csv(path / "d.csv", index=False)
    result = cli("train", "d.csv", "--target", "y", "--out", "model.json", "--quiet", cwd=path)
    assert result.returncode == 0, result.stderr
    return path


# --------------------------------------------------------------------- a full disk


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs holding old outputs, then filled to the last byte."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk needs a small tmpfs: mounting one needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(directory: Path) -> None:
    with (directory / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 512)
        except OSError:
            pass
    with pytest.raises(OSError):
        (directory / "probe").write_bytes(b"\0" * 4096)


@pytest.mark.slow
def test_a_full_disk_keeps_every_previous_file(workdir: Path, full_disk: Path) -> None:
    previous = (workdir / "model.json").read_bytes()
    for name in ("m.json", "ck.json", "p.csv", "s.svg"):
        (full_disk / name).write_bytes(previous)
    _fill(full_disk)
    cases = [
        (("train", "d.csv", "--target", "y", "--out", full_disk / "m.json"), "--out", "m.json"),
        (
            (
                "train", "d.csv", "--target", "y", "--out", "unwritten.json",
                "--checkpoint", full_disk / "ck.json",
            ),
            "--checkpoint",
            "ck.json",
        ),
        (("predict", "model.json", "d.csv", "--out", full_disk / "p.csv"), "--out", "p.csv"),
        (("plot", "sigmoid", "--out", full_disk / "s.svg"), "--out", "s.svg"),
    ]  # fmt: skip
    for args, option, name in cases:
        line = refused(cli(*args, cwd=workdir), str(args[0]))
        assert f"{option} {str(full_disk / name)!r} cannot be written: {FULL}" in line, line
        assert (full_disk / name).read_bytes() == previous, name
        assert temporaries(full_disk) == []
    assert not (workdir / "unwritten.json").exists()


# --------------------------------------------------------------------- a file size limit


def _limit_file_size() -> None:  # in the child, before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killing signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))


def test_a_file_size_limit_keeps_the_previous_model(tmp_path: Path, workdir: Path) -> None:
    shutil.copy(workdir / "d.csv", tmp_path / "d.csv")
    previous = (workdir / "model.json").read_bytes()
    assert len(previous) > 256
    (tmp_path / "m.json").write_bytes(previous)
    result = cli(
        "train", "d.csv", "--target", "y", "--model", "logistic", "--out", "m.json",
        cwd=tmp_path, preexec_fn=_limit_file_size,
    )  # fmt: skip
    line = refused(result, "train")
    assert line.endswith(
        "--out 'm.json' cannot be written: file too large; the file size limit (ulimit -f) "
        "is too small for it; raise it (the previous 'm.json' is unchanged)"
    )
    assert (tmp_path / "m.json").read_bytes() == previous
    assert temporaries(tmp_path) == []


# --------------------------------------------------------------------- SIGKILL and resume

SLOW = ["--model", "logistic", "--optimizer", "gd", "--learning-rate", "0.5", "--epochs",
        "1500", "--tol", "none", "--quiet"]  # fmt: skip


@pytest.fixture(scope="module")
def slow_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rows enough that 1500 gd epochs take seconds (so a kill lands mid-run)."""
    path = tmp_path_factory.mktemp("sigkill")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 8))
    z = X @ rng.normal(size=8) + rng.normal(size=20000)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)]).assign(y=(z > 0).astype(int))
    frame.to_csv(path / "data.csv", index=False)
    return path


def theta(model: Any) -> np.ndarray:
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)]


@pytest.mark.slow
@pytest.mark.parametrize("epoch", [130, 655])
def test_sigkill_then_resume_equals_the_uninterrupted_run(slow_data: Path, epoch: int) -> None:
    """SIGKILL (nothing runs in the process: no handler, no final write) once the
    checkpoint reached ``epoch``; ``--resume`` ends on the uninterrupted run's
    parameters bit for bit, and says so if the kill left a temporary file."""
    reference = slow_data / "reference.json"
    if not reference.exists():
        done = cli("train", "data.csv", "--target", "y", *SLOW, "--out", reference, cwd=slow_data)
        assert done.returncode == 0, done.stderr
    out, ck = slow_data / f"killed_{epoch}.json", slow_data / f"ck_{epoch}.json"
    base = ["train", "data.csv", "--target", "y", *SLOW, "--out", out]
    proc = subprocess.Popen(
        command(*base, "--checkpoint", ck, "--checkpoint-every", "5"),
        cwd=slow_data,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (ck.exists() and json.loads(ck.read_text())["state"]["epoch"] >= epoch):
        assert proc.poll() is None, "the run ended before the kill: lengthen it"
        assert time.monotonic() < deadline, f"epoch {epoch} not checkpointed within 120 s"
        time.sleep(0.002)
    proc.kill()
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert not out.exists()  # killed: no model, and nothing half-written
    killed_at = load_checkpoint(ck).epoch  # a complete file (atomic writes)
    assert epoch <= killed_at < 1500
    left = [name for name in temporaries(slow_data) if name.startswith(f".{ck.name}.")]
    resumed = cli(*base, "--resume", ck, cwd=slow_data)
    assert resumed.returncode == 0, resumed.stderr
    if left:
        assert "removed" in resumed.stderr and left[0] in resumed.stderr
    assert temporaries(slow_data) == []
    np.testing.assert_array_equal(theta(load_model(out)), theta(load_model(reference)))
    assert load_checkpoint(ck).epoch == 1500


# --------------------------------------------------------------------- concurrent writers


@pytest.mark.slow
def test_six_concurrent_writers_of_one_file(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six ``train --out same.json`` at once, each with its own options: every run
    succeeds, and the file left is byte for byte the output of one of them run alone."""
    shutil.copy(workdir / "d.csv", tmp_path / "d.csv")
    runs = [
        ["--model", "logistic", "--optimizer", "gd", "--epochs", str(5 + i), "--tol", "none"]
        for i in range(6)
    ]
    procs = [
        subprocess.Popen(
            command("train", "d.csv", "--target", "y", *opts, "--out", "same.json", "--quiet"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for opts in runs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    alone = []  # each run alone, in this process (the same code computes the same bits)
    monkeypatch.chdir(tmp_path)
    for i, opts in enumerate(runs):
        status = main(["train", "d.csv", "--target", "y", *opts, "--out", f"alone_{i}.json",
                       "--quiet"])  # fmt: skip
        assert status == 0
        alone.append((tmp_path / f"alone_{i}.json").read_bytes())
    assert len(set(alone)) == 6  # the six outputs differ, so the match is informative
    final = (tmp_path / "same.json").read_bytes()
    assert final in alone
    assert temporaries(tmp_path) == []
