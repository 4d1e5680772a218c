"""Full-batch solvers: L-BFGS (SciPy) and a damped Newton method.

Both minimise any objective ``J(theta)`` exposing ``loss_gradient(theta) -> (J, grad J)``
and ``loss(theta) -> J`` (Newton also needs ``loss_gradient_hessian(theta) ->
(J, grad J, Hessian)``), e.g. :class:`sigmoid_neuron.objective.LinearObjective`.

Tolerance, the same for both solvers: ``converged`` means ``max_j |dJ/dtheta_j| <= tol``
at the returned ``theta`` (SciPy's ``gtol``), or that the objective could no longer
decrease at floating-point precision (L-BFGS-B's relative-reduction test with
``ftol = eps``, or a Newton line search that fails while the predicted decrease
``lambda^2 / 2`` is below ``1000 eps max(1, |J|)``) - the best a finite-precision
objective allows, which float32 data can reach before a tight ``tol``.

``history[k]`` is ``J`` after iteration ``k + 1`` (``len(history) == n_iter``), and
``callback(iteration, theta, loss)`` is called after each iteration; returning ``True``
stops the solver (``converged`` then reports the gradient test at that point). The
solvers never warn: a non-finite objective stops them with ``converged=False`` and a
message suggesting a fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.linalg
import scipy.optimize
from numpy.typing import NDArray

Array = NDArray[Any]
Callback = Callable[[int, Array, float], "bool | None"]

__all__ = [
    "SOLVERS",
    "Callback",
    "Objective",
    "SolverResult",
    "TwiceDifferentiableObjective",
    "lbfgs",
    "newton",
]

_EPS = float(np.finfo(np.float64).eps)
_FTOL = _EPS
_NOISE = 1e3 * _EPS
_NONFINITE_HINT = (
    "standardise the features (e.g. sklearn.preprocessing.StandardScaler), increase the "
    "penalty alpha, or check X and y for inf/NaN"
)


class Objective(Protocol):
    """What :func:`lbfgs` needs: the objective and its gradient from one data pass."""

    def loss(self, theta: Array) -> float:
        """J(theta)."""
        ...

    def loss_gradient(self, theta: Array) -> tuple[float, Array]:
        """(J(theta), grad J(theta))."""
        ...


class TwiceDifferentiableObjective(Objective, Protocol):
    """What :func:`newton` needs in addition: the Hessian."""

    def loss_gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]:
        """(J(theta), grad J(theta), Hessian of J at theta)."""
        ...


@dataclass
class SolverResult:
    """Outcome of a solver run.

    ``theta``: final parameters (float64); ``n_iter``: iterations taken; ``converged``:
    see the module docstring; ``message``: why it stopped, in words; ``history``: J after
    each iteration; ``loss``: J(theta); ``grad_max``: max |grad J(theta)|;
    ``n_evals``: objective evaluations (data passes).
    """

    theta: Array
    n_iter: int
    converged: bool
    message: str
    history: list[float] = field(default_factory=list)
    loss: float = math.nan
    grad_max: float = math.nan
    n_evals: int = 0


# ---------------------------------------------------------------- validation


def _check_inputs(
    objective: Any,
    theta0: Any,
    tol: Any,
    max_iter: Any,
    callback: Any,
    methods: tuple[str, ...],
) -> tuple[Array, float, int]:
    for method in methods:
        if not callable(getattr(objective, method, None)):
            raise TypeError(
                f"objective must have a {method}(theta) method (e.g. a LinearObjective from "
                f"sigmoid_neuron.objective.make_objective), got {type(objective).__name__}"
            )
    theta = np.array(theta0, dtype=np.float64, copy=True)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must be a 1-D parameter vector, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be finite; start from zeros or a finite guess")
    if isinstance(tol, (bool, str)):
        raise TypeError(f"tol must be a number >= 0, got {tol!r}")
    tol = float(tol)
    if not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0 (e.g. 1e-6), got {tol!r}")
    if isinstance(max_iter, bool) or not hasattr(max_iter, "__index__"):
        raise TypeError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    max_iter = int(max_iter)
    if max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter}")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable(iteration, theta, loss) or None, got "
            f"{type(callback).__name__}"
        )
    return theta, tol, max_iter


def _finite(value: float, *arrays: Array) -> bool:
    return math.isfinite(value) and all(bool(np.all(np.isfinite(a))) for a in arrays)


def _grad_max(g: Array) -> float:
    return float(np.max(np.abs(g))) if g.size else 0.0


def _nonfinite_result(
    theta: Array,
    it: int,
    history: list[float],
    n_evals: int,
    where: str,
    loss: float = math.nan,
) -> SolverResult:
    return SolverResult(
        theta=theta,
        n_iter=it,
        converged=False,
        message=f"the objective or its gradient is not finite {where}; {_NONFINITE_HINT}",
        history=history,
        loss=loss,
        n_evals=n_evals,
    )


# ---------------------------------------------------------------- L-BFGS


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


# ---------------------------------------------------------------- Newton


#: Up to this many parameters the Newton step is taken on the range of H (eigh).
_EIGH_MAX_P = 256


def _range_newton_direction(g: Array, H: Array) -> Array | None:
    """``d = -H^+ g`` on the numerical range of a positive semi-definite ``H``, or None.

    With ``H = V diag(lambda) V^T``, eigenvalues ``<= 1e-12 lambda_max`` count as exactly
    flat directions (a rank-deficient design: more features than rows, duplicated
    columns), along which the step does not move: rounding noise in ``g`` is then never
    divided by a rounding-size eigenvalue, so the iterates stay in the row space and
    the same minimiser is found whatever the order of the sums (repeated rows or their
    weights). None for an indefinite ``H`` (left to Levenberg damping) or no descent.
    """
    lam, V = np.linalg.eigh(H)
    top = float(lam[-1]) if lam.size else 0.0
    if not top > 0 or float(lam[0]) < -1e-10 * top:
        return None
    keep = lam > 1e-12 * top
    coeff = V[:, keep].T @ g
    d: Array = -(V[:, keep] @ (coeff / lam[keep]))
    if not (bool(np.all(np.isfinite(d))) and float(g @ d) < 0):
        return None
    return d


def _damped_newton_direction(g: Array, H: Array) -> tuple[Array, float]:
    """d = -(H + mu I)^{-1} g for the smallest mu = mu0 10^k (k >= 0) that gives a descent step.

    Up to ``_EIGH_MAX_P`` parameters a semi-definite ``H`` gives the step on its range
    instead (:func:`_range_newton_direction`, ``mu = 0``).

    Levenberg damping with ``mu0 = 1e-10 max_j H_jj``: ``H + mu I`` is Cholesky-factorised
    (``scipy.linalg.cho_factor``); an indefinite H (a non-convex loss) raises mu tenfold
    until the factorisation succeeds and g . d < 0. The floor mu0 changes a well-posed
    Newton step by a relative ~1e-10, and keeps exactly flat directions (the common shift
    of a multinomial model's intercepts, a duplicated feature without penalty) from
    taking steps of rounding-error size divided by a rounding-error pivot.
    """
    n = g.size
    if 0 < n <= _EIGH_MAX_P:
        d = _range_newton_direction(g, H)
        if d is not None:
            return d, 0.0
    scale = max(float(np.max(np.abs(np.diag(H)))) if n else 0.0, _EPS)
    mu = 1e-10 * scale
    eye = np.eye(n)
    for _ in range(40):
        try:
            factor = scipy.linalg.cho_factor(H + mu * eye, check_finite=False)
            d = -scipy.linalg.cho_solve(factor, g, check_finite=False)
            if bool(np.all(np.isfinite(d))) and float(g @ d) < 0:
                return d, mu
        except np.linalg.LinAlgError:
            pass
        mu *= 10.0
    return -g / scale, math.inf  # not reached: once mu > -lambda_min(H) Cholesky succeeds


def newton(
    objective: TwiceDifferentiableObjective,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    callback: Callback | None = None,
    polish: bool = True,
) -> SolverResult:
    """Newton's method with Levenberg damping and an Armijo backtracking line search.

    Each iteration: (J, g, H) at theta; solve
    (H + mu I) d = -g by Cholesky with mu = 1e-10 max diag(H), raised tenfold while H + mu I
    is not positive definite (Levenberg damping for a non-convex loss); halve t from 1 until
    J(theta + t d) <= J(theta) + 1e-4 t g.d (Armijo); theta <- theta + t d.
    The Newton decrement lambda^2 = -g.d predicts the decrease; the run converges when
    max_j |g_j| <= tol (after at least one step, unless g = 0 exactly: the absolute test is
    not scale-free at theta0) and lambda^2 / 2 <= tol^2 max(1, |J|) (a small gradient on a
    nearly singular Hessian is not yet the optimum); a failed line search with
    lambda^2 / 2 <= 1000 eps max(1, |J|) means theta is optimal to float precision.
    ``polish``: once the gradient test passes, take the Newton step already at hand
    when it does not raise J (one loss pass; it completes the last iteration and is not
    counted as another): with quadratic convergence the loss is then optimal to float
    precision (``grad_max`` reports the test that passed).
    Costs O(n p^2) for the Hessian and O(p^3) for the solve per iteration: for many
    parameters prefer :func:`lbfgs`.
    """
    theta, tol, max_iter = _check_inputs(
        objective, theta0, tol, max_iter, callback, ("loss_gradient_hessian", "loss")
    )
    history: list[float] = []
    n_evals = 0
    armijo = 1e-4
    f = math.nan
    gmax = math.nan
    for it in range(max_iter + 1):
        n_evals += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value, grad, hess = objective.loss_gradient_hessian(theta)
        f = float(value)
        g = np.asarray(grad, dtype=np.float64)
        H = np.asarray(hess, dtype=np.float64)
        if not _finite(f, g, H):
            where = "at theta0" if it == 0 else f"at iteration {it}"
            return _nonfinite_result(theta, it, history, n_evals, where, f)
        gmax = _grad_max(g)
        d, _mu = _damped_newton_direction(g, 0.5 * (H + H.T))
        decrement = max(0.0, -float(g @ d)) / 2  # predicted decrease J - J(theta + d)
        # At theta0 the gradient test alone is not scale-free: tiny targets or features
        # make |g| small everywhere. Newton is affine-invariant, so take one step first.
        # A small gradient is not yet the optimum where the Hessian is nearly singular
        # (near-separable classes): the predicted decrease must be small as well.
        if gmax <= tol and (it > 0 or gmax == 0.0) and decrement <= tol * tol * max(1.0, abs(f)):
            if polish and gmax > 0.0:
                # the Newton step at hand squares the remaining error (quadratic
                # convergence): the answer is then the optimum to float precision. It is
                # kept when J falls, or, below J's rounding, when the gradient shrinks
                n_evals += 1
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    f_p, g_p = objective.loss_gradient(theta + d)
                f_p = float(f_p)
                if _finite(f_p, np.asarray(g_p)) and (
                    f_p < f or (f_p <= f + 4 * _EPS * abs(f) and _grad_max(np.asarray(g_p)) < gmax)
                ):
                    theta, f = theta + d, f_p
            return SolverResult(
                theta,
                it,
                True,
                f"max|grad| = {gmax:.3g} <= tol = {tol:.3g}, predicted decrease "
                f"{decrement:.3g} <= tol^2 max(1, |J|)",
                history,
                f,
                gmax,
                n_evals,
            )
        if it == max_iter:
            break
        slope = float(g @ d)
        t = 1.0
        accepted = False
        for _ in range(60):
            trial = theta + t * d
            n_evals += 1
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f_trial = float(objective.loss(trial))
            if math.isfinite(f_trial) and f_trial <= f + armijo * t * slope:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if -slope / 2 <= _NOISE * max(1.0, abs(f)):
                message = (
                    f"the objective cannot decrease further at float64 precision "
                    f"(max|grad| = {gmax:.3g}, tol = {tol:.3g})"
                )
                return SolverResult(theta, it, True, message, history, f, gmax, n_evals)
            message = (
                f"the line search found no decrease at iteration {it + 1} (max|grad| = "
                f"{gmax:.3g}); the problem may be badly conditioned: standardise the "
                "features or raise alpha, or use solver='lbfgs'"
            )
            return SolverResult(theta, it, False, message, history, f, gmax, n_evals)
        theta = trial
        history.append(f_trial)
        if callback is not None and callback(it + 1, theta.copy(), f_trial) is True:
            n_evals += 1
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f, g = objective.loss_gradient(theta)
            gmax = _grad_max(np.asarray(g))
            return SolverResult(
                theta,
                it + 1,
                gmax <= tol,
                f"stopped by the callback (max|grad| = {gmax:.3g})",
                history,
                float(f),
                gmax,
                n_evals,
            )
    message = (
        f"reached max_iter={max_iter} with max|grad| = {gmax:.3g} > tol = {tol:.3g}; "
        "increase max_iter, standardise the features / increase alpha, or loosen tol "
        "(float32 data limit the gradient's accuracy to about 1e-7 of its scale)"
    )
    return SolverResult(theta, max_iter, False, message, history, f, gmax, n_evals)


#: Solver name -> function, for estimators and the command line.
SOLVERS: dict[str, Callable[..., SolverResult]] = {"lbfgs": lbfgs, "newton": newton}
