"""A random hold-out split of Dask rows, drawn block by block without ``n`` indices on
the client (the validation rows of ``validation_fraction``)."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.distributed.data import DaskData
from sigmoid_neuron.objective.array_data import held_out_count

Array = NDArray[Any]


def split_rows(
    data: DaskData, fraction: float, rng: np.random.Generator
) -> tuple[DaskData, DaskData]:
    """``(training, validation)`` DaskData: ``ceil(fraction * n)`` rows drawn at random.

    The rows held out are a uniformly random subset of that size, drawn without ever
    holding ``n`` indices on the client: the number per block is multivariate
    hypergeometric (``rng``), and each block draws its own rows from a seed of ``rng``.
    """
    n_val = held_out_count(fraction, data.n_samples)
    rows = data.block_rows
    counts = rng.multivariate_hypergeometric(list(rows), n_val)
    seeds = rng.integers(0, 2**63 - 1, size=len(rows))
    held = da.concatenate(
        [
            da.from_delayed(
                dask.delayed(_holdout_block, pure=True)(m, int(k), int(s)),
                shape=(m,),
                dtype=bool,
            )
            for m, k, s in zip(rows, counts, seeds, strict=True)
        ]
    )
    kept = ~held

    def part(mask: da.Array) -> DaskData:
        sw = None if data.sample_weight is None else data.sample_weight[mask]
        return DaskData(data.X[mask], data.y[mask], data.loss, sw, split_every=data.split_every)

    return part(kept), part(held)


def _holdout_block(m: int, k: int, seed: int) -> Array:
    """A boolean mask of ``m`` rows with ``k`` of them, chosen at random, True."""
    mask = np.zeros(m, dtype=bool)
    mask[np.random.default_rng(seed).choice(m, size=k, replace=False)] = True
    return mask
