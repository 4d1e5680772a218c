"""The compiled (numba) loss-and-gradient pass over a CSR matrix: each stored value read once.

For the rows ``r`` of a group, in order:

    z_r = b + o_r + sum_{j in row r} x_rj w_j                   (float64)
    v_r, g_r = s_r l(y_r, z_r), s_r dl/dz_r                    (the dense kernel's
                                                                pointwise formulas)
    G_j += g_r x_rj for the stored j of row r,   G_d += g_r     (the row is still hot)

Rows are cut into a fixed number of groups (independent of the thread count), each summed
in order into its own ``G``, and the groups added in order: the result does not depend on
how many threads ran. Imported on first use, like :mod:`sigmoid_neuron.objective.compiled`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.compiled import _jit, _pointwise1
from sigmoid_neuron.objective.threads import share

Array = NDArray[Any]

#: rows per sub-block of the pointwise loss (the scratch arrays stay in L1/L2)
_SUB = 256


@_jit(fastmath={"contract"})
def _csr_group(data, indices, indptr, y, sw, off, w, b, code, order, start, stop, G):  # type: ignore[no-untyped-def]
    """Rows ``start:stop`` of one output; returns ``sum s_r l_r``, adds into ``G`` (d + 1)."""
    d = w.shape[0]
    has_sw = sw.shape[0] > 0
    has_off = off.shape[0] > 0
    zb = np.empty(_SUB)
    yb = np.empty(_SUB)
    sb = np.ones(_SUB)
    vb = np.empty(_SUB)
    gb = np.empty(_SUB)
    ab = np.empty(_SUB)
    eb = np.empty(_SUB)
    kb = np.empty(_SUB, dtype=np.int64)
    total = 0.0
    for s0 in range(start, stop, _SUB):
        m = min(_SUB, stop - s0)
        for r in range(m):
            i = s0 + r
            acc = b
            for p in range(indptr[i], indptr[i + 1]):
                acc += float(data[p]) * w[indices[p]]
            if has_off:
                acc += off[i]
            zb[r] = acc
            yb[r] = y[i, 0]
            if has_sw:
                sb[r] = sw[i]
        _pointwise1(code, zb, yb, sb, m, vb, gb, ab, eb, kb)
        for r in range(m):
            total += vb[r]
        if order > 0:
            for r in range(m):
                i = s0 + r
                gr = gb[r]
                G[d] += gr
                for p in range(indptr[i], indptr[i + 1]):
                    G[indices[p]] += gr * float(data[p])
    return total


@_jit()
def _csr_groups(data, indices, indptr, y, sw, off, w, b, code, order, bounds, c0, c1, lo, Go):  # type: ignore[no-untyped-def]
    """Groups ``c0 <= c < c1`` (rows ``bounds[c]:bounds[c + 1]``) into ``lo[c]``, ``Go[c]``;
    GIL released."""
    for c in range(c0, c1):
        lo[c] = _csr_group(
            data, indices, indptr, y, sw, off, w, b, code, order, bounds[c], bounds[c + 1], Go[c]
        )


def csr_sums(
    X: Any,
    y: Array,
    sw: Array | None,
    offset: Array | None,
    w: Array,
    b: float,
    code: int,
    order: int,
    threads: int,
    groups: int = 16,
) -> tuple[float, Array, float]:
    """``(sum s_r l_r, sum s_r g_r x_r, sum s_r g_r)`` of a single-output loss over a CSR ``X``.

    ``y`` ``(n, 1)``; ``sw``/``offset`` ``(n,)`` or None; ``w`` ``(d,)`` float64; ``code``
    the loss code of :mod:`sigmoid_neuron.objective.compiled`.
    """
    n, d = X.shape
    n_groups = max(1, min(groups, n))
    bounds = np.linspace(0, n, n_groups + 1).astype(np.int64)
    loss_out = np.zeros(n_groups)
    G_out = np.zeros((n_groups, d + 1))
    empty = np.zeros(0)
    sw_ = empty if sw is None else np.ascontiguousarray(sw, dtype=np.float64)
    off_ = empty if offset is None else np.ascontiguousarray(offset, dtype=np.float64).reshape(-1)
    y_ = np.ascontiguousarray(y, dtype=np.float64)
    w_ = np.ascontiguousarray(w, dtype=np.float64)

    def run(c0: int, c1: int) -> None:
        _csr_groups(
            X.data, X.indices, X.indptr, y_, sw_, off_, w_, float(b), code, order,
            bounds, c0, c1, loss_out, G_out,
        )  # fmt: skip

    share(run, n_groups, threads)
    G = G_out.sum(axis=0)
    return float(loss_out.sum()), G[:d], float(G[d])
