"""The passes over the data inference makes, on whichever backend holds the rows.

:func:`score_sums` is the one pass (:class:`~sigmoid_neuron.objective.scores.ScoreSums`);
:func:`separation_probe` returns the optional second pass (only made for nearly flat
directions of an unpenalised sigmoid/softmax fit). In-memory rows
(:class:`~sigmoid_neuron.objective.linear.ArrayData`) are summed here, chunk by chunk on
all cores; Dask rows (:class:`~sigmoid_neuron.distributed.DaskData`) block by block on
the cluster (:mod:`sigmoid_neuron.distributed.scores`), tree-reduced, one small NumPy
result coming back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.inference.covariance import Probe
from sigmoid_neuron.inference.separation import separates
from sigmoid_neuron.objective.scores import ScoreSums, block_score_sums, block_separation

Array = NDArray[Any]


def _on_dask(data: Any) -> bool:
    return type(data.X).__module__.split(".")[0] == "dask"


def cluster_codes(clusters: Any, n: int) -> Array:
    """In-memory cluster labels as integer codes ``0 .. G - 1`` (one per row).

    Any hashable labels (numbers, strings, a pandas Series); missing labels are refused.
    """
    import pandas as pd

    labels = np.asarray(clusters)
    if labels.ndim != 1:
        raise ValueError(
            f"clusters must be 1-D, one label per row, got shape {labels.shape}; pass a "
            "single column of cluster labels"
        )
    if labels.shape[0] != n:
        raise ValueError(
            f"clusters has {labels.shape[0]} labels but X has {n} rows; pass one cluster "
            "label per row of X"
        )
    codes, _ = pd.factorize(labels, use_na_sentinel=True)
    if np.any(codes < 0):
        row = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(
            f"clusters has a missing label (NaN/None) at row {row}; give every row a cluster"
        )
    return np.asarray(codes, dtype=np.int64)


def score_sums(
    data: Any, coef: Array, intercept: Array, *, robust: bool, clusters: Any
) -> ScoreSums:
    """The sums of one pass over ``data`` (a data term) at ``(coef, intercept)``.

    ``robust`` adds the HC0 meat, ``clusters`` (one label per row; None for none) the
    per-cluster score sums.
    """
    if _on_dask(data):
        from sigmoid_neuron.distributed.scores import score_sums as dask_score_sums

        return dask_score_sums(data, coef, intercept, robust=robust, clusters=clusters)
    codes = None if clusters is None else cluster_codes(clusters, data.n_samples)
    return block_score_sums(
        data.X,
        data.y,
        data.sample_weight,
        coef,
        intercept,
        data.loss,
        robust=robust,
        clusters=codes,
        offset=getattr(data, "offset", None),
    )


def separation_probe(data: Any) -> Probe:
    """``probe(directions (m, K, d + 1)) -> (m,) bool``: one pass, True where a direction
    (either sign) separates the labels (:func:`~sigmoid_neuron.inference.separation.separates`)."""

    def probe(directions: Array) -> Array:
        if _on_dask(data):
            from sigmoid_neuron.distributed.scores import separation_sums

            found = separation_sums(data, directions)
        else:
            found = block_separation(data.X, data.y, data.sample_weight, directions)
        return np.asarray(separates(found).any(axis=1))

    return probe
