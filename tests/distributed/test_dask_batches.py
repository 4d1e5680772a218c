"""Mini-batch epochs over Dask blocks: ``DaskData.epoch_batches`` / ``n_batches`` run by
the one training loop ``train``.

Oracles: the in-memory loop ``train`` on the same rows (whose batches the streamed ones
reproduce in the cases below), the objective itself, and counts of passes and updates.
Dask's threaded scheduler stands in for a cluster (the estimator tests use the cluster).
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest

pytest.importorskip("distributed")

from sigmoid_neuron.distributed import DaskData, make_objective
from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    LinearObjective,
)
from sigmoid_neuron.training import (
    Callback,
    DivergenceError,
    StopReason,
    TrainConfig,
    TrainerState,
    train,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 3))
Y = (X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=400) > 0).astype(float)
SW = rng.uniform(0.5, 2.0, size=400)


@pytest.fixture(autouse=True)
def _threads():
    with dask.config.set(scheduler="threads"):
        yield


def _streamed(rows: int = 100, alpha: float = 0.01) -> LinearObjective:
    Xd = da.from_array(X, chunks=(rows, 3))
    obj = make_objective(Xd, da.from_array(Y, chunks=rows), BinaryCrossEntropy(), SW, alpha)
    assert isinstance(obj.data, DaskData)
    return obj


def _state(seed: int = 0) -> TrainerState:
    return TrainerState(params=np.zeros(4), rng=np.random.default_rng(seed))


def test_matches_the_in_memory_loop_when_the_batches_coincide() -> None:
    """Blocks of 100 rows, batches of 25, no shuffling: the in-memory batches exactly."""
    config = TrainConfig("nesterov", learning_rate=0.1, batch_size=25, max_epochs=3, tol=None)
    config = TrainConfig(**{**config.__dict__, "shuffle": False})
    ref = train(make_objective(X, Y, BinaryCrossEntropy(), SW, 0.01), _state(), config)
    obj = _streamed()
    passes = obj.data.n_passes
    got = train(obj, _state(), config)
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-12)
    np.testing.assert_allclose(got.history.loss, ref.history.loss, rtol=1e-12)
    assert got.opt_state.count == ref.opt_state.count == 3 * 16
    assert obj.data.n_passes == passes + 3  # one streamed pass over the blocks per epoch


def test_full_batch_is_one_pass_per_epoch_like_gd() -> None:
    config = TrainConfig("sgd", learning_rate=0.5, batch_size=10_000, max_epochs=4, tol=None)
    ref = train(make_objective(X, Y, BinaryCrossEntropy(), SW, 0.01), _state(), config)
    obj = _streamed()
    passes = obj.data.n_passes
    got = train(obj, _state(), config)
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-12)
    assert got.opt_state.count == 4
    assert obj.data.n_passes == passes + 4


def test_uneven_blocks_count_updates_per_block() -> None:
    obj = _streamed(rows=150)  # blocks of 150, 150, 100
    assert obj.data.n_batches(32) == 5 + 5 + 4 and obj.data.n_batches(400) == 1
    state = train(obj, _state(), TrainConfig("sgd", max_epochs=2, tol=None))
    assert state.opt_state.count == 2 * 14 and state.epoch == 2
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        obj.data.n_batches(0)


def test_stopping_callbacks_and_divergence() -> None:
    class StopAfterTwo(Callback):
        def __init__(self) -> None:
            self.events: list[str] = []

        def on_train_begin(self, state: TrainerState) -> None:
            self.events.append("begin")

        def on_epoch_end(self, state: TrainerState) -> bool:
            self.events.append(f"epoch {state.epoch}")
            return state.epoch >= 2

        def on_train_end(self, state: TrainerState) -> None:
            self.events.append("end")

    cb = StopAfterTwo()
    config = TrainConfig("adam", learning_rate=0.05, max_epochs=10, tol=None, callbacks=(cb,))
    state = train(_streamed(), _state(), config)
    assert cb.events == ["begin", "epoch 1", "epoch 2", "end"]
    assert state.stop is StopReason.CALLBACK and "StopAfterTwo" in state.stop_reason
    # scikit-learn's patience rule: stops once the loss stalls
    config = TrainConfig("sgd", learning_rate=0.05, max_epochs=500, tol=1e-2, n_iter_no_change=2)
    state = train(_streamed(), _state(), config)
    assert state.converged and state.epoch < 500
    # a rate far too large: DivergenceError, the last good parameters kept
    config = TrainConfig("sgd", learning_rate=1e6, batch_size=8, max_epochs=5, tol=None)
    bad = _state()
    with pytest.raises(DivergenceError, match="use a smaller learning_rate") as info:
        train(_streamed(), bad, config)
    assert info.value.state is bad and np.all(np.isfinite(bad.params))
    assert bad.stop is StopReason.DIVERGED


def test_a_full_batch_solver_on_blocks_reaches_the_in_memory_optimum() -> None:
    config = TrainConfig("lbfgs", max_epochs=200, tol=1e-10)
    ref = train(make_objective(X, Y, BinaryCrossEntropy(), SW, 0.01), _state(), config)
    got = train(_streamed(), _state(), config)
    assert got.stop is StopReason.CONVERGED
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-7, atol=1e-9)


def test_refuses_parameters_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="starting parameters have shape"):
        train(_streamed(), TrainerState(params=np.zeros(3)), TrainConfig("sgd"))
