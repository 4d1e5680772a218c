"""Rows held in memory: :class:`ArrayData`, the NumPy data term, and the batches of an epoch.

Every one-pass method calls the pure block functions (:func:`block_sums`,
:func:`block_moments`, :func:`block_gram`, :func:`block_qr`) on the whole array; a
mini-batch is the data term of a subset of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import scipy.sparse
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import HalfSquaredError, PointwiseLoss
from sigmoid_neuron.objective.moments import (
    Moments,
    TriangularFactor,
    block_gram,
    block_moments,
    block_qr,
)
from sigmoid_neuron.objective.sums import Sums, block_sums

Array = NDArray[Any]


def batch_rows(n: int, batch_size: int, shuffle: bool, rng: np.random.Generator) -> list[Any]:
    """Row index arrays of one epoch over ``n`` rows: a permutation from ``rng`` (in order
    without ``shuffle``) cut into consecutive batches of ``batch_size`` (the last may be
    shorter); ``[None]`` is the full batch (``batch_size >= n``: no copy, no draw)."""
    if batch_size >= n:
        return [None]
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def block_batches(
    iter_blocks: Callable[[Array], Iterable[ArrayData]],
    n_blocks: int,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator,
) -> Iterator[ArrayData]:
    """One epoch's mini-batches over rows stored in blocks (Dask row blocks, files):

        order <- a permutation of the blocks from ``rng`` (identity without ``shuffle``
                 or with one block);
        for each block B_j in that order (``iter_blocks(order)`` yields them in memory):
            the batches of :func:`batch_rows` over B_j's rows (weight-0 batches left out).

    A batch never straddles two blocks. With one block the batches are exactly those of
    the in-memory loop (the same draws from ``rng``).
    """
    shuffle_blocks = shuffle and n_blocks > 1
    order = rng.permutation(n_blocks) if shuffle_blocks else np.arange(n_blocks)
    blocks = iter_blocks(order)
    try:
        for block in blocks:
            yield from block.epoch_batches(batch_size, shuffle, rng)
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:  # release the block being fetched
            close()


def held_out_count(fraction: float, n: int) -> int:
    """``ceil(fraction * n)`` validation rows; ValueError if that leaves either side empty."""
    n_val = math.ceil(fraction * n)
    if n_val < 1 or n - n_val < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves no rows for "
            f"{'training' if n - n_val < 1 else 'validation'} with n_samples={n}; "
            "use more data or validation_fraction=None"
        )
    return n_val


def _check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return int(batch_size)


def as_array_data(
    X: Any, y: Any, loss: PointwiseLoss, sample_weight: Any = None, offset: Any = None
) -> ArrayData:
    """The NumPy data term of ``X`` ``(n, d)``, ``y`` ``(n,)`` or ``(n, K)`` and weights.

    A float32 or float64 ``X`` is used as it is, never copied (C-ordered arrays take the
    fastest kernel, any other layout a blocked BLAS one); other dtypes are converted once
    (float16 to float32, integers and the rest to float64). A ``scipy.sparse`` ``X`` is
    kept sparse (CSR; another format is converted to CSR once). ``y`` and the weights
    take ``X``'s dtype; weights must be finite and >= 0. ``offset`` (``(n,)`` or ``(n,
    K)``, finite) is added to ``z``; for the squared error it is taken off ``y`` instead
    (the same objective, and exact least squares still applies).
    """
    if scipy.sparse.issparse(X):
        X = scipy.sparse.csr_matrix(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float32 if X.dtype == np.float16 else np.float64)
    else:
        X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if scipy.sparse.issparse(X):
        pass
    elif X.dtype == np.float16:
        X = X.astype(np.float32)
    elif X.dtype not in (np.float32, np.float64) or not X.dtype.isnative:
        X = X.astype(np.float64)
    y = np.asarray(y, dtype=X.dtype)
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}; pass one per row")
    sw = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=X.dtype)
        if sw.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have shape ({X.shape[0]},), got {sw.shape}")
        if not np.all(np.isfinite(sw)) or np.any(sw < 0):
            raise ValueError("sample_weight must be finite and >= 0")
    off = check_offset(offset, X.shape[0], y.shape[1])
    if off is not None and isinstance(loss, HalfSquaredError):
        # z + o against y is z against y - o: least squares on the shifted target
        return ArrayData(X, (y - off).astype(X.dtype, copy=False), loss, sw)
    return ArrayData(X, y, loss, sw, off)


def check_offset(offset: Any, n: int, n_outputs: int) -> Array | None:
    """``offset`` as a float64 ``(n, 1)`` or ``(n, K)`` array (``(n,)`` is one per row,
    added to every output); ValueError naming ``offset`` for a wrong length or NaN/inf."""
    if offset is None:
        return None
    off = np.asarray(offset, dtype=np.float64)
    off = off.reshape(-1, 1) if off.ndim == 1 else off
    if off.ndim != 2 or off.shape[0] != n or off.shape[1] not in (1, n_outputs):
        raise ValueError(
            f"offset must have shape ({n},) (one value per row) or ({n}, {n_outputs}), got "
            f"{np.shape(offset)}"
        )
    if not np.all(np.isfinite(off)):
        raise ValueError("offset contains NaN or infinity; every offset must be finite")
    return off


class ArrayData:
    """Rows held in memory (``X`` ``(n, d)`` a NumPy array or a SciPy CSR matrix, ``y``
    ``(n, K)``, optional weights ``(n,)`` and offset ``(n, 1)`` or ``(n, K)``)."""

    def __init__(
        self,
        X: Array,
        y: Array,
        loss: PointwiseLoss,
        sample_weight: Array | None = None,
        offset: Array | None = None,
    ) -> None:
        self.X = X
        self.y = y
        self.loss = loss
        self.sample_weight = sample_weight
        #: float64 ``(n, 1)`` or ``(n, K)`` added to ``z`` (None: no offset)
        self.offset = offset
        self.n_features = X.shape[1]
        self.n_outputs = y.shape[1]
        self.dtype = X.dtype
        self.sparse = scipy.sparse.issparse(X)
        self.total_weight = (
            float(X.shape[0])
            if sample_weight is None
            else float(sample_weight.sum(dtype=np.float64))
        )

    def sums(self, coef: Array, intercept: Array, order: int) -> Sums:
        """Sums over all rows, one pass over ``X`` for the loss and gradient."""
        return block_sums(
            self.X, self.y, self.sample_weight, coef, intercept, self.loss, order,
            offset=self.offset,
        )  # fmt: skip

    def moments(self) -> Moments:
        """:class:`Moments` of all rows."""
        return block_moments(self.X, self.y, self.sample_weight)

    def sample(self, max_rows: int) -> ArrayData:
        """Every k-th row, ``k = ceil(n / max_rows)`` (views, no copy)."""
        step = max(1, -(-self.n_samples // max(1, int(max_rows))))
        if step == 1:
            return self
        sw = None if self.sample_weight is None else self.sample_weight[::step]
        off = None if self.offset is None else self.offset[::step]
        return ArrayData(self.X[::step], self.y[::step], self.loss, sw, off)

    def qr_factor(
        self, x_shift: Array, y_shift: Array, x_scale: Array | None = None
    ) -> TriangularFactor:
        """The triangular factor of the weighted, shifted (and column-scaled) ``[X | y]``
        (chunks of rows)."""
        return block_qr(self.X, self.y, self.sample_weight, x_shift, y_shift, x_scale)

    def gram(self, x_shift: Array, y_shift: Array, x_scale: Array | None = None) -> Array:
        """The Gram matrix of the weighted, shifted (and column-scaled) ``[X | y | 1]``
        (chunks of rows)."""
        return block_gram(self.X, self.y, self.sample_weight, x_shift, y_shift, x_scale)

    def subset(self, rows: Array) -> ArrayData:
        """The same data restricted to ``rows`` (a mini-batch)."""
        sw = None if self.sample_weight is None else self.sample_weight[rows]
        off = None if self.offset is None else self.offset[rows]
        return ArrayData(self.X[rows], self.y[rows], self.loss, sw, off)

    def columns(self, columns: Array) -> ArrayData:
        """The same rows with only the feature ``columns`` of X: a copy of those columns
        (CSR: SciPy's column selection, ``O(nnz)``)."""
        X = self.X[:, columns] if scipy.sparse.issparse(self.X) else self.X.take(columns, axis=1)
        return ArrayData(X, self.y, self.loss, self.sample_weight, self.offset)

    def n_batches(self, batch_size: int) -> int:
        """Updates in one epoch of ``batch_size`` rows: ``ceil(n / batch_size)``."""
        return self.n_batches_of(self.n_samples, batch_size)

    @staticmethod
    def n_batches_of(n: int, batch_size: int) -> int:
        """``max(1, ceil(n / batch_size))``: batches of ``batch_size`` over ``n`` rows."""
        return max(1, -(-int(n) // _check_batch_size(batch_size)))

    def epoch_batches(
        self, batch_size: int, shuffle: bool, rng: np.random.Generator
    ) -> Iterator[ArrayData]:
        """One epoch's mini-batches (:func:`batch_rows`), leaving out batches of weight 0."""
        for rows in batch_rows(self.n_samples, _check_batch_size(batch_size), shuffle, rng):
            sub = self if rows is None else self.subset(rows)
            if sub.total_weight > 0:  # a batch whose rows all weigh 0 teaches nothing
                yield sub

    def split(self, fraction: float, rng: np.random.Generator) -> tuple[ArrayData, ArrayData]:
        """``(training, validation)``: ``ceil(fraction * n)`` rows held out, drawn as the
        first rows of a permutation from ``rng``."""
        n_val = held_out_count(fraction, self.n_samples)
        order = rng.permutation(self.n_samples)
        return self.subset(order[n_val:]), self.subset(order[:n_val])

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])
