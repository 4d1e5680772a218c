"""The checkpoint file: a file written by hand in the documented format resumes (the
oracle: gradient descent written out with NumPy), and anything that is not a complete
checkpoint is one ValueError naming the file."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checkpoint_cases import Y_BIN, Y_SOFT, X, write_gd_checkpoint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigmoid_neuron.estimators import LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io.model_file import save_model
from sigmoid_neuron.objective import BinaryCrossEntropy, make_objective
from sigmoid_neuron.training import Checkpoint, TrainConfig, load_checkpoint, train
from sigmoid_neuron.training.checkpoint_file import checkpoint_from_dict


@pytest.fixture
def gd_checkpoint(tmp_path: Path) -> Path:
    return write_gd_checkpoint(tmp_path / "ck.json")


def _good_doc(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not valid JSON"),
        (b'{"format": "sigmoid-neuron-checkpoint", "vers', "not valid JSON.*truncated"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[1, 2]", "not a sigmoid-neuron checkpoint"),
        (b'{"hello": "world"}', "not a sigmoid-neuron checkpoint"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply|not a sigmoid-neuron checkpoint"),
        (b'{"format": "sigmoid-neuron-checkpoint", "version": 99}', "newer than this library"),
        (b'{"format": "sigmoid-neuron-checkpoint", "version": "1"}', "invalid format version"),
        (b'{"format": "sigmoid-neuron-checkpoint", "version": 1}', "trainer state"),
    ],
)
def test_corrupt_and_foreign_files_are_refused(content: bytes, match: str, tmp_path: Path) -> None:
    path = tmp_path / "ck.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        load_checkpoint(path)
    assert "ck.json" in str(info.value)


def test_a_model_file_is_named_as_such(tmp_path: Path) -> None:
    save_model(LogisticRegression().fit(X, Y_BIN), tmp_path / "model.json")
    with pytest.raises(ValueError, match="is a model file, not a checkpoint"):
        load_checkpoint(tmp_path / "model.json")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["state"].update(params=d["state"]["params"][:-1]), "holds 3 parameters"),
        (lambda d: d["state"].update(params=[1e400] * 4), "finite"),
        (lambda d: d["state"].update(params=[10**400] * 4), "malformed|too large"),
        (lambda d: d["state"].update(epoch=-1), "'epoch' must be an integer >= 0"),
        (lambda d: d["state"].update(optimizer="rmsprop"), "unknown optimizer"),
        (
            lambda d: d["state"]["rng"].update(bit_generator="os.system"),
            "unknown bit generator",
        ),
        (lambda d: d["state"]["rng"].update(state={"state": 1}), "malformed|state"),
        (lambda d: d["state"]["history"].update(loss=[10**400]), "finite|too large"),
        (lambda d: d.update(settings=[]), "settings must be a JSON object"),
        (lambda d: d.update(data="abc"), "data must be a JSON object"),
        (lambda d: d.update(metadata=[1]), "metadata must be a JSON object"),
    ],
)
def test_damaged_checkpoints_are_refused(gd_checkpoint: Path, edit: Any, match: str) -> None:
    doc = _good_doc(gd_checkpoint)
    edit(doc)
    gd_checkpoint.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=match):
        load_checkpoint(gd_checkpoint)


def test_the_file_is_replaced_atomically_and_every_version_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (disk full, kill) leaves the previous checkpoint."""
    from sigmoid_neuron.io import document as module

    path = tmp_path / "ck.json"
    real_dump = json.dump
    calls = {"n": 0}

    def dump(doc: Any, handle: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            text = json.dumps(doc, **kwargs)
            handle.write(text[: len(text) // 2])
            raise OSError("disk full")
        real_dump(doc, handle, **kwargs)

    monkeypatch.setattr(module.json, "dump", dump)
    model = SigmoidNeuron(optimizer="gd", max_epochs=10, tol=None, callbacks=[Checkpoint(path)])
    with pytest.raises(OSError, match="disk full"):
        model.fit(X, Y_SOFT)
    assert load_checkpoint(path).epoch == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.json"]


# ------------------------------------------------------------------ property-based


def _mutations() -> st.SearchStrategy[Any]:
    json_values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**400)
        | st.floats(allow_nan=False)
        | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )
    return json_values


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*prefix, i))
    return out


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_damaged_document_gives_a_value_error_or_a_usable_state(
    gd_checkpoint: Path, data: st.DataObject
) -> None:
    doc = _good_doc(gd_checkpoint)
    where = data.draw(st.sampled_from(_paths(doc)))
    value = data.draw(_mutations())
    if where == ():
        doc = value
    else:
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = value
    try:
        loaded = checkpoint_from_dict(doc, where="ck")
    except ValueError as exc:
        assert str(exc).startswith("ck") and len(str(exc)) < 2000
        return
    # accepted: then it is a state training can continue from
    state = loaded.state
    assert state.params.shape == (4,) and np.all(np.isfinite(state.params))
    assert math.isinf(state.best_loss) or math.isfinite(state.best_loss)
    obj = make_objective(X, Y_BIN, BinaryCrossEntropy())
    try:
        train(obj, state, TrainConfig("gd", 0.1, max_epochs=2, tol=None))
    except ValueError:
        pass  # e.g. a diverging restored state: a clear ValueError is fine


