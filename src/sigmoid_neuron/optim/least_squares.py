"""Exact (ridge) least squares from one triangular factor of the data: no iterations.

For the half squared error objective

    J(W, b) = sum_i s_i ||y_i - W x_i - b||^2 / (2 S) + (alpha / 2) ||W||_F^2

the minimiser solves a linear system. Forming ``X^T X`` squares the condition number
(Longley's data lose all their digits that way), so it is trusted only where that is
harmless:

1. the weighted means ``m_x``, ``m_y`` (the intercept is ``b = m_y - W m_x``; without an
   intercept the means are 0) and
2. the Gram matrix of ``diag(sqrt(s)) [X - m_x | y - m_y]``, both from one pass: the Gram
   matrix of the rows shifted by a sample's means, with a column of ones
   (:func:`~sigmoid_neuron.objective.moments.centred_gram`); when its
   column-scaled Cholesky factor is well conditioned (reciprocal condition above
   :data:`GRAM_RCOND`: ``kappa(X) < 1e5``), the solution comes from it by iterative
   refinement (step 4) alone;
3. otherwise one pass for ``R``, the triangular factor of ``diag(sqrt(s)) [X - m_x | y - m_y]``
   (a tall-skinny Householder QR, block by block: :meth:`DataTerm.qr_factor`), so
   ``R = [[R11, R12], [0, R22]]`` with ``R11^T R11`` the centred weighted Gram matrix
   and ``R11^T R12`` the centred cross-products; ridge stacks ``sqrt(alpha S) I`` under
   ``R11`` and factorises again;
   ``R11 W^T = R12`` is solved on columns scaled to unit norm (the rank decision and
   the triangular solve then do not depend on the units of the features). A column
   whose scaled singular value falls below ``max(n, d) eps sigma_max`` makes the problem
   rank-deficient: the minimum-norm solution (of the original coefficients) on the
   numerical rank is returned, with a :class:`CollinearityWarning` naming the columns.

4. iterative refinement (corrected semi-normal equations): from the residuals of all
   rows, summed in float64 (one gradient pass a step), ``R11^T R11 dW^T = -S grad``;
   this recovers the digits that a large residual (Wampler4-5) costs. Two steps (three
   on the Gram route when the scaled reciprocal condition number is below
   :data:`GRAM_RCOND_TWO_STEPS`).

Columns of extreme size (values beyond ``2^100`` or all below ``2^-100`` about their
shift, judged on the sample of rows) have squares that overflow or underflow: both passes
take them divided by a power of 2
(:func:`~sigmoid_neuron.objective.moments.extreme_column_scales`; exact, so nothing else
changes), the ridge becomes ``alpha S / c_j^2`` on them, and the factor is mapped back to
the original coefficients (its columns times ``c_j``; no squares are formed).

Costs three or four passes over the data and ``O(n (d + K)^2)`` flops; works unchanged
on any data term (NumPy, Dask). In memory, each pass shares its chunks of rows among
threads (the Gram matrix is compute-bound: one BLAS ``syrk`` uses one core here).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.links import HalfSquaredError
from sigmoid_neuron.objective.moments import centred_gram, extreme_column_scales
from sigmoid_neuron.optim import cholesky

Array = NDArray[Any]


class CollinearityWarning(UserWarning):
    """The least-squares problem is rank-deficient: a minimum-norm solution was returned."""


@dataclass
class LeastSquaresSolution:
    """``coef`` ``(K, d)``, ``intercept`` ``(K,)``, the numerical ``rank`` of the
    (penalised) design and the indices of the columns in its null space; ``loss`` and
    ``grad_max`` from the last pass over the data."""

    coef: Array
    intercept: Array
    rank: int
    collinear: list[int]
    #: J and max |grad J| where the last refinement step started (the solution is one
    #: exact step further), or at the solution itself when no refinement ran
    loss: float = math.nan
    grad_max: float = math.nan


def solve_least_squares(
    objective: LinearObjective, feature_names: Sequence[str] | None = None
) -> LeastSquaresSolution:
    """The exact minimiser of a half-squared-error :class:`LinearObjective` (module docstring).

    Raises ``ValueError`` for another loss. Warns :class:`CollinearityWarning` when the
    design is rank-deficient (naming the columns, by ``feature_names`` when given).
    """
    data = objective.data
    if not isinstance(data.loss, HalfSquaredError):
        raise ValueError(
            f"exact least squares needs the half squared error loss, got "
            f"{type(data.loss).__name__}; use optimizer='lbfgs' or 'newton'"
        )
    d, K = objective.n_features, objective.n_outputs
    ridge = objective.alpha * data.total_weight
    rows = data.sample(SHIFT_SAMPLE_ROWS)
    if objective.fit_intercept:
        # one pass about a sample's means gives the exact means and the centred Gram
        with np.errstate(over="ignore", invalid="ignore"):  # spreads unused here
            sample = rows.moments()
        x_scale = _column_scales(rows, sample.mean_x, ridge)
        G, x_shift, y_shift = centred_gram(
            data.gram(sample.mean_x, sample.mean_y, x_scale),
            sample.mean_x, sample.mean_y, x_scale,
        )  # fmt: skip
    else:
        x_shift, y_shift = np.zeros(d), np.zeros(K)
        x_scale = _column_scales(rows, x_shift, ridge)
        G = data.gram(x_shift, y_shift, x_scale)[: d + K, : d + K]
    unit = np.ones(d) if x_scale is None else x_scale
    # the ridge in the scaled columns' coordinates (w'_j = c_j w_j): ridge / c_j^2
    ridges = np.full(d, ridge) if x_scale is None or ridge == 0 else ridge / x_scale / x_scale
    R11, rcond = _cholesky_factor(G, d, ridges)
    from_gram = R11 is not None
    if R11 is not None:  # well conditioned: solved from the Gram matrix (one pass)
        coef, rank, collinear = np.zeros((K, d)), d, list[int]()
    else:  # ill-conditioned or rank-deficient: the triangular factor (one more pass)
        R = data.qr_factor(x_shift, y_shift, x_scale).R
        R = np.vstack([R, np.zeros((max(0, d + K - R.shape[0]), d + K))])[: d + K]
        R11, R12 = R[:d, :d], R[:d, d:]
        if ridge > 0:
            stacked = np.vstack([R[:d], np.c_[np.diag(np.sqrt(ridges)), np.zeros((d, K))]])
            R = scipy.linalg.qr(stacked, mode="r", check_finite=False)[0]
            R11, R12 = R[:d, :d], R[:d, d:]
        n_rows = int(getattr(data, "n_samples", d))
        coef, rank, collinear = _triangular_solve(R11, R12, n_rows, unit)
    R11 = R11 * unit  # the factor for the original coefficients (columns times c_j)
    if collinear:
        names = [str(feature_names[j]) if feature_names is not None else str(j) for j in collinear]
        shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        warnings.warn(
            f"the features are collinear (numerical rank {rank} of {d} after centring): "
            f"columns {shown} are linear combinations of the others (or constant); the "
            "minimum-norm least-squares solution is returned. Drop redundant columns or "
            "set alpha > 0 for a unique answer",
            CollinearityWarning,
            stacklevel=4,
        )
    intercept = y_shift - coef @ x_shift if objective.fit_intercept else np.zeros(K)
    if rank < d:
        value, grad = objective.loss_gradient(objective.pack(coef, intercept))
    else:
        # from the Gram matrix, coef starts at 0 and the first refinement step is the
        # normal-equations solution with the exact right-hand side, its relative error
        # ~kappa eps <= 1e-6; each further step multiplies the error by ~kappa eps. One
        # more step then leaves ~(kappa eps)^2 <= 1e-12, and a third where kappa > 1e6
        steps = (3 if rcond < GRAM_RCOND_TWO_STEPS else 2) if from_gram else 2
        assert R11 is not None
        for _ in range(steps):
            coef, intercept, value, grad = _refine(objective, R11, coef, intercept, x_shift)
    return LeastSquaresSolution(
        coef,
        np.asarray(intercept, dtype=np.float64),
        rank,
        collinear,
        float(value),
        float(np.max(np.abs(grad), initial=0.0)),
    )


#: rows (at most) whose means shift the data for the Gram pass (:func:`centred_gram`)
SHIFT_SAMPLE_ROWS = 1_000

#: the Gram matrix route is taken while its (column-scaled) reciprocal condition number
#: is above this: kappa(X) < 1e5, so that refinement converges fast and surely
GRAM_RCOND = 1e-10
#: above this reciprocal condition number two refinement passes reach the optimum to
#: ~(kappa eps)^2 < 1e-20; below it (down to GRAM_RCOND) a third one is made
GRAM_RCOND_TWO_STEPS = 1e-6


def _column_scales(rows: Any, shift: Array, ridge: float) -> Array | None:
    """:func:`extreme_column_scales` of the sampled ``rows``, except that a penalised
    column whose ridge ``ridge / c_j^2`` would overflow keeps ``c_j = 1`` (its coefficient
    is held at 0 by the penalty)."""
    scale = extreme_column_scales(rows.X, shift)
    if scale is not None and ridge > 0:
        with np.errstate(over="ignore"):
            scale = np.where(np.isfinite(ridge / scale / scale), scale, 1.0)
    return scale


def _cholesky_factor(G: Array, d: int, ridges: Array) -> tuple[Array | None, float]:
    """``(R11, rcond)``: ``R11`` upper triangular with ``R11^T R11 = G11 + diag(ridges)``
    and the reciprocal condition number of the column-scaled matrix, when that is above
    :data:`GRAM_RCOND`; else ``(None, rcond)`` (take the QR route)."""
    G11 = G[:d, :d] + np.diag(ridges)
    if d == 0:
        return None, 0.0
    if not np.all(np.diag(G11) > 0) or not np.all(np.isfinite(G11)):
        return None, 0.0  # a constant column (or nothing to scale by): rank-deficient
    found = cholesky.factor(G11, equilibrated=True)  # rcond of the column-scaled matrix
    if found is None:
        return None, 0.0
    U, rcond = found
    if not rcond > GRAM_RCOND:
        return None, rcond
    R11: Array = np.triu(U)
    return R11, rcond


def _refine(
    objective: LinearObjective, R11: Array, coef: Array, intercept: Array, x_shift: Array
) -> tuple[Array, Array, float, Array]:
    """One step of iterative refinement (corrected semi-normal equations): one pass.

    J is quadratic, so the exact Newton step from ``(W, b)`` is the remaining error:
    ``dW^T = -S (R11^T R11)^{-1} (dJ/dW - dJ/db m_x^T)^T`` (the intercept profiled out,
    ``R11^T R11 / S`` the centred Hessian, ridge included), ``db = -dJ/db - dW m_x``.
    The gradient is summed from the residuals of all rows in float64, which recovers
    the digits that a large residual costs the QR solution (Wampler4-5's noise).
    Returns the new ``(coef, intercept)`` and ``(J, grad J)`` at the old ones.
    """
    S = objective.data.total_weight
    value, grad = objective.loss_gradient(objective.pack(coef, intercept))
    width = objective.n_features + int(objective.fit_intercept)
    G = grad.reshape(objective.n_outputs, width)
    gW = G[:, : objective.n_features]
    gb = G[:, -1] if objective.fit_intercept else np.zeros(objective.n_outputs)
    rhs = (gW - np.outer(gb, x_shift)).T
    step = cholesky.solve(R11, rhs)
    dW = -S * step.T
    new_coef = coef + dW
    new_intercept = intercept - gb - dW @ x_shift if objective.fit_intercept else intercept
    if not (np.all(np.isfinite(new_coef)) and np.all(np.isfinite(new_intercept))):
        return coef, intercept, value, grad
    return new_coef, new_intercept, value, grad


def _triangular_solve(
    R11: Array, R12: Array, n_rows: int, x_scale: Array
) -> tuple[Array, int, list[int]]:
    """``W`` ``(K, d)`` from ``(R11 diag(x_scale)) W^T = R12`` (``R11`` the factor of the
    columns divided by ``x_scale``): back substitution when the column-scaled ``R11`` has
    full numerical rank, else the minimum-norm solution on that rank."""
    d = R11.shape[0]
    if d == 0:
        return np.zeros((R12.shape[1], 0)), 0, []
    norms = np.linalg.norm(R11, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    scaled = R11 / scale
    _, sigma, Vt = np.linalg.svd(scaled)
    cutoff = max(n_rows, d) * np.finfo(np.float64).eps * (sigma[0] if sigma.size else 0.0)
    rank = int(np.count_nonzero(sigma > cutoff))
    if rank == d:
        W_scaled = scipy.linalg.solve_triangular(scaled, R12, check_finite=False)
        return (W_scaled / (scale * x_scale)[:, None]).T, d, []
    R11 = R11 * x_scale
    null = Vt[rank:]
    weight = np.max(np.abs(null), axis=0)
    collinear = [int(j) for j in np.flatnonzero(weight > 1e-8)]
    # minimum norm in the original coefficients on the numerical rank found above
    U0, s0, Vt0 = np.linalg.svd(R11)
    keep = slice(0, rank)
    W = Vt0[keep].T @ ((U0[:, keep].T @ R12) / s0[keep, None])
    return W.T, rank, collinear
