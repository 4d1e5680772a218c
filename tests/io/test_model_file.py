"""Model files: exact round trips, and clear refusals of anything that is not one."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io import model_file
from sigmoid_neuron.io.model_file import load_model, read_model_file, save_model

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])


@functools.cache
def _fitted_models() -> dict[str, tuple[Any, np.ndarray]]:
    X = X_IRIS
    binary = Y_IRIS == 2
    return {
        "neuron": (SigmoidNeuron().fit(X, binary.astype(float)), X),
        "neuron_float32": (
            SigmoidNeuron(loss="squared_error").fit(X.astype(np.float32), binary),
            X.astype(np.float32),
        ),
        "logistic_strings": (LogisticRegression().fit(X, NAMES[Y_IRIS]), X),
        "logistic_bool": (LogisticRegression(optimizer="newton").fit(X, binary), X),
        "logistic_object": (LogisticRegression().fit(X, NAMES[Y_IRIS].astype(object)), X),
        "linear": (LinearRegression().fit(X[:, 1:], X[:, 0]), X[:, 1:]),
        "linear_multi": (LinearRegression(alpha=0.1).fit(X[:, 2:], X[:, :2]), X[:, 2:]),
        "pipeline": (
            Pipeline(
                [
                    ("scaler", StandardScaler()),
                    (
                        "model",
                        LogisticRegression(
                            optimizer="sgd", random_state=0, max_epochs=20, tol=None
                        ),
                    ),
                ]
            ).fit(X, Y_IRIS),
            X,
        ),
        "pipeline_no_mean": (
            Pipeline(
                [("scaler", StandardScaler(with_mean=False)), ("model", LinearRegression())]
            ).fit(X[:, 1:], X[:, 0]),
            X[:, 1:],
        ),
    }


@pytest.mark.parametrize("name", list(_fitted_models()))
def test_round_trip_gives_identical_predictions(name: str, tmp_path: Path) -> None:
    model, X = _fitted_models()[name]
    path = tmp_path / "model.json"
    metadata = {"features": ["a", "b"], "target": "y", "nested": {"k": [1, 2.5, None]}}
    save_model(model, path, metadata=metadata)
    loaded, meta = read_model_file(path)
    assert meta == metadata
    assert type(loaded) is type(model)
    methods = [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "predict_logit",
    ]
    for method in methods:
        if hasattr(model, method):
            np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))
            assert getattr(loaded, method)(X).dtype == getattr(model, method)(X).dtype
    final = loaded[-1] if isinstance(loaded, Pipeline) else loaded
    original = model[-1] if isinstance(model, Pipeline) else model
    assert final.get_params() == original.get_params()
    assert final.n_iter_ == original.n_iter_
    assert final.history_.loss == original.history_.loss
    doc = json.loads(path.read_text())
    assert doc["format"] == "sigmoid-neuron-model" and doc["version"] == 1


def test_pipeline_stores_the_scaler_explicitly(tmp_path: Path) -> None:
    model, _ = _fitted_models()["pipeline"]
    save_model(model, tmp_path / "p.json")
    doc = json.loads((tmp_path / "p.json").read_text())
    scaler = doc["steps"][0]
    assert scaler["class"] == "StandardScaler"
    np.testing.assert_array_equal(scaler["attributes"]["mean_"]["data"], X_IRIS.mean(axis=0))
    np.testing.assert_array_equal(scaler["attributes"]["scale_"]["data"], X_IRIS.std(axis=0))


def test_feature_names_survive(tmp_path: Path) -> None:
    frame = pd.DataFrame(X_IRIS, columns=["sl", "sw", "pl", "pw"])
    model = LogisticRegression().fit(frame, Y_IRIS)
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    assert list(loaded.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))


def test_continue_training_a_loaded_model(tmp_path: Path) -> None:
    model = LogisticRegression(optimizer="adam", learning_rate=0.05, max_epochs=5, tol=None)
    model.fit(X_IRIS, Y_IRIS)
    save_model(model, tmp_path / "m.json")
    loaded = load_model(tmp_path / "m.json")
    loaded.partial_fit(X_IRIS, Y_IRIS)  # starts from the saved coefficients and classes
    z = X_IRIS @ model.coef_.T + model.intercept_
    expected = log_loss(Y_IRIS, softmax(z, axis=1)) + 0.5 * model.alpha * np.sum(model.coef_**2)
    assert loaded.history_.loss[0] == pytest.approx(expected, rel=1e-12)


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc))
    return path


@functools.cache
def _good_text() -> str:
    return json.dumps(model_file.model_to_dict(LogisticRegression().fit(X_IRIS, Y_IRIS)))


def _good_doc() -> dict[str, Any]:
    return json.loads(_good_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: {"hello": "world"}, "not a sigmoid-neuron model file"),
        (lambda d: [1, 2, 3], "not a sigmoid-neuron model file"),
        (lambda d: {**d, "version": 2}, "newer than this library reads.*upgrade"),
        (lambda d: {**d, "version": "1"}, "invalid format version"),
        (lambda d: {**d, "class": "RandomForest"}, "class 'RandomForest'"),
        (lambda d: {**d, "params": {**d["params"], "bogus": 1}}, "does not accept"),
        (lambda d: {**d, "params": {**d["params"], "alpha": -1}}, "invalid parameter.*alpha"),
        (
            lambda d: _set(d, "coef_", {"dtype": "float64", "shape": [3, 3], "data": [0.0] * 9}),
            "shape",
        ),
        (
            lambda d: _set(d, "coef_", {"dtype": "float64", "shape": [3, 4], "data": [0.0] * 11}),
            "holds 11 values",
        ),
        (
            lambda d: _set(d, "coef_", {"dtype": "float64", "shape": [3, 4], "data": [1e400] * 12}),
            "non-finite",
        ),
        (lambda d: _set(d, "coef_", {"dtype": "int8", "shape": [3, 4], "data": [0] * 12}), "dtype"),
        (
            lambda d: _set(d, "coef_", {"dtype": "float64", "shape": [3, 4], "data": ["0"] * 12}),
            "numbers only",
        ),
        (
            lambda d: _set(d, "intercept_", {"dtype": "float64", "shape": [2], "data": [0.0, 0.0]}),
            "intercept_",
        ),
        (lambda d: _set(d, "classes_", {"kind": "int64", "data": [0, 1, 1]}), "distinct"),
        (lambda d: _set(d, "classes_", {"kind": "int64", "data": [0, 1.5, 2]}), "wrong type"),
        (lambda d: _set(d, "n_features_in_", 5), "needs"),
        (lambda d: _set(d, "history_", {"loss": ["x"]}), "history"),
    ],
)
def test_invalid_documents_are_refused(mutate: Any, match: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.json", mutate(_good_doc()))
    with pytest.raises(ValueError, match=match) as info:
        load_model(path)
    assert "bad.json" in str(info.value)


def _set(doc: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    doc["attributes"][key] = value
    return doc


def test_a_billion_coefficients_are_refused_before_allocating(tmp_path: Path) -> None:
    doc = _good_doc()
    doc["attributes"]["coef_"] = {"dtype": "float64", "shape": [1, 10**9], "data": [0.0]}
    path = _write(tmp_path / "huge.json", doc)
    with pytest.raises(ValueError, match="declares 1000000000 values but the file is too short"):
        load_model(path)


def test_oversized_file_is_refused_by_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    save_model(LogisticRegression().fit(X_IRIS, Y_IRIS), path)
    monkeypatch.setattr(model_file, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match="more than the 100 bytes"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b'{"format": "sigmoid-neuron-model", "version": 1, ', "not valid JSON.*line 1"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not a sigmoid-neuron model file"),
        (b'{"format": "sigmoid-neuron-model", "version": NaN}', "non-finite number NaN"),
        (b"", "not valid JSON"),
    ],
)
def test_corrupt_files_are_refused(content: bytes, match: str, tmp_path: Path) -> None:
    path = tmp_path / "corrupt.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        load_model(path)


def test_saving_checks_the_model_and_metadata(tmp_path: Path) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression as SkLogistic

    with pytest.raises(NotFittedError):
        save_model(LogisticRegression(), tmp_path / "m.json")
    with pytest.raises(TypeError, match="model must be a fitted SigmoidNeuron"):
        save_model(SkLogistic(max_iter=1000).fit(X_IRIS, Y_IRIS), tmp_path / "m.json")
    model = LogisticRegression().fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="metadata must be JSON-serialisable"):
        save_model(model, tmp_path / "m.json", metadata={"when": object()})
    with pytest.raises(TypeError, match="metadata must be a dict"):
        save_model(model, tmp_path / "m.json", metadata=["a"])  # type: ignore[arg-type]
    assert not (tmp_path / "m.json").exists()


def test_callbacks_are_not_saved_but_listed(tmp_path: Path) -> None:
    from sigmoid_neuron.training import RecordParameters

    model = SigmoidNeuron(callbacks=[RecordParameters()]).fit(X_IRIS, Y_IRIS == 0)
    save_model(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["params_not_saved"] == ["callbacks"]
    assert load_model(tmp_path / "m.json").callbacks is None


def test_a_failure_mid_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    old = LogisticRegression().fit(X_IRIS, Y_IRIS)
    save_model(old, path)
    before = path.read_bytes()

    def failing_dump(doc: Any, handle: Any, **kwargs: Any) -> None:
        text = json.dumps(doc, **kwargs)
        handle.write(text[: len(text) // 2])  # half the new document reaches the disk
        raise OSError("disk full")

    monkeypatch.setattr(model_file.json, "dump", failing_dump)
    new = LinearRegression().fit(X_IRIS[:, 1:], X_IRIS[:, 0])
    with pytest.raises(OSError, match="disk full"):
        save_model(new, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temporary file left
    np.testing.assert_array_equal(load_model(path).predict(X_IRIS), old.predict(X_IRIS))


# ------------------------------------------------------------------ the documented format


def test_a_model_file_written_by_hand_in_the_documented_format_loads(tmp_path: Path) -> None:
    """Format version 1 as the module docstring documents it, written here by hand (not
    by save_model): files of earlier releases keep loading and predict what their
    numbers say (the oracle: the logistic model evaluated with SciPy)."""
    from scipy.special import expit

    w, b = np.array([1.5, -2.0, 0.25]), 0.5
    doc = {
        "format": "sigmoid-neuron-model",
        "version": 1,
        "library_version": "0.1.0",
        "class": "LogisticRegression",
        "params": {"alpha": 0.001, "optimizer": "gd"},
        "params_not_saved": ["callbacks"],
        "attributes": {
            "coef_": {"dtype": "float64", "shape": [1, 3], "data": w.tolist()},
            "intercept_": {"dtype": "float64", "shape": [1], "data": [b]},
            "classes_": {"kind": "str", "data": ["ham", "spam"]},
            "n_features_in_": 3,
            "n_iter_": 7,
            "feature_names_in_": ["a", "b", "c"],
            "history_": {"loss": [0.7, 0.5], "val_loss": [], "learning_rate": [0.1, 0.1]},
        },
        "metadata": {"target": "kind"},
    }
    path = _write(tmp_path / "m.json", doc)
    model, metadata = read_model_file(path)
    assert metadata == {"target": "kind"}
    assert isinstance(model, LogisticRegression)
    assert model.get_params()["alpha"] == 0.001 and model.get_params()["optimizer"] == "gd"
    assert model.get_params()["max_epochs"] == LogisticRegression().max_epochs  # default
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=["a", "b", "c"])
    z = frame.to_numpy() @ w + b
    np.testing.assert_allclose(model.predict_proba(frame)[:, 1], expit(z), rtol=1e-14)
    assert list(model.predict(frame)) == ["spam" if v > 0 else "ham" for v in z]
    assert model.n_iter_ == 7 and model.history_.loss == [0.7, 0.5]
    assert list(model.feature_names_in_) == ["a", "b", "c"]


def test_a_pipeline_written_by_hand_in_the_documented_format_loads(tmp_path: Path) -> None:
    """A StandardScaler step and a float32 LinearRegression, by hand: the prediction is
    ((x - mean_) / scale_) w + b, computed here with NumPy."""
    mean, scale = np.array([1.0, -3.0]), np.array([2.0, 0.5])
    w, b = np.array([0.5, -1.25], dtype=np.float32), np.float32(0.75)
    scaler = {
        "name": "scaler",
        "class": "StandardScaler",
        "params": {"copy": True, "with_mean": True, "with_std": True},
        "attributes": {
            "n_features_in_": 2,
            "mean_": {"dtype": "float64", "shape": [2], "data": mean.tolist()},
            "scale_": {"dtype": "float64", "shape": [2], "data": scale.tolist()},
            "var_": {"dtype": "float64", "shape": [2], "data": (scale**2).tolist()},
            "n_samples_seen_": 10,
        },
    }
    linear = {
        "name": "model",
        "class": "LinearRegression",
        "params": {},
        "attributes": {
            "coef_": {"dtype": "float32", "shape": [2], "data": w.tolist()},
            "intercept_": {"dtype": "float32", "shape": [], "data": [float(b)]},
            "n_features_in_": 2,
            "n_iter_": 1,
        },
    }
    doc = {
        "format": "sigmoid-neuron-model",
        "version": 1,
        "class": "Pipeline",
        "steps": [scaler, linear],
        "metadata": None,
    }
    model, metadata = read_model_file(_write(tmp_path / "p.json", doc))
    assert metadata is None and isinstance(model, Pipeline)
    X = np.random.default_rng(1).normal(size=(20, 2)).astype(np.float32)
    expected = ((X - mean) / scale).astype(np.float32) @ w + b
    prediction = model.predict(X)
    assert prediction.dtype == np.float32
    np.testing.assert_allclose(prediction, expected, rtol=1e-6)
    assert model[-1].intercept_ == b and model[0].n_samples_seen_ == 10


def test_parameters_json_would_change_are_listed_not_saved(tmp_path: Path) -> None:
    """A dict keyed by numbers comes back from JSON keyed by strings: such a parameter
    falls back to its default and is listed, never saved changed."""
    model = SigmoidNeuron(max_epochs=3, tol=None).fit(X_IRIS, Y_IRIS == 0)
    model.set_params(schedule_params={1: 0.5}, eta0=0.25)
    save_model(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["params_not_saved"] == ["schedule_params"]
    loaded = load_model(tmp_path / "m.json")
    assert loaded.schedule_params is None and loaded.eta0 == 0.25
