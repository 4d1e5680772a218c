"""L-BFGS: SciPy's L-BFGS-B on one data pass per evaluation, each point evaluated once.

Converged at ``max|grad J| <= tol`` (SciPy's ``gtol``). Where SciPy stops because J no
longer decreases at floating-point precision (``ftol = eps``) with the gradient still
above ``tol``, quasi-Newton steps guided by the gradient alone carry on (:func:`_polish`);
see :mod:`sigmoid_neuron.optim.solvers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize

from sigmoid_neuron.optim.solver_base import (
    _EPS,
    _FTOL,
    Array,
    Callback,
    Objective,
    SolverResult,
    _check_inputs,
    _finite,
    _grad_max,
    _nonfinite_result,
)


class _NonFinite(Exception):
    pass


#: At most this many gradient-guided steps after J stopped decreasing (:func:`_polish`).
_POLISH_STEPS = 50
#: ... ending after this many steps without a new smallest max|g|.
_POLISH_PATIENCE = 5


def _two_loop(g: Array, pairs: list[tuple[Array, Array]]) -> Array:
    """``H g`` for the L-BFGS inverse-Hessian model of the ``(s, y)`` pairs (oldest
    first): Nocedal's two-loop recursion, ``H_0 = (s.y / y.y) I`` from the newest pair."""
    q = g.copy()
    alphas = []
    for s, y in reversed(pairs):
        a = float(s @ q) / float(y @ s)
        q -= a * y
        alphas.append(a)
    s_new, y_new = pairs[-1]
    r = q * (float(s_new @ y_new) / float(y_new @ y_new))
    for (s, y), a in zip(pairs, reversed(alphas), strict=True):
        b = float(y @ r) / float(y @ s)
        r += (a - b) * s
    return r


def _polish(
    fun: Callable[[Array], tuple[float, Array]],
    theta: Array,
    f: float,
    g: Array,
    pairs: list[tuple[Array, Array]],
    tol: float,
    max_corrections: int,
) -> tuple[Array, float, Array, int]:
    """Quasi-Newton steps on the gradient where J has stopped resolving progress.

    SciPy stops when ``(J_k - J_{k+1}) / max(|J_k|, |J_{k+1}|, 1) <= eps``: J is then
    optimal to its rounding, but ``theta`` is pinned only to ``~sqrt(eps |J| /
    lambda_min)`` along flat directions of the Hessian (e.g. one-hot blocks collinear
    with the intercept), so two inputs summed in different orders (CSR and dense) stop
    at different points. Here the step ``d = -H g`` of the L-BFGS model (the run's last
    pairs, updated with every step taken) is taken whole while J stays within its
    rounding, ``J(theta + d) <= J(theta) + 4 eps max(|J|, 1)``; the point with the
    smallest ``max|g|`` is kept. It stops at ``max|g| <= tol``, when that smallest
    ``max|g|`` has not fallen for :data:`_POLISH_PATIENCE` steps, at a step that J
    refuses, or after :data:`_POLISH_STEPS`. Returns ``(theta, J, g, evaluations)``.
    """
    evals = 0
    best = (theta, f, g)
    best_gmax = _grad_max(g)
    ceiling = f + 4 * _EPS * max(abs(f), 1.0)
    stale = 0
    for _ in range(_POLISH_STEPS):
        if best_gmax <= tol or stale >= _POLISH_PATIENCE or not pairs:
            break
        d = -_two_loop(g, pairs)
        if not (np.all(np.isfinite(d)) and float(g @ d) < 0):
            break
        evals += 1
        try:
            f_new, g_new = fun(theta + d)
        except _NonFinite:
            break
        if not f_new <= ceiling:
            break
        y = g_new - g
        if float(y @ d) > 0:
            pairs.append((d, y))
            del pairs[: max(0, len(pairs) - max_corrections)]
        theta, f, g = theta + d, f_new, g_new
        gmax = _grad_max(g)
        stale += 1
        if gmax < best_gmax:
            best, best_gmax, stale = (theta, f, g), gmax, 0
    return best[0], best[1], best[2], evals


