"""Proximal Newton on working sets: an L1 part over many features (skglm / glmnet style).

Minimises ``J(theta) = F(theta) + sum_j lambda_j |theta_j|`` like
:func:`~sigmoid_neuron.optim.prox_newton.prox_newton`, for linear objectives with many
feature columns of which few are non-zero at the optimum (lasso and elastic net on
wide, sparse data). Where OWL-QN pays a pass over all of X for every one of its
(often hundreds of) iterations, this spends its passes on small subproblems:

1. one pass over X gives ``g = grad F(theta)`` and the *violation* of each feature
   column ``j``: ``v_j = max_k |s_kj|``, ``s`` the minimum-norm subgradient of ``J``
   (:func:`~sigmoid_neuron.objective.penalty.min_norm_subgradient`; intercepts and
   unpenalised coefficients count like any other). ``max v <= tol`` are the KKT
   conditions to ``tol``: converged;
2. the *working set* ``W``: every feature with a non-zero coefficient, then the most
   violating others, ``|W| = max(MIN_SIZE, 2 |support|)`` (doubled again whenever an
   outer iteration fails to lower the violation);
3. the *subproblem*: ``J`` with every coefficient off ``W`` held at 0 (the objective's
   ``restricted(W)``, whose data term holds only those columns of X), solved from the
   current ``theta`` by proximal Newton to a KKT tolerance of ``INNER * max v`` (and
   ``tol / 2`` at the end; OWL-QN instead when its Hessian pass would cost more than
   ``NEWTON_FLOPS`` multiply-adds). Its answer replaces ``theta`` on ``W``.

Every subproblem starts where the last one ended, so ``J`` never increases; each
outer iteration either meets the KKT conditions or brings the most violating features
into ``W``, which grows until it holds the optimum's support (Massias, Gramfort and
Salmon, ICML 2018; Bertrand et al., NeurIPS 2022). When ``W`` would hold half the
features or more the subproblem is the whole problem (no copy of X), solved by OWL-QN.

The objective needs ``loss_gradient``, ``loss``, ``l1_weights``, ``n_samples``,
``param_features()`` (the feature of each parameter, ``-1`` for an intercept) and
``restricted(columns)``: :class:`~sigmoid_neuron.objective.linear.LinearObjective` and
:class:`~sigmoid_neuron.objective.standardized.StandardizedObjective` have them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sigmoid_neuron.objective.penalty import l1_norm, min_norm_subgradient
from sigmoid_neuron.optim.owlqn import owlqn
from sigmoid_neuron.optim.prox_newton import l1_weights_of, prox_newton
from sigmoid_neuron.optim.solver_base import (
    Array,
    Callback,
    SolverResult,
    _budget_result,
    _callback_result,
    _check_inputs,
    _finite,
    _nonfinite_result,
)

#: The smallest working set (features).
MIN_SIZE = 10
#: A subproblem is solved to this fraction of the current largest violation.
INNER = 0.3
#: Proximal Newton for a subproblem while one Hessian pass costs at most this (n p^2).
NEWTON_FLOPS = 4e10
#: Iterations allowed to one subproblem's solver.
INNER_MAX_ITER = 500


def _feature_violation(sub: Array, features: Array, n_features: int) -> Array:
    """``v_j = max |s_i|`` over the parameters ``i`` of feature ``j`` (``(d,)``)."""
    out = np.zeros(n_features)
    coef = features >= 0
    np.maximum.at(out, features[coef], np.abs(sub[coef]))
    return out


def _choose(violation: Array, support: Array, size: int) -> Array:
    """The working set: the support, then the largest violations (> 0), ``size`` in all
    (at least the support), sorted."""
    score = np.where(support, np.inf, violation)
    candidates = np.flatnonzero(score > 0)
    if candidates.size > size:
        top = np.argpartition(-score[candidates], size - 1)[:size]
        candidates = candidates[top]
    return np.sort(candidates)


def _solve_subproblem(
    objective: Any, theta: Array, columns: Array, features: Array, tol: float
) -> tuple[Array, int, bool]:
    """Minimise ``J`` over the coefficients of ``columns`` (and the intercepts) from
    ``theta``: ``(theta, data passes, converged)``."""
    d = int(np.max(features, initial=-1)) + 1
    if 2 * columns.size >= d:
        result = owlqn(objective, theta, tol=tol, max_iter=INNER_MAX_ITER)
        return result.theta, result.n_evals, result.converged
    keep = np.isin(features, columns) | (features < 0)
    sub = objective.restricted(columns)
    n_sub = int(np.count_nonzero(keep))
    solver = prox_newton if float(objective.n_samples) * n_sub * n_sub <= NEWTON_FLOPS else owlqn
    result = solver(sub, theta[keep], tol=tol, max_iter=INNER_MAX_ITER)
    out = np.zeros_like(theta)
    out[keep] = result.theta
    return out, result.n_evals + 1, result.converged  # + 1: the column copy


def working_set(
    objective: Any,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``J = F + sum_j lambda_j |theta_j|`` by proximal Newton on working sets
    (module docstring); ``max_iter`` counts outer iterations.

    Converged when the largest minimum-norm subgradient entry of ``J`` over all
    parameters is ``<= tol`` (the KKT conditions to ``tol``). Coefficients outside the
    final working set are exactly 0, as are those its subproblem's soft-threshold
    zeroes. ``history`` and ``callback`` see ``J`` after each outer iteration;
    ``n_evals`` counts the passes over (a subset of the columns of) X.
    """
    theta, tol, max_iter = _check_inputs(
        objective, theta0, tol, max_iter, callback, ("loss_gradient", "loss")
    )
    lam = l1_weights_of(objective, theta.size)
    features = np.asarray(objective.param_features(), dtype=np.intp)
    n_features = int(np.max(features, initial=-1)) + 1
    # a coefficient outside the working set must be 0: start from the support of theta0
    history: list[float] = []
    n_evals = 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value, grad = objective.loss_gradient(theta)
    f, g = float(value), np.asarray(grad, np.float64)
    if not _finite(f, g):
        return _nonfinite_result(theta, 0, history, n_evals, "at theta0", f)
    J = f + l1_norm(theta, lam)
    size = MIN_SIZE
    best = math.inf
    viol = math.inf
    it = 0
    while True:
        sub = min_norm_subgradient(theta, g, lam)
        viol = float(np.max(np.abs(sub), initial=0.0))
        if viol <= tol and (it > 0 or viol == 0.0):
            message = (
                f"max|subgradient| = {viol:.3g} <= tol = {tol:.3g} (the KKT conditions), "
                f"working set of {size} features"
            )
            return SolverResult(theta, it, True, message, history, J, viol, n_evals)
        if it == max_iter:
            break
        support = _feature_violation(theta, features, n_features) > 0
        if viol >= best:  # no progress on the worst violation: look at more features
            size *= 2
        best = min(best, viol)
        size = max(size, 2 * int(np.count_nonzero(support)))
        columns = _choose(_feature_violation(sub, features, n_features), support, size)
        inner = max(INNER * viol, 0.5 * tol)
        theta, passes, _ = _solve_subproblem(objective, theta, columns, features, inner)
        n_evals += passes + 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value, grad = objective.loss_gradient(theta)
        f, g = float(value), np.asarray(grad, np.float64)
        it += 1
        if not _finite(f, g):
            return _nonfinite_result(theta, it, history, n_evals, f"at iteration {it}", f)
        J = f + l1_norm(theta, lam)
        history.append(J)
        if callback is not None and callback(it, theta.copy(), J) is True:
            viol = float(np.max(np.abs(min_norm_subgradient(theta, g, lam)), initial=0.0))
            return _callback_result(
                theta, it, viol, history, J, n_evals, measure="max|subgradient|", tol=tol
            )
    return _budget_result(
        theta, max_iter, viol, history, J, n_evals,
        measure="max|subgradient|", tol=tol, advice="or loosen tol",
    )  # fmt: skip
