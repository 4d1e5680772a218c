"""SIGINT / SIGTERM during a real ``sigmoid-neuron train`` subprocess: the checkpoint and
the model so far are written, and ``--resume`` finishes to exactly the parameters of an
uninterrupted run (the oracle: the same command run once without interruption)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron.io.model_file import load_model
from sigmoid_neuron.training import load_checkpoint

pytestmark = pytest.mark.slow

#: Two runs slow enough to be interrupted (a few seconds each on a loaded 2-core box):
#: full-batch gd, and shuffled mini-batch sgd whose random state must be restored.
CONFIGS = {
    "gd": "--model logistic --optimizer gd --learning-rate 0.5 --epochs 1500 --tol none",
    "sgd": (
        "--model neuron --optimizer sgd --batch-size 1000 --learning-rate 0.2 --seed 3 "
        "--epochs 150 --tol none"
    ),
}
EVERY = {"gd": 50, "sgd": 5}


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "sigmoid_neuron", *map(str, args)]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interrupt")
    rng = np.random.default_rng(0)
    n, d = 20000, 8
    X = rng.normal(size=(n, d))
    z = X @ rng.normal(size=d) + rng.normal(size=n)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(d)])
    frame.assign(y=(z > 0).astype(int)).to_csv(path / "data.csv", index=False)
    return path


def train_args(config: str, out: str, *extra: str) -> list[str]:
    return ["train", "data.csv", "--target", "y", *CONFIGS[config].split(), "--out", out, *extra]


def theta(model: Any) -> np.ndarray:
    """The flat parameter vector [w, b] of a fitted binary model."""
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)].astype(np.float64)


@pytest.fixture(scope="module")
def reference(workdir: Path) -> dict[str, Any]:
    """Each configuration run once, uninterrupted and without checkpoints."""
    models = {}
    for config in CONFIGS:
        out = f"reference_{config}.json"
        result = run(*train_args(config, out, "--quiet"), cwd=workdir)
        assert result.returncode == 0, result.stderr
        models[config] = load_model(workdir / out)
    return models


def start_and_interrupt(
    workdir: Path,
    args: list[str],
    checkpoint: Path,
    signals: list[int],
    epoch: int,
    delay: float,
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Start ``train``, wait until its checkpoint has reached ``epoch`` (the file is
    replaced atomically, so it can be read at any time), wait ``delay`` s more, send
    ``signals`` (50 ms apart); return the result and the seconds from the last signal to
    the exit. Waiting on epochs, not seconds, makes the point independent of the speed
    of the machine."""
    proc = subprocess.Popen(
        command(*args),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (
        checkpoint.exists() and json.loads(checkpoint.read_text())["state"]["epoch"] >= epoch
    ):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"epoch {epoch} not checkpointed within 60 s"
        time.sleep(0.005)
    time.sleep(delay)
    assert proc.poll() is None, "the run finished before the signal: lengthen it"
    for i, sig in enumerate(signals):
        if i:
            time.sleep(0.05)
        proc.send_signal(sig)
    sent = time.monotonic()
    stdout, stderr = proc.communicate(timeout=60)
    elapsed = time.monotonic() - sent
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), elapsed


