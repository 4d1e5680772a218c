"""The penalty of a linear model: ridge, lasso and the elastic net, per-feature factors.

For coefficients ``W`` (``(K, d)``), ``alpha >= 0``, ``l1_ratio`` in [0, 1] and
per-feature factors ``f_j >= 0`` (``penalty_factor``; default 1, 0 leaves feature ``j``
unpenalised; for several outputs ``f_j`` scales column ``j`` of ``W``):

    P(W) = alpha * ( l1_ratio * sum_kj f_j |w_kj| + (1 - l1_ratio)/2 * sum_kj f_j w_kj^2 )

(scikit-learn's ``ElasticNet`` and glum's convention, glum's ``P1 = P2 = f``). The
intercept is never penalised. ``P`` splits into a smooth part (the ridge term, with the
data loss the part a solver differentiates) and the L1 part, handled by its proximal
map and its subdifferential:

    prox_{t lambda |.|}(v) = sign(v) max(|v| - t lambda, 0)          (soft-thresholding)
    dist(0, grad F + d(lambda |theta|))_j = |g_j + lambda_j sign(theta_j)|   theta_j != 0
                                          = max(|g_j| - lambda_j, 0)          theta_j == 0

The second is the *minimum-norm subgradient* of ``J = F + sum_j lambda_j |theta_j|``; it is
zero exactly at the optimum (the KKT conditions), and its largest entry is what the
L1-capable solvers stop on.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = ["Penalty", "l1_norm", "min_norm_subgradient", "soft_threshold"]


def soft_threshold(x: Array, threshold: Any) -> Array:
    """``sign(x) max(|x| - t, 0)`` elementwise: the proximal map of ``t |.|``.

    ``threshold`` is a number or an array broadcasting against ``x``, ``>= 0``; entries
    with ``|x| <= t`` become exactly 0.
    """
    x = np.asarray(x)
    # (+ 0.0 turns the -0.0 of a thresholded negative entry into 0.0)
    shrunk: Array = np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0) + 0.0
    return shrunk.astype(x.dtype, copy=False) if np.issubdtype(x.dtype, np.floating) else shrunk


def l1_norm(theta: Array, weights: Array) -> float:
    """``sum_j lambda_j |theta_j|`` (``weights`` are the ``lambda_j >= 0``)."""
    return float(np.dot(np.asarray(weights, np.float64), np.abs(np.asarray(theta, np.float64))))


def min_norm_subgradient(theta: Array, grad: Array, weights: Array) -> Array:
    """The minimum-norm element of ``grad + d(sum_j lambda_j |theta_j|)``, elementwise:

    ``g_j + lambda_j sign(theta_j)`` where ``theta_j != 0``, else
    ``sign(g_j) max(|g_j| - lambda_j, 0)`` (OWL-QN's pseudo-gradient). All zero exactly
    at a minimiser of ``F + sum_j lambda_j |theta_j|`` when ``grad = grad F``.
    """
    theta = np.asarray(theta, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    lam = np.asarray(weights, dtype=np.float64)
    at_zero = soft_threshold(g, lam)
    out: Array = np.where(theta != 0, g + lam * np.sign(theta), at_zero)
    return out


def _check_l1_ratio(l1_ratio: Any) -> float:
    if isinstance(l1_ratio, (bool, str)) or not isinstance(l1_ratio, (int, float, np.number)):
        raise ValueError(
            f"l1_ratio must be a number in [0, 1] (0: ridge, 1: lasso), got {l1_ratio!r}"
        )
    value = float(l1_ratio)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(
            f"l1_ratio must be a number in [0, 1] (0: ridge, 1: lasso), got {l1_ratio!r}"
        )
    return value


def _check_factor(penalty_factor: Any, n_features: int) -> Array | None:
    if penalty_factor is None:
        return None
    if isinstance(penalty_factor, (str, bytes, dict)):
        raise ValueError(
            f"penalty_factor must be None or {n_features} non-negative numbers (one per "
            f"feature), got {type(penalty_factor).__name__}"
        )
    try:
        f = np.asarray(penalty_factor, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"penalty_factor must be None or {n_features} non-negative numbers (one per "
            "feature); it holds values that are not numbers"
        ) from None
    if f.ndim != 1 or f.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor must hold one number per feature: {n_features} value(s), got "
            f"shape {f.shape}; pass an array of length n_features (0 leaves a feature "
            "unpenalised)"
        )
    if not np.all(np.isfinite(f)):
        raise ValueError("penalty_factor must be finite (no NaN or inf); use 0 for no penalty")
    if np.any(f < 0):
        j = int(np.flatnonzero(f < 0)[0])
        raise ValueError(
            f"penalty_factor must be >= 0 for every feature, got {f[j]!r} for feature {j}; "
            "use 0 to leave a feature unpenalised"
        )
    return f


class Penalty:
    """``P(W) = alpha (l1_ratio sum f_j |w_kj| + (1 - l1_ratio)/2 sum f_j w_kj^2)``.

    ``alpha`` finite ``>= 0``, ``l1_ratio`` in [0, 1], ``penalty_factor`` None or
    ``n_features`` finite numbers ``>= 0``; anything else is a ``ValueError`` naming the
    argument. ``l1`` and ``l2`` are the per-feature weights ``alpha l1_ratio f`` and
    ``alpha (1 - l1_ratio) f`` (``(d,)``). ``plain`` is the plain ridge
    ``alpha/2 ||W||^2`` (``l1_ratio = 0``, every factor 1), computed exactly as before the
    elastic net existed.
    """

    def __init__(
        self,
        alpha: float,
        n_features: int,
        l1_ratio: float = 0.0,
        penalty_factor: Any = None,
    ) -> None:
        alpha = float(alpha)
        if not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
        self.alpha = alpha
        self.l1_ratio = _check_l1_ratio(l1_ratio)
        self.factor = _check_factor(penalty_factor, int(n_features))
        f = np.ones(int(n_features)) if self.factor is None else self.factor
        self.l1: Array = alpha * self.l1_ratio * f
        self.l2: Array = alpha * (1.0 - self.l1_ratio) * f
        self.plain = self.l1_ratio == 0.0 and bool(np.all(f == 1.0))
        self.has_l1 = bool(np.any(self.l1 > 0))

    def smooth_value(self, W: Array) -> float:
        """The ridge part ``(1/2) sum_kj l2_j w_kj^2``."""
        if self.plain:
            return 0.5 * self.alpha * float(np.vdot(W, W))
        return 0.5 * float(np.sum(self.l2 * np.square(W)))

    def smooth_gradient(self, W: Array) -> Array:
        """Its gradient ``l2_j w_kj`` (``(K, d)``)."""
        if self.plain:
            out: Array = self.alpha * W
            return out
        scaled: Array = self.l2 * W
        return scaled

    def l1_value(self, W: Array) -> float:
        """The L1 part ``sum_kj l1_j |w_kj|``."""
        if not self.has_l1:
            return 0.0
        return float(np.sum(self.l1 * np.abs(W)))

    def value(self, W: Array) -> float:
        """``P(W)``: the ridge part plus the L1 part."""
        return self.smooth_value(W) + self.l1_value(W)

    def prox(self, W: Array, step: Any) -> Array:
        """``prox_{step * L1}(W)``: ``W`` soft-thresholded by ``step * l1_j`` per column
        (``step`` a number or an array broadcasting against ``W``)."""
        return soft_threshold(W, np.asarray(step) * self.l1)
