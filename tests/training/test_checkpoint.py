"""The Checkpoint callback: a resumed fit equals the uninterrupted fit (the oracle: the
same fit run once without stopping; for lbfgs, scikit-learn's optimum), a divergence or a
failed write leaves the last good checkpoint, and its arguments are checked."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checkpoint_cases import (
    Y_BIN,
    Y_MULTI,
    Y_REAL,
    Y_SOFT,
    Crash,
    StopAt,
    X,
    params_of,
)
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.objective import ArrayData, BinaryCrossEntropy, LinearObjective, make_objective
from sigmoid_neuron.objective.array_data import block_batches
from sigmoid_neuron.training import (
    Callback,
    Checkpoint,
    TrainConfig,
    TrainerState,
    load_checkpoint,
    train,
)

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
    batches from ``block_batches``): the streamed loop without a cluster."""

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

    def epoch_batches(self, batch_size: int, shuffle: bool, rng: Any) -> Any:
        return block_batches(self.iter_blocks, self.n_blocks, batch_size, shuffle, rng)


def _streamed_run(path: Path, epochs: int, *callbacks: Any) -> TrainerState:
    data = make_objective(X, Y_BIN, BinaryCrossEntropy()).data
    objective = LinearObjective(Blocks(data, rows=50), alpha=1e-3)
    config = TrainConfig("sgd", 0.1, 16, max_epochs=epochs, tol=None, callbacks=callbacks)
    state = TrainerState(np.zeros(4), rng=np.random.default_rng(3))
    return train(objective, state, config)


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
