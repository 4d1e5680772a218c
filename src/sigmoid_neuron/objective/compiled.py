"""The compiled (numba) loops of the fused pass and of the finite check.

Imported only when a pass is large enough to pay for loading them (see
:data:`sigmoid_neuron.objective.kernels.NUMBA_MIN_SIZE`): importing numba and loading
the cached machine code costs a fresh process a few tenths of a second, compiling them
into an empty cache much more, which no small fit should wait for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.simd import row_dot, rows_axpy
from sigmoid_neuron.objective.threads import share

Array = NDArray[Any]

#: bytes of X per sub-block of the numba kernel (rows revisited from L1/L2)
SUB_BLOCK_BYTES = 1 << 18

#: SHA-256 of simd.py. numba's cache keys a compiled function on its own file only, so
#: the kernels in this file, which inline simd.py's intrinsics, would keep stale machine code
#: after a change to simd.py alone; a test checks this value, and updating it changes
#: this file, which invalidates the cache.
SIMD_SOURCE_SHA256 = "3730c422ca129e675819284a83b3a0966a199277a2c355ac5dd36c14f300c301"


def _jit(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    # error_model="numpy": a float division never raises, so loops with one vectorise
    result: Callable[[Callable[..., Any]], Callable[..., Any]] = numba.njit(
        cache=True, nogil=True, error_model="numpy", **options
    )
    return result


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

    share(run, n_chunks, threads)
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
