"""Checkpoints: a resumed fit equals the uninterrupted fit (the oracle: the same fit run
once without stopping; for lbfgs, scikit-learn's optimum), and anything that is not the
matching checkpoint is refused with a message naming what differs."""

from __future__ import annotations

import json
import math
import os
import signal
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io.model_file import save_model
from sigmoid_neuron.objective import ArrayData, BinaryCrossEntropy, LinearObjective, make_objective
from sigmoid_neuron.training import (
    Callback,
    Checkpoint,
    TrainConfig,
    TrainerState,
    load_checkpoint,
    stop_on_signals,
    train,
)
from sigmoid_neuron.training.checkpoint import FORMAT, checkpoint_from_dict
from sigmoid_neuron.training.streaming import is_streamable, train_streaming

rng = np.random.default_rng(11)
X = rng.normal(size=(120, 3))
Z = X @ np.array([1.5, -2.0, 0.7]) + 0.3
Y_BIN = (Z + rng.normal(size=120) > 0).astype(float)
Y_SOFT = 1 / (1 + np.exp(-Z))  # soft targets in (0, 1) for the neuron
Y_MULTI = np.digitize(Z + rng.normal(size=120), [-1.0, 1.0])  # three classes
Y_REAL = Z + 0.1 * rng.normal(size=120)


class StopAt(Callback):
    """Ask the checkpoint to stop (as Ctrl-C does) once ``epoch`` epochs are done."""

    def __init__(self, checkpoint: Checkpoint, epoch: int) -> None:
        self.checkpoint, self.epoch = checkpoint, epoch

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        if state.epoch >= self.epoch:
            self.checkpoint.request_stop()
        return None


