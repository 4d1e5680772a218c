"""The fused sums over a ``scipy.sparse`` CSR matrix, never densified.

With ``z_i = W x_i + b + o_i`` (``o`` the offset, 0 without one), the same sums as
:func:`sigmoid_neuron.objective.kernels.fused_sums`:

    L = sum_i s_i l(y_i, z_i),   G = sum_i s_i (dl/dz_i) x_i^T,   gb = sum_i s_i dl/dz_i,
    H = sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T   (order 2),

Single-output losses with a compiled formula take the numba CSR loop
(:mod:`sigmoid_neuron.objective.compiled_sparse`: each stored value read once, z, the
loss and the gradient in float64); the others take two sparse products ``X W^T`` and
``X^T g`` (SciPy). The Hessian is ``X^T diag(c) X`` per class pair through a sparse
product, a dense ``(d + 1) K`` square at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import MultinomialCrossEntropy, PointwiseLoss

Array = NDArray[Any]


def _weighted(values: Array, sw: Array | None) -> float:
    per_row = values.sum(axis=1, dtype=np.float64) if values.ndim == 2 else values
    return float(per_row.sum() if sw is None else per_row @ np.asarray(sw, dtype=np.float64))


def _z(X: Any, W: Array, b: Array, offset: Array | None) -> Array:
    z: Array = np.asarray(X @ W.T, dtype=np.float64)
    z += b
    if offset is not None:
        z += offset
    return z


def sparse_sums(
    X: Any,
    y: Array,
    sw: Array | None,
    W: Array,
    b: Array,
    loss: PointwiseLoss,
    order: int,
    offset: Array | None,
    code: int | None,
    threads: int,
) -> tuple[float, Array | None, Array | None, Array | None]:
    """``(L, G, gb, H)`` over the rows of a CSR ``X`` (``code``: the compiled loss code of a
    single-output loss, or None for the SciPy path); orders as in ``fused_sums``."""
    X = scipy.sparse.csr_matrix(X) if X.format != "csr" else X
    K = W.shape[0]
    if order < 2 and code is not None and K == 1:
        from sigmoid_neuron.objective.compiled_sparse import csr_sums

        off = None if offset is None else offset[:, 0]
        total, g, gsum = csr_sums(X, y, sw, off, W[0], float(b[0]), code, order, threads)
        if order == 0:
            return total, None, None, None
        return total, g[None, :], np.array([gsum]), None
    z = _z(X, W, b, offset)
    if order == 0:
        return _weighted(loss.loss(y, z), sw), None, None, None
    values, g = loss.loss_gradient(y, z)
    if sw is not None:
        g = g * np.asarray(sw, dtype=np.float64)[:, None]
    G = np.asarray((X.T @ g).T, dtype=np.float64)
    gb = g.sum(axis=0, dtype=np.float64)
    H = None if order < 2 else _sparse_hessian(X, y, z, sw, loss)
    return _weighted(values, sw), G, gb, H


def _pair_block(X: Any, c: Array) -> Array:
    """``[X 1]^T diag(c) [X 1]`` for a CSR ``X``: ``(d + 1, d + 1)`` dense."""
    d = X.shape[1]
    Xc = X.multiply(c[:, None]).tocsr()
    out = np.empty((d + 1, d + 1))
    out[:d, :d] = (X.T @ Xc).toarray()
    col = np.asarray(Xc.sum(axis=0)).ravel()
    out[:d, d] = col
    out[d, :d] = col
    out[d, d] = c.sum()
    return out


def _sparse_hessian(X: Any, y: Array, z: Array, sw: Array | None, loss: PointwiseLoss) -> Array:
    """``H`` in the ``[W | b]`` ordering, classes outer: the curvature of each class pair
    ``c_km = s (P_k [k = m] - P_k P_m)`` for the softmax, ``s h_k [k = m]`` otherwise."""
    K = z.shape[1]
    d = X.shape[1]
    s = np.ones(X.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    H = np.zeros((K * (d + 1), K * (d + 1)))
    span = [slice(k * (d + 1), (k + 1) * (d + 1)) for k in range(K)]
    if isinstance(loss, MultinomialCrossEntropy):
        P = loss.predict(z)
        for k in range(K):
            for m in range(k, K):
                c = s * (P[:, k] * (k == m) - P[:, k] * P[:, m])
                block = _pair_block(X, c)
                H[span[k], span[m]] = block
                H[span[m], span[k]] = block.T
        return H
    h = np.asarray(loss.hessian(y, z), dtype=np.float64).reshape(X.shape[0], K)
    for k in range(K):
        H[span[k], span[k]] = _pair_block(X, s * h[:, k])
    return H
