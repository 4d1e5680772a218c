"""The fingerprints a checkpoint records (against independent computations: SHA-256 of
the arrays taken here, the schedule's rates) and the refusal to resume it in a run on
other data or with other settings, naming each difference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checkpoint_cases import GD_KWARGS, Y_BIN, Y_SOFT, X, write_gd_checkpoint

from sigmoid_neuron.estimators import LogisticRegression, SigmoidNeuron
from sigmoid_neuron.training import Checkpoint
from sigmoid_neuron.training.checkpoint import FORMAT


@pytest.fixture
def gd_checkpoint(tmp_path: Path) -> Path:
    return write_gd_checkpoint(tmp_path / "ck.json")


def _resume(path: Path, X_: np.ndarray, y_: np.ndarray, **changes: Any) -> None:
    kwargs = {**GD_KWARGS, **changes}
    LogisticRegression(**kwargs, callbacks=[Checkpoint(path, resume_from=path)]).fit(X_, y_)


@pytest.mark.parametrize(
    ("X_", "y_", "changes", "match"),
    [
        (X + np.r_[1e-9, 0, 0], Y_BIN, {}, r"training data differ \(checkpoint: 120 rows"),
        (X[:-1], Y_BIN[:-1], {}, "119 rows"),
        (X, 1 - Y_BIN, {}, "training data differ"),
        (X, Y_BIN, {"alpha": 0.1}, "alpha is 0.0001 in the checkpoint but 0.1 now"),
        (X, Y_BIN, {"l1_ratio": 0.5}, "l1_ratio is 0.0 in the checkpoint but 0.5 now"),
        (X, Y_BIN, {"penalty_factor": [0.0, 1.0, 1.0]}, "penalty_factor is None"),
        (X, Y_BIN, {"optimizer": "adam"}, "optimizer is 'gd' in the checkpoint but 'adam' now"),
        (X, Y_BIN, {"learning_rate": 0.5}, "learning-rate schedule differs"),
        (X, Y_BIN, {"batch_size": 10}, "batch_size is None in the checkpoint but 10 now"),
        (X, Y_BIN, {"tol": 1e-3}, "tol is None in the checkpoint but 0.001 now"),
        (X, Y_BIN, {"fit_intercept": False}, "n_params is 4 in the checkpoint but 3 now"),
        (X[:, :2], Y_BIN, {}, "n_params is 4 in the checkpoint but 3 now"),
        (X, Y_BIN, {"validation_fraction": 0.2}, "validation data differ"),
    ],
)
def test_resuming_other_data_or_settings_is_refused(
    gd_checkpoint: Path, X_: np.ndarray, y_: np.ndarray, changes: dict[str, Any], match: str
) -> None:
    before = gd_checkpoint.read_bytes()
    with pytest.raises(ValueError, match=match) as info:
        _resume(gd_checkpoint, X_, y_, **changes)
    assert "ck.json" in str(info.value) and "does not belong to this run" in str(info.value)
    assert gd_checkpoint.read_bytes() == before  # a refused resume never overwrites it


def test_a_cosine_schedule_of_another_length_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ck.json"
    kwargs = {"optimizer": "sgd", "learning_rate": "cosine", "tol": None, "random_state": 0}
    SigmoidNeuron(max_epochs=5, **kwargs, callbacks=[Checkpoint(path)]).fit(X, Y_SOFT)
    with pytest.raises(ValueError, match="learning-rate schedule differs"):
        SigmoidNeuron(max_epochs=9, **kwargs, callbacks=[Checkpoint(path, resume_from=path)]).fit(
            X, Y_SOFT
        )


def test_the_checkpoint_records_what_it_belongs_to(gd_checkpoint: Path) -> None:
    """Fingerprint fields against independent computations."""
    import hashlib

    doc = json.loads(gd_checkpoint.read_text())
    assert doc["format"] == FORMAT and doc["version"] == 1 and doc["max_epochs"] == 10
    data = doc["data"]
    assert (data["n_samples"], data["n_features"], data["n_outputs"]) == (120, 3, 1)
    assert data["total_weight"] == 120.0
    digest = hashlib.sha256()
    for a in (X, Y_BIN.reshape(-1, 1)):
        digest.update(f"{a.dtype.str}{a.shape};".encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    digest.update(b"none;")
    assert data["sha256"] == digest.hexdigest()
    settings_ = doc["settings"]
    assert settings_["optimizer"] == "gd" and settings_["loss"] == "BinaryCrossEntropy"
    assert settings_["learning_rates"] == [1.0] * len(settings_["learning_rates"])
    state = doc["state"]
    assert state["epoch"] == 10 and len(state["history"]["loss"]) == 10
    assert state["stop_reason"].startswith("ran max_epochs")


def test_an_offset_and_a_sparse_matrix_are_part_of_the_data(tmp_path: Path) -> None:
    import scipy.sparse

    path = write_gd_checkpoint(tmp_path / "ck.json")
    offset = np.linspace(-0.5, 0.5, X.shape[0])
    kwargs = {**GD_KWARGS, "callbacks": [Checkpoint(path, resume_from=path)]}
    with pytest.raises(ValueError, match="training data differ"):
        LogisticRegression(**kwargs).fit(X, Y_BIN, offset=offset)
    sparse = scipy.sparse.csr_matrix(X)
    other = sparse.copy()
    other.data[0] += 1e-9  # one stored value changed
    first = tmp_path / "sparse.json"
    LogisticRegression(**GD_KWARGS, callbacks=[Checkpoint(first, every=1)]).fit(sparse, Y_BIN)
    with pytest.raises(ValueError, match="training data differ"):
        resume = [Checkpoint(first, resume_from=first)]
        LogisticRegression(**GD_KWARGS, callbacks=resume).fit(other, Y_BIN)
