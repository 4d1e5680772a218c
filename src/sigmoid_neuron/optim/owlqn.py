"""OWL-QN: limited-memory quasi-Newton for ``F + sum_j lambda_j |theta_j|`` (Andrew & Gao,
ICML 2007), one data pass per evaluation, for many parameters.

With ``g = grad F`` and the *pseudo-gradient* ``v`` (the minimum-norm subgradient of
``J = F + sum lambda |theta|``: :func:`~sigmoid_neuron.objective.penalty.
min_norm_subgradient`), each iteration:

1. ``d = -B v`` by the L-BFGS two-loop recursion over the last ``memory`` pairs
   ``(s, y) = (theta_{k+1} - theta_k, g_{k+1} - g_k)`` of the *smooth* gradient (pairs
   with ``s.y <= 1e-10 |s| |y|`` are skipped), then ``d_j = 0`` where ``d_j v_j >= 0``
   (``d`` keeps the signs of ``-v``) for the penalised coordinates (``lambda_j > 0``);
2. the orthant ``xi_j = sign(theta_j)``, or ``sign(-v_j)`` where ``theta_j = 0``, again
   of the penalised coordinates (the others are free);
3. backtracking from ``t = 1`` (the first iteration from ``1 / max(1, ||v||_2)``):
   ``theta(t) = pi(theta + t d)``, where ``pi`` zeroes the entries whose sign is not
   ``xi``'s, accepted when ``J(theta(t)) <= J(theta) + 1e-4 v.(theta(t) - theta)``.

It stops when ``max_j |v_j| <= tol`` (the KKT conditions to ``tol``); entries the
projection leaves at zero are exactly zero. Without L1 weights it is L-BFGS.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from sigmoid_neuron.objective.penalty import l1_norm, min_norm_subgradient
from sigmoid_neuron.optim.prox_newton import l1_weights_of
from sigmoid_neuron.optim.solver_base import (
    _EPS,
    _NOISE,
    Array,
    Callback,
    Objective,
    SolverResult,
    _budget_result,
    _callback_result,
    _check_inputs,
    _finite,
    _nonfinite_result,
    _stalled_result,
)

_ARMIJO = 1e-4


def _two_loop(v: Array, pairs: deque[tuple[Array, Array, float]]) -> Array:
    """``B v`` for the L-BFGS inverse-Hessian approximation ``B`` of the stored pairs
    ``(s, y, 1 / s.y)``, scaled initially by ``s.y / y.y`` of the newest pair."""
    q = v.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    if pairs:
        s, y, rho = pairs[-1]
        q *= 1.0 / (rho * float(y @ y))
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        b = rho * float(y @ q)
        q += (a - b) * s
    return q


def _backtrack(t: float, slope: float, rise: float) -> float:
    """The next trial step after ``t`` failed: the minimiser of the quadratic through
    ``J``, the slope ``slope`` (per unit of ``t``: ``slope / t``) and ``J + rise`` at
    ``t``, kept within ``[0.1 t, 0.5 t]`` (halving when ``rise`` is not finite)."""
    if not math.isfinite(rise) or slope >= 0:
        return 0.5 * t
    curvature = rise - slope  # rise = slope + c t^2 along the (projected) path
    if curvature <= 0:
        return 0.5 * t
    return t * min(0.5, max(0.1, -slope / (2.0 * curvature)))


def owlqn(
    objective: Objective,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    callback: Callback | None = None,
    memory: int = 20,
) -> SolverResult:
    """Minimise ``J = F + sum_j lambda_j |theta_j|`` by OWL-QN (module docstring).

    ``objective`` gives ``F`` and its gradient by ``loss_gradient`` and the weights
    ``lambda`` by its ``l1_weights`` attribute (absent: none). Converged when the largest
    pseudo-gradient entry is ``<= tol``, or when no step lowers ``J`` while the predicted
    decrease is below ``1000 eps max(1, |J|)`` (optimal to float precision). ``history``
    and ``callback`` see ``J`` with its L1 part; ``memory`` is the number of pairs kept.
    """
    theta, tol, max_iter = _check_inputs(
        objective, theta0, tol, max_iter, callback, ("loss_gradient", "loss")
    )
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
        raise ValueError(f"memory must be an integer >= 1, got {memory!r}")
    lam = l1_weights_of(objective, theta.size)
    penalised = lam > 0  # the orthant constraints bind these coordinates only
    history: list[float] = []
    n_evals = 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value, grad = objective.loss_gradient(theta)
    f, g = float(value), np.asarray(grad, dtype=np.float64)
    if not _finite(f, g):
        return _nonfinite_result(theta, 0, history, n_evals, "at theta0", f)
    J = f + l1_norm(theta, lam)
    pairs: deque[tuple[Array, Array, float]] = deque(maxlen=memory)
    it = 0
    viol = math.inf
    while True:
        v = min_norm_subgradient(theta, g, lam)
        viol = float(np.max(np.abs(v), initial=0.0))
        if viol <= tol and (it > 0 or viol == 0.0):
            message = f"max|pseudo-gradient| = {viol:.3g} <= tol = {tol:.3g} (the KKT conditions)"
            return SolverResult(theta, it, True, message, history, J, viol, n_evals)
        if it == max_iter:
            break
        d = -_two_loop(v, pairs)
        d[penalised & (d * v >= 0)] = 0.0
        if (
            not np.any(d) or float(d @ v) >= 0
        ):  # the quasi-Newton direction lost every sign: steepest descent
            pairs.clear()
            d = -v
        orthant = np.where(theta != 0, np.sign(theta), -np.sign(v))
        t = 1.0 if pairs else 1.0 / max(1.0, float(np.linalg.norm(v)))
        accepted = False
        slope = 0.0
        for _ in range(60):
            trial = theta + t * d
            trial[penalised & (np.sign(trial) != orthant)] = 0.0
            slope = float(v @ (trial - theta))
            n_evals += 1
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value, grad = objective.loss_gradient(trial)
            f_trial, g_trial = float(value), np.asarray(grad, dtype=np.float64)
            J_trial = f_trial + l1_norm(trial, lam)
            if _finite(J_trial, g_trial) and (
                J_trial <= J + _ARMIJO * slope
                or (
                    -slope <= 8 * _EPS * max(1.0, abs(J))
                    and J_trial <= J + 4 * _EPS * abs(J)
                    and float(np.max(np.abs(min_norm_subgradient(trial, g_trial, lam)))) < viol
                )
            ):
                accepted = True
                break
            t = _backtrack(t, slope, J_trial - J)
        if not accepted:
            if pairs:  # a stale curvature model: try again from steepest descent
                pairs.clear()
                continue
            scale = max(1.0, abs(J))
            return _stalled_result(
                theta, it, history, J, viol, n_evals,
                at_precision=-slope <= _NOISE * scale or viol <= 1e3 * _EPS * scale,
                measure="max|pseudo-gradient|", tol=tol,
            )  # fmt: skip
        s, y = trial - theta, g_trial - g
        sy = float(s @ y)
        if sy > 1e-10 * float(np.linalg.norm(s)) * float(np.linalg.norm(y)):
            pairs.append((s, y, 1.0 / sy))
        theta, f, g, J = trial, f_trial, g_trial, J_trial
        it += 1
        history.append(J)
        if callback is not None and callback(it, theta.copy(), J) is True:
            viol = float(np.max(np.abs(min_norm_subgradient(theta, g, lam)), initial=0.0))
            return _callback_result(
                theta, it, viol, history, J, n_evals, measure="max|pseudo-gradient|", tol=tol
            )
    return _budget_result(
        theta, max_iter, viol, history, J, n_evals, measure="max|pseudo-gradient|", tol=tol
    )
