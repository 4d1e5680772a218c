"""Inference's sums over Dask blocks: one pass, a tree reduction, a small NumPy result.

For a :class:`~sigmoid_neuron.distributed.DaskData` with row blocks ``B_1 .. B_m``,

    ScoreSums = sum_j block_score_sums(X_j, y_j, s_j, c_j; W, b)

(Hessian, gradient, HC0 meat, cluster score sums; see
:mod:`sigmoid_neuron.objective.scores`), each block's sums computed on the worker that
holds it, combined ``split_every`` at a time up a tree on the workers, and only the total
(``(p, p)`` matrices and ``(G, p)`` cluster sums) sent to the client. The parameters go
out once per pass (scattered to every worker on a distributed cluster). The separation
probe is one more pass of the same shape. Both count in ``data.n_passes``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.distributed.reduce import active_client, add_all, local_scheduler, tree_reduce
from sigmoid_neuron.objective.links import PointwiseLoss
from sigmoid_neuron.objective.scores import (
    ScoreSums,
    SeparationSums,
    block_score_sums,
    block_separation,
)
from sigmoid_neuron.objective.threads import single_threaded_blas

if TYPE_CHECKING:
    from sigmoid_neuron.distributed import DaskData

Array = NDArray[Any]

#: Key prefix of the per-block tasks of :func:`score_sums`.
SCORES_KEY = "sigmoid-neuron-block-scores"
#: Key prefix of the per-block tasks of :func:`separation_sums`.
SEPARATION_KEY = "sigmoid-neuron-block-separation"


def _score_task(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    labels: Array | None,
    params: tuple[Array, Array, PointwiseLoss],
    robust: bool,
) -> ScoreSums:
    """``block_score_sums`` of one block, on one thread (Dask runs a task per thread)."""
    coef, intercept, loss = params
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if labels.dtype.kind == "f" and np.isnan(labels).any():
            raise ValueError("clusters has a missing label (NaN); give every row a cluster")
    return block_score_sums(
        X, y, sample_weight, coef, intercept, loss, robust=robust, clusters=labels, n_threads=1
    )


def _separation_task(
    X: Array, y: Array, sample_weight: Array | None, directions: Array
) -> SeparationSums:
    return block_separation(X, y, sample_weight, directions)


def cluster_blocks(data: DaskData, clusters: Any) -> list[Any]:
    """One cluster-label block per row block of ``data`` (Delayed or arrays).

    ``clusters``: a Dask array or Series (labels of any type, rechunked to ``X``'s rows),
    or in-memory labels (encoded as integer codes, cut into ``X``'s row chunks).
    """
    from sigmoid_neuron.inference.passes import cluster_codes

    rows = data.X.chunks[0]
    n = data.n_samples
    if type(clusters).__module__.startswith("dask.dataframe"):
        if clusters.ndim != 1:
            raise ValueError(
                "clusters must be one column of labels (a Dask Series), got a DataFrame; "
                "pass frame['column']"
            )
        labels = clusters.to_dask_array(lengths=True)
    elif isinstance(clusters, da.Array):
        labels = clusters
    else:
        codes = cluster_codes(clusters, n)
        return list(da.from_array(codes, chunks=(rows,)).to_delayed().ravel())
    if labels.ndim != 1:
        raise ValueError(
            f"clusters must be 1-D, one label per row, got shape {labels.shape}; pass a "
            "single column of cluster labels"
        )
    if any(np.isnan(c) for c in labels.chunks[0]):
        labels = labels.compute_chunk_sizes()
    if int(labels.shape[0]) != n:
        raise ValueError(
            f"clusters has {int(labels.shape[0])} labels but X has {n} rows; pass one "
            "cluster label per row of X"
        )
    if labels.chunks[0] != rows:
        labels = labels.rechunk({0: rows})
    return list(labels.to_delayed().ravel())


def _blocks(data: DaskData) -> tuple[list[Any], list[Any], list[Any]]:
    xs = list(data.X.to_delayed().ravel())
    ys = list(data.y.to_delayed().ravel())
    sws = (
        [None] * len(xs)
        if data.sample_weight is None
        else list(data.sample_weight.to_delayed().ravel())
    )
    return xs, ys, sws


def _run(data: DaskData, parts: list[Any], prefix: str, token: str) -> Any:
    """Tree-sum ``parts`` on the workers, bring the total back, count the pass."""
    combined = tree_reduce(parts, add_all, data.split_every, f"{prefix}-combine-{token}")
    client = active_client()
    if client is not None:
        result = client.compute(combined).result()
    else:
        # tasks run on this process's threads: BLAS stays at one thread for the whole pass
        # (entering and leaving the limit task by task while another task is inside BLAS
        # made a 10-block pass 10-40x slower on 2 cores)
        with single_threaded_blas():
            result = dask.compute(combined, scheduler=local_scheduler())[0]
    data.n_passes += 1
    return result


def _broadcast(params: Any) -> Any:
    client = active_client()
    if client is not None:
        return client.scatter([params], broadcast=True, hash=False)[0]
    return dask.delayed(params, pure=False, traverse=False)


def score_sums(
    data: DaskData, coef: Array, intercept: Array, *, robust: bool, clusters: Any = None
) -> ScoreSums:
    """``sum_j block_score_sums(X_j, y_j, s_j, c_j; W, b)`` over all blocks: one pass.

    ``robust`` adds the HC0 meat; ``clusters`` (Dask or in-memory, one label per row)
    the cluster score sums. The result is a NumPy :class:`ScoreSums`.
    """
    coef, intercept = data.checked_parameters(coef, intercept)
    xs, ys, sws = _blocks(data)
    labels = [None] * len(xs) if clusters is None else cluster_blocks(data, clusters)
    params = _broadcast((coef, intercept, data.loss))
    token = uuid.uuid4().hex
    parts = [
        dask.delayed(_score_task, pure=True)(
            x, y, s, c, params, robust, dask_key_name=(f"{SCORES_KEY}-{token}", j)
        )
        for j, (x, y, s, c) in enumerate(zip(xs, ys, sws, labels, strict=True))
    ]
    result: ScoreSums = _run(data, parts, SCORES_KEY, token)
    return result


def separation_sums(data: DaskData, directions: Array) -> SeparationSums:
    """``block_separation`` over all blocks, maxima tree-combined: one pass."""
    xs, ys, sws = _blocks(data)
    V = _broadcast(np.asarray(directions, dtype=np.float64))
    token = uuid.uuid4().hex
    parts = [
        dask.delayed(_separation_task, pure=True)(
            x, y, s, V, dask_key_name=(f"{SEPARATION_KEY}-{token}", j)
        )
        for j, (x, y, s) in enumerate(zip(xs, ys, sws, strict=True))
    ]
    result: SeparationSums = _run(data, parts, SEPARATION_KEY, token)
    return result
