"""Streaming row blocks to the client: every row once, in the requested order."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from sigmoid_neuron.distributed import DaskData, iter_blocks  # noqa: E402
from sigmoid_neuron.objective import ArrayData, MultinomialCrossEntropy  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(500, 3))
Y = np.eye(3)[rng.integers(0, 3, 500)]
SW = rng.uniform(0.5, 2.0, 500)
BOUNDS = np.cumsum([0, 90, 90, 90, 90, 90, 50])


def _block(a: np.ndarray, j: int) -> np.ndarray:
    return a[BOUNDS[j] : BOUNDS[j + 1]]


@pytest.mark.parametrize("prefetch", [0, 1, 3])
def test_iter_blocks_on_the_cluster(client, prefetch: int) -> None:
    Xd, yd = da.from_array(X, chunks=(90, 3)), da.from_array(Y, chunks=(90, 3))
    order = [5, 0, 3, 1, 4, 2, 0]
    got = list(iter_blocks(Xd, yd, order=order, prefetch=prefetch))
    assert len(got) == len(order)
    for (xb, yb), j in zip(got, order, strict=True):
        assert isinstance(xb, np.ndarray)
        np.testing.assert_array_equal(xb, _block(X, j))
        np.testing.assert_array_equal(yb, _block(Y, j))


def test_iter_blocks_local_scheduler() -> None:
    with dask.config.set(scheduler="threads"):
        got = list(iter_blocks(da.from_array(SW, chunks=90)))
    np.testing.assert_array_equal(np.concatenate([b for (b,) in got]), SW)


def test_iter_blocks_rejects_misaligned_arrays() -> None:
    Xd = da.from_array(X, chunks=(90, 3))
    with pytest.raises(ValueError, match="row chunks"):
        next(iter_blocks(Xd, da.from_array(Y, chunks=(100, 3))))
    with pytest.raises(ValueError, match="chunked along rows only"):
        next(iter_blocks(da.from_array(X, chunks=(90, 1))))
    with pytest.raises(ValueError, match="order holds block 9"):
        next(iter_blocks(Xd, order=[0, 9]))
    with pytest.raises(TypeError, match="must be a Dask array"):
        next(iter_blocks(X))


def test_daskdata_streams_every_row_once(client) -> None:
    data = DaskData(
        da.from_array(X, chunks=(90, 3)),
        da.from_array(Y, chunks=(90, 3)),
        MultinomialCrossEntropy(),
        da.from_array(SW, chunks=90),
    )
    before = data.n_passes
    blocks = list(data.iter_blocks(shuffle=True, seed=3))
    assert data.n_passes == before + 1
    assert all(isinstance(b, ArrayData) for b in blocks)
    seen = np.concatenate([b.X for b in blocks])
    # a permutation of the blocks: same rows, not in the original order
    order = [int(np.flatnonzero((X == b.X[0]).all(axis=1))[0] // 90) for b in blocks]
    assert sorted(order) == list(range(6)) and order != list(range(6))
    np.testing.assert_array_equal(seen, np.concatenate([_block(X, j) for j in order]))
    # sums over the streamed blocks add up to the in-memory sums over all rows
    W, b = rng.normal(size=(3, 3)), rng.normal(size=3)
    total = blocks[0].sums(W, b, 1)
    for blk in blocks[1:]:
        total = total + blk.sums(W, b, 1)
    ref = ArrayData(X, Y, MultinomialCrossEntropy(), SW).sums(W, b, 1)
    assert total.loss == pytest.approx(ref.loss, rel=1e-12)
    np.testing.assert_allclose(total.grad_coef, ref.grad_coef, rtol=1e-12, atol=1e-12)
