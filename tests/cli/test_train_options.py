"""train's options: the estimator they ask for (the oracle: the parameters written out
here), and --resume filling in or refusing options from the checkpoint's record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sigmoid_neuron.cli.commands.train import add_arguments
from sigmoid_neuron.cli.train_options import build_estimator, prepare_resume, recorded_options
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.training import Checkpoint


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["data.csv", "--target", "y", "--out", "m.json", *argv])


def test_the_options_become_the_estimators_parameters() -> None:
    estimator = build_estimator(
        _args(
            "--model", "neuron", "--loss", "squared_error", "--optimizer", "adam",
            "--learning-rate", "0.05", "--epochs", "7", "--batch-size", "16",
            "--alpha", "0.5", "--tol", "none", "--seed", "3",
        )
    )  # fmt: skip
    assert isinstance(estimator, SigmoidNeuron)
    expected = {
        "loss": "squared_error",
        "optimizer": "adam",
        "learning_rate": 0.05,
        "max_epochs": 7,
        "batch_size": 16,
        "alpha": 0.5,
        "tol": None,
        "random_state": 3,
    }
    assert {k: estimator.get_params()[k] for k in expected} == expected
    assert build_estimator(_args("--learning-rate", "cosine")).learning_rate == "cosine"
    defaults = build_estimator(_args("--model", "logistic")).get_params()
    assert defaults == LogisticRegression().get_params()  # nothing given: the defaults
    assert type(build_estimator(_args("--model", "linear"))) is LinearRegression


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--model", "logistic", "--loss", "squared_error"), "--loss squared_error does not"),
        (("--epochs", "0"), "--epochs must be >= 1, got 0"),
        (("--batch-size", "0"), "--batch-size must be >= 1"),
        (("--alpha", "-1"), "--alpha must be >= 0"),
        (("--learning-rate", "-0.1"), "--learning-rate must be > 0"),
        (("--tol", "soon"), "--tol must be a number >= 0 or 'none', got 'soon'"),
    ],
)
def test_bad_options_name_themselves(argv: tuple[str, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build_estimator(_args(*argv))


def _checkpoint(tmp_path: Path, options: dict[str, Any]) -> Path:
    path = tmp_path / "ck.json"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(float)
    callback = Checkpoint(path, metadata={"command": "train", "options": options})
    SigmoidNeuron(max_epochs=2, tol=None, callbacks=[callback]).fit(X, y)
    return path


def test_resume_fills_in_what_was_left_out(tmp_path: Path) -> None:
    recorded = recorded_options(
        _args("--model", "neuron", "--learning-rate", "0.50", "--seed", "4")
    )
    path = _checkpoint(tmp_path, recorded)
    args = _args("--resume", str(path), "--learning-rate", "0.5", "--epochs", "9")
    prepare_resume(args)
    assert (args.model, args.seed, args.epochs) == ("neuron", 4, 9)  # --epochs may grow
    assert args.learning_rate == "0.5"  # given, and the same rate as the checkpoint's


def test_resume_refuses_other_options(tmp_path: Path) -> None:
    path = _checkpoint(tmp_path, recorded_options(_args("--alpha", "0.1")))
    with pytest.raises(ValueError, match=r"--alpha is 0\.1 in the checkpoint but 0\.2 now") as info:
        prepare_resume(_args("--resume", str(path), "--alpha", "0.2", "--standardize"))
    assert "--standardize was not used for the checkpoint" in str(info.value)
    with pytest.raises(ValueError, match="stored option --seed is not an integer"):
        prepare_resume(_args("--resume", str(_checkpoint(tmp_path, {"seed": "4"}))))
    with pytest.raises(ValueError, match="does not exist; pass the file written by --checkpoint"):
        prepare_resume(_args("--resume", str(tmp_path / "nope.json")))
    with pytest.raises(ValueError, match="is also --out"):
        prepare_resume(_args("--resume", "m.json"))
