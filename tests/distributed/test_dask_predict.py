"""Lazy predictions: a Dask array, nothing computed until asked, equal to NumPy's."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, softmax

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from sigmoid_neuron.distributed import predict_blocks  # noqa: E402
from sigmoid_neuron.objective import BinaryCrossEntropy, MultinomialCrossEntropy  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(700, 4))
W = rng.normal(size=(3, 4))
B = rng.normal(size=3)


def _proba(block, coef, intercept):
    return MultinomialCrossEntropy().predict(block @ coef.T + intercept)


def test_lazy_on_the_cluster_and_equal_to_numpy(client) -> None:
    Xd = da.from_array(X, chunks=(100, 2))
    with distributed.get_task_stream(client) as ts:
        proba = predict_blocks(Xd, _proba, W, B, n_outputs=3)
    # building the prediction ran nothing of its graph (the shared cluster may still be
    # finishing or releasing another test's tasks: those are not this graph's keys)
    ours = {str(key) for key in proba.__dask_graph__()}
    assert [t for t in ts.data if str(t["key"]) in ours] == []
    assert isinstance(proba, da.Array)
    assert proba.shape == (700, 3) and proba.chunks[0] == Xd.chunks[0]
    with distributed.get_task_stream(client) as ts:
        out = proba.compute()
    assert len(ts.data) >= proba.numblocks[0]
    np.testing.assert_allclose(out, softmax(X @ W.T + B, axis=1), rtol=1e-13)


def test_nothing_is_called_before_compute() -> None:
    calls = []

    def decision(block, w, b):
        calls.append(block.shape)
        return block @ w + b

    w, b = W[0], 0.5
    with dask.config.set(scheduler="synchronous"):
        z = predict_blocks(da.from_array(X, chunks=100), decision, w, b)
        assert calls == []
        assert z.shape == (700,) and z.dtype == np.float64
        p = z.map_blocks(lambda v: BinaryCrossEntropy().predict(v[:, None])[:, 0])
        out = p.compute()
    assert len(calls) == 7
    np.testing.assert_allclose(out, expit(X @ w + b), rtol=1e-13)


def test_params_are_one_shared_key() -> None:
    """The parameters appear once in the graph, not once per block task."""
    big = np.arange(4.0)
    z = predict_blocks(da.from_array(X, chunks=100), lambda blk, w: blk @ w, big)
    graph = dict(z.__dask_graph__())
    holders = [k for k, v in graph.items() if _contains(v, big)]
    assert len(holders) == 1


def _contains(obj, target) -> bool:
    seen = [obj]
    while seen:
        o = seen.pop()
        if o is target:
            return True
        if isinstance(o, tuple | list):
            seen.extend(o)
        for attr in ("args", "value", "kwargs"):
            v = getattr(o, attr, None)
            if isinstance(v, tuple | list):
                seen.extend(v)
            elif isinstance(v, dict):
                seen.extend(v.values())
            elif v is not None and not callable(v):
                seen.append(v)
    return False


def test_dataframe_input_with_unknown_lengths() -> None:
    frame = dd.from_pandas(pd.DataFrame(X.astype(np.float32), columns=list("abcd")), 5)
    with dask.config.set(scheduler="threads"):
        z = predict_blocks(frame, lambda blk, w: blk @ w, W[1].astype(np.float32))
        assert z.dtype == np.float32
        out = z.compute()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, X @ W[1], rtol=1e-4, atol=1e-5)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="X must be 2-D"):
        predict_blocks(da.ones(5), np.sum)
    with pytest.raises(ValueError, match="n_outputs must be None or an integer >= 1"):
        predict_blocks(da.ones((5, 2)), np.sum, n_outputs=0)
    with pytest.raises(TypeError, match="X must be a Dask array"):
        predict_blocks(X, np.sum)