class Crash(Callback):
    """Die like a killed process at the end of epoch ``epoch``."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        if state.epoch == self.epoch:
            raise KeyboardInterrupt
        return None


def params_of(model: Any) -> np.ndarray:
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)]


CASES = [
    (SigmoidNeuron, {"optimizer": "gd", "learning_rate": 2.0}, Y_SOFT),
    (
        SigmoidNeuron,
        {"loss": "squared_error", "optimizer": "nesterov", "learning_rate": 0.5},
        Y_SOFT,
    ),
    (
        LogisticRegression,
        {"optimizer": "sgd", "batch_size": 16, "learning_rate": "cosine", "eta0": 0.3},
        Y_MULTI,
    ),
    (LogisticRegression, {"optimizer": "adam", "learning_rate": 0.05, "batch_size": 50}, Y_BIN),
    (LinearRegression, {"optimizer": "momentum", "learning_rate": 0.05}, Y_REAL),
    (
        LogisticRegression,
        {"optimizer": "gd", "learning_rate": 1.0, "validation_fraction": 0.25},
        Y_BIN,
    ),
    (LogisticRegression, {"optimizer": "newton", "tol": 1e-12}, Y_MULTI),
]


@pytest.mark.parametrize(("cls", "params", "y"), CASES)
@pytest.mark.parametrize("stop", ["graceful", "crash"])
def test_resumed_fit_equals_the_uninterrupted_fit_bit_for_bit(
    cls: type, params: dict[str, Any], y: np.ndarray, stop: str, tmp_path: Path
) -> None:
    kwargs = {"max_epochs": 40, "tol": None, "random_state": 5, "alpha": 1e-3, **params}
    if kwargs["optimizer"] == "newton":
        kwargs["max_epochs"] = 8
    uninterrupted = cls(**kwargs).fit(X, y)
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path, every=3)
    at = 3 if kwargs["optimizer"] == "newton" else 17
    if stop == "graceful":  # as on Ctrl-C: stop after the epoch, checkpoint written
        cls(**kwargs, callbacks=[StopAt(checkpoint, at), checkpoint]).fit(X, y)
        assert load_checkpoint(path).epoch == at
    else:  # as on a kill: only the periodic checkpoint survives (epoch 15 for 17)
        with pytest.raises(KeyboardInterrupt):
            cls(**kwargs, callbacks=[checkpoint, Crash(at)]).fit(X, y)
        assert load_checkpoint(path).epoch == at // 3 * 3
    assert not load_checkpoint(path).finished
    resumed = cls(**kwargs, callbacks=[Checkpoint(path, resume_from=path)]).fit(X, y)
    np.testing.assert_array_equal(params_of(resumed), params_of(uninterrupted))
    assert resumed.history_.loss == uninterrupted.history_.loss
    assert resumed.history_.val_loss == uninterrupted.history_.val_loss
    assert resumed.history_.learning_rate == uninterrupted.history_.learning_rate
    assert resumed.n_iter_ == uninterrupted.n_iter_
    final = load_checkpoint(path)  # the final checkpoint records the end
    assert final.epoch == uninterrupted.n_iter_
    assert final.state.stop_reason and not (final.finished and final.state.exhausted)


def test_lbfgs_resume_restarts_the_solver_and_reaches_the_same_optimum(tmp_path: Path) -> None:
    """The weaker, documented guarantee: L-BFGS memory is not stored, so the resumed run
    restarts from the checkpoint's parameters; it must reach scikit-learn's optimum."""
    alpha = 1e-2
    kwargs = {"optimizer": "lbfgs", "alpha": alpha, "tol": 1e-10, "max_epochs": 500}
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path)
    LogisticRegression(**kwargs, callbacks=[StopAt(checkpoint, 3), checkpoint]).fit(X, Y_BIN)
    assert load_checkpoint(path).epoch == 3
    resumed = LogisticRegression(**kwargs, callbacks=[Checkpoint(path, resume_from=path)])
    resumed.fit(X, Y_BIN)
    sk = SkLogisticRegression(C=1 / (alpha * len(X)), tol=1e-12, max_iter=10_000).fit(X, Y_BIN)
    np.testing.assert_allclose(resumed.coef_, sk.coef_, rtol=1e-5)
    np.testing.assert_allclose(resumed.intercept_, sk.intercept_, rtol=1e-5)


@pytest.mark.parametrize("optimizer", ["gd", "newton"])
def test_a_larger_budget_continues_like_a_longer_run(optimizer: str, tmp_path: Path) -> None:
    """Running out of epochs is no stopping rule: resuming with a larger max_epochs
    continues to the result of a run given that budget from the start."""
    kwargs: dict[str, Any] = {"optimizer": optimizer, "tol": None, "alpha": 0.0}
    if optimizer == "gd":
        kwargs["learning_rate"] = 1.0
    short, long = (30, 50) if optimizer == "gd" else (3, 5)
    path = tmp_path / "ck.json"
    LogisticRegression(max_epochs=short, **kwargs, callbacks=[Checkpoint(path, every=10)]).fit(
        X, Y_BIN
    )
    saved = load_checkpoint(path)
    assert saved.epoch == short and not saved.finished and saved.state.exhausted
    same = LogisticRegression(
        max_epochs=short, **kwargs, callbacks=[Checkpoint(path, resume_from=path)]
    )
    assert same.fit(X, Y_BIN).n_iter_ == short  # nothing left of the same budget
    longer = LogisticRegression(max_epochs=long, **kwargs).fit(X, Y_BIN)
    resumed = LogisticRegression(
        max_epochs=long, **kwargs, callbacks=[Checkpoint(path, resume_from=path)]
    ).fit(X, Y_BIN)
    if optimizer == "gd":
        np.testing.assert_array_equal(params_of(resumed), params_of(longer))
        assert resumed.history_.loss == longer.history_.loss
    else:
        # Newton iterates on standardised columns; a resumed run maps the saved
        # parameters into those coordinates again, which costs the last bit
        np.testing.assert_allclose(params_of(resumed), params_of(longer), rtol=1e-13)
        np.testing.assert_allclose(resumed.history_.loss, longer.history_.loss, rtol=1e-14)


def test_early_stopping_resumes_to_the_same_stopping_epoch(tmp_path: Path) -> None:
    kwargs = {"optimizer": "gd", "learning_rate": 1.0, "tol": 1e-6, "max_epochs": 2000}
    uninterrupted = LogisticRegression(**kwargs).fit(X, Y_BIN)
    assert uninterrupted.n_iter_ < 2000
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path, every=7)
    with pytest.raises(KeyboardInterrupt):
        LogisticRegression(**kwargs, callbacks=[checkpoint, Crash(uninterrupted.n_iter_ - 2)]).fit(
            X, Y_BIN
        )
    resumed = LogisticRegression(**kwargs, callbacks=[Checkpoint(path, resume_from=path)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged: no ConvergenceWarning
        resumed.fit(X, Y_BIN)
    assert resumed.n_iter_ == uninterrupted.n_iter_
    np.testing.assert_array_equal(params_of(resumed), params_of(uninterrupted))
    # resuming the finished run again changes nothing and warns about nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = LogisticRegression(**kwargs, callbacks=[Checkpoint(path, resume_from=path)])
        again.fit(X, Y_BIN)
    np.testing.assert_array_equal(params_of(again), params_of(uninterrupted))


@pytest.fixture
def gd_checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "ck.json"
    kwargs = {"optimizer": "gd", "learning_rate": 1.0, "tol": None, "max_epochs": 10}
    LogisticRegression(**kwargs, callbacks=[Checkpoint(path, every=5)]).fit(X, Y_BIN)
    return path


def _resume(path: Path, X_: np.ndarray, y_: np.ndarray, **changes: Any) -> None:
    kwargs = {"optimizer": "gd", "learning_rate": 1.0, "tol": None, "max_epochs": 10}
    kwargs.update(changes)
    LogisticRegression(**kwargs, callbacks=[Checkpoint(path, resume_from=path)]).fit(X_, y_)


@pytest.mark.parametrize(
    ("X_", "y_", "changes", "match"),
    [
        (X + np.r_[1e-9, 0, 0], Y_BIN, {}, r"training data differ \(checkpoint: 120 rows"),
        (X[:-1], Y_BIN[:-1], {}, "119 rows"),
        (X, 1 - Y_BIN, {}, "training data differ"),
        (X, Y_BIN, {"alpha": 0.1}, "alpha is 0.0001 in the checkpoint but 0.1 now"),
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


def test_divergence_leaves_the_last_good_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ck.json"
    Xl = np.c_[X, 3 * X[:, :1]] * 3
    model = LinearRegression(
        optimizer="gd", learning_rate=0.35, max_epochs=500, tol=None, callbacks=[Checkpoint(path)]
    )
    with pytest.raises(ValueError, match="diverged"):
        model.fit(Xl, Y_REAL)
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == model.n_iter_  # the last complete epoch, not the bad one
    assert np.all(np.isfinite(checkpoint.state.params))
    assert len(checkpoint.state.history.loss) == checkpoint.epoch


def test_divergence_message_claims_nothing_was_kept_or_saved(tmp_path: Path) -> None:
    """The message says where training stopped; whether anything was saved is the
    caller's to say (issue 19): no 'were kept'. The checkpoint written before the
    divergence is byte-identical afterwards."""
    path = tmp_path / "ck.json"
    Xl = np.c_[X, 3 * X[:, :1]] * 3
    snapshots: dict[int, bytes] = {}

    class Snapshot(Callback):
        def on_epoch_end(self, state: TrainerState) -> bool | None:
            snapshots[state.epoch] = path.read_bytes()
            return None

    model = LinearRegression(
        optimizer="gd",
        learning_rate=0.35,
        max_epochs=500,
        tol=None,
        callbacks=[Checkpoint(path, every=1), Snapshot()],
    )
    with pytest.raises(ValueError) as info:
        model.fit(Xl, Y_REAL)
    message = str(info.value)
    assert "kept" not in message and "saved" not in message
    assert "it stopped at the last parameters with a finite loss" in message
    assert "\n" not in message
    assert path.read_bytes() == snapshots[max(snapshots)]  # untouched by the divergence


def test_a_failed_checkpoint_write_names_the_file_and_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sigmoid_neuron.io import atomic
    from sigmoid_neuron.io.atomic import WriteError

    path = tmp_path / "ck.json"
    LogisticRegression(
        optimizer="gd", max_epochs=3, tol=None, callbacks=[Checkpoint(path, every=1)]
    ).fit(X, Y_BIN)
    previous = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    model = LogisticRegression(
        optimizer="gd", max_epochs=5, tol=None, callbacks=[Checkpoint(path, every=1)]
    )
    with pytest.raises(WriteError) as info:
        model.fit(X, Y_BIN)
    assert str(info.value) == (
        f"checkpoint {str(path)!r} cannot be written: no space left on device; free some "
        "space on that file system or write the file elsewhere (the previous 'ck.json' is "
        "unchanged)"
    )
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.json"]


class Blocks:
    """In-memory rows served block by block as DaskData streams them (``iter_blocks``,
    no ``subset``): the streamed loop without a cluster."""

    def __init__(self, data: ArrayData, rows: int) -> None:
        self._data = data
        self.loss, self.dtype = data.loss, data.dtype
        self.n_features, self.n_outputs = data.n_features, data.n_outputs
        self.total_weight = data.total_weight
        self.n_samples = data.n_samples
        self._starts = list(range(0, self.n_samples, rows))
        self.block_rows = tuple(min(rows, self.n_samples - s) for s in self._starts)
        self.n_blocks = len(self._starts)

    def sums(self, coef: np.ndarray, intercept: np.ndarray, order: int) -> Any:
        return self._data.sums(coef, intercept, order)

    def iter_blocks(self, order: Any) -> Any:
        for j in order:
            start = self._starts[j]
            yield self._data.subset(np.arange(start, start + self.block_rows[j]))


def _streamed_run(path: Path, epochs: int, *callbacks: Any) -> TrainerState:
    data = make_objective(X, Y_BIN, BinaryCrossEntropy()).data
    objective = LinearObjective(Blocks(data, rows=50), alpha=1e-3)
    assert is_streamable(objective.data)
    config = TrainConfig("sgd", 0.1, 16, max_epochs=epochs, tol=None, callbacks=callbacks)
    state = TrainerState(np.zeros(4), rng=np.random.default_rng(3))
    return train_streaming(objective, state, config)


def test_a_streamed_run_that_used_its_budget_continues_with_a_larger_one(tmp_path: Path) -> None:
    path = tmp_path / "ck.json"
    _streamed_run(path, 10, Checkpoint(path, every=5))
    saved = load_checkpoint(path)
    assert saved.epoch == 10 and saved.state.exhausted and not saved.finished
    straight = _streamed_run(path, 20)
    resumed = _streamed_run(path, 20, Checkpoint(path, resume_from=path))
    assert resumed.epoch == 20
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert resumed.history.loss == straight.history.loss


def test_a_failing_streamed_run_writes_no_checkpoint_after_the_failure(tmp_path: Path) -> None:
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path, every=3)
    with pytest.raises(KeyboardInterrupt):
        _streamed_run(path, 40, checkpoint, Crash(17))
    saved = load_checkpoint(path)
    assert saved.epoch == 15 and not saved.finished  # the periodic one, not epoch 17
    resumed = _streamed_run(path, 40, Checkpoint(path, resume_from=path))
    straight = _streamed_run(path, 40)
    np.testing.assert_array_equal(resumed.params, straight.params)


def test_checkpoint_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every must be an integer >= 1 or None"):
        Checkpoint(tmp_path / "ck.json", every=0)
    with pytest.raises(TypeError, match="metadata must be a dict"):
        Checkpoint(tmp_path / "ck.json", metadata=[1])  # type: ignore[arg-type]
    model = SigmoidNeuron(callbacks=[Checkpoint(tmp_path / "no" / "ck.json")])
    with pytest.raises(OSError, match=r"directory .* does not exist"):
        model.fit(X, Y_SOFT)
    with pytest.raises(FileNotFoundError):
        SigmoidNeuron(callbacks=[Checkpoint(tmp_path / "a.json", resume_from="nope.json")]).fit(
            X, Y_SOFT
        )


def test_the_file_is_replaced_atomically_and_every_version_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (disk full, kill) leaves the previous checkpoint."""
    from sigmoid_neuron.training import checkpoint as module

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


