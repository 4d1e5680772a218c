"""The sums inference needs, from one read of a block of rows: pure functions combined with ``+``.

With the augmented rows ``x~_i = [x_i; 1]``, raw predictions ``z_i = W x~_i`` (``W`` is
``(K, d + 1)``, intercepts last), frequency weights ``s_i``, per-row derivatives
``g_i = dl/dz_i`` (``(K,)``) and curvatures ``h_i = d^2 l / dz_i^2`` (``(K,)`` diagonal or
``(K, K)``), one block of rows gives (parameters in the row-major order of ``W``, so
``P = K (d + 1)``):

- the Hessian of the summed loss ``H = sum_i s_i h_i (x) x~_i x~_i^T`` (``(P, P)``,
  ``X~^T diag(s p (1 - p)) X~`` for the logistic loss);
- the gradient ``sum_i s_i g_i (x) x~_i`` (zero at an unpenalised optimum);
- the score outer products ``M = sum_i s_i (g_i (x) x~_i)(g_i (x) x~_i)^T`` (HC0 "meat":
  row ``i`` counted ``s_i`` times);
- the cluster score sums ``u_c = sum_{i in c} s_i g_i (x) x~_i``, one row per cluster
  label present (:class:`ClusterScores`);
- ``sum_i s_i x~_ij^2`` per column (the scale of the data, for the singularity test),
  ``sum_i s_i e_i e_i^T`` of the residuals ``e_i = y_i - y_hat_i`` (the dispersion of a
  squared-error model), ``sum_i s_i l_i`` and ``S = sum_i s_i``;
- whether the fitted logits ``z_i`` themselves separate the labels (``fitted``, the
  margins of :func:`block_separation` for the direction ``W``).

Nothing ``n x n`` is formed: rows go through in chunks of a few MiB, each chunk read
once; threads share the chunks (BLAS held to one thread meanwhile). The separation probe
:func:`block_separation` is the only other pass, made only when the Hessian is nearly
singular along some direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import MultinomialCrossEntropy, PointwiseLoss

Array = NDArray[Any]

#: Bytes of the widest float64 temporary of one chunk (rows x max(d + 1, P)).
CHUNK_BYTES = 4 << 20


@dataclass
class ClusterScores:
    """Score sums per cluster: ``labels`` ``(G,)`` sorted, ``sums`` ``(G, P)``; ``+`` merges."""

    labels: Array
    sums: Array

    def __add__(self, other: ClusterScores) -> ClusterScores:
        labels, inverse = np.unique(
            np.concatenate([self.labels, other.labels]), return_inverse=True
        )
        sums = np.zeros((labels.size, self.sums.shape[1]))
        np.add.at(sums, inverse.reshape(-1), np.vstack([self.sums, other.sums]))
        return ClusterScores(labels, sums)


@dataclass
class SeparationSums:
    """For each probed direction and sign: the largest margin that agrees with the labels
    (``agree``) and the largest that contradicts them (``against``), and for each direction
    a bound on every margin, ``max_i 2 sum_j |x~_ij| |V_kj|`` (``bound``: margins below
    ~1e-8 of it are rounding, not separation); ``+`` takes maxima."""

    agree: Array
    against: Array
    bound: Array

    def __add__(self, other: SeparationSums) -> SeparationSums:
        return SeparationSums(
            np.maximum(self.agree, other.agree),
            np.maximum(self.against, other.against),
            np.maximum(self.bound, other.bound),
        )


@dataclass
class ScoreSums:
    """The one-pass sums of a block of rows (see the module docstring); ``+`` adds them."""

    total_weight: float
    n_rows: int
    loss: float
    gradient: Array
    hessian: Array
    column_squares: Array
    residual_cross: Array
    fitted: SeparationSums
    meat: Array | None = None
    clusters: ClusterScores | None = None

    def __add__(self, other: ScoreSums) -> ScoreSums:
        def add(a: Any, b: Any) -> Any:
            return None if a is None or b is None else a + b

        return ScoreSums(
            self.total_weight + other.total_weight,
            self.n_rows + other.n_rows,
            self.loss + other.loss,
            self.gradient + other.gradient,
            self.hessian + other.hessian,
            self.column_squares + other.column_squares,
            self.residual_cross + other.residual_cross,
            self.fitted + other.fitted,
            add(self.meat, other.meat),
            add(self.clusters, other.clusters),
        )


def _zero_sums(K: int, q: int, robust: bool) -> ScoreSums:
    P = K * q
    return ScoreSums(
        0.0,
        0,
        0.0,
        np.zeros(P),
        np.zeros((P, P)),
        np.zeros(q),
        np.zeros((K, K)),
        SeparationSums(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1)),
        np.zeros((P, P)) if robust else None,
    )


def _augmented(X: Array, rows: slice) -> Array:
    """``[X[rows] | 1]`` in a new float64 array (float32 rows widened; the rows of a SciPy
    sparse matrix made dense, a chunk at a time)."""
    chunk = X[rows]
    if hasattr(chunk, "toarray"):
        chunk = chunk.toarray()
    out = np.empty((chunk.shape[0], chunk.shape[1] + 1))
    out[:, :-1] = chunk
    out[:, -1] = 1.0
    return out


def _kron_rows(a: Array, Xa: Array) -> Array:
    """Row ``i`` is ``a_i (x) x~_i``: ``(m, K q)`` from ``a`` ``(m, K)`` and ``Xa`` ``(m, q)``."""
    m, K = a.shape
    return (a[:, :, None] * Xa[:, None, :]).reshape(m, K * Xa.shape[1])


def _add_hessian(Xa: Array, z: Array, yc: Array, s: Array, loss: PointwiseLoss, H: Array) -> None:
    """``H += sum_i s_i h_i (x) x~_i x~_i^T`` for one chunk (upper class blocks, mirrored later)."""
    q = Xa.shape[1]
    if isinstance(loss, MultinomialCrossEntropy):
        # h_i = diag(p_i) - p_i p_i^T: blockdiag_k(X~^T diag(s p_k) X~) - Q^T Q
        p = loss.predict(z)
        Q = _kron_rows(p * np.sqrt(s)[:, None], Xa)
        H -= Q.T @ Q
        for k in range(p.shape[1]):
            block = slice(k * q, (k + 1) * q)
            H[block, block] += Xa.T @ (Xa * (s * p[:, k])[:, None])
        return
    h = loss.hessian(yc, z)
    K = z.shape[1]
    for k in range(K):
        for m in range(k, K) if h.ndim == 3 else (k,):
            w = s * (h[:, k, m] if h.ndim == 3 else h[:, k])
            H[k * q : (k + 1) * q, m * q : (m + 1) * q] += Xa.T @ (Xa * w[:, None])


def _mirror_class_blocks(H: Array, K: int, q: int) -> None:
    """Copy the upper class blocks ``(k, m), k < m`` to ``(m, k)`` transposed."""
    for k in range(K):
        for m in range(k + 1, K):
            H[m * q : (m + 1) * q, k * q : (k + 1) * q] = H[
                k * q : (k + 1) * q, m * q : (m + 1) * q
            ].T


def _cluster_sums(labels: Array, U: Array) -> ClusterScores:
    """``u_c = sum_{i: label_i = c} U_i`` for the labels present."""
    from scipy import sparse

    present, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(-1)
    indicator = sparse.csr_array(
        (np.ones(inverse.size), (inverse, np.arange(inverse.size))),
        shape=(present.size, inverse.size),
    )
    return ClusterScores(present, np.asarray(indicator @ U))


def _chunk_sums(
    X: Array,
    y: Array,
    sw: Array | None,
    Wb: Array,
    loss: PointwiseLoss,
    rows: slice,
    out: ScoreSums,
    clusters: Array | None,
    offset: Array | None = None,
) -> ClusterScores | None:
    Xa = _augmented(X, rows)
    m = Xa.shape[0]
    if m == 0:
        return None
    yc = np.asarray(y[rows], dtype=np.float64)
    s = np.ones(m) if sw is None else np.asarray(sw[rows], dtype=np.float64)
    z = Xa @ Wb.T
    if offset is not None:
        z += offset[rows]
    values, g = loss.loss_gradient(yc, z)
    sg = g * s[:, None]
    out.total_weight += float(s.sum())
    out.n_rows += int(np.count_nonzero(s))
    out.loss += float(values @ s)
    out.gradient += (sg.T @ Xa).ravel()
    _add_hessian(Xa, z, yc, s, loss, out.hessian)
    out.column_squares += s @ (Xa * Xa)
    e = yc - loss.predict(z)
    out.residual_cross += e.T @ (e * s[:, None])
    keep = s > 0
    if keep.any():  # does the fitted predictor itself separate the labels?
        fit = out.fitted
        for col, (good, bad) in enumerate(_margins(z[keep][:, None, :], yc[keep])):
            fit.agree[0, col] = max(fit.agree[0, col], float(good.max()))
            fit.against[0, col] = max(fit.against[0, col], float(bad.max()))
        fit.bound[0] = max(fit.bound[0], 2.0 * float(np.abs(z[keep]).max()))
    if out.meat is not None:
        # row i counted s_i times: sum_i s_i (g_i (x) x~_i)(g_i (x) x~_i)^T
        V = _kron_rows(g * np.sqrt(s)[:, None], Xa)
        out.meat += V.T @ V
    if clusters is None:
        return None
    return _cluster_sums(np.asarray(clusters[rows]), _kron_rows(sg, Xa))


def block_score_sums(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    coef: Array,
    intercept: Array,
    loss: PointwiseLoss,
    *,
    robust: bool = False,
    clusters: Array | None = None,
    n_threads: int | None = None,
    offset: Array | None = None,
) -> ScoreSums:
    """:class:`ScoreSums` of one block of rows at ``(coef (K, d), intercept (K,))``.

    ``H = sum_i s_i h_i (x) x~_i x~_i^T``, gradient ``sum_i s_i g_i (x) x~_i``, with
    ``robust`` the meat ``sum_i s_i (g_i (x) x~_i)(g_i (x) x~_i)^T``, with ``clusters``
    (one label per row, any sortable values) the sums ``u_c = sum_{i in c} s_i g_i (x) x~_i``.
    ``y`` is ``(n, K)`` as the loss takes it (one-hot for the multinomial loss). A pure
    function; ``X`` is read once, in chunks (float32 ``X`` widened chunk by chunk), and
    the arithmetic is float64. ``n_threads`` (default: the usable CPUs) share the chunks.
    ``offset`` (``(n, 1)`` or ``(n, K)``, or None) is added to every ``z_i``.
    """
    from sigmoid_neuron.objective.threads import default_threads, share, single_threaded_blas

    n, d = X.shape
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    coef = np.asarray(coef, dtype=np.float64)
    K = coef.shape[0]
    Wb = np.hstack([coef, np.asarray(intercept, dtype=np.float64).reshape(K, 1)])
    q = d + 1
    rows = max(16, CHUNK_BYTES // (8 * max(q, K * q)))
    chunks = [slice(i, min(n, i + rows)) for i in range(0, n, rows)]
    threads = max(1, min(n_threads or default_threads(), len(chunks)))
    n_groups = min(len(chunks), 4 * threads)
    per = -(-len(chunks) // max(1, n_groups))
    groups = [chunks[i : i + per] for i in range(0, len(chunks), per)]
    partial: list[tuple[ScoreSums, list[ClusterScores]]] = [
        (_zero_sums(K, q, robust), []) for _ in groups
    ]

    def run(c0: int, c1: int) -> None:
        for c in range(c0, c1):
            acc, found = partial[c]
            for chunk in groups[c]:
                part = _chunk_sums(X, y, sample_weight, Wb, loss, chunk, acc, clusters, offset)
                if part is not None:
                    found.append(part)

    with single_threaded_blas():
        share(run, len(groups), threads)
    total = _zero_sums(K, q, robust)
    for acc, _ in partial:
        total = total + acc
    _mirror_class_blocks(total.hessian, K, q)
    if clusters is not None:
        parts = [c for _, found in partial for c in found]
        total.clusters = (
            _merge(parts) if parts else ClusterScores(np.unique(clusters[:0]), np.zeros((0, K * q)))
        )
    return total


def _merge(parts: list[ClusterScores]) -> ClusterScores:
    """All the parts' cluster sums in one :class:`ClusterScores` (one ``unique``, ``add.at``)."""
    labels, inverse = np.unique(np.concatenate([p.labels for p in parts]), return_inverse=True)
    sums = np.zeros((labels.size, parts[0].sums.shape[1]))
    np.add.at(sums, inverse.reshape(-1), np.vstack([p.sums for p in parts]))
    return ClusterScores(labels, sums)


