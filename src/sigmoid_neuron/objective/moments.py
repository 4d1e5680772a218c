"""Column statistics and the triangular factor of a block of rows: sums that combine with ``+``.

Both are what a data term computes in one pass over its rows (block by block, the
partial results added in any order, as Dask's tree reduction does):

- :class:`Moments`: the total weight ``S = sum_i s_i``, the weighted means
  ``m_j = sum_i s_i x_ij / S`` of the columns of ``X`` and of ``y``, and the weighted
  sums of squared deviations ``M2_j = sum_i s_i (x_ij - m_j)^2``. Two partial results
  combine by Chan, Golub and LeVeque's pairwise update
  ``M2 = M2_a + M2_b + (m_b - m_a)^2 S_a S_b / S`` (no cancellation of large means).
- the Gram matrix ``A^T A`` of ``A = diag(sqrt(s)) [X - x0 | y - y0 | 1]`` (:func:`block_gram`,
  a plain array: partial Gram matrices add), the fast route to least squares when the
  columns are well conditioned; its last column holds ``S`` and the weighted sums of the
  shifted columns, so one pass about any shift near the means also gives the exact means
  and the centred Gram matrix (:func:`centred_gram`);
- :class:`TriangularFactor`: the ``R`` of a QR factorisation of
  ``diag(sqrt(s)) [X - x0 | y - y0]``, so that ``R^T R`` is that matrix's Gram matrix.
  Two partial factors combine by factorising ``[R_a; R_b]`` (a tall-skinny QR): the
  least-squares solution is then as accurate as a Householder QR of all rows at once,
  without ever forming the squared-condition Gram matrix ``X^T X``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import scipy.linalg
import scipy.sparse
from numpy.typing import NDArray

from sigmoid_neuron.objective.threads import default_threads, share_holding_blas

Array = NDArray[Any]
T = TypeVar("T")

#: Bytes of float64 rows per chunk when an in-memory array is walked in pieces.
CHUNK_BYTES = 8 << 20


def row_chunks(n: int, width: int) -> list[slice]:
    """Slices of ~:data:`CHUNK_BYTES` of float64 rows of ``width`` columns covering ``0..n``."""
    rows = max(1, CHUNK_BYTES // (8 * max(1, width)))
    return [slice(i, min(i + rows, n)) for i in range(0, n, rows)] or [slice(0, 0)]


@dataclass
class Moments:
    """Weighted column statistics: ``S``, the means of ``X`` and ``y``, and ``M2`` of ``X``.

    ``var_j = M2_j / S`` is the weighted (population) variance of column ``j``.
    """

    total_weight: float
    mean_x: Array
    mean_y: Array
    m2_x: Array

    def __add__(self, other: Moments) -> Moments:
        S_a, S_b = self.total_weight, other.total_weight
        S = S_a + S_b
        if S_a == 0:
            return other
        if S_b == 0:
            return self
        delta = other.mean_x - self.mean_x
        mean_x = self.mean_x + delta * (S_b / S)
        mean_y = self.mean_y + (other.mean_y - self.mean_y) * (S_b / S)
        m2 = self.m2_x + other.m2_x + delta * delta * (S_a * S_b / S)
        return Moments(S, mean_x, mean_y, m2)

    @property
    def scale_x(self) -> Array:
        """The weighted standard deviations ``sqrt(M2_j / S)``, 1 where a column is constant."""
        std = np.sqrt(self.m2_x / self.total_weight) if self.total_weight > 0 else self.m2_x * 0
        return np.where(std > 0, std, 1.0)


def _map_chunks(fn: Callable[[slice], T], chunks: list[slice]) -> list[T]:
    """``[fn(c) for c in chunks]``, the chunks shared by :func:`default_threads` threads
    (BLAS held to one thread meanwhile: NumPy's products and ufuncs release the GIL).
    The results come back in chunk order, so a sum folded over them is the same
    whatever the number of threads."""
    out: list[Any] = [None] * len(chunks)

    def run(c0: int, c1: int) -> None:
        for c in range(c0, c1):
            out[c] = fn(chunks[c])

    share_holding_blas(run, len(chunks), default_threads())
    return out


def block_moments(X: Array, y: Array, sample_weight: Array | None) -> Moments:
    """:class:`Moments` of one block of rows (float64 arithmetic, float32 input allowed).

    ``S = sum_i s_i``, ``m = sum_i s_i x_i / S``, ``M2 = sum_i s_i (x_i - m)^2``. A sparse
    ``X`` is read through sparse products (``M2 = sum_i s_i x_i^2 - S m^2``, never densified).
    """
    if scipy.sparse.issparse(X):
        return _sparse_moments(X, y, sample_weight)
    d = X.shape[1]
    y2 = y[:, None] if y.ndim == 1 else y
    total = Moments(0.0, np.zeros(d), np.zeros(y2.shape[1]), np.zeros(d))

    def chunk_moments(rows: slice) -> Moments | None:
        Xc = np.asarray(X[rows], dtype=np.float64)
        yc = np.asarray(y2[rows], dtype=np.float64)
        if sample_weight is None:
            S = float(Xc.shape[0])
            if S == 0:
                return None
            mx, my = Xc.mean(axis=0), yc.mean(axis=0)
            dev = Xc - mx
            m2 = np.einsum("ij,ij->j", dev, dev)
        else:
            s = np.asarray(sample_weight[rows], dtype=np.float64)
            S = float(s.sum())
            if S == 0:
                return None
            mx, my = s @ Xc / S, s @ yc / S
            dev = Xc - mx
            m2 = s @ (dev * dev)
        return Moments(S, mx, my, m2)

    for part in _map_chunks(chunk_moments, row_chunks(X.shape[0], d)):
        if part is not None:
            total = total + part
    return total


@dataclass
class TriangularFactor:
    """``R`` (upper triangular, ``(m, m)``, fewer rows for tiny blocks) of ``QR = A``.

    ``A = diag(sqrt(s)) [X - x0 | y - y0]`` over the rows seen so far; ``R^T R = A^T A``.
    """

    R: Array

    def __add__(self, other: TriangularFactor) -> TriangularFactor:
        return TriangularFactor(_r_factor(np.vstack([self.R, other.R])))


def _r_factor(A: Array) -> Array:
    """The ``R`` of ``A``'s Householder QR (``min(rows, cols)`` rows), rows of zeros for none."""
    if A.shape[0] == 0:
        return np.zeros((0, A.shape[1]))
    R: Array = scipy.linalg.qr(A, mode="r", overwrite_a=True, check_finite=False)[0]
    return R


def _shifted_chunk(
    X: Array,
    y2: Array,
    sample_weight: Array | None,
    x_shift: Array,
    y_shift: Array,
    rows: slice,
    target_rows: slice | None = None,
    ones: bool = False,
    x_scale: Array | None = None,
) -> Array:
    """``diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift]`` for ``rows`` (of ``X``;
    ``target_rows`` of ``y`` and ``s``, default the same), in a new float64 array; with
    ``ones`` a last column ``sqrt(s)`` (the weighted column of ones); ``x_scale`` None: 1."""
    other = rows if target_rows is None else target_rows
    d, K = X.shape[1], y2.shape[1]
    A = np.empty((rows.stop - rows.start, d + K + int(ones)))
    np.subtract(X[rows], x_shift, out=A[:, :d])
    if x_scale is not None:
        A[:, :d] /= x_scale
    np.subtract(y2[other], y_shift, out=A[:, d : d + K])
    if ones:
        A[:, d + K] = 1.0
    if sample_weight is not None:
        A *= np.sqrt(np.asarray(sample_weight[other], dtype=np.float64))[:, None]
    return A


def block_qr(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    x_shift: Array,
    y_shift: Array,
    x_scale: Array | None = None,
) -> TriangularFactor:
    """The triangular factor of ``diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift]``
    for one block (``x_scale`` None: 1).

    Rows are taken in chunks of about 8 MiB, each chunk's ``R`` folded into the running
    one by a QR of ``[R; chunk]``: memory stays that of one chunk, the arithmetic float64.
    """
    d = X.shape[1]
    y2 = y[:, None] if y.ndim == 1 else y
    width = d + y2.shape[1]
    R = np.zeros((0, width))
    for rows in row_chunks(X.shape[0], width):
        if scipy.sparse.issparse(X):  # one chunk densified at a time, never all of X
            chunk = slice(0, rows.stop - rows.start)
            dense = X[rows].toarray()  # type: ignore[attr-defined]
            A = _shifted_chunk(
                dense, y2, sample_weight, x_shift, y_shift, chunk, rows, x_scale=x_scale
            )
        else:
            A = _shifted_chunk(X, y2, sample_weight, x_shift, y_shift, rows, x_scale=x_scale)
        R = _r_factor(np.vstack([R, A]) if R.size else A)
    return TriangularFactor(R)


def block_gram(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    x_shift: Array,
    y_shift: Array,
    x_scale: Array | None = None,
) -> Array:
    """``A^T A`` for ``A = diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift | 1]`` of
    one block (``x_scale`` None: 1), float64, ``(d + K + 1)`` square: the last row holds
    ``sum_i s_i (x_i - x_shift) / x_scale``, ``sum_i s_i (y_i - y_shift)`` and ``S``.

    Chunks of about 8 MiB are shifted (and weighted) into a float64 buffer and their
    ``A_c^T A_c`` (BLAS ``syrk`` through NumPy) summed, the chunks shared by threads.
    """
    if scipy.sparse.issparse(X):
        if x_scale is not None:  # the columns scaled: a copy of the stored values
            X = scipy.sparse.csr_matrix(X @ scipy.sparse.diags(1.0 / np.asarray(x_scale)))
            x_shift = np.asarray(x_shift, dtype=np.float64) / x_scale
        return _sparse_gram(X, y, sample_weight, x_shift, y_shift)
    d = X.shape[1]
    y2 = y[:, None] if y.ndim == 1 else y
    width = d + y2.shape[1] + 1
    G = np.zeros((width, width))

    def chunk_gram(rows: slice) -> Array:
        A = _shifted_chunk(X, y2, sample_weight, x_shift, y_shift, rows, ones=True, x_scale=x_scale)
        return A.T @ A

    for part in _map_chunks(chunk_gram, row_chunks(X.shape[0], width)):
        G += part
    return G


def centred_gram(
    G: Array, x_shift: Array, y_shift: Array, x_scale: Array | None = None
) -> tuple[Array, Array, Array]:
    """``(C, mean_x, mean_y)`` from a :func:`block_gram` result about any shift ``a0``
    (with the same ``x_scale``: ``C`` is then that of the scaled columns).

    With ``a = [x | y] - a0`` (its ``x`` part divided by ``x_scale``), ``u = sum_i s_i a_i``
    (the last column) and ``S``: ``mean = a0 + [x_scale | 1] u / S`` and ``C = sum_i s_i
    (a_i - u/S)(a_i - u/S)^T = A^T A - u u^T / S`` (the centred Gram matrix, ``(d + K)``
    square). Shifted by a sample's means, ``u / S`` is a fraction of a standard deviation
    and the subtraction cancels no digits worth having.
    """
    w = G.shape[0] - 1
    S = float(G[w, w])
    if not S > 0:
        raise ValueError("the rows have zero total weight")
    u = G[:w, w]
    C = G[:w, :w] - np.outer(u, u) / S
    C = 0.5 * (C + C.T)
    d = np.asarray(x_shift).size
    step = u / S
    if x_scale is not None:
        step[:d] *= x_scale
    mean_x = np.asarray(x_shift, dtype=np.float64) + step[:d]
    return C, mean_x, np.asarray(y_shift, dtype=np.float64) + step[d:]


#: Columns whose values (about their shift) reach beyond 2^EXTREME_EXPONENT, or stay
#: below 2^-EXTREME_EXPONENT, have squares (and sums of them) that float64 may not hold:
#: :func:`extreme_column_scales` names them
EXTREME_EXPONENT = 100


def extreme_column_scales(X: Any, shift: Array, rows: int = 1_000) -> Array | None:
    """Powers of 2, ``c_j = 2^e_j`` with ``max_i |x_ij - shift_j|`` in ``[2^(e_j-1), 2^e_j)``,
    for the columns of ``X`` (dense or sparse rows, e.g. a sample; judged on about
    ``rows`` of them, evenly spaced) of extreme size (:data:`EXTREME_EXPONENT`), 1 for the
    others; None when every column is ordinary. Dividing a column by a power of 2 is
    exact."""
    X = X[:: max(1, X.shape[0] // max(1, rows))]
    if scipy.sparse.issparse(X):
        top = np.maximum(abs(X).max(axis=0).toarray().ravel(), np.abs(shift))
    else:
        top = np.abs(np.asarray(X, dtype=np.float64) - shift).max(axis=0, initial=0.0)
    exponent = np.frexp(top)[1]
    extreme = (top > 0) & np.isfinite(top) & (np.abs(exponent) > EXTREME_EXPONENT)
    if not extreme.any():
        return None
    scale: Array = np.where(extreme, np.ldexp(1.0, exponent), 1.0)
    return scale


def _weights(sample_weight: Array | None, n: int) -> Array:
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)


def _sparse_moments(X: Any, y: Array, sample_weight: Array | None) -> Moments:
    """:class:`Moments` of a sparse block through sparse products."""
    y2 = np.asarray(y[:, None] if y.ndim == 1 else y, dtype=np.float64)
    s = _weights(sample_weight, X.shape[0])
    S = float(s.sum())
    if S == 0:
        return Moments(0.0, np.zeros(X.shape[1]), np.zeros(y2.shape[1]), np.zeros(X.shape[1]))
    mean_x = np.asarray(X.T @ s, dtype=np.float64).ravel() / S
    squares = np.asarray(X.multiply(X).T @ s, dtype=np.float64).ravel()
    m2 = np.maximum(squares - S * mean_x * mean_x, 0.0)
    return Moments(S, mean_x, s @ y2 / S, m2)


def _sparse_gram(
    X: Any, y: Array, sample_weight: Array | None, x_shift: Array, y_shift: Array
) -> Array:
    """``A^T A`` of ``A = diag(sqrt(s)) [X - 1 x0^T | y - 1 y0^T | 1]`` for a sparse ``X``:

        X^T S X - u x0^T - x0 u^T + S x0 x0^T   with u = X^T s, S = sum s  (feature block),
        X^T (s * r) - x0 (s^T r)                 with r = y - y0           (cross block),
        [u - S x0 | s^T r | S]                                             (ones column),

    from sparse products (``X`` is never densified; the ``d x d`` result is dense).
    """
    y2 = np.asarray(y[:, None] if y.ndim == 1 else y, dtype=np.float64)
    d, K = X.shape[1], y2.shape[1]
    s = _weights(sample_weight, X.shape[0])
    x0 = np.asarray(x_shift, dtype=np.float64).reshape(d)
    r = y2 - np.asarray(y_shift, dtype=np.float64).reshape(1, K)
    S = float(s.sum())
    u = np.asarray(X.T @ s, dtype=np.float64).ravel()
    G = np.empty((d + K + 1, d + K + 1))
    G[:d, :d] = (X.T @ X.multiply(s[:, None]).tocsr()).toarray()
    G[:d, :d] += S * np.outer(x0, x0) - np.outer(u, x0) - np.outer(x0, u)
    sr = s[:, None] * r
    cross = np.asarray(X.T @ sr, dtype=np.float64) - np.outer(x0, sr.sum(axis=0))
    G[:d, d : d + K] = cross
    G[d : d + K, :d] = cross.T
    G[d : d + K, d : d + K] = r.T @ sr
    ones = np.r_[u - S * x0, sr.sum(axis=0), S]  # sum_i s_i [x_i - x0 | r_i | 1]
    G[:, d + K] = ones
    G[d + K, :] = ones
    return G
