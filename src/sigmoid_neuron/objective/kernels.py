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
    ``"plain"`` below :data:`SMALL_SIZE` elements, ``"numba"`` from
    :data:`NUMBA_MIN_SIZE` on for C-contiguous ``X`` when numba is installed, else
    ``"blas"``. The compiled loops live in :mod:`sigmoid_neuron.objective.compiled`,
    imported on first use; the threads in :mod:`sigmoid_neuron.objective.threads`.

The Hessian (order 2) is compute-bound, ``O(n d^2)``: it is taken per block of rows as
``A^T A`` with ``A = sqrt(h) X_b`` when the curvature ``h`` is non-negative, and
``X_b^T (h X_b)`` otherwise (BLAS), accumulated in float64, the blocks shared by our
threads with BLAS held to one thread each.

No method copies ``X``. Results do not depend on the number of threads: partial sums
are kept per chunk and added in a fixed order.
"""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import numpy as np
import scipy.sparse
from numpy.typing import NDArray

from sigmoid_neuron.objective.hessian import KernelSums, _hessian_sums, _weighted_total, _widened
from sigmoid_neuron.objective.links import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    PointwiseLoss,
)
from sigmoid_neuron.objective.sparse_sums import sparse_sums
from sigmoid_neuron.objective.threads import (
    default_threads,
    share,
    share_holding_blas,
    single_threaded_blas,
)

#: numba (the optional "fast" extra) is installed; without it the BLAS path is used.
#: Found without importing it: the compiled loops load on first use (:func:`_compiled`).
HAVE_NUMBA = importlib.util.find_spec("numba") is not None

Array = NDArray[Any]

__all__ = [
    "BLOCK_BYTES",
    "CHUNK_BYTES",
    "HAVE_NUMBA",
    "METHODS",
    "NUMBA_MIN_SIZE",
    "SMALL_SIZE",
    "KernelSums",
    "all_finite",
    "default_threads",
    "fused_sums",
    "single_threaded_blas",
    "warm_up_compiled",
]

#: methods accepted by :func:`fused_sums`
METHODS = ("auto", "numba", "blas", "plain")
#: below this many elements of X (4 MiB of float64), "auto" takes the plain two-pass
#: path: one BLAS call each way on data that fit in the cache, no threads to start and
#: nothing to load (a pass takes well under a millisecond, less than loading numba and
#: its cached kernels costs a fresh process, ~0.3 s; compiling them, far more)
SMALL_SIZE = 1 << 19
#: from this many elements of X on, "auto" takes the compiled loops when it can
NUMBA_MIN_SIZE = SMALL_SIZE
#: bytes of X per chunk of the numba kernel (the unit of dynamic scheduling)
CHUNK_BYTES = 1 << 21
#: bytes per (float64 or widened) block of the BLAS path: large enough that the NumPy
#: calls of the pointwise loss cost little next to the block's arithmetic (blocks of
#: ~0.5 MiB were measured 1.5-3x slower, GIL-bound with two threads), small enough for
#: the last-level cache; at most 1/32 of X, so a pass allocates far less than X
BLOCK_BYTES = 1 << 22
#: bytes of X per block for the Hessian (large enough for efficient syrk/gemm)
HESSIAN_BLOCK_BYTES = 1 << 22


#: the multinomial loss's ``kernel_code`` (rows of several outputs; no CSR loop)
_MULTINOMIAL = MultinomialCrossEntropy.kernel_code


# --------------------------------------------------------------------------- BLAS path


def _block_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    Wt: Array,
    b: Array,
    loss: PointwiseLoss,
    order: int,
    offset: Array | None = None,
) -> tuple[float, Array | None, Array | None]:
    """Two BLAS calls on one block: ``z = X W^T + b (+ offset)``; then ``(s g)^T X``.

    In float64: a float32 block is widened first (a block-sized temporary), so ``z``,
    the loss and the gradient are as accurate as the compiled kernel's.
    """
    X = _widened(X)
    z = X @ Wt
    z += b
    if offset is not None:
        z += offset
    if order == 0:
        return _weighted_total(loss.loss(y, z), sw), None, None
    values, g = loss.loss_gradient(y, z)
    if sw is not None:
        g *= sw[:, None]
    return _weighted_total(values, sw), g.T @ X, g.sum(axis=0, dtype=np.float64)


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
    offset: Array | None = None,
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
            ob = None if offset is None else offset[s:e]
            parts[c] = _block_sums(X[s:e], y[s:e], swb, Wt, bx, loss, order, ob)

    share_holding_blas(run, n_blocks, threads)
    total = math.fsum(p[0] for p in parts)
    if order == 0:
        return total, None, None
    G = np.sum([p[1] for p in parts if p[1] is not None], axis=0)
    gb = np.sum([p[2] for p in parts if p[2] is not None], axis=0)
    return total, G, gb


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
        if loss.kernel_code is None:
            raise ValueError(
                f"method='numba' needs a loss with a compiled formula (kernel_code), got "
                f"{type(loss).__name__}; use method='blas'"
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
    compiled = loss.kernel_code is not None
    if X.size >= NUMBA_MIN_SIZE and HAVE_NUMBA and _numba_ready(X) and compiled:
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
    if not (HAVE_NUMBA and _numba_ready(X2)) or X2.size < NUMBA_MIN_SIZE:
        return all(bool(np.isfinite(X2[s : s + chunk]).all()) for s in range(0, n, chunk))
    out = np.zeros(n_chunks)
    zero_sums = _compiled()._zero_sums

    def run(c0: int, c1: int) -> None:
        zero_sums(X2, chunk, c0, c1, out)

    share(run, n_chunks, default_threads() if n_threads is None else int(n_threads))
    return not np.isnan(out).any()


def warm_up_compiled() -> bool:
    """Compile the numba loops into numba's cache now (the install step calls this), so
    that no user's first large fit waits for the compiler: every signature the fused
    pass and the finite check use (float32 and float64 ``X``, one and several outputs,
    orders 0 and 1). Returns False where numba is not installed."""
    if not HAVE_NUMBA:
        return False
    losses = (HalfSquaredError(), BinaryCrossEntropy(), MultinomialCrossEntropy())
    for dtype in (np.float64, np.float32):
        X = np.ones((8, 3), dtype=dtype)
        _compiled()._zero_sums(X, 8, 0, 1, np.zeros(1))
        for loss in losses:
            K = 2 if isinstance(loss, MultinomialCrossEntropy) else 1
            y = np.zeros((8, K), dtype=dtype)
            for sw in (None, np.ones(8, dtype=dtype)):
                for order in (0, 1):
                    fused_sums(X, y, sw, np.zeros((K, 3)), np.zeros(K), loss, order, method="numba")
    return True


def _compiled() -> Any:
    """The compiled loops (:mod:`sigmoid_neuron.objective.compiled`), loaded on first use."""
    from sigmoid_neuron.objective import compiled

    return compiled


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
    offset: Array | None = None,
) -> KernelSums:
    """Weighted sums over the rows of one array, reading ``X`` once for orders 0 and 1.

    With ``z_i = W x_i + b + o_i`` (``o`` the offset, 0 without one):
    ``L = sum_i s_i l(y_i, z_i)``; for ``order >= 1``
    ``G = sum_i s_i (dl/dz_i) x_i^T`` and ``gb = sum_i s_i dl/dz_i``; for ``order == 2``
    also ``H = sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T`` (``(K(d+1), K(d+1))``, classes
    outer, ``[W | b]`` inner).

    Parameters
    ----------
    X : (n, d) float32 or float64 array, any layout, or a ``scipy.sparse`` matrix (CSR;
        other formats are converted to CSR; see :mod:`sigmoid_neuron.objective.sparse_sums`);
        never copied or densified.
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
    offset : (n,) or (n, K) array or None: a known term added to every ``z_i`` (glum's and
        statsmodels' offset). Dense ``X`` with an offset takes the BLAS path.
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
    if offset is not None:
        offset = np.asarray(offset, dtype=np.float64)
        offset = offset.reshape(-1, 1) if offset.ndim == 1 else offset
        if offset.shape not in ((X.shape[0], 1), (X.shape[0], W.shape[0])):
            raise ValueError(
                f"offset must have shape ({X.shape[0]},) or ({X.shape[0]}, {W.shape[0]}), "
                f"got {offset.shape}"
            )
    threads = default_threads() if n_threads is None else int(n_threads)
    if scipy.sparse.issparse(X):
        code = loss.kernel_code if HAVE_NUMBA and W.shape[0] == 1 else None
        if method not in ("auto", "numba") or code == _MULTINOMIAL:
            code = None
        total_s, G_s, gb_s, H_s = sparse_sums(
            X, y, sample_weight, W, b, loss, order, offset, code, threads
        )
        return KernelSums(total_s, G_s, gb_s, H_s)
    resolved = _resolve_method(method, X, loss)
    if resolved == "numba" and offset is not None:
        if method == "numba":
            raise ValueError("method='numba' takes no offset; use method='blas'")
        resolved = "blas"
    if resolved == "numba":  # one compiled signature per dtype of X: y, s in X's dtype
        y = np.ascontiguousarray(y, dtype=X.dtype)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(sample_weight, dtype=X.dtype)
    if order == 2:
        rows = int(block_rows) if block_rows else _rows_for(HESSIAN_BLOCK_BYTES, X, 8)
        return _hessian_sums(X, y, sample_weight, W, b, loss, rows, threads, offset)
    if resolved == "plain":
        Wt = np.ascontiguousarray(W.T)
        total, G, gb = _block_sums(X, y, sample_weight, Wt, b, loss, order, offset)
    else:
        if resolved == "numba":
            rows = int(block_rows) if block_rows else _rows_for(CHUNK_BYTES, X)
            total, G, gb = _compiled()._numba_sums(
                X, y, sample_weight, W, b, loss.kernel_code, order, rows, threads
            )
        else:
            # sized for the widened (float64) block
            n_rows = X.shape[0]
            rows = (
                int(block_rows)
                if block_rows
                else min(_rows_for(BLOCK_BYTES, X, 8), max(8, -(-n_rows // 32)))
            )
            total, G, gb = _blas_sums(X, y, sample_weight, W, b, loss, order, rows, threads, offset)
    if order == 0:
        return KernelSums(total, None, None, None)
    return KernelSums(total, G, gb, None)
