"""The Hessian sums of a linear model, ``O(n d^2)`` and compute-bound, with the loss and
gradient of the same pass:

    H = sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T   for every class pair (k, m),

taken per block of rows as ``A^T A`` with ``A = sqrt(h) X_b`` when the curvature ``h``
is non-negative, ``X_b^T (h X_b)`` otherwise, and for the softmax in one syrk
(``blockdiag(P) - Q^T Q``); accumulated in float64, the blocks shared by our threads
with BLAS held to one thread each. :class:`KernelSums` is what every fused pass returns.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import MultinomialCrossEntropy, PointwiseLoss
from sigmoid_neuron.objective.threads import share_holding_blas

Array = NDArray[Any]


class KernelSums(NamedTuple):
    """``(sum s_i l_i, sum s_i g_i x_i^T, sum s_i g_i, Hessian sums or None)``, float64."""

    loss: float
    grad_coef: Array | None
    grad_intercept: Array | None
    hessian: Array | None


def _weighted_total(values: Array, sw: Array | None) -> float:
    if sw is None:
        return float(values.sum(dtype=np.float64))
    return float(np.dot(values.astype(np.float64), sw.astype(np.float64)))


def _widened(X: Array) -> Array:
    """``X`` in float64 (a float32 block is converted; float64 is returned as is)."""
    return X if X.dtype == np.float64 else X.astype(np.float64)


def _xtdx(X: Array, h: Array | None, nonnegative: bool) -> Array:
    """``X^T diag(h) X`` in float64, exactly symmetric (``h`` None: all ones).

    ``A^T A`` with ``A = sqrt(h) X`` when ``h >= 0`` (NumPy hands ``A.T @ A`` to BLAS
    ``syrk`` and mirrors its triangle; ``A = X`` itself when ``h`` is None, no copy),
    ``X^T (h X)`` otherwise; a product that is not exactly symmetric has its upper
    triangle mirrored. (Measured here: OpenBLAS's ``syrk`` called directly is no faster
    than the full product for these shapes; a 1797 x 650 copy costs 13 ms, as much as
    the product, on the digits' multinomial Hessian.)
    """
    if nonnegative:
        A = X if h is None else X * np.sqrt(h, dtype=X.dtype)[:, None]
        upper = A.T @ A
    else:
        ones = np.ones(X.shape[0], X.dtype) if h is None else h
        upper = X.T @ (X * ones[:, None].astype(X.dtype, copy=False))
    out = upper.astype(np.float64, copy=False)
    if not np.array_equal(out, out.T):
        out = np.triu(out)
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


def _add_softmax_hessian_block(X: Array, P: Array, sw: Array | None, out: Array) -> None:
    """``out += sum_i s_i (diag(p_i) - p_i p_i^T) (x) [x_i; 1][x_i; 1]^T`` in two BLAS calls.

    The softmax curvature factors as ``h_i = diag(p_i) - p_i p_i^T``, so with
    ``x~_i = [x_i; 1]`` and ``Q = [x~ s p_1 | ... | x~ s p_K]`` (row i of block k is
    ``sqrt(s_i) p_ik x~_i``) the whole Hessian is ``blockdiag_k(X~^T diag(s p_k) X~) -
    Q^T Q``: one large ``syrk`` instead of ``K (K + 1) / 2`` small products (5x faster on
    the digits, K = 10).
    """
    n, d = X.shape
    K = P.shape[1]
    w = d + 1
    Xt = np.empty((n, w))
    Xt[:, :d] = X
    Xt[:, d] = 1.0
    root = np.ones(n) if sw is None else np.sqrt(np.asarray(sw, dtype=np.float64))
    Q = (Xt[:, None, :] * (P * root[:, None])[:, :, None]).reshape(n, K * w)
    out -= _xtdx(Q, None, nonnegative=True)
    weights = P if sw is None else P * np.asarray(sw, dtype=np.float64)[:, None]
    for k in range(K):
        block = slice(k * w, (k + 1) * w)
        out[block, block] += _xtdx(Xt, weights[:, k], nonnegative=True)


def mirror_class_pairs(H: Array, K: int) -> Array:
    """``H`` with the blocks of the class pairs ``k > m`` set to the transposes of the
    summed ``k < m`` ones (``K`` classes of equal blocks); returned for chaining."""
    w = H.shape[0] // K
    span = [slice(k * w, (k + 1) * w) for k in range(K)]
    for k in range(K):
        for m in range(k + 1, K):
            H[span[m], span[k]] = H[span[k], span[m]].T
    return H


def _hessian_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    W: Array,
    b: Array,
    loss: PointwiseLoss,
    rows: int,
    threads: int,
    offset: Array | None = None,
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
                if offset is not None:
                    z += offset[s:e]
                values, g = loss.loss_gradient(yb, z)
                if swb is not None:
                    g *= swb[:, None]
                G += g.T @ Xw
                gb += g.sum(axis=0, dtype=np.float64)
                total += _weighted_total(values, swb)
                if isinstance(loss, MultinomialCrossEntropy):
                    _add_softmax_hessian_block(Xb, loss.predict(z), swb, H)
                else:
                    _add_hessian_block(Xb, loss.hessian(yb, z), swb, loss.convex, H)
            partial[c] = (total, G, gb, H)

    share_holding_blas(run, len(groups), threads)
    done = [q for q in partial if q is not None]
    H = mirror_class_pairs(np.sum([q[3] for q in done], axis=0), K)
    return KernelSums(
        math.fsum(q[0] for q in done),
        np.sum([q[1] for q in done], axis=0),
        np.sum([q[2] for q in done], axis=0),
        H,
    )
