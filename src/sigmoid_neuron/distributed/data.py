"""The objective's sums over rows, taken block by block on Dask.

:class:`DaskData` is the Dask implementation of the objective's ``DataTerm``: it holds
``X`` ``(n, d)``, ``y`` ``(n, K)`` and the sample weights ``s`` ``(n,)`` as Dask arrays
chunked along rows only, all with the same row chunks, persisted once. Each call of
:meth:`DaskData.sums` is exactly one pass over the blocks ``B_1 .. B_m``:

    S(W, b) = sum_j block_sums(X_j, y_j, s_j; W, b)        (tree-summed on the workers)

where ``block_sums`` is the same pure function the in-memory backend applies to all
rows at once, so the two backends differ only in the order of a floating-point sum.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse
from numpy.typing import NDArray

from sigmoid_neuron.distributed.inputs import (
    _numpy_sw,
    _numpy_y,
    _prepare_sw,
    _prepare_X,
    _prepare_y,
    as_dask_array,
    is_dask_collection,
)
from sigmoid_neuron.distributed.reduce import active_client, add_all, local_scheduler, tree_reduce
from sigmoid_neuron.distributed.stream import iter_blocks
from sigmoid_neuron.objective.array_data import ArrayData, block_batches
from sigmoid_neuron.objective.links import PointwiseLoss
from sigmoid_neuron.objective.moments import (
    Moments,
    TriangularFactor,
    block_gram,
    block_moments,
    block_qr,
)
from sigmoid_neuron.objective.sums import Sums, block_sums

Array = NDArray[Any]

#: Key prefix of the per-block tasks of :meth:`DaskData.sums` (visible in task streams).
SUMS_KEY = "sigmoid-neuron-block-sums"
#: Key prefix of the per-block tasks of the construction-time check.
CHECK_KEY = "sigmoid-neuron-block-check"
#: Key prefix of the per-block tasks of :meth:`DaskData.moments`.
MOMENTS_KEY = "sigmoid-neuron-block-moments"
#: Key prefix of the per-block tasks of :meth:`DaskData.qr_factor`.
QR_KEY = "sigmoid-neuron-block-qr"
#: Key prefix of the per-block tasks of :meth:`DaskData.gram`.
GRAM_KEY = "sigmoid-neuron-block-gram"


def _block_check(X: Array, y: Array, sample_weight: Array | None) -> Array:
    """``[#non-finite X, #non-finite y, #bad weights, sum of weights]`` of one block (a
    sparse block: its stored values)."""
    out = np.zeros(4)
    values: Any = X.data if scipy.sparse.issparse(X) else X
    out[0] = values.size - np.count_nonzero(np.isfinite(values))
    out[1] = y.size - np.count_nonzero(np.isfinite(y))
    if sample_weight is None:
        out[3] = X.shape[0]
    else:
        finite = np.isfinite(sample_weight)
        out[2] = np.count_nonzero(~finite | (sample_weight < 0))
        out[3] = sample_weight.sum(where=finite, dtype=np.float64)
    return out


def _block_sums_task(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    params: tuple[Array, Array, PointwiseLoss],
    order: int,
) -> Sums:
    """``block_sums`` with the broadcast parameters ``(coef, intercept, loss)`` unpacked."""
    coef, intercept, loss = params
    # Dask runs one task per worker thread: each block task keeps to its one thread
    return block_sums(X, y, sample_weight, coef, intercept, loss, order, n_threads=1)


def _block_qr_task(
    X: Array, y: Array, sample_weight: Array | None, shifts: tuple[Any, ...]
) -> TriangularFactor:
    """``block_qr`` with the broadcast ``(x_shift, y_shift, x_scale)`` unpacked."""
    return block_qr(X, y, sample_weight, *shifts)


def _block_gram_task(
    X: Array, y: Array, sample_weight: Array | None, shifts: tuple[Any, ...]
) -> Array:
    """``block_gram`` with the broadcast ``(x_shift, y_shift, x_scale)`` unpacked."""
    return block_gram(X, y, sample_weight, *shifts)


class DaskData:
    """Rows held as Dask arrays chunked along rows, persisted once; sums by blocks.

    ``X`` is a Dask array or DataFrame ``(n, d)``; ``y`` a Dask array, Series or
    DataFrame ``(n,)`` or ``(n, K)`` (one-hot for the multinomial loss), or an
    in-memory array; ``sample_weight`` likewise ``(n,)`` or None. ``X`` is rechunked
    to one chunk of columns, ``y`` and ``sample_weight`` to ``X``'s row chunks; float32
    and float64 ``X`` are kept, float16 becomes float32 and any other dtype float64 (as
    in memory); ``y`` and ``sample_weight`` take ``X``'s dtype.

    Construction persists the arrays (on the active ``distributed.Client`` if there is
    one, else with the local scheduler) and makes one pass that checks every value of
    ``X`` and ``y`` is finite and every weight finite and ``>= 0``, and takes the total
    weight ``S = sum_i s_i``. Every :meth:`sums` call is one more pass; ``n_passes``
    counts them all (so it is 1 right after construction).

    ``persist=False`` keeps the arrays lazy: each pass then recomputes them from their
    source (for data bigger than the cluster's memory, read from files every pass).
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        loss: PointwiseLoss,
        sample_weight: Any = None,
        *,
        split_every: int = 8,
        persist: bool = True,
    ) -> None:
        if not isinstance(loss, PointwiseLoss):
            raise TypeError(f"loss must be a PointwiseLoss instance, got {type(loss).__name__}")
        if int(split_every) != split_every or split_every < 2:
            raise ValueError(f"split_every must be an integer >= 2, got {split_every!r}")
        self.loss = loss
        self.split_every = int(split_every)
        self.n_passes = 0
        self._client = active_client()
        self._scheduler = None if self._client is not None else local_scheduler()

        # 1. lazy Dask arrays, rechunked to whole rows, float dtype
        Xd = _prepare_X(as_dask_array(X, "X"))
        lazy = {"X": Xd}
        if is_dask_collection(y):
            lazy["y"] = _prepare_y(as_dask_array(y, "y"), Xd.dtype)
        if is_dask_collection(sample_weight):
            lazy["sample_weight"] = _prepare_sw(
                as_dask_array(sample_weight, "sample_weight"), Xd.dtype
            )
        # 2. persist once; unknown row chunks (DataFrames) are then cheap to measure
        arrays = self._known_rows(self._persist(lazy, persist))
        Xd = arrays["X"]
        n = int(Xd.shape[0])
        rows = Xd.chunks[0]
        # 3. in-memory y / weights are cut into X's row chunks; Dask ones are aligned
        if "y" not in arrays:
            arrays["y"] = da.from_array(_numpy_y(y, n, Xd.dtype), chunks=(rows, -1))
        if sample_weight is not None and "sample_weight" not in arrays:
            arrays["sample_weight"] = da.from_array(
                _numpy_sw(sample_weight, n, Xd.dtype), chunks=(rows,)
            )
        fresh = {}  # arrays not yet persisted: in-memory ones, and rechunked ones
        for name, a in arrays.items():
            if name == "X":
                continue
            if int(a.shape[0]) != n:
                raise ValueError(
                    f"{name} has {int(a.shape[0])} rows but X has {n}; pass one per row"
                )
            if a.chunks[0] != rows:
                fresh[name] = a.rechunk({0: rows})
            elif name not in lazy:
                fresh[name] = a
        arrays.update(self._persist(fresh, persist))

        self.X: da.Array = Xd
        self.y: da.Array = arrays["y"]
        self.sample_weight: da.Array | None = arrays.get("sample_weight")
        self.n_samples = n
        self.n_features = int(Xd.shape[1])
        self.n_outputs = int(self.y.shape[1])
        self.dtype: np.dtype[Any] = Xd.dtype
        self.sparse = scipy.sparse.issparse(getattr(Xd, "_meta", None))
        self.n_blocks = len(rows)
        self._x_blocks = list(Xd.to_delayed().ravel())
        self._y_blocks = list(self.y.to_delayed().ravel())
        self._sw_blocks: list[Any] = (
            [None] * self.n_blocks
            if self.sample_weight is None
            else list(self.sample_weight.to_delayed().ravel())
        )
        self.total_weight = self._check()

    # ------------------------------------------------------------------ construction

    def _persist(self, arrays: dict[str, da.Array], persist: bool) -> dict[str, da.Array]:
        if not persist or not arrays:
            return dict(arrays)
        if self._client is not None:
            done = self._client.persist(list(arrays.values()))
        else:
            done = dask.persist(*arrays.values(), scheduler=self._scheduler)
        return dict(zip(arrays, done, strict=True))

    def _known_rows(self, arrays: dict[str, da.Array]) -> dict[str, da.Array]:
        """Fill in unknown row chunk sizes (DataFrames, boolean masks) in one compute."""
        unknown = [k for k, a in arrays.items() if any(np.isnan(c) for c in a.chunks[0])]
        if not unknown:
            return arrays
        blocks = [np.asarray(arrays[k].to_delayed()).reshape(-1) for k in unknown]
        lengths = self._compute(dask.delayed([[dask.delayed(len)(b) for b in bs] for bs in blocks]))
        out = dict(arrays)
        for k, n in zip(unknown, lengths, strict=True):
            a = arrays[k]
            chunks = (tuple(int(v) for v in n), *a.chunks[1:])
            out[k] = da.Array(a.dask, a.name, chunks, dtype=a.dtype)
        return out

    def _one_pass(self, func: Any, prefix: str, *extra: Any) -> Any:
        """``func(X_j, y_j, s_j, *extra)`` for every block ``j``, tree-summed, computed.

        Block tasks are keyed ``(prefix-<token>, j)``, combine tasks
        ``(prefix-combine-<token>, level, i)``, with a fresh token per pass.
        """
        token = uuid.uuid4().hex
        parts = [
            dask.delayed(func, pure=True)(x, y, s, *extra, dask_key_name=(f"{prefix}-{token}", j))
            for j, (x, y, s) in enumerate(
                zip(self._x_blocks, self._y_blocks, self._sw_blocks, strict=True)
            )
        ]
        combined = tree_reduce(parts, add_all, self.split_every, f"{prefix}-combine-{token}")
        result = self._compute(combined)
        self.n_passes += 1
        return result

    def _check(self) -> float:
        """One pass: count non-finite values and bad weights, and sum the weights."""
        stats = self._one_pass(_block_check, CHECK_KEY)
        bad_x, bad_y, bad_sw, total = (float(v) for v in stats)
        if bad_x:
            raise ValueError(
                f"X contains {int(bad_x)} non-finite value(s) (NaN or infinity); "
                f"impute or drop those rows before fitting"
            )
        if bad_y:
            raise ValueError(
                f"y contains {int(bad_y)} non-finite value(s) (NaN or infinity); "
                f"drop those rows before fitting"
            )
        if bad_sw:
            raise ValueError(
                f"sample_weight must be finite and >= 0; {int(bad_sw)} value(s) are not"
            )
        return total

    # ------------------------------------------------------------------ the DataTerm

    def sums(self, coef: Array, intercept: Array, order: int) -> Sums:
        """``sum_j block_sums(X_j, y_j, s_j; W, b)`` over all blocks: exactly one pass.

        ``(coef, intercept, loss)`` is sent once per call (broadcast to every worker on a
        distributed cluster, one graph key otherwise), never embedded in the per-block
        tasks; the partial sums are tree-summed on the workers with fan-in
        ``split_every`` and only the total comes back.
        """
        if order not in (0, 1, 2):
            raise ValueError(
                f"order must be 0 (loss), 1 (+gradient) or 2 (+Hessian), got {order!r}"
            )
        coef, intercept = self.checked_parameters(coef, intercept)
        params = self._broadcast((coef, intercept, self.loss))
        result: Sums = self._one_pass(_block_sums_task, SUMS_KEY, params, order)
        return result

    def checked_parameters(self, coef: Any, intercept: Any) -> tuple[Array, Array]:
        """``(coef (K, d), intercept (K,))`` in float64; ValueError for other shapes (the
        blocks' tasks trust them)."""
        K, d = self.n_outputs, self.n_features
        coef = np.asarray(coef, dtype=np.float64)
        intercept = np.asarray(intercept, dtype=np.float64)
        if coef.shape != (K, d) or intercept.shape != (K,):
            raise ValueError(
                f"coef must have shape ({K}, {d}) and intercept ({K},), got "
                f"{coef.shape} and {intercept.shape}"
            )
        return coef, intercept

    def moments(self) -> Moments:
        """Weighted column means and spreads of every row: one pass."""
        result: Moments = self._one_pass(block_moments, MOMENTS_KEY)
        return result

    def sample(self, max_rows: int) -> ArrayData:
        """Every k-th row (``k = ceil(n / max_rows)``), brought into memory in one compute."""
        step = max(1, -(-self.n_samples // max(1, int(max_rows))))
        parts = [self.X[::step], self.y[::step]]
        if self.sample_weight is not None:
            parts.append(self.sample_weight[::step])
        got = self._compute(dask.delayed(list)(parts))
        return ArrayData(got[0], got[1], self.loss, got[2] if len(got) > 2 else None)

    def qr_factor(
        self, x_shift: Array, y_shift: Array, x_scale: Array | None = None
    ) -> TriangularFactor:
        """``R`` of ``diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift]``: one pass, a
        tall-skinny QR (each block's factor, the factors of stacked pairs up the tree)."""
        result: TriangularFactor = self._one_pass(
            _block_qr_task, QR_KEY, self._shifts(x_shift, y_shift, x_scale)
        )
        return result

    def gram(self, x_shift: Array, y_shift: Array, x_scale: Array | None = None) -> Array:
        """``A^T A`` of ``A = diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift | 1]``
        (:func:`~sigmoid_neuron.objective.moments.block_gram`): one pass, the blocks'
        Gram matrices tree-summed."""
        result: Array = self._one_pass(
            _block_gram_task, GRAM_KEY, self._shifts(x_shift, y_shift, x_scale)
        )
        return result

    def _shifts(self, x_shift: Array, y_shift: Array, x_scale: Array | None) -> Any:
        """The shifts (and column scales) broadcast to the workers once."""
        scale = None if x_scale is None else np.asarray(x_scale, float)
        return self._broadcast((np.asarray(x_shift, float), np.asarray(y_shift, float), scale))

    @property
    def block_rows(self) -> tuple[int, ...]:
        """Rows of each block, ``(n_1, .., n_m)`` with ``sum_j n_j = n_samples``."""
        return tuple(int(c) for c in self.X.chunks[0])

    def iter_blocks(
        self,
        shuffle: bool = False,
        seed: int | None = None,
        order: Any = None,
    ) -> Iterator[ArrayData]:
        """Stream the blocks one at a time as in-memory :class:`ArrayData` (for mini-batch sgd).

        ``order`` (a permutation of ``0 .. n_blocks - 1``) sets the order of the blocks;
        without it, ``shuffle=True`` visits them in a random order drawn from ``seed``,
        else in order. The next block is fetched while the current one is used.
        ``n_passes`` grows by one when the iteration reaches the end.
        """
        if order is None:
            order = np.arange(self.n_blocks)
            if shuffle:
                np.random.default_rng(seed).shuffle(order)
        else:
            order = np.asarray(order, dtype=np.int64)
            if sorted(order.tolist()) != list(range(self.n_blocks)):
                raise ValueError(
                    f"order must be a permutation of the {self.n_blocks} block indices, "
                    f"got {order.tolist()}"
                )
        arrays = [self.X, self.y] + ([] if self.sample_weight is None else [self.sample_weight])
        for blocks in iter_blocks(*arrays, order=order.tolist(), client=self._client):
            sw = blocks[2] if len(blocks) > 2 else None
            yield ArrayData(blocks[0], blocks[1], self.loss, sw)
        self.n_passes += 1

    def n_batches(self, batch_size: int) -> int:
        """Updates in one epoch: ``sum_j ceil(n_j / batch_size)`` (1 for the full batch)."""
        if batch_size >= self.n_samples:
            return 1
        return sum(ArrayData.n_batches_of(m, batch_size) for m in self.block_rows)

    def epoch_batches(
        self, batch_size: int, shuffle: bool, rng: np.random.Generator
    ) -> Iterator[ArrayData]:
        """One epoch's mini-batches, block by block in a random order (at most two blocks
        on the client: the one in use and the one being fetched); see
        :func:`~sigmoid_neuron.objective.array_data.block_batches`."""
        return block_batches(self._iter_in_order, self.n_blocks, batch_size, shuffle, rng)

    def _iter_in_order(self, order: Array) -> Iterator[ArrayData]:
        return self.iter_blocks(order=order)

    def columns(self, columns: Array) -> DaskData:
        """The same rows with only the feature ``columns`` of X (a working set): a new
        data term over ``X[:, columns]``, persisted and checked (one pass)."""
        return DaskData(
            self.X[:, np.asarray(columns, dtype=np.intp)],
            self.y,
            self.loss,
            self.sample_weight,
            split_every=self.split_every,
        )

    def split(self, fraction: float, rng: np.random.Generator) -> tuple[DaskData, DaskData]:
        """``(training, validation)``: ``ceil(fraction * n)`` random rows held out, drawn
        without holding ``n`` indices on the client (:func:`~sigmoid_neuron.distributed.
        split.split_rows`)."""
        from sigmoid_neuron.distributed.split import split_rows

        return split_rows(self, fraction, rng)

    # ------------------------------------------------------------------ plumbing

    def _broadcast(self, params: Any) -> Any:
        if self._client is not None:
            return self._client.scatter([params], broadcast=True, hash=False)[0]
        return dask.delayed(params, pure=False, traverse=False)

    def _compute(self, obj: Any) -> Any:
        if self._client is not None:
            return self._client.compute(obj).result()
        return dask.compute(obj, scheduler=self._scheduler)[0]
