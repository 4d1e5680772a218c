"""The helpers the subcommands share: R^2 against scikit-learn's, a saved pipeline applied
as scikit-learn applies it, output checks that fail before any work."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score as sk_r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.cli.common import (
    Undefined,
    apply_model,
    check_writable,
    final_estimator,
    format_score,
    load_model_file,
    model_features,
    model_kind,
    n_outputs,
    r2_score,
    recorded_targets,
)
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io.model_file import save_model

rng = np.random.default_rng(2)
X = rng.normal(size=(60, 3))


def test_r2_is_scikit_learns_uniform_average() -> None:
    Y = X @ rng.normal(size=(3, 2)) + rng.normal(size=(60, 2))
    P = Y + rng.normal(scale=0.5, size=Y.shape)
    assert r2_score(Y[:, 0], P[:, 0]) == pytest.approx(sk_r2_score(Y[:, 0], P[:, 0]), rel=1e-12)
    assert r2_score(Y, P) == pytest.approx(sk_r2_score(Y, P), rel=1e-12)


def test_r2_of_a_constant_target_is_undefined_with_the_reason() -> None:
    score = r2_score(np.ones(5), np.arange(5.0))
    assert isinstance(score, Undefined) and "the target is constant" in score.reason
    Y = np.c_[np.arange(5.0), np.full(5, 2.0)]
    score = r2_score(Y, Y, targets=["u", "k"])
    assert isinstance(score, Undefined) and "target(s) 'k' of 2 are constant" in score.reason
    assert format_score(score).startswith("undefined (target(s) 'k'")
    assert format_score(0.123456789) == "0.123457"


def test_a_saved_pipeline_is_applied_as_scikit_learn_applies_it(tmp_path: Path) -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    fitted = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())]).fit(frame, y)
    save_model(fitted, tmp_path / "m.json", metadata={"target": "y", "model": "linear"})
    model, metadata = load_model_file(str(tmp_path / "m.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warning from an array input
        proba = apply_model(model, "predict_proba", X)
    np.testing.assert_allclose(proba, fitted.predict_proba(frame), rtol=1e-12, atol=1e-300)
    assert model_features(model, metadata, "m.json") == ["a", "b", "c"]
    assert model_kind(model, metadata) == "logistic"  # the class decides, not the metadata
    assert isinstance(final_estimator(model), LogisticRegression)
    assert n_outputs(model, "logistic") is None and recorded_targets(metadata) == ["y"]


def test_what_a_model_records_about_its_columns() -> None:
    multi = LinearRegression().fit(X[:, :2], X[:, 1:])
    assert n_outputs(multi, "linear") == 2
    assert n_outputs(LinearRegression().fit(X[:, :2], X[:, 2]), "linear") is None
    neuron = SigmoidNeuron().fit(X, (X[:, 0] > 0).astype(float))
    assert model_features(neuron, {"features": ["p", "q", "r"]}, "m.json") == ["p", "q", "r"]
    with pytest.raises(ValueError, match=r"MODEL 'm\.json' does not record its feature columns"):
        model_features(neuron, {}, "m.json")
    assert recorded_targets({"target": ["u", "v"]}) == ["u", "v"]
    assert recorded_targets({"target": 3}) is None


def test_model_files_that_are_not_there(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"MODEL '.*nope\.json' does not exist"):
        load_model_file(str(tmp_path / "nope.json"))
    with pytest.raises(ValueError, match="is a directory; pass a model file"):
        load_model_file(str(tmp_path))


def test_outputs_are_checked_before_any_work(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    check_writable(str(tmp_path / "out.csv"), "--out", str(data))
    with pytest.raises(ValueError, match=r"--out '.*d\.csv' is also an input file"):
        check_writable(str(data), "--out", str(data))
    with pytest.raises(ValueError, match="is a directory; pass a file name"):
        check_writable(str(tmp_path), "--out")
    with pytest.raises(OSError, match=r"directory '.*missing' does not exist"):
        check_writable(str(tmp_path / "missing" / "o.csv"), "--out")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(OSError, match="permission denied"):
            check_writable(str(locked / "o.csv"), "--out")
