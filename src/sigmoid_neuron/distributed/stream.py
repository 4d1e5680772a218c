"""Streaming the row blocks of Dask arrays to the client, one block at a time.

For mini-batch training: block ``j`` of every array arrives together as NumPy arrays,
while block ``j + 1`` (up to ``prefetch`` blocks ahead) is already being fetched. At
most ``prefetch + 1`` blocks are held on the client at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.distributed.reduce import active_client, local_scheduler

Array = NDArray[Any]


def iter_blocks(
    *arrays: da.Array,
    order: Sequence[int] | None = None,
    prefetch: int = 1,
    client: Any | None = None,
) -> Iterator[tuple[Array, ...]]:
    """Yield ``(A_j, B_j, ...)``, the ``j``-th row block of each array, for ``j`` in ``order``.

    The arrays must share their row chunks and have one chunk along every other axis
    (as :class:`~sigmoid_neuron.distributed.DaskData` arranges). ``order`` defaults to
    ``0 .. m-1``; ``client`` defaults to the active ``distributed.Client`` (else the
    local scheduler computes each block when it is needed).
    """
    if not arrays:
        raise ValueError("iter_blocks needs at least one Dask array")
    for i, a in enumerate(arrays):
        if not isinstance(a, da.Array):
            raise TypeError(f"arrays[{i}] must be a Dask array, got {type(a).__name__}")
        if a.numblocks[1:] != (1,) * (a.ndim - 1):
            raise ValueError(
                f"arrays[{i}] must be chunked along rows only, got chunks {a.chunks}; "
                f"rechunk with a.rechunk({{1: -1}})"
            )
        if a.chunks[0] != arrays[0].chunks[0]:
            raise ValueError(
                f"arrays[{i}] has row chunks {a.chunks[0]} but arrays[0] has "
                f"{arrays[0].chunks[0]}; rechunk them alike"
            )
    if int(prefetch) != prefetch or prefetch < 0:
        raise ValueError(f"prefetch must be an integer >= 0, got {prefetch!r}")
    n_blocks = arrays[0].numblocks[0]
    order = list(range(n_blocks)) if order is None else [int(j) for j in order]
    for j in order:
        if not 0 <= j < n_blocks:
            raise ValueError(f"order holds block {j}, but there are {n_blocks} blocks")
    blocks = [np.asarray(a.to_delayed()).reshape(n_blocks) for a in arrays]
    client = active_client() if client is None else client
    if client is None:
        scheduler = local_scheduler()
        for j in order:
            yield tuple(dask.compute(*[b[j] for b in blocks], scheduler=scheduler))
        return
    pending: deque[Any] = deque()
    for j in order:
        pending.append(client.compute([b[j] for b in blocks]))
        if len(pending) > prefetch:
            yield tuple(client.gather(pending.popleft()))
    while pending:
        yield tuple(client.gather(pending.popleft()))
