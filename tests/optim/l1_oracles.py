"""Independent checks of an elastic-net optimum, shared by the L1 solver tests (imported
as ``from l1_oracles import ...``; pytest puts this folder on ``sys.path``).

Nothing here calls the package: the smooth part ``F`` is written out with SciPy, its
gradient taken by central differences, and the KKT conditions checked as the issue
states them:

    w_j != 0:  grad_j + lambda_j sign(w_j) = 0,        w_j == 0:  |grad_j| <= lambda_j.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import logsumexp

Array = np.ndarray


def smooth_objective(
    kind: str,
    X: Array,
    y: Array,
    alpha: float,
    l1_ratio: float,
    factor: Array | None = None,
    sample_weight: Array | None = None,
) -> Callable[[Array], float]:
    """``F(theta)``: weighted mean loss + ``alpha (1 - l1_ratio) / 2 sum f_j w_kj^2`` with
    ``theta`` the flat ``(K, d + 1)`` ``[W | b]``; ``kind`` binary / multinomial / linear."""
    n, d = X.shape
    f = np.ones(d) if factor is None else np.asarray(factor, float)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)

    def F(theta: Array) -> float:
        M = np.asarray(theta, float).reshape(-1, d + 1)
        W, b = M[:, :d], M[:, d]
        Z = X @ W.T + b
        if kind == "binary":
            z = Z[:, 0]
            losses = np.logaddexp(0.0, z) - y * z
        elif kind == "multinomial":
            losses = logsumexp(Z, axis=1) - np.sum(y * Z, axis=1)
        else:
            losses = 0.5 * (Z[:, 0] - y) ** 2
        ridge = 0.5 * alpha * (1.0 - l1_ratio) * float(np.sum(f * W**2))
        return float(np.sum(s * losses) / s.sum()) + ridge

    return F


def l1_part(theta: Array, d: int, alpha: float, l1_ratio: float, factor=None) -> float:
    """``alpha l1_ratio sum_kj f_j |w_kj|`` of the flat ``[W | b]``."""
    W = np.asarray(theta, float).reshape(-1, d + 1)[:, :d]
    f = np.ones(d) if factor is None else np.asarray(factor, float)
    return float(alpha * l1_ratio * np.sum(f * np.abs(W)))


def central_gradient(F: Callable[[Array], float], theta: Array, h: float = 1e-6) -> Array:
    """Central differences of ``F`` at ``theta``, step ``h`` times ``max(1, |theta_j|)``."""
    theta = np.asarray(theta, float)
    out = np.empty_like(theta)
    for j in range(theta.size):
        step = h * max(1.0, abs(theta[j]))
        e = np.zeros_like(theta)
        e[j] = step
        out[j] = (F(theta + e) - F(theta - e)) / (2 * step)
    return out


def kkt_violation(
    F: Callable[[Array], float],
    theta: Array,
    d: int,
    alpha: float,
    l1_ratio: float,
    factor=None,
    scales: Array | None = None,
) -> float:
    """The largest violation of the KKT conditions of ``F + L1`` at ``theta`` (gradient by
    central differences; intercepts unpenalised). ``scales``: the column spreads; feature
    ``j``'s violation is divided by its spread (the violation for a standardised column:
    a column of spread 1e5 has a gradient, and rounding, 1e5 times larger)."""
    g = central_gradient(F, theta).reshape(-1, d + 1)
    M = np.asarray(theta, float).reshape(-1, d + 1)
    f = np.ones(d) if factor is None else np.asarray(factor, float)
    c = np.ones(d) if scales is None else np.asarray(scales, float)
    worst = float(np.max(np.abs(g[:, d])))
    for k in range(M.shape[0]):
        for j in range(d):
            lam = alpha * l1_ratio * f[j]
            if M[k, j] != 0:
                worst = max(worst, abs(g[k, j] + lam * np.sign(M[k, j])) / c[j])
            else:
                worst = max(worst, (abs(g[k, j]) - lam) / c[j])
    return worst


def flat(coef: Array, intercept: Array) -> Array:
    """``[W | b]`` flattened from scikit-learn-shaped ``coef`` and ``intercept``."""
    W = np.atleast_2d(np.asarray(coef, float))
    b = np.atleast_1d(np.asarray(intercept, float))
    return np.hstack([W, b[:, None]]).ravel()