def _margins(T: Array, y: Array) -> list[tuple[Array, Array]]:
    """``[(agree, against)]`` per row and direction (``(m, n_dir)``), for ``+T`` then ``-T``.

    ``T`` ``(m, n_dir, K)`` holds the margins ``t_ik``, ``y`` ``(m, K)`` the targets; see
    :func:`block_separation` for what agrees and what contradicts.
    """
    out = []
    for sign in (1.0, -1.0):
        t = sign * T
        if t.shape[2] == 1:
            one, zero = (y[:, 0] >= 1)[:, None], (y[:, 0] <= 0)[:, None]
            t0 = t[:, :, 0]
            good = np.where(one, t0, np.where(zero, -t0, 0.0))
            bad = np.where(one, -t0, np.where(zero, t0, np.abs(t0)))
        else:
            own = np.einsum("ijk,ik->ij", t, y)[:, :, None]
            good = np.max(own - t, axis=2)
            bad = np.max(t - own, axis=2)
        out.append((good, bad))
    return out


def block_separation(
    X: Array, y: Array, sample_weight: Array | None, directions: Array
) -> SeparationSums:
    """Does each direction ``V`` (``(m, K, d + 1)``, either sign) separate the labels?

    Margins ``t_ik = V_k . x~_i``. One output (``K = 1``, targets in [0, 1]): a row with
    ``y_i = 1`` agrees by ``t_i`` and contradicts by ``-t_i``, ``y_i = 0`` the reverse, a
    fractional ``y_i`` contradicts by ``|t_i|``. Classes (one-hot ``y``, class ``c_i``):
    row ``i`` agrees by ``max_k (t_ic - t_ik)`` and contradicts by ``max_k (t_ik - t_ic)``.
    Rows of weight 0 are skipped. ``agree``/``against`` are ``(m, 2)``: the maxima over
    rows (clipped at 0) for ``+V`` and ``-V``; ``bound`` ``(m,)`` bounds every margin. A
    direction separates (completely or quasi-completely) when nothing contradicts it while
    something agrees by more than rounding.
    """
    n = X.shape[0]
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    V = np.asarray(directions, dtype=np.float64)
    n_dir, K, q = V.shape
    agree = np.zeros((n_dir, 2))
    against = np.zeros((n_dir, 2))
    bound = np.zeros(n_dir)
    rows = max(16, CHUNK_BYTES // (8 * max(q, n_dir * K)))
    flat = V.reshape(n_dir * K, q)
    for start in range(0, n, rows):
        chunk = slice(start, min(n, start + rows))
        Xa = _augmented(X, chunk)
        yc = np.asarray(y[chunk], dtype=np.float64)
        keep = np.ones(Xa.shape[0], bool)
        if sample_weight is not None:
            keep = np.asarray(sample_weight[chunk]) > 0
        T = (Xa[keep] @ flat.T).reshape(-1, n_dir, K)
        if T.shape[0]:
            reach = (np.abs(Xa[keep]) @ np.abs(flat).T).reshape(-1, n_dir, K)
            bound = np.maximum(bound, 2.0 * reach.max(axis=(0, 2)))
        for col, (good, bad) in enumerate(_margins(T, yc[keep])):
            if good.size:
                agree[:, col] = np.maximum(agree[:, col], good.max(axis=0))
                against[:, col] = np.maximum(against[:, col], bad.max(axis=0))
    return SeparationSums(agree, against, bound)