# ------------------------------------------------------------------ the documented format


def _mean_bce(theta: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """J = mean(log(1 + e^z) - y z) + alpha/2 ||w||^2 and its gradient, z = X w + b."""
    w, b = theta[:-1], theta[-1]
    z = X @ w + b
    value = np.mean(np.logaddexp(0.0, z) - Y_BIN * z) + 0.5 * alpha * w @ w
    r = 1.0 / (1.0 + np.exp(-z)) - Y_BIN
    return float(value), np.r_[X.T @ r / len(X) + alpha * w, r.mean()]


def test_a_checkpoint_written_by_hand_in_the_documented_format_resumes(tmp_path: Path) -> None:
    """Format version 1 as the checkpoint and fingerprint modules document it (no "stop"
    entry: files of earlier releases), written here by hand, not by write_checkpoint.
    Resuming its gd run from epoch 4 to 10 must give the iterates of gradient descent
    written out with NumPy: theta <- theta - grad J(theta)."""
    import hashlib

    alpha, rate = 1e-4, 1.0
    theta, losses = np.zeros(4), []
    path_of_thetas = []
    for _ in range(10):
        value, grad = _mean_bce(theta, alpha)
        losses.append(value)
        theta = theta - rate * grad
        path_of_thetas.append(theta)
    digest = hashlib.sha256()
    for a in (X, Y_BIN.reshape(-1, 1)):
        digest.update(f"{a.dtype.str}{a.shape};".encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    digest.update(b"none;")  # no sample weights
    doc = {
        "format": "sigmoid-neuron-checkpoint",
        "version": 1,
        "library_version": "0.1.0",
        "max_epochs": 4,
        "data": {
            "kind": "ArrayData",
            "n_samples": 120,
            "n_features": 3,
            "n_outputs": 1,
            "dtype": "float64",
            "total_weight": 120.0,
            "sha256": digest.hexdigest(),
        },
        "validation_data": None,
        "settings": {
            "optimizer": "gd",
            "loss": "BinaryCrossEntropy",
            "alpha": alpha,
            "fit_intercept": True,
            "n_params": 4,
            "batch_size": None,
            "shuffle": None,
            "tol": None,
            "n_iter_no_change": 5,
            "divergence_factor": 1e4,
            "learning_rates": [rate] * 10,
        },
        "state": {
            "params": path_of_thetas[3].tolist(),
            "optimizer": "gd",
            "opt_state": {"type": "gd", "count": 4},
            "epoch": 4,
            "history": {"loss": losses[:4], "val_loss": [], "learning_rate": [rate] * 4},
            "rng": {"bit_generator": "PCG64", "state": np.random.PCG64(7).state},
            "best_loss": None,
            "no_improvement": 0,
            "reference_loss": losses[0],
            "converged": False,
            "stop_reason": "ran max_epochs=4 epochs",
            "n_iter": 4,
            "exhausted": True,
        },
        "metadata": {"command": "train"},
    }
    path = tmp_path / "ck.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    saved = load_checkpoint(path)
    assert saved.epoch == 4 and saved.max_epochs == 4 and not saved.finished
    assert saved.metadata == {"command": "train"} and saved.library_version == "0.1.0"
    np.testing.assert_array_equal(saved.state.params, path_of_thetas[3])
    model = LogisticRegression(
        optimizer="gd",
        learning_rate=rate,
        alpha=alpha,
        tol=None,
        max_epochs=10,
        callbacks=[Checkpoint(tmp_path / "next.json", resume_from=path)],
    ).fit(X, Y_BIN)
    assert model.n_iter_ == 10
    np.testing.assert_allclose(
        np.r_[model.coef_.ravel(), model.intercept_], path_of_thetas[-1], rtol=1e-12
    )
    np.testing.assert_allclose(model.history_.loss, losses, rtol=1e-12)