def every_file_parses(directory: Path) -> None:
    """No temporary files left, and every JSON file is a complete model or checkpoint."""
    leftovers = [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    for path in directory.glob("*.json"):
        doc = json.loads(path.read_text())
        if doc["format"] == "sigmoid-neuron-checkpoint":
            load_checkpoint(path)
        else:
            load_model(path)


@pytest.mark.parametrize(
    ("config", "sig", "seed"),
    [
        ("gd", signal.SIGINT, 0),
        ("gd", signal.SIGTERM, 1),
        ("sgd", signal.SIGTERM, 2),
        ("sgd", signal.SIGINT, 3),
    ],
)
def test_interrupt_saves_and_resume_matches_the_uninterrupted_run(
    workdir: Path, reference: dict[str, Any], config: str, sig: int, seed: int, tmp_path: Path
) -> None:
    (tmp_path / "data.csv").write_bytes((workdir / "data.csv").read_bytes())
    args = train_args(
        config, "model.json", "--checkpoint", "ck.json", "--checkpoint-every", str(EVERY[config])
    )
    # a random point: a random checkpointed epoch in the first half, then up to 30 ms
    epochs = int(CONFIGS[config].split("--epochs ")[1].split()[0])
    draw = random.Random(seed)
    epoch = draw.randrange(EVERY[config], epochs // 2, EVERY[config])
    result, _ = start_and_interrupt(
        tmp_path, args, tmp_path / "ck.json", [sig], epoch, draw.uniform(0.0, 0.03)
    )

    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "checkpoint written to ck.json" in last and "model.json" in last
    assert "--resume ck.json" in last
    every_file_parses(tmp_path)

    checkpoint = load_checkpoint(tmp_path / "ck.json")
    assert not checkpoint.finished
    assert epoch <= checkpoint.epoch < epochs
    assert len(checkpoint.state.history.loss) == checkpoint.epoch
    so_far = load_model(tmp_path / "model.json")  # the model so far is a working model
    assert so_far.n_iter_ == checkpoint.epoch
    np.testing.assert_array_equal(theta(so_far), checkpoint.state.params)
    # the loss so far is the uninterrupted run's, epoch for epoch
    assert checkpoint.state.history.loss == reference[config].history_.loss[: checkpoint.epoch]

    resumed = run(*args, "--resume", "ck.json", "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    final = load_model(tmp_path / "model.json")
    np.testing.assert_array_equal(theta(final), theta(reference[config]))  # bit for bit
    assert final.history_.loss == reference[config].history_.loss
    assert final.n_iter_ == epochs
    end = load_checkpoint(tmp_path / "ck.json")  # the run's end: the budget is spent
    assert end.epoch == epochs and end.state.exhausted and not end.finished


@pytest.mark.timeout(120, method="signal")  # a run that waited out its 50 epochs would hang here
def test_a_second_sigint_exits_at_once_and_leaves_every_file_complete(
    workdir: Path, tmp_path: Path
) -> None:
    """Epochs of 20000 single-row sgd steps (about a second each): the first SIGINT asks
    for a stop at the end of the epoch, the second, 50 ms later, must not wait for it."""
    (tmp_path / "data.csv").write_bytes((workdir / "data.csv").read_bytes())
    args = [
        *"train data.csv --target y --model neuron --optimizer sgd --batch-size 1".split(),
        *"--learning-rate 0.01 --seed 3 --epochs 50 --tol none --out model.json".split(),
        *"--checkpoint ck.json --checkpoint-every 1".split(),
    ]
    delay = random.Random(4).uniform(0.0, 0.3)
    result, _ = start_and_interrupt(
        tmp_path, args, tmp_path / "ck.json", [signal.SIGINT, signal.SIGINT], 1, delay
    )
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    # the second signal's path: exit without finishing the epoch in progress
    assert "interrupted at once" in last and "ck.json" in last, last
    every_file_parses(tmp_path)
    checkpoint = load_checkpoint(tmp_path / "ck.json")
    assert 1 <= checkpoint.epoch < 50 and not checkpoint.finished
    assert f"(epoch {checkpoint.epoch})" in last


def test_without_checkpoint_option_an_interrupt_saves_beside_the_model(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """In process: the signal is sent to ourselves at the end of epoch 7."""
    from sigmoid_neuron.cli.main import main
    from sigmoid_neuron.training import Checkpoint

    (tmp_path / "data.csv").write_bytes((workdir / "data.csv").read_bytes())
    original = Checkpoint.on_epoch_end

    def on_epoch_end(self: Checkpoint, state: Any) -> bool | None:
        if state.epoch == 7:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, state)

    monkeypatch.setattr(Checkpoint, "on_epoch_end", on_epoch_end)
    monkeypatch.chdir(tmp_path)
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = main(train_args("gd", "model.json", "--quiet"))
        # the command is about to exit: further signals are ignored, not half-handled
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    err = capsys.readouterr().err
    assert status == 130, err
    assert "checkpoint written to model.checkpoint.json" in err
    checkpoint = load_checkpoint(tmp_path / "model.checkpoint.json")
    # the handler runs before the next bytecode: training stops after epoch 7 or 8
    assert checkpoint.epoch in (7, 8) and not checkpoint.finished
    assert load_model(tmp_path / "model.json").n_iter_ == checkpoint.epoch


def test_resume_refusals_name_what_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """In process, on a small table: a finished run's checkpoint resumes to the same
    model; other options, other data, a model file or a tampered checkpoint are refused."""
    from sigmoid_neuron.cli.main import main

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=(X[:, 0] > X[:, 1]).astype(int))
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.assign(a=frame["a"] + 1e-12).to_csv(tmp_path / "other.csv", index=False)
    monkeypatch.chdir(tmp_path)
    base = [*"train d.csv --target y --model logistic --optimizer adam --epochs 30".split()]
    base += ["--tol", "none", "--quiet", "--out", "m.json"]
    assert main([*base, "--checkpoint", "ck.json"]) == 0
    first = load_model("m.json")
    # leaving every option out takes them from the checkpoint: nothing left to train
    assert main(["train", "d.csv", "--target", "y", "--out", "m2.json", "--resume", "ck.json"]) == 0
    np.testing.assert_array_equal(theta(load_model("m2.json")), theta(first))
    capsys.readouterr()

    def refused(args: list[str], *needles: str) -> None:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        for needle in needles:
            assert needle in err, err

    resume = ["--resume", "ck.json"]
    refused(
        [*base, *resume, "--optimizer", "sgd"], "--optimizer is adam in the checkpoint but sgd now"
    )
    refused([*base, *resume, "--alpha", "0.5"], "--alpha was not given for the checkpoint")
    refused([*base, *resume, "--standardize"], "--standardize was not used for the checkpoint")
    other = [a if a != "d.csv" else "other.csv" for a in base]
    refused([*other, *resume], "does not belong to this run", "training data differ")
    refused([*base, "--resume", "m.json"], "--resume 'm.json' is also --out")
    refused([*base, "--resume", "m2.json"], "is a model file, not a checkpoint")
    refused([*base, "--resume", "missing.json"], "does not exist")
    doc = json.loads(Path("ck.json").read_text())
    doc["metadata"]["options"]["epochs"] = "many"
    Path("bad.json").write_text(json.dumps(doc))
    refused([*base, "--resume", "bad.json"], "--epochs is not an integer")
    refused([*base, "--checkpoint-every", "0", "--checkpoint", "c.json"], "--checkpoint-every")