def test_stop_on_signals_turns_sigint_into_a_graceful_stop(tmp_path: Path) -> None:
    """The signal is sent to this process at the end of epoch 4; training stops there,
    the checkpoint is written, and the previous handler is back afterwards."""
    path = tmp_path / "ck.json"
    checkpoint = Checkpoint(path, every=None)

    class Kill(Callback):
        def on_epoch_end(self, state: TrainerState) -> bool | None:
            if state.epoch == 4:
                os.kill(os.getpid(), signal.SIGINT)
            return None

    before = signal.getsignal(signal.SIGINT)
    model = SigmoidNeuron(optimizer="gd", max_epochs=50, tol=None, callbacks=[Kill(), checkpoint])
    with stop_on_signals(checkpoint) as received:
        model.fit(X, Y_SOFT)
    assert received == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    assert model.n_iter_ == 4
    saved = load_checkpoint(path)
    assert saved.epoch == 4 and not saved.finished
    # a signal before training started (or a second one) raises KeyboardInterrupt at once
    fresh = Checkpoint(tmp_path / "other.json")
    with pytest.raises(KeyboardInterrupt), stop_on_signals(fresh):
        os.kill(os.getpid(), signal.SIGINT)
    assert fresh.aborted and not (tmp_path / "other.json").exists()


def test_the_checkpoint_records_what_it_belongs_to(gd_checkpoint: Path) -> None:
    """Fingerprint fields against independent computations."""
    import hashlib

    doc = _good_doc(gd_checkpoint)
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