def lbfgs(
    objective: Objective,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
    callback: Callback | None = None,
    max_corrections: int = 30,
) -> SolverResult:
    """Minimise J with SciPy's L-BFGS-B (no bounds), one data pass per evaluation.

    Stops when max_j |dJ/dtheta_j| <= tol (``gtol = tol``), when the relative decrease
    (J_k - J_{k+1}) / max(|J_k|, |J_{k+1}|, 1) <= eps (no progress left at float64
    precision: SciPy's ``ftol``), or after ``max_iter`` iterations. ``max_corrections`` is
    the number of (s, y) pairs of the limited-memory Hessian (SciPy's ``maxcor``).
    BLAS is held to one thread for the whole run (process-wide, ``callback`` included):
    OpenBLAS threads left spinning after SciPy's calls would compete with the threads of
    the evaluations.
    """
    theta, tol, max_iter = _check_inputs(
        objective, theta0, tol, max_iter, callback, ("loss_gradient", "loss")
    )
    if isinstance(max_corrections, bool) or not hasattr(max_corrections, "__index__"):
        raise TypeError(f"max_corrections must be an integer >= 1, got {max_corrections!r}")
    if int(max_corrections) < 1:
        raise ValueError(f"max_corrections must be an integer >= 1, got {max_corrections}")
    history: list[float] = []
    n_evals = 0
    last: dict[str, Any] = {"theta": theta.copy(), "loss": math.nan}

    first: list[tuple[Array, float, Array]] = []  # theta0's evaluation, for SciPy's first call
    evaluated: list[tuple[Array, Array]] = []  # the last point evaluated and its gradient
    # the curvature pairs (s, y) of the iterates, oldest first, for _polish (SciPy's own
    # are a circular buffer returned unrotated once there are more than max_corrections)
    pairs: list[tuple[Array, Array]] = []
    accepted: list[tuple[Array, Array]] = []  # the last iterate and its gradient

    def fun(x: Array) -> tuple[float, Array]:
        nonlocal n_evals
        if first and np.array_equal(x, first[0][0]):
            _, value0, grad0 = first.pop()
            return value0, grad0.copy()
        first.clear()
        n_evals += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value, grad = objective.loss_gradient(x)
        value = float(value)
        grad = np.asarray(grad, dtype=np.float64)
        if not _finite(value, grad):
            raise _NonFinite
        evaluated[:] = [(x.copy(), grad)]
        return value, grad.copy()

    def scipy_callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        x = np.array(intermediate_result.x, dtype=np.float64)
        value = float(intermediate_result.fun)
        history.append(value)
        last["theta"], last["loss"] = x, value
        if evaluated and np.array_equal(evaluated[0][0], x):
            if accepted:
                s_k, y_k = x - accepted[0][0], evaluated[0][1] - accepted[0][1]
                if float(s_k @ y_k) > 0:
                    pairs.append((s_k, y_k))
                    del pairs[: max(0, len(pairs) - int(max_corrections))]
            accepted[:] = evaluated
        else:
            accepted.clear()  # the gradient at x is not known here: start afresh
        if callback is not None and callback(len(history), x.copy(), value) is True:
            raise StopIteration

    def run() -> SolverResult:
        nonlocal theta
        try:
            f0, g0 = fun(theta)
        except _NonFinite:
            return _nonfinite_result(theta, 0, history, n_evals, "at theta0")
        if _grad_max(g0) <= tol:
            return SolverResult(
                theta, 0, True, "max|grad| <= tol at theta0", history, f0, _grad_max(g0), n_evals
            )
        first.append((theta.copy(), f0, g0))  # SciPy starts by evaluating theta0 again
        accepted.append((theta.copy(), g0))
        try:
            res = scipy.optimize.minimize(
                fun,
                theta,
                jac=True,
                method="L-BFGS-B",
                callback=scipy_callback,
                options={
                    "maxiter": max_iter,
                    "maxfun": max(15000, 20 * max_iter),
                    "maxcor": int(max_corrections),
                    "gtol": tol,
                    "ftol": _FTOL,
                    "maxls": 50,
                },
            )
        except _NonFinite:
            return _nonfinite_result(
                last["theta"],
                len(history),
                history,
                n_evals,
                "during the line search",
                last["loss"],
            )
        theta = np.asarray(res.x, dtype=np.float64)
        value = float(res.fun)
        gmax = _grad_max(np.asarray(res.jac))
        text = res.message if isinstance(res.message, str) else str(res.message)
        polished = 0
        if res.status == 0 and gmax > tol:
            theta, value, jac, polished = _polish(
                fun, theta, value, np.asarray(res.jac, dtype=np.float64), pairs, tol,
                int(max_corrections),
            )  # fmt: skip
            gmax = _grad_max(jac)
        if gmax <= tol:
            converged, message = True, f"max|grad| = {gmax:.3g} <= tol = {tol:.3g}"
            if polished:
                message += (
                    f" ({polished} gradient-guided steps after J stopped decreasing at "
                    "float64 precision)"
                )
        elif res.status == 0:
            converged = True
            message = (
                f"the objective stopped decreasing at float64 precision (max|grad| = "
                f"{gmax:.3g}, tol = {tol:.3g}; SciPy: {text})"
            )
        elif res.status == 99:
            converged, message = False, f"stopped by the callback (max|grad| = {gmax:.3g})"
        elif res.status == 1:
            converged = False
            message = (
                f"reached max_iter={max_iter} with max|grad| = {gmax:.3g} > tol = {tol:.3g}; "
                "increase max_iter, standardise the features / increase alpha so the problem "
                "is better conditioned, or loosen tol (float32 data limit the gradient's "
                "accuracy to about 1e-7 of its scale)"
            )
        else:
            converged = False
            message = (
                f"L-BFGS-B stopped with max|grad| = {gmax:.3g} > tol = {tol:.3g} ({text}); "
                "the problem may be badly conditioned: standardise the features or raise alpha"
            )
        return SolverResult(theta, int(res.nit), converged, message, history, value, gmax, n_evals)

    # BLAS on one thread for the whole run: SciPy's L-BFGS-B calls BLAS between our
    # evaluations, and OpenBLAS threads left spinning after such a call slow down the
    # evaluations' own threads (see objective.threads.single_threaded_blas)
    from sigmoid_neuron.objective.threads import single_threaded_blas

    with single_threaded_blas():
        return run()
