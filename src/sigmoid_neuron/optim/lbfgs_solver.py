"""L-BFGS: SciPy's L-BFGS-B on one data pass per evaluation, each point evaluated once.

Converged at ``max|grad J| <= tol`` (SciPy's ``gtol``) or when the objective can no
longer decrease at floating-point precision (``ftol = eps``); see
:mod:`sigmoid_neuron.optim.solvers`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize

from sigmoid_neuron.optim.solver_base import (
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
        return value, grad

    def scipy_callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        x = np.array(intermediate_result.x, dtype=np.float64)
        value = float(intermediate_result.fun)
        history.append(value)
        last["theta"], last["loss"] = x, value
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
        gmax = _grad_max(np.asarray(res.jac))
        text = res.message if isinstance(res.message, str) else str(res.message)
        if gmax <= tol:
            converged, message = True, f"max|grad| = {gmax:.3g} <= tol = {tol:.3g}"
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
        return SolverResult(
            theta, int(res.nit), converged, message, history, float(res.fun), gmax, n_evals
        )

    # BLAS on one thread for the whole run: SciPy's L-BFGS-B calls BLAS between our
    # evaluations, and OpenBLAS threads left spinning after such a call slow down the
    # evaluations' own threads (see objective.threads.single_threaded_blas)
    from sigmoid_neuron.objective.threads import single_threaded_blas

    with single_threaded_blas():
        return run()
