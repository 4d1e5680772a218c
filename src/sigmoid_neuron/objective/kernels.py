"""Fused sums over rows: loss, gradient and Hessian of a linear model from one read of X.

For raw predictions ``z_i = W x_i + b`` (``W`` is ``(K, d)``), a pointwise loss
``l(y_i, z_i)`` and sample weights ``s_i``, :func:`fused_sums` returns

    L  = sum_i s_i l(y_i, z_i)                        (accumulated in float64)
    G  = sum_i s_i (dl/dz_i) x_i^T        (K, d)
    gb = sum_i s_i dl/dz_i                (K,)
    H  = sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T  for every class pair (order 2 only)

The textbook evaluation takes two passes over ``X`` (``z = X W^T``, then ``g^T X``).
Here every row is read from memory once: rows go in sub-blocks that stay in the cache
(~256 KiB); ``z`` for the sub-block, the pointwise loss and its derivative, and the
update ``G += g^T X_sub`` are all done while the sub-block is hot. Methods:

``"numba"``
    compiled loops (GIL released) over chunks of ~2 MiB of rows, chunks pulled
    dynamically by ``n_threads`` threads. The row dot products and the update
    ``G += g^T X_sub`` are explicit SIMD with a summation order written in the source
    (:mod:`sigmoid_neuron.objective.simd`), so every process computes the same bits;
    the pointwise loss is vectorised (its own ``exp``/``log1p``, accurate to ~2 ulp).
    ``z``, the loss and the gradient are accumulated in float64 whatever the storage
    dtype: float32 ``X`` is read as float32 and widened in registers, never converted
    as a whole. (Several outputs, e.g. the multinomial loss, take the loss row by row
    with scalar ``exp``.) Needs C-contiguous ``X``.
``"blas"``
    blocks of ~4 MiB of rows (in the last-level cache); per block ``z = X_b W^T``,
    the pointwise loss, and ``g_b^T X_b`` (two BLAS calls on a hot block), blocks spread
    over threads (BLAS releases the GIL) with BLAS itself held to one thread. Works for
    any strides (F-ordered ``X`` included) and without numba. A float32 block is
    widened to float64 in the cache, so the results are float64-accurate here too.
``"plain"``
    the two-pass formula on the whole array (float64; float32 ``X`` widened): no threads,
    no compilation; used for tiny inputs.
``"auto"``
    ``"plain"`` below :data:`SMALL_SIZE` elements, else ``"numba"`` for C-contiguous
    ``X`` when numba is importable, else ``"blas"``.

The Hessian (order 2) is compute-bound, ``O(n d^2)``: it is taken per block of rows as
``A^T A`` with ``A = sqrt(h) X_b`` when the curvature ``h`` is non-negative, and
``X_b^T (h X_b)`` otherwise (BLAS), accumulated in float64, the blocks shared by our
threads with BLAS held to one thread each.

No method copies ``X``. Results do not depend on the number of threads: partial sums
are kept per chunk and added in a fixed order.
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    PointwiseLoss,
    SigmoidHalfSquaredError,
)

numba: Any
row_dot: Any
rows_axpy: Any
try:  # numba is the optional "fast" extra; without it the BLAS path is used.
    numba = importlib.import_module("numba")
    from sigmoid_neuron.objective.simd import row_dot, rows_axpy

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is absent
    numba = row_dot = rows_axpy = None
    HAVE_NUMBA = False

Array = NDArray[Any]

__all__ = [
    "BLOCK_BYTES",
    "CHUNK_BYTES",
    "HAVE_NUMBA",
    "METHODS",
    "SMALL_SIZE",
    "KernelSums",
    "all_finite",
    "default_threads",
    "fused_sums",
    "single_threaded_blas",
]

#: methods accepted by :func:`fused_sums`
METHODS = ("auto", "numba", "blas", "plain")
#: below this many elements of X, "auto" takes the plain two-pass path
SMALL_SIZE = 1 << 15
#: bytes of X per chunk of the numba kernel (the unit of dynamic scheduling)
CHUNK_BYTES = 1 << 21
#: bytes of X per sub-block of the numba kernel (rows revisited from L1/L2)
SUB_BLOCK_BYTES = 1 << 18
#: bytes per (float64 or widened) block of the BLAS path: large enough that the NumPy
#: calls of the pointwise loss cost little next to the block's arithmetic (blocks of
#: ~0.5 MiB were measured 1.5-3x slower, GIL-bound with two threads), small enough for
#: the last-level cache; at most 1/32 of X, so a pass allocates far less than X
BLOCK_BYTES = 1 << 22
#: bytes of X per block for the Hessian (large enough for efficient syrk/gemm)
HESSIAN_BLOCK_BYTES = 1 << 22

#: SHA-256 of simd.py. numba's cache keys a compiled function on its own file only, so
#: the kernels below, which inline simd.py's intrinsics, would keep stale machine code
#: after a change to simd.py alone; a test checks this value, and updating it changes
#: this file, which invalidates the cache.
SIMD_SOURCE_SHA256 = "3730c422ca129e675819284a83b3a0966a199277a2c355ac5dd36c14f300c301"

# loss codes understood by the compiled kernel
_SQUARED, _SIGMOID_SQUARED, _CROSS_ENTROPY, _MULTINOMIAL = 0, 1, 2, 3
_LOSS_CODES: dict[type[PointwiseLoss], int] = {
    HalfSquaredError: _SQUARED,
    SigmoidHalfSquaredError: _SIGMOID_SQUARED,
    BinaryCrossEntropy: _CROSS_ENTROPY,
    MultinomialCrossEntropy: _MULTINOMIAL,
}


class KernelSums(NamedTuple):
    """``(sum s_i l_i, sum s_i g_i x_i^T, sum s_i g_i, Hessian sums or None)``, float64."""

    loss: float
    grad_coef: Array | None
    grad_intercept: Array | None
    hessian: Array | None


def default_threads() -> int:
    """Threads for one data pass: ``$SIGMOID_NEURON_NUM_THREADS``, else the usable CPUs."""
    value = os.environ.get("SIGMOID_NEURON_NUM_THREADS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(
                f"SIGMOID_NEURON_NUM_THREADS must be a positive integer, got {value!r}"
            ) from None
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- numba kernel


def _jit(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if HAVE_NUMBA:
        # error_model="numpy": a float division never raises, so loops with one vectorise
        return numba.njit(cache=True, nogil=True, error_model="numpy", **options)
    return lambda f: f  # pragma: no cover


# Row loops: contraction (FMA) but no reassociation. With "reassoc" LLVM vectorises the
# reductions, but how it does so differed between a freshly compiled kernel and the
# same kernel loaded from numba's cache, so two processes disagreed in the last bit
# and a resumed run was not bit for bit the uninterrupted one. The reductions over a
# row are explicit SIMD in a fixed order instead (sigmoid_neuron.objective.simd). No
# assumption about NaN/inf is made: non-finite input propagates.
_FASTMATH = {"contract", "nsz"}
# Pointwise math: contraction only. Reassociation would undo the Cody-Waite range
# reduction of exp below.
_EXACT = {"contract"}

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, k * _LN2_HI exact
_LN2_LO = 1.90821492927058770002e-10


@_jit(fastmath=_EXACT)
def _exp_neg(a, e, k, m):  # type: ignore[no-untyped-def]
    """``e[r] = exp(-a[r])`` for ``a[r] >= 0``, ``r < m``, in loops that vectorise.

    ``exp(x) = 2^k exp(t)`` with ``k = round(x / ln 2)``, ``t = x - k ln 2`` in
    ``[-ln2/2, ln2/2]`` (Cody-Waite: ``ln 2`` split in two so ``k ln 2`` is exact to
    ~2^-60), ``exp(t)`` by its Taylor polynomial of degree 12 (truncation < 2e-16
    relative) and ``2^k`` built from its IEEE bits. Results below ``e^-708`` (the
    normal range) are flushed to 0. ``k`` is an int64 scratch array.
    """
    for r in range(m):
        x = -min(a[r], 708.0)
        kf = math.floor(x * _LOG2E + 0.5)
        t = (x - kf * _LN2_HI) - kf * _LN2_LO
        p = 2.08767569878680989792e-09  # 1/12!
        p = p * t + 2.50521083854417187751e-08
        p = p * t + 2.75573192239858906526e-07
        p = p * t + 2.75573192239858906526e-06
        p = p * t + 2.48015873015873015873e-05
        p = p * t + 1.98412698412698412698e-04
        p = p * t + 1.38888888888888888889e-03
        p = p * t + 8.33333333333333333333e-03
        p = p * t + 4.16666666666666666667e-02
        p = p * t + 1.66666666666666666667e-01
        p = p * t + 0.5
        p = p * t + 1.0
        e[r] = p * t + 1.0
        k[r] = (np.int64(kf) + 1023) << 52  # the bits of 2^kf, -1022 <= kf <= 0
    scale = k.view(np.float64)
    for r in range(m):
        e[r] = e[r] * scale[r] if a[r] <= 708.0 else 0.0


@_jit(fastmath=_EXACT)
def _log1p_unit(e, out, m):  # type: ignore[no-untyped-def]
    """``out[r] = log(1 + e[r])`` for ``0 <= e[r] <= 1``, ``r < m``, in a loop that vectorises.

    ``log(1 + e) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)`` with ``s = e / (2 + e)`` in
    ``[0, 1/3]``: 18 terms leave a truncation below ``(1/9)^18 / 37 < 1e-18``, and for
    small ``e`` the result keeps full relative precision (nothing computes ``1 + e``).
    """
    for r in range(m):
        s = e[r] / (2.0 + e[r])
        t = s * s
        p = 1.0 / 35.0
        p = p * t + 1.0 / 33.0
        p = p * t + 1.0 / 31.0
        p = p * t + 1.0 / 29.0
        p = p * t + 1.0 / 27.0
        p = p * t + 1.0 / 25.0
        p = p * t + 1.0 / 23.0
        p = p * t + 1.0 / 21.0
        p = p * t + 1.0 / 19.0
        p = p * t + 1.0 / 17.0
        p = p * t + 1.0 / 15.0
        p = p * t + 1.0 / 13.0
        p = p * t + 1.0 / 11.0
        p = p * t + 1.0 / 9.0
        p = p * t + 1.0 / 7.0
        p = p * t + 1.0 / 5.0
        p = p * t + 1.0 / 3.0
        p = p * t + 1.0
        out[r] = 2.0 * s * p


@_jit(fastmath=_EXACT)
def _pointwise1(code, z, y, s, m, v, g, a, e, k):  # type: ignore[no-untyped-def]
    """Single-output loss on ``r < m`` rows: ``v[r] = s_r l(y_r, z_r)``, ``g[r] = s_r dl/dz_r``.

    ``a``, ``e`` (float64) and ``k`` (int64) are scratch. Codes: 0 half squared error
    ``(z - y)^2/2, z - y``; 1 ``(sigma(z) - y)^2/2, (sigma - y) sigma (1 - sigma)``;
    2 binary cross-entropy ``softplus(z) - y z = max(z, 0) + log1p(e^-|z|) - y z,
    sigma(z) - y`` (for ``z >= 0`` as ``(1 - y) - sigma(-z)``). ``sigma`` and
    ``1 - sigma`` both come from ``e = e^-|z|`` (``1/(1+e)`` and ``e/(1+e)``), so neither
    is computed by cancellation.
    """
    if code == 0:
        for r in range(m):
            d = z[r] - y[r]
            v[r] = 0.5 * d * d * s[r]
            g[r] = d * s[r]
        return
    for r in range(m):
        a[r] = abs(z[r])
    _exp_neg(a, e, k, m)
    if code == 2:
        _log1p_unit(e, a, m)  # a <- log1p(e^-|z|)
        for r in range(m):
            zr = z[r]
            small = e[r] / (1.0 + e[r])  # sigma(-|z|)
            # sigma(z) - y, as (1 - y) - sigma(-z) for z >= 0: no cancellation for y = 1
            d = (1.0 - y[r]) - small if zr >= 0 else small - y[r]
            v[r] = (max(zr, 0.0) + a[r] - y[r] * zr) * s[r]
            g[r] = d * s[r]
        return
    for r in range(m):
        zr = z[r]
        er = e[r]
        sig = (1.0 if zr >= 0 else er) / (1.0 + er)
        one_minus = (er if zr >= 0 else 1.0) / (1.0 + er)
        d = sig - y[r]
        v[r] = 0.5 * d * d * s[r]
        g[r] = d * sig * one_minus * s[r]


@_jit()
def _dots(X, w, b, s0, m, z):  # type: ignore[no-untyped-def]
    """``z[r] = b + X[s0 + r] . w`` for ``r < m``, in float64 (explicit SIMD, fixed order)."""
    for r in range(m):
        z[r] = b + row_dot(X, s0 + r, w)


@_jit(fastmath=_FASTMATH)
def _chunk_sums1(X, y, sw, w, b, code, order, start, stop, sub, G):  # type: ignore[no-untyped-def]
    """One output: rows ``start:stop``; ``G[:d] = sum s_i g_i x_i``, ``G[d] = sum s_i g_i``.

    Returns ``sum s_i l_i``. Rows go in sub-blocks of ``sub`` rows (~256 KiB, so they
    stay in L2): ``z_r = w . x_r + b`` (the one read of the rows from memory), the
    pointwise loss over the sub-block (vectorised), then ``G += sum_r g_r x_r`` from
    the cache, column-blocked (:func:`~sigmoid_neuron.objective.simd.rows_axpy`); all
    in float64, float32 rows widened lane by lane.
    """
    d = w.shape[0]
    has_sw = sw.shape[0] > 0
    zb = np.empty(sub)
    yb = np.empty(sub)
    sb = np.ones(sub)
    vb = np.empty(sub)
    gbuf = np.empty(sub)
    ab = np.empty(sub)
    eb = np.empty(sub)
    kb = np.empty(sub, dtype=np.int64)
    total_g = np.zeros(d)
    total = 0.0
    gsum = 0.0
    for s0 in range(start, stop, sub):
        m = min(sub, stop - s0)
        _dots(X, w, b, s0, m, zb)
        for r in range(m):
            yb[r] = y[s0 + r, 0]
        if has_sw:
            for r in range(m):
                sb[r] = sw[s0 + r]
        _pointwise1(code, zb, yb, sb, m, vb, gbuf, ab, eb, kb)
        for r in range(m):
            total += vb[r]
        if order > 0:
            for r in range(m):
                gsum += gbuf[r]
            rows_axpy(X, s0, m, gbuf, total_g)
    G[:d] = total_g
    G[d] = gsum
    return total


@_jit(fastmath=_FASTMATH)
def _chunk_sums_k(X, y, sw, W, b, code, order, start, stop, sub, G):  # type: ignore[no-untyped-def]
    """K outputs: rows ``start:stop``, ``G[k, :d] = sum s_i g_ik x_i``, ``G[k, d] = sum s_i g_ik``.

    Losses: half squared error per output (code 0) or the multinomial cross-entropy
    ``sum_k y_k (lse(z) - z_k)`` with gradient ``softmax(z) - y`` (code 3). Sub-blocks
    as in :func:`_chunk_sums1`: ``z_ik = W_k . x_i + b_k`` (the row is read from memory
    for the first class, from L1 for the others), the loss row by row (scalar
    ``exp``), then one column-blocked update per class from the cache.
    """
    K, d = W.shape
    has_sw = sw.shape[0] > 0
    gbuf = np.empty((K, sub))
    acc = np.zeros((K, d))
    gsum = np.zeros(K)
    z = np.empty(K)
    total = 0.0
    for s0 in range(start, stop, sub):
        m = min(sub, stop - s0)
        for r in range(m):
            i = s0 + r
            for k in range(K):
                z[k] = b[k] + row_dot(X, i, W[k])
            value = 0.0
            if code == 3:
                zmax = z[0]
                for k in range(1, K):
                    zmax = max(zmax, z[k])
                se = 0.0
                for k in range(K):
                    se += math.exp(z[k] - zmax)  # exponents <= 0
                lse = zmax + math.log(se)  # se >= 1
                for k in range(K):
                    yk = float(y[i, k])
                    value += yk * (lse - z[k])
                    gbuf[k, r] = math.exp(z[k] - lse) - yk
            else:
                for k in range(K):
                    res = z[k] - float(y[i, k])
                    value += 0.5 * res * res
                    gbuf[k, r] = res
            if has_sw:
                si = float(sw[i])
                value *= si
                for k in range(K):
                    gbuf[k, r] *= si
            total += value
        if order > 0:
            for k in range(K):
                for r in range(m):
                    gsum[k] += gbuf[k, r]
                rows_axpy(X, s0, m, gbuf[k], acc[k])
    G[:, :d] = acc
    G[:, d] = gsum
    return total


@_jit()
def _chunks(X, y, sw, W, b, code, order, chunk, sub, c0, c1, loss_out, G_out):  # type: ignore[no-untyped-def]
    """Chunks ``c0 <= c < c1`` (rows ``c * chunk`` to ``(c + 1) * chunk``), GIL released.

    Partial sums are written per chunk (``loss_out[c]``, ``G_out[c]``), so the total does
    not depend on which thread took which chunk.
    """
    n = X.shape[0]
    single = W.shape[0] == 1 and code != 3
    for c in range(c0, c1):
        start = c * chunk
        stop = min(n, start + chunk)
        if single:
            loss_out[c] = _chunk_sums1(
                X, y, sw, W[0], b[0], code, order, start, stop, sub, G_out[c, 0]
            )
        else:
            loss_out[c] = _chunk_sums_k(X, y, sw, W, b, code, order, start, stop, sub, G_out[c])


def _numba_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    W: Array,
    b: Array,
    code: int,
    order: int,
    chunk: int,
    threads: int,
) -> tuple[float, Array, Array]:
    n, d = X.shape
    K = W.shape[0]
    n_chunks = max(1, -(-n // chunk))
    loss_out = np.zeros(n_chunks)
    G_out = np.zeros((n_chunks, K, d + 1))
    sw_arr = np.empty(0, X.dtype) if sw is None else sw

    sub = int(min(chunk, max(8, SUB_BLOCK_BYTES // (max(d, 1) * X.dtype.itemsize))))

    def run(c0: int, c1: int) -> None:
        _chunks(X, y, sw_arr, W, b, code, order, chunk, sub, c0, c1, loss_out, G_out)

    _share(run, n_chunks, threads)
    G = G_out.sum(axis=0)
    return float(loss_out.sum()), G[:, :d], G[:, d]


@_jit(fastmath={"reassoc"})
def _zero_sums(X, chunk, c0, c1, out):  # type: ignore[no-untyped-def]
    """``out[c] = sum 0 * x`` over the rows of chunks ``c0 <= c < c1``: 0 or NaN.

    ``0 * x`` is (+-)0 for finite ``x`` and NaN for NaN or +-inf, so the sum is NaN
    exactly when a chunk holds a non-finite value, whatever the order of the additions
    (reassociation lets the loop vectorise without changing that; nothing assumes
    finite values).
    """
    n, d = X.shape
    for c in range(c0, c1):
        acc = 0.0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            for j in range(d):
                acc += X[i, j] * 0.0
        out[c] = acc


# --------------------------------------------------------------------------- threads

_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()
_CONTROLLER: Any = None


def _pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool that grows to ``workers`` threads (never shrinks).

    A forked child gets a new pool: the parent's worker threads do not exist there.
    """
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        forked = _POOL_PID != os.getpid()
        if _POOL is None or forked or _POOL._max_workers < workers:
            old, _POOL = _POOL, ThreadPoolExecutor(workers, thread_name_prefix="sigmoid-neuron")
            if old is not None and not forked:
                old.shutdown(wait=False)
            _POOL_PID = os.getpid()
        return _POOL


