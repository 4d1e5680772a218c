"""tree_reduce and active_client: the tree's shape, its sum, and which scheduler is active."""

from __future__ import annotations

import math

import dask
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from sigmoid_neuron.distributed import active_client, tree_reduce  # noqa: E402


@pytest.mark.parametrize(("n", "split_every"), [(1, 2), (2, 2), (40, 4), (65, 8), (7, 16)])
def test_tree_shape_and_sum(n: int, split_every: int) -> None:
    values = np.random.default_rng(n).normal(size=(n, 3))
    parts = [dask.delayed(values[i].copy(), name=f"part-{n}-{i}") for i in range(n)]
    total = tree_reduce(parts, split_every=split_every, name="combine-test")
    graph = dict(total.__dask_graph__())
    levels = sorted(k[1] for k in graph if isinstance(k, tuple) and k[0] == "combine-test")
    # level l holds ceil(n / s^l) tasks, until one is left
    expected, m, level = [], n, 0
    while m > 1:
        level += 1
        m = math.ceil(m / split_every)
        expected += [level] * m
    assert levels == expected
    (result,) = dask.compute(total, scheduler="synchronous")
    np.testing.assert_allclose(result, values.sum(axis=0), rtol=1e-14)


def test_tree_reduce_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="split_every must be an integer >= 2"):
        tree_reduce([dask.delayed(1)], split_every=1)
    with pytest.raises(ValueError, match="at least one part"):
        tree_reduce([])


def test_active_client(dask_cluster) -> None:
    with dask.config.set(scheduler="threads"):
        assert active_client() is None
    with dask_cluster.as_current():
        assert active_client() is dask_cluster
        with dask.config.set(scheduler="synchronous"):
            assert active_client() is None
