"""Proximal Newton with coordinate descent on working sets (glmnet / glum style).

Minimises ``J(theta) = F(theta) + sum_j lambda_j |theta_j|`` for a twice-differentiable
``F`` (the objective's ``loss_gradient_hessian``) and L1 weights ``lambda_j >= 0`` (the
objective's ``l1_weights``; none: plain Newton with a coordinate-descent solve). Each
iteration, at ``theta`` with ``g = grad F`` and ``H = Hess F``:

1. the *working set* ``A``: the coordinates that are non-zero, unpenalised
   (``lambda_j = 0``) or violate the optimality conditions at zero (``|g_j| > lambda_j``);
   the others stay at 0 this iteration;
2. the direction ``d`` (zero off ``A``) minimises the quadratic model

       q(d) = g.d + (1/2) d^T H d + sum_j lambda_j |theta_j + d_j|

   by cyclic coordinate descent: coordinate ``j`` becomes ``u = S(H_jj theta_j - c_j,
   lambda_j) / H_jj`` (``S`` the soft-threshold, ``c_j`` the model's gradient at
   ``d_j = 0``), until the model's own minimum-norm subgradient on ``A`` is below an
   inner tolerance that tightens with the outer one (inexact proximal Newton: Lee, Sun
   and Saunders, SIAM J. Optim. 2014);
3. a backtracking line search on ``t`` from 1: accept ``J(theta + t d) <= J(theta) + 1e-4
   t Delta`` with the predicted decrease ``Delta = g.d + sum lambda |theta + d| - sum
   lambda |theta|`` (< 0).

It stops when the largest entry of the minimum-norm subgradient of ``J``
(:func:`sigmoid_neuron.objective.penalty.min_norm_subgradient`; ``max|grad J|`` without
L1) is ``<= tol``: the KKT conditions to ``tol``. Zeros in the answer are exact (the
soft-threshold's). ``H`` must be positive semi-definite for the model to be convex; where
it is not (a non-convex loss), the model's diagonal is raised until the direction
descends. Costs one Hessian pass (``O(n p^2)``) per iteration, and ``O(|A|^2)`` per
coordinate-descent sweep: meant for up to a few thousand parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from sigmoid_neuron.objective.penalty import l1_norm, min_norm_subgradient
from sigmoid_neuron.optim.solver_base import (
    _EPS,
    _NOISE,
    Array,
    Callback,
    SolverResult,
    TwiceDifferentiableObjective,
    _budget_result,
    _callback_result,
    _check_inputs,
    _finite,
    _nonfinite_result,
    _stalled_result,
    holds_blas,
)

#: Coordinate-descent sweeps allowed per direction.
MAX_SWEEPS = 1000
_ARMIJO = 1e-4


def l1_weights_of(objective: Any, n_params: int) -> Array:
    """The objective's per-parameter L1 weights ``lambda`` (``l1_weights``; zeros if it
    has none), checked: ``n_params`` finite numbers ``>= 0``."""
    weights = getattr(objective, "l1_weights", None)
    if weights is None:
        return np.zeros(n_params)
    lam = np.asarray(weights, dtype=np.float64)
    if lam.shape != (n_params,) or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(
            f"objective.l1_weights must hold {n_params} finite numbers >= 0 (one per "
            f"parameter), got shape {lam.shape}"
        )
    return lam


def _cd_sweeps(
    H: Array,
    g: Array,
    theta: Array,
    lam: Array,
    d: Array,
    Hd: Array,
    tol: float,
    max_sweeps: int,
) -> tuple[int, float]:
    """Cyclic coordinate descent on ``q(d) = g.d + d^T H d / 2 + sum lam |theta + d|``,
    updating ``d`` and ``Hd = H d`` in place; ``(sweeps, violation)`` where the model's
    largest minimum-norm subgradient entry ``violation <= tol`` unless the sweeps ran out.
    Scalar loops: compiled by numba when it is installed."""
    m = g.shape[0]
    viol = math.inf
    sweep = 0
    while sweep < max_sweeps:
        sweep += 1
        for j in range(m):
            a = H[j, j]
            w_old = theta[j] + d[j]
            c = g[j] + Hd[j] - a * d[j]
            if a > 0.0:
                v = a * theta[j] - c
                if v > lam[j]:
                    u = (v - lam[j]) / a
                elif v < -lam[j]:
                    u = (v + lam[j]) / a
                else:
                    u = 0.0
            elif lam[j] > 0.0 and abs(c) <= lam[j]:
                u = 0.0  # a flat coordinate: the L1 term alone decides
            else:
                u = w_old
            delta = u - w_old
            if delta != 0.0:
                d[j] += delta
                for i in range(m):
                    Hd[i] += H[j, i] * delta
        viol = 0.0
        for j in range(m):
            gr = g[j] + Hd[j]
            w = theta[j] + d[j]
            if w > 0.0:
                v = abs(gr + lam[j])
            elif w < 0.0:
                v = abs(gr - lam[j])
            else:
                v = max(abs(gr) - lam[j], 0.0)
            viol = max(viol, v)
        if viol <= tol:
            break
    return sweep, viol


_KERNEL: list[Callable[..., tuple[int, float]]] = []


def _kernel() -> Callable[..., tuple[int, float]]:
    """:func:`_cd_sweeps` compiled by numba (cached on disk), or as it is without numba."""
    if not _KERNEL:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is the "fast" extra
            _KERNEL.append(_cd_sweeps)
        else:
            _KERNEL.append(numba.njit(cache=True, nogil=True)(_cd_sweeps))
    return _KERNEL[0]


def newton_direction(
    H: Array, g: Array, theta: Array, lam: Array, active: Array, tol: float
) -> tuple[Array, float]:
    """``(d, Delta)``: the minimiser ``d`` of the quadratic model ``q`` over the
    coordinates ``active`` (zero elsewhere) to a model subgradient ``<= tol``, and the
    predicted decrease ``Delta = g.d + sum lam |theta + d| - sum lam |theta|``.

    Where ``Delta >= 0`` although the model is not flat (``H`` not positive semi-definite),
    its diagonal is raised by ``mu = 1e-8 max H_jj``, tenfold each time, until
    ``Delta < 0``.
    """
    idx = np.flatnonzero(active)
    d = np.zeros_like(g)
    if idx.size == 0:
        return d, 0.0
    Hs = np.ascontiguousarray(H[np.ix_(idx, idx)])
    gs, ts, ls = g[idx].copy(), theta[idx].copy(), lam[idx].copy()
    diagonal = np.diag(Hs).copy()
    scale = max(float(np.max(np.abs(diagonal))), _EPS)
    mu = 0.0
    delta = 0.0
    for _ in range(12):
        ds = np.zeros(idx.size)
        Hd = np.zeros(idx.size)
        _kernel()(Hs, gs, ts, ls, ds, Hd, tol, MAX_SWEEPS)
        d[idx] = ds
        delta = float(gs @ ds) + l1_norm(ts + ds, ls) - l1_norm(ts, ls)
        if delta < 0 or not np.any(ds):
            break
        mu = 1e-8 * scale if mu == 0.0 else 10.0 * mu
        Hs[np.diag_indices_from(Hs)] = diagonal + mu
    return d, delta


def _kkt_result(
    theta: Array, it: int, viol: float, tol: float, history: list[float], J: float, n_evals: int
) -> SolverResult:
    message = f"max|subgradient| = {viol:.3g} <= tol = {tol:.3g} (the KKT conditions)"
    return SolverResult(theta, it, True, message, history, J, viol, n_evals)


@holds_blas
def prox_newton(
    objective: TwiceDifferentiableObjective,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``J = F + sum_j lambda_j |theta_j|`` by proximal Newton (module docstring).

    ``objective`` gives ``F`` by ``loss_gradient_hessian`` and ``loss`` and the weights
    ``lambda`` by its ``l1_weights`` attribute (absent: none). Converged when the largest
    minimum-norm subgradient entry of ``J`` is ``<= tol`` (after at least one step unless
    it is 0) and the model's predicted decrease is ``<= max(tol^2, 1000 eps) |J|``
    (relative: J within ~tol^2 of its optimum however small J is), or when the predicted
    decrease is below ``1000 eps |J|`` and no step lowers ``J``: optimal to float precision
    (``|J|`` floored at ``eps |J(theta0)|``). ``history`` and ``callback`` see ``J`` (the
    L1 part included); ``grad_max`` is the final subgradient entry.
    """
    theta, tol, max_iter = _check_inputs(
        objective, theta0, tol, max_iter, callback, ("loss_gradient_hessian", "loss")
    )
    lam = l1_weights_of(objective, theta.size)
    history: list[float] = []
    n_evals = 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value, grad, hess = objective.loss_gradient_hessian(theta)
    f, g, H = float(value), np.asarray(grad, np.float64), np.asarray(hess, np.float64)
    if not _finite(f, g, H):
        return _nonfinite_result(theta, 0, history, n_evals, "at theta0", f)
    J = f + l1_norm(theta, lam)
    J0 = abs(J)
    it = 0
    viol = math.inf
    while True:
        viol = float(np.max(np.abs(min_norm_subgradient(theta, g, lam)), initial=0.0))
        kkt = viol <= tol and (it > 0 or viol == 0.0)
        if kkt and viol == 0.0:
            return _kkt_result(theta, it, viol, tol, history, J, n_evals)
        if it == max_iter:
            break
        active = (theta != 0) | (lam == 0) | (np.abs(g) > lam)
        # once the KKT test holds, the model is solved past tol: its decrease is tested
        inner = max(1e-2 * min(1.0, viol) * viol, 0.0 if kkt else 0.25 * tol, 1e-3 * _NOISE * viol)
        d, delta = newton_direction(0.5 * (H + H.T), g, theta, lam, active, inner)
        size = max(abs(J), _EPS * J0)  # J's size: its rounding, and tol^2, are relative
        # the KKT test alone is absolute: where J is far below 1 (nearly separable data)
        # the predicted decrease must be small against J as well
        if kkt and -delta <= max(tol * tol, _NOISE) * size:
            return _kkt_result(theta, it, viol, tol, history, J, n_evals)
        # below J's rounding a step is judged by the subgradient, and only the full
        # step is tried (backtracking could verify nothing there)
        noise = -delta <= 8 * _EPS * size
        t = 1.0
        accepted = False
        # (F, grad F, Hess F) at the full step, evaluated in the same pass as its F
        full: tuple[Any, Any, Any] | None = None
        trial = theta
        for k in range(1 if noise else 60):
            trial = theta + t * d
            n_evals += 1
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if k == 0:  # the full step is usually taken: evaluate H with it
                    full = objective.loss_gradient_hessian(trial)
                    f_trial = float(full[0])
                else:
                    full, f_trial = None, float(objective.loss(trial))
            J_trial = f_trial + l1_norm(trial, lam)
            if not math.isfinite(J_trial):
                t *= 0.5
                continue
            if noise:
                assert full is not None
                sub = min_norm_subgradient(trial, np.asarray(full[1], np.float64), lam)
                accepted = J_trial <= J + 4 * _EPS * abs(J) and float(np.max(np.abs(sub))) < viol
            else:
                accepted = J_trial <= J + _ARMIJO * t * delta
            if accepted:
                break
            t *= 0.5
        if not accepted:
            return _stalled_result(
                theta, it, history, J, viol, n_evals,
                at_precision=-delta <= _NOISE * size,
                measure="max|subgradient|", tol=tol,
            )  # fmt: skip
        if full is None:
            n_evals += 1
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                full = objective.loss_gradient_hessian(trial)
        f, g, H = float(full[0]), np.asarray(full[1], np.float64), np.asarray(full[2], np.float64)
        theta, it = trial, it + 1
        if not _finite(f, g, H):
            return _nonfinite_result(theta, it, history, n_evals, f"at iteration {it}", f)
        J = f + l1_norm(theta, lam)
        history.append(J)
        if callback is not None and callback(it, theta.copy(), J) is True:
            viol = float(np.max(np.abs(min_norm_subgradient(theta, g, lam)), initial=0.0))
            return _callback_result(
                theta, it, viol, history, J, n_evals, measure="max|subgradient|", tol=tol
            )
    return _budget_result(
        theta, max_iter, viol, history, J, n_evals, measure="max|subgradient|", tol=tol
    )