def _share(run: Callable[[int, int], None], n_items: int, threads: int) -> None:
    """Call ``run(c0, c1)`` over ``range(n_items)`` with ``threads`` workers pulling work.

    Each worker (the calling thread is one of them) takes the next group of items from a
    shared counter until none is left: dynamic scheduling, so a core that another
    process is using simply takes fewer groups. ``run`` must release the GIL (BLAS
    and the compiled kernels do) for the workers to overlap.
    """
    threads = max(1, min(threads, n_items))
    if threads == 1:
        run(0, n_items)
        return
    group = max(1, n_items // (8 * threads))
    counter = itertools.count()  # next() is atomic under the GIL
    n_groups = -(-n_items // group)

    def worker() -> None:
        while (k := next(counter)) < n_groups:
            run(k * group, min(n_items, (k + 1) * group))

    futures = [_pool(threads - 1).submit(worker) for _ in range(threads - 1)]
    try:
        worker()
    finally:
        for future in futures:
            future.result()


_BLAS_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMIT: Any = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS held to one thread while our own threads split the rows.

    Also for a whole solver run: OpenBLAS's idle threads spin for a while after each
    multithreaded call, and on a small machine they then compete with our threads for
    the cores (measured here: an L-BFGS run 1.6x slower). The limit is process-wide:
    the first caller sets it, the last one to leave restores the previous thread counts,
    so concurrent or nested callers cannot leave BLAS limited.
    """
    global _CONTROLLER, _BLAS_USERS, _BLAS_LIMIT
    with _BLAS_LOCK:
        if _BLAS_USERS == 0:
            if _CONTROLLER is None:
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            _BLAS_LIMIT = _CONTROLLER.limit(limits=1, user_api="blas")
        _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0:
                _BLAS_LIMIT.restore_original_limits()
                _BLAS_LIMIT = None


def _after_fork_in_child() -> None:
    """A forked child starts with fresh locks, no pool (its parent's threads are gone) and
    BLAS at its original thread counts."""
    global _POOL, _POOL_LOCK, _BLAS_LOCK, _BLAS_USERS, _BLAS_LIMIT
    if _BLAS_LIMIT is not None:  # forked inside a limited section: the child is not in it
        _BLAS_LIMIT.restore_original_limits()
    _POOL = None
    _POOL_LOCK = threading.Lock()
    _BLAS_LOCK = threading.Lock()
    _BLAS_USERS = 0
    _BLAS_LIMIT = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# --------------------------------------------------------------------------- BLAS path


def _weighted_total(values: Array, sw: Array | None) -> float:
    if sw is None:
        return float(values.sum(dtype=np.float64))
    return float(np.dot(values.astype(np.float64), sw.astype(np.float64)))


def _block_sums(
    X: Array, y: Array, sw: Array | None, Wt: Array, b: Array, loss: PointwiseLoss, order: int
) -> tuple[float, Array | None, Array | None]:
    """Two BLAS calls on one block: ``z = X W^T + b``; then ``(s g)^T X`` (order 1).

    In float64: a float32 block is widened first (a block-sized temporary), so ``z``,
    the loss and the gradient are as accurate as the compiled kernel's.
    """
    X = _widened(X)
    z = X @ Wt
    z += b
    if order == 0:
        return _weighted_total(loss.loss(y, z), sw), None, None
    values, g = loss.loss_gradient(y, z)
    if sw is not None:
        g *= sw[:, None]
    return _weighted_total(values, sw), g.T @ X, g.sum(axis=0, dtype=np.float64)


def _widened(X: Array) -> Array:
    """``X`` in float64 (a float32 block is converted; float64 is returned as is)."""
    return X if X.dtype == np.float64 else X.astype(np.float64)


def _blas_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    W: Array,
    b: Array,
    loss: PointwiseLoss,
    order: int,
    rows: int,
    threads: int,
) -> tuple[float, Array | None, Array | None]:
    n = X.shape[0]
    Wt = np.ascontiguousarray(W.T)  # (d, K) float64, small
    bx = b
    n_blocks = max(1, -(-n // rows))
    parts: list[tuple[float, Array | None, Array | None]] = [(0.0, None, None)] * n_blocks

    def run(c0: int, c1: int) -> None:
        for c in range(c0, c1):
            s, e = c * rows, min(n, (c + 1) * rows)
            swb = None if sw is None else sw[s:e]
            parts[c] = _block_sums(X[s:e], y[s:e], swb, Wt, bx, loss, order)

    if threads > 1 and n_blocks > 1:
        with single_threaded_blas():
            _share(run, n_blocks, threads)
    else:
        run(0, n_blocks)
    total = math.fsum(p[0] for p in parts)
    if order == 0:
        return total, None, None
    G = np.sum([p[1] for p in parts if p[1] is not None], axis=0)
    gb = np.sum([p[2] for p in parts if p[2] is not None], axis=0)
    return total, G, gb


# --------------------------------------------------------------------------- Hessian


def _xtdx(X: Array, h: Array, nonnegative: bool) -> Array:
    """``X^T diag(h) X`` in float64, exactly symmetric.

    ``A^T A`` with ``A = sqrt(h) X`` when ``h >= 0`` (NumPy hands ``A.T @ A`` to BLAS
    ``syrk``), ``X^T (h X)`` otherwise; only the upper triangle is kept and mirrored.
    (Measured here: OpenBLAS's ``syrk`` called directly is no faster than the full
    product for these shapes.)
    """
    if nonnegative:
        A = X * np.sqrt(h, dtype=X.dtype)[:, None]
        upper = A.T @ A
    else:
        upper = X.T @ (X * h[:, None].astype(X.dtype, copy=False))
    out = np.triu(upper).astype(np.float64)
    out += np.triu(out, 1).T
    return out


def _add_hessian_block(X: Array, h: Array, sw: Array | None, convex: bool, out: Array) -> None:
    """``out += sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T`` for every class pair of one block."""
    d = X.shape[1]
    h = h.astype(X.dtype, copy=False)
    K = h.shape[1]
    if h.ndim == 2:
        pairs = [(k, k, h[:, k]) for k in range(K)]
    else:
        pairs = [(k, m, h[:, k, m]) for k in range(K) for m in range(k, K)]
    for k, m, hkm in pairs:
        w = hkm if sw is None else hkm * sw
        block = out[k * (d + 1) : (k + 1) * (d + 1), m * (d + 1) : (m + 1) * (d + 1)]
        # h >= 0 for convex losses on the class diagonal (p_k (1 - p_k) for softmax)
        block[:d, :d] += _xtdx(X, w, nonnegative=convex and k == m)
        xw = X.T @ w
        block[:d, d] += xw
        block[d, :d] += xw
        block[d, d] += w.sum(dtype=np.float64)


def _hessian_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    W: Array,
    b: Array,
    loss: PointwiseLoss,
    rows: int,
    threads: int,
) -> KernelSums:
    """Loss, gradient and Hessian sums over blocks of rows.

    The blocks are cut into a few contiguous groups, each summed in order by one of
    ``threads`` workers (BLAS held to one thread each: on a small shared machine a
    multithreaded BLAS that spin-waits for a busy core is many times slower), and the
    group sums are added in order.
    """
    n = X.shape[0]
    K, d = W.shape
    p = K * (d + 1)
    Wt = np.ascontiguousarray(W.T)  # float64: z, loss and gradient in float64
    bx = b
    starts = list(range(0, max(n, 1), rows))
    # a few groups per thread for dynamic scheduling, within ~256 MB of partial Hessians
    n_groups = max(1, min(len(starts), 4 * threads, max(threads, (1 << 28) // (8 * p * p))))
    per = -(-len(starts) // n_groups)
    groups = [starts[i : i + per] for i in range(0, len(starts), per)]
    partial: list[tuple[float, Array, Array, Array] | None] = [None] * len(groups)

    def run(c0: int, c1: int) -> None:
        for c in range(c0, c1):
            total = 0.0
            G = np.zeros((K, d))
            gb = np.zeros(K)
            H = np.zeros((p, p))
            for s in groups[c]:
                e = min(n, s + rows)
                Xb, yb, swb = X[s:e], y[s:e], None if sw is None else sw[s:e]
                Xw = _widened(Xb)  # loss and gradient in float64; the Hessian in X's dtype
                z = Xw @ Wt
                z += bx
                values, g = loss.loss_gradient(yb, z)
                if swb is not None:
                    g *= swb[:, None]
                G += g.T @ Xw
                gb += g.sum(axis=0, dtype=np.float64)
                total += _weighted_total(values, swb)
                _add_hessian_block(Xb, loss.hessian(yb, z), swb, loss.convex, H)
            partial[c] = (total, G, gb, H)

    if threads > 1 and len(groups) > 1:
        with single_threaded_blas():
            _share(run, len(groups), threads)
    else:
        run(0, len(groups))
    done = [q for q in partial if q is not None]
    H = np.sum([q[3] for q in done], axis=0)
    span = [slice(k * (d + 1), (k + 1) * (d + 1)) for k in range(K)]
    for k in range(K):  # only the class pairs k <= m were summed: mirror the others
        for m in range(k + 1, K):
            H[span[m], span[k]] = H[span[k], span[m]].T
    return KernelSums(
        math.fsum(q[0] for q in done),
        np.sum([q[1] for q in done], axis=0),
        np.sum([q[2] for q in done], axis=0),
        H,
    )


# --------------------------------------------------------------------------- entry point


def _rows_for(nbytes: int, X: Array, itemsize: int | None = None) -> int:
    """Rows of ``X`` in ``nbytes`` (of ``itemsize``-byte elements: 8 for a widened block)."""
    row = max(1, X.shape[1]) * (itemsize or X.dtype.itemsize)
    return max(8, nbytes // row)


def _resolve_method(method: str, X: Array, loss: PointwiseLoss) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "numba":
        if not HAVE_NUMBA:
            raise ValueError("method='numba' needs numba (pip install numba); use 'blas'")
        if type(loss) not in _LOSS_CODES:
            raise ValueError(
                f"method='numba' supports the losses {[c.__name__ for c in _LOSS_CODES]}, "
                f"got {type(loss).__name__}; use method='blas'"
            )
        if not _numba_ready(X):
            raise ValueError(
                "method='numba' needs a C-contiguous float32/float64 X in native byte "
                f"order (np.ascontiguousarray(X)), got {X.dtype} with flags "
                f"C={X.flags.c_contiguous}; use method='blas' for other layouts"
            )
        return method
    if method != "auto":
        return method
    if X.size < SMALL_SIZE:
        return "plain"
    if HAVE_NUMBA and _numba_ready(X) and type(loss) in _LOSS_CODES:
        return "numba"
    return "blas"


def all_finite(X: Array, n_threads: int | None = None) -> bool:
    """Whether every element of a float array is finite, in one pass shared by threads.

    ``all_ij isfinite(x_ij)``, computed as ``sum_ij 0 * x_ij == 0`` per chunk of ~2 MiB
    of rows (``0 * inf`` and ``0 * NaN`` are NaN): for C-contiguous float32/float64
    ``X`` with numba, the chunks go to ``n_threads`` threads (default
    :func:`default_threads`) without any temporary array; otherwise ``np.isfinite``
    block by block.
    """
    X = np.asarray(X)
    if X.size == 0:
        return True
    X2 = X if X.ndim == 2 else X.reshape(X.shape[0] if X.ndim else 1, -1)
    n = X2.shape[0]
    chunk = _rows_for(CHUNK_BYTES, X2)
    n_chunks = -(-n // chunk)
    if not (HAVE_NUMBA and _numba_ready(X2)) or X2.size < SMALL_SIZE:
        return all(bool(np.isfinite(X2[s : s + chunk]).all()) for s in range(0, n, chunk))
    out = np.zeros(n_chunks)

    def run(c0: int, c1: int) -> None:
        _zero_sums(X2, chunk, c0, c1, out)

    _share(run, n_chunks, default_threads() if n_threads is None else int(n_threads))
    return not np.isnan(out).any()


def _numba_ready(X: Array) -> bool:
    return bool(X.flags.c_contiguous and X.dtype in (np.float32, np.float64) and X.dtype.isnative)


def _check_shapes(X: Array, y: Array, sw: Array | None, W: Array, b: Array) -> None:
    """Every array sized as X says (the compiled loops trust these shapes)."""
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got {X.ndim} dimension(s)")
    n, d = X.shape
    if W.ndim != 2 or W.shape[1] != d:
        raise ValueError(f"coef must have shape (K, {d}) for X with {d} columns, got {W.shape}")
    K = W.shape[0]
    if b.shape != (K,):
        raise ValueError(f"intercept must have shape ({K},) for coef {W.shape}, got {b.shape}")
    if y.shape != (n, K):
        raise ValueError(
            f"y must have shape ({n}, {K}) for X {X.shape} and coef {W.shape}, got {y.shape}"
        )
    if sw is not None and np.shape(sw) != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {np.shape(sw)}")


def fused_sums(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    coef: Array,
    intercept: Array,
    loss: PointwiseLoss,
    order: int,
    *,
    method: str = "auto",
    n_threads: int | None = None,
    block_rows: int | None = None,
) -> KernelSums:
    """Weighted sums over the rows of one array, reading ``X`` once for orders 0 and 1.

    With ``z_i = W x_i + b``: ``L = sum_i s_i l(y_i, z_i)``; for ``order >= 1``
    ``G = sum_i s_i (dl/dz_i) x_i^T`` and ``gb = sum_i s_i dl/dz_i``; for ``order == 2``
    also ``H = sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T`` (``(K(d+1), K(d+1))``, classes
    outer, ``[W | b]`` inner).

    Parameters
    ----------
    X : (n, d) float32 or float64 array, any layout; never copied.
    y : (n, K) array of targets in ``X``'s dtype.
    sample_weight : (n,) array or None (unit weights).
    coef, intercept : ``W`` (K, d) and ``b`` (K,).
    loss : the pointwise loss on ``z``.
    order : 0 (loss), 1 (and gradient) or 2 (and Hessian).
    method : "auto", "numba", "blas" or "plain" (see the module docstring).
    n_threads : threads (None: :func:`default_threads`); BLAS is held to one thread
        while they run.
    block_rows : rows per chunk/block (None: about 2 MiB of ``X`` for numba; 4 MiB of
        float64 (at most 1/32 of the rows) for the BLAS path; 4 MiB for the Hessian).
    """
    if order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
    if block_rows is not None and (isinstance(block_rows, bool) or int(block_rows) < 1):
        raise ValueError(f"block_rows must be a positive integer or None, got {block_rows!r}")
    if n_threads is not None and (isinstance(n_threads, bool) or int(n_threads) < 1):
        raise ValueError(f"n_threads must be a positive integer or None, got {n_threads!r}")
    W = np.ascontiguousarray(coef, dtype=np.float64)
    b = np.ascontiguousarray(intercept, dtype=np.float64).reshape(-1)
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    _check_shapes(X, y, sample_weight, W, b)
    resolved = _resolve_method(method, X, loss)
    if resolved == "numba":  # one compiled signature per dtype of X: y, s in X's dtype
        y = np.ascontiguousarray(y, dtype=X.dtype)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(sample_weight, dtype=X.dtype)
    threads = default_threads() if n_threads is None else int(n_threads)
    if order == 2:
        rows = int(block_rows) if block_rows else _rows_for(HESSIAN_BLOCK_BYTES, X, 8)
        return _hessian_sums(X, y, sample_weight, W, b, loss, rows, threads)
    if resolved == "plain":
        total, G, gb = _block_sums(X, y, sample_weight, np.ascontiguousarray(W.T), b, loss, order)
    else:
        if resolved == "numba":
            rows = int(block_rows) if block_rows else _rows_for(CHUNK_BYTES, X)
            total, G, gb = _numba_sums(
                X, y, sample_weight, W, b, _LOSS_CODES[type(loss)], order, rows, threads
            )
        else:
            # sized for the widened (float64) block
            n_rows = X.shape[0]
            rows = (
                int(block_rows)
                if block_rows
                else min(_rows_for(BLOCK_BYTES, X, 8), max(8, -(-n_rows // 32)))
            )
            total, G, gb = _blas_sums(X, y, sample_weight, W, b, loss, order, rows, threads)
    if order == 0:
        return KernelSums(total, None, None, None)
    return KernelSums(total, G, gb, None)
