"""Damped Newton with a lazily refreshed Hessian, range-space steps and polishing.

Converged when ``max|grad J| <= tol`` and the predicted decrease ``lambda^2 / 2`` is
below ``max(tol^2, 1000 eps) |J|`` (relative: J within ~1e-8 of its optimum at the default
tol, however small J is); see :mod:`sigmoid_neuron.optim.solvers`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from sigmoid_neuron.optim import cholesky
from sigmoid_neuron.optim.solver_base import (
    _EPS,
    _NOISE,
    Array,
    Callback,
    SolverResult,
    TwiceDifferentiableObjective,
    _check_inputs,
    _finite,
    _grad_max,
    _nonfinite_result,
    _stalled_result,
    holds_blas,
    quiet_floating,
)

#: Up to this many parameters the Newton step is taken on the range of H (eigh).
_EIGH_MAX_P = 256


class _NewtonSystem:
    """Solves ``H d = -g`` for any number of gradients with one factorisation of ``H``.

    Up to ``_EIGH_MAX_P`` parameters a positive semi-definite ``H = V diag(lambda) V^T``
    gives the step on its numerical range, ``d = -H^+ g``: eigenvalues
    ``<= 1e-12 lambda_max`` count as exactly flat directions (more features than rows,
    duplicated columns), along which the step does not move, so rounding noise in ``g``
    is never divided by a rounding-size eigenvalue and the iterates stay in the row
    space (the same minimiser whatever the order of the sums: repeated rows or their
    weights).

    Otherwise (larger, or indefinite ``H``): Levenberg damping, ``d = -(H + mu I)^{-1} g``
    by Cholesky for the smallest ``mu = mu0 10^k`` (``k >= 0``, ``mu0 = 1e-10 max_j H_jj``)
    that factorises and gives a descent step. The floor ``mu0`` changes a well-posed step
    by a relative ~1e-10 and keeps exactly flat directions (the common shift of a
    multinomial model's intercepts) from steps of rounding size over a rounding pivot.
    """

    def __init__(self, H: Array) -> None:
        self.H = H
        self.range: tuple[Array, Array] | None = None
        self.factor: Any = None
        self.mu = 0.0
        small = 0 < H.shape[0] <= _EIGH_MAX_P
        if small and _well_conditioned_cholesky(self, H):
            return
        self.mu = 1e-10 * self.scale
        if small:
            lam, V = np.linalg.eigh(H)
            top = float(lam[-1])
            if top > 0 and float(lam[0]) >= -1e-10 * top:
                keep = lam > 1e-12 * top
                self.range = (V[:, keep], lam[keep])

    @functools.cached_property
    def scale(self) -> float:
        """``max_j |H_jj|`` (at least eps): the damping's unit."""
        return max(float(np.abs(self.H.diagonal()).max()) if self.H.size else 0.0, _EPS)

    def direction(self, g: Array) -> tuple[Array, float]:
        """``(d, mu)``: a descent direction for gradient ``g`` and the damping used."""
        if self.range is not None:
            V, lam = self.range
            d: Array = -(V @ ((V.T @ g) / lam))
            if np.isfinite(d).all() and float(g @ d) < 0:
                return d, 0.0
        for _ in range(40):
            if self.factor is None:
                found = cholesky.factor(self.H + self.mu * np.eye(g.size))
                self.factor = None if found is None else found[0]
            if self.factor is not None:
                d = -cholesky.solve(self.factor, g)
                if np.isfinite(d).all() and float(g @ d) < 0:
                    return d, self.mu
            self.factor = None
            self.mu = max(10.0 * self.mu, 1e-10 * self.scale)
        return -g / self.scale, math.inf  # not reached: once mu > -lambda_min(H) it factorises


#: A Cholesky factor of H is used as it is where LAPACK's estimate of 1 / cond_1(H) exceeds
#: this (every eigenvalue is then far above the 1e-12 lambda_max of the range test).
_CHOLESKY_RCOND = 1e-10


def _well_conditioned_cholesky(system: _NewtonSystem, H: Array) -> bool:
    """Factorise ``H`` by Cholesky into ``system`` (undamped) when it is positive definite
    and well conditioned once its diagonal is scaled to 1: ``rcond`` of ``D H D``,
    ``D = diag(H)^-1/2``, above ``_CHOLESKY_RCOND`` (LAPACK's ``pocon`` estimate from the
    factor, O(p^2)). There the range-space step of the eigendecomposition keeps every
    direction and equals ``-H^-1 g``, for a fifth of its cost. (Unscaled, a ridge term
    that is huge on a few coordinates, e.g. ``alpha / c^2`` on a column of size 1e-10,
    would send such an ``H`` to the eigendecomposition, whose test relative to
    ``lambda_max`` would then drop the other directions as flat.)"""
    found = cholesky.factor(H, equilibrated=True)
    if found is None or not found[1] > _CHOLESKY_RCOND:
        return False
    system.factor = found[0]
    return True


def _damped_newton_direction(g: Array, H: Array) -> tuple[Array, float]:
    """d = -(H + mu I)^{-1} g (or ``-H^+ g`` on the range of a small semi-definite H): see
    :class:`_NewtonSystem`."""
    return _NewtonSystem(H).direction(g)


@holds_blas
@quiet_floating
def newton(
    objective: TwiceDifferentiableObjective,
    theta0: Array,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    callback: Callback | None = None,
    polish: bool = True,
    reuse_hessian: bool = True,
) -> SolverResult:
    """Newton's method with Levenberg damping and an Armijo backtracking line search.

    Each iteration: (J, g, H) at theta; solve
    (H + mu I) d = -g by Cholesky with mu = 1e-10 max diag(H), raised tenfold while H + mu I
    is not positive definite (Levenberg damping for a non-convex loss); halve t from 1 until
    J(theta + t d) <= J(theta) + 1e-4 t g.d (Armijo, the trial evaluated with its gradient
    in the same pass); theta <- theta + t d. With ``reuse_hessian``, a full step that cut
    max|g| at least fourfold keeps H for the next step (the quadratic phase, where H
    barely changes): that step costs a gradient pass, not an O(n p^2) Hessian pass, and a
    stale H whose step fails the line search is replaced by a fresh one.
    The Newton decrement lambda^2 = -g.d predicts the decrease; the run converges when
    max_j |g_j| <= tol (after at least one step, unless g = 0 exactly: the absolute test is
    not scale-free at theta0) and lambda^2 / 2 <= max(tol^2, 1000 eps) |J| (a small
    gradient on a nearly singular Hessian is not yet the optimum, and on nearly separable
    data, where J is far below 1, only a relative test says how far J is from its optimum);
    a failed line search with lambda^2 / 2 <= 1000 eps |J| means theta is optimal to float
    precision. (|J| here is floored at eps |J(theta0)|: a perfect fit has J -> 0.)
    ``polish``: once the tests pass, take steps with the Hessian at hand while they do
    not raise J and halve max|g|, until the predicted decrease is below J's rounding (a
    gradient pass each, at most 8; they complete the last iteration and are not counted
    as more): the loss is then optimal to float precision
    (``grad_max`` reports the test that passed).
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
    f0 = 0.0  # |J(theta0)|
    gmax = math.nan
    g = np.zeros(0)
    H: Array | None = None  # the Hessian the steps are taken with
    system: _NewtonSystem | None = None  # its factorisation
    fresh = False  # whether H was evaluated at theta
    it = 0  # steps taken; a stale Hessian replaced by a fresh one takes none
    while True:
        if H is None:
            n_evals += 1
            value, grad, hess = objective.loss_gradient_hessian(theta)
            f = float(value)
            g = np.asarray(grad, dtype=np.float64)
            H = np.asarray(hess, dtype=np.float64)
            fresh = True
            if n_evals == 1:
                f0 = abs(f)
            if not _finite(f, g, H):
                where = "at theta0" if it == 0 else f"at iteration {it}"
                return _nonfinite_result(theta, it, history, n_evals, where, f)
            H = 0.5 * (H + H.T)
            system = _NewtonSystem(H)
        assert system is not None
        gmax = _grad_max(g)
        d, _mu = system.direction(g)
        decrement = max(0.0, -float(g @ d)) / 2  # predicted decrease J - J(theta + d)
        # At theta0 the gradient test alone is not scale-free: tiny targets or features
        # make |g| small everywhere. Newton is affine-invariant, so take one step first.
        # A small gradient is not yet the optimum where the Hessian is nearly singular
        # (near-separable classes): the predicted decrease must be small as well.
        size = max(abs(f), _EPS * f0)  # J's size: its rounding, and tol^2, are relative
        enough = max(tol * tol, _NOISE) * size
        if gmax <= tol and (it > 0 or gmax == 0.0) and decrement <= enough:
            if polish and gmax > 0.0:
                # steps with the Hessian at hand until the gradient stops shrinking: one
                # squares the remaining error with a fresh Hessian (quadratic convergence),
                # a few divide it with a kept one; the answer is then the optimum to float
                # precision. A step is kept when J falls, or, below J's rounding, when the
                # gradient shrinks
                g_now, d_now, gmax_now = g, d, gmax
                for _ in range(8):
                    n_evals += 1
                    f_p, g_p = objective.loss_gradient(theta + d_now)
                    f_p = float(f_p)
                    g_p = np.asarray(g_p, dtype=np.float64)
                    gmax_p = _grad_max(g_p)
                    if not _finite(f_p, g_p) or not (
                        f_p < f or (f_p <= f + 4 * _EPS * abs(f) and gmax_p < gmax_now)
                    ):
                        break
                    theta, f, g_now = theta + d_now, f_p, g_p
                    if gmax_p > 0.5 * gmax_now or gmax_p == 0.0:
                        break
                    gmax_now = gmax_p
                    d_now, _mu = system.direction(g_now)
                    if -float(g_now @ d_now) / 2 <= _EPS * size:
                        break  # the next step could not lower J in float64
            return SolverResult(
                theta,
                it,
                True,
                f"max|grad| = {gmax:.3g} <= tol = {tol:.3g}, predicted decrease "
                f"{decrement:.3g} <= max(tol^2, 1000 eps) |J|",
                history,
                f,
                gmax,
                n_evals,
            )
        if it == max_iter:
            break
        slope = float(g @ d)
        # below J's rounding (the predicted decrease under ~8 eps |J|) a step is judged
        # by the gradient, and only the full step is tried: backtracking cannot verify
        # anything there (and would cost a pass per halving, e.g. on Dask)
        noise = decrement <= 8 * _EPS * size
        t = 1.0
        accepted = False
        for _ in range(1 if noise else 60):
            trial = theta + t * d
            n_evals += 1
            f_trial, g_trial = objective.loss_gradient(trial)
            f_trial = float(f_trial)
            g_trial = np.asarray(g_trial, dtype=np.float64)
            if _finite(f_trial, g_trial) and (
                f_trial <= f + armijo * t * slope
                or (f_trial <= f + 4 * _EPS * abs(f) and _grad_max(g_trial) < gmax)
            ):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if not fresh:  # the kept Hessian's step failed: try again with a fresh one
                H = None
                continue
            return _stalled_result(
                theta, it, history, f, gmax, n_evals,
                at_precision=noise or -slope / 2 <= _NOISE * size,
                measure="max|grad|", tol=tol,
                advice="the problem may be badly conditioned: standardise the features or "
                "raise alpha, or use solver='lbfgs'",
            )  # fmt: skip
        g_new = np.asarray(g_trial, dtype=np.float64)
        # keep H while the full step contracts the gradient at least fourfold (the
        # quadratic phase, where the Hessian hardly changes between iterates): the next
        # step then costs one gradient pass instead of a Hessian pass
        fresh = False
        if not (reuse_hessian and t == 1.0 and _grad_max(g_new) <= 0.25 * gmax):
            H = None
        theta, f, g = trial, f_trial, g_new
        history.append(f_trial)
        if callback is not None and callback(it + 1, theta.copy(), f_trial) is True:
            gmax = _grad_max(g)
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
        it += 1
    message = (
        f"reached max_iter={max_iter} with max|grad| = {gmax:.3g} > tol = {tol:.3g}; "
        "increase max_iter, standardise the features / increase alpha, or loosen tol "
        "(float32 data limit the gradient's accuracy to about 1e-7 of its scale)"
    )
    return SolverResult(theta, max_iter, False, message, history, f, gmax, n_evals)


#: Solver name -> function, for estimators and the command line.
