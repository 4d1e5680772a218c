"""``optimizer="auto"``: the solver chosen from the problem, and exact least squares.

The rule (:func:`choose_solver`), for a linear objective with ``p = K (d + 1)``
parameters on ``n`` rows, after the columns have been standardised:

- half squared error (linear regression, ridge): ``"lstsq"``, the exact solution from
  one triangular factor (:mod:`sigmoid_neuron.optim.least_squares`); no iterations;
- otherwise Newton (``"newton"``, Levenberg-damped, ending on a polishing step) when an
  iteration is cheap in absolute terms, ``n p^2 + p^3 / 3 <= CHEAP_NEWTON`` multiply-adds
  (tens of milliseconds: Newton's handful of iterations then beats L-BFGS's dozens to
  hundreds, whatever the data), or when it is affordable (``n p^2 <= NEWTON_FLOPS``) and
  the standardised design is ill-conditioned: the condition number of the correlation
  matrix of a sample of rows exceeds ``ILL_CONDITIONED`` (correlated columns, one-hot
  blocks collinear with the intercept: where L-BFGS crawls and its gradient test says
  little about the loss);
- where it picks Newton because an iteration is cheap, for ``p >= LBFGS_FIRST_FROM``
  parameters (multinomial models with many classes and features) and a design that is
  not ill-conditioned, ``"lbfgs_newton"``: Newton after up to 40 L-BFGS iterations
  (:mod:`sigmoid_neuron.optim.lbfgs_newton`), since a Hessian pass then costs hundreds
  of gradient passes and Newton's first, damped steps gain no more. On an
  ill-conditioned design L-BFGS crawls and Newton starts at once (measured: a one-hot
  table 50,000 x 400, Newton 376 ms, with 40 L-BFGS iterations first 735 ms);
- a loss that is not convex (the notes' squared error on the sigmoid): Newton (Levenberg-
  damped) when an iteration is cheap, else L-BFGS;
- L-BFGS (``"lbfgs"``) otherwise: many parameters, or a well-conditioned problem where
  it needs few passes; run to ``max|grad| <= min(tol, AUTO_LBFGS_TOL)`` and, continued
  from there, to ``max|grad| <= AUTO_LBFGS_RTOL |J|`` where that is smaller.

The probe costs ``O(m d^2 + d^3)`` on ``m = min(n, PROBE_ROWS)`` rows, and is skipped
(L-BFGS) when ``d > PROBE_MAX_D``.

With an L1 part (``l1_ratio > 0`` and a non-zero penalty factor) the same rule picks
between the L1 solvers: proximal Newton (``"prox_newton"``, coordinate descent on the
Hessian's model, :mod:`sigmoid_neuron.optim.prox_newton`) where it would pick Newton or
exact least squares; where it would pick L-BFGS, or when one Hessian pass would cost
more than ``NEWTON_FLOPS`` (``n p^2``; least squares included): for sparse X (CSR),
proximal Newton on working sets (``"working_set"``, :mod:`sigmoid_neuron.optim.
working_set`: passes over all of X only to find the violating features, the iterations
on the few columns that matter, whose Hessian costs O(nnz) of those columns), for dense
X OWL-QN (``"owlqn"``), whose passes are cheap there and few on the data that get here
(measured: docs/training.md); OWL-QN also for a non-convex loss. A ridge penalty with per-feature
factors other than 1 is solved by Newton where exact least squares would have been
chosen (least squares takes the plain ridge ``alpha/2 ||W||^2`` only).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.links import HalfSquaredError
from sigmoid_neuron.objective.moments import extreme_column_scales
from sigmoid_neuron.optim.solvers import Callback, SolverResult

Array = NDArray[Any]

#: Newton whatever the conditioning while an iteration costs at most this (n p^2 + p^3/3).
CHEAP_NEWTON = 2e9
#: Newton only while one Hessian pass costs at most this many multiply-adds (n p^2).
NEWTON_FLOPS = 4e10
#: Condition number of the sampled correlation matrix above which Newton is chosen.
ILL_CONDITIONED = 1e3
#: ``auto``'s L-BFGS runs to max|grad| <= min(tol, AUTO_LBFGS_TOL): L-BFGS has no
#: Newton decrement to tell how far J is from the optimum, and on the well-conditioned
#: problems it is chosen for this puts J within ~1e-9 (relative) of it (N(0, I) data,
#: docs/benchmarks.md) at the cost of a few more passes than tol = 1e-4
AUTO_LBFGS_TOL = 1e-6
#: ... and, where J is far below 1 (nearly separable data), to max|grad| <= AUTO_LBFGS_RTOL
#: |J| as well: the absolute test left J 7e-7 above its optimum at J = 4e-3 (N(0, I)
#: 100,000 x 150 with a strong signal); this one 2e-9. Above J = 0.33 it changes nothing
AUTO_LBFGS_RTOL = 3e-6
#: From this many parameters a cheap Newton on a design that is not ill-conditioned
#: starts after L-BFGS iterations ("lbfgs_newton"): a Hessian pass then costs hundreds of
#: gradient passes (measured on the digits, 650 parameters, condition number 146: 220 ms
#: instead of 400 ms, the same optimum)
LBFGS_FIRST_FROM = 300
#: Rows sampled for the conditioning probe (at most; never fewer than 4 d).
PROBE_ROWS = 20_000
#: Above this many features the probe is skipped (L-BFGS).
PROBE_MAX_D = 500


def design_condition(objective: LinearObjective) -> float:
    """Condition number of the weighted correlation matrix of a sample of rows.

    ``kappa = lambda_max / lambda_min`` of ``C = D^-1/2 G D^-1/2``, ``G`` the weighted
    Gram matrix of the centred sample (``D = diag(G)``); constant columns are left out
    (they carry no information on conditioning); ``inf`` when ``C`` is singular. The
    Gram matrix resolves ``kappa`` up to ~1e14, far beyond :data:`ILL_CONDITIONED`.
    """
    d = objective.n_features
    sample = objective.data.sample(max(4 * d, min(PROBE_ROWS, 4_000_000 // max(1, d))))
    if objective.fit_intercept:
        with np.errstate(over="ignore", invalid="ignore"):  # spreads unused here
            shift = sample.moments().mean_x
    else:
        shift = np.zeros(d)
    # columns of extreme size enter divided by powers of 2 (C does not change)
    scale = extreme_column_scales(sample.X, shift)
    G = sample.gram(shift, np.zeros(objective.n_outputs), scale)[:d, :d]
    diag = np.diag(G).copy()
    keep = diag > 0
    if not np.any(keep):
        return 1.0
    root = np.sqrt(diag[keep])
    C = G[np.ix_(keep, keep)] / np.outer(root, root)
    eig = np.linalg.eigvalsh(C)
    if eig[0] <= eig[-1] * 1e-14:
        return math.inf
    return float(eig[-1] / eig[0])


def choose_solver(objective: LinearObjective) -> str:
    """``"lstsq"``, ``"newton"``, ``"lbfgs_newton"`` or ``"lbfgs"`` for ``objective``;
    ``"prox_newton"``,
    ``"working_set"`` or ``"owlqn"`` when it has an L1 part (module docstring)."""
    if objective.penalty.has_l1:
        p = objective.n_params
        n = float(getattr(objective.data, "n_samples", 0))
        if not objective.data.loss.convex:
            return "owlqn"
        wide = "working_set" if objective.data.sparse else "owlqn"
        if n * p * p > NEWTON_FLOPS:
            return wide
        return wide if _smooth_choice(objective) == "lbfgs" else "prox_newton"
    return _smooth_choice(objective)


def _smooth_choice(objective: LinearObjective) -> str:
    """The rule of the module docstring without an L1 part."""
    if isinstance(objective.data.loss, HalfSquaredError):
        # a quadratic: exact least squares, or one Newton step with per-feature factors
        return "lstsq" if objective.penalty.plain else "newton"
    p = objective.n_params
    n = float(getattr(objective.data, "n_samples", 0))
    if n * p * p > NEWTON_FLOPS:
        return "lbfgs"
    cheap = n * p * p + p**3 / 3 <= CHEAP_NEWTON
    if not objective.data.loss.convex:
        # damped Newton, whose relative decrement test means the optimum (star98's
        # proportions: L-BFGS stopped 1e-4 above it, in 10 times Newton's time)
        return "newton" if cheap else "lbfgs"
    if cheap and p < LBFGS_FIRST_FROM:
        return "newton"
    if objective.n_features > PROBE_MAX_D:
        return "newton" if cheap else "lbfgs"
    if design_condition(objective) > ILL_CONDITIONED:
        return "newton"  # L-BFGS crawls here: no warm-up either
    return "lbfgs_newton" if cheap else "lbfgs"


def lstsq(
    objective: LinearObjective,
    theta0: Array,
    *,
    tol: float = 0.0,
    max_iter: int = 1,
    callback: Callback | None = None,
) -> SolverResult:
    """Exact least squares (:func:`solve_least_squares`): ``theta0``, ``tol`` and
    ``max_iter`` are accepted for the solver interface and not needed; ``callback``
    sees the solution as iteration 1 (with J from the last pass, one exact refinement
    step before it: equal to the optimum's to rounding)."""
    from sigmoid_neuron.optim.least_squares import solve_least_squares

    solution = solve_least_squares(objective, getattr(objective, "feature_names", None))
    theta = objective.pack(solution.coef, solution.intercept)
    value, gmax = solution.loss, solution.grad_max
    message = f"exact least squares (rank {solution.rank} of {objective.n_features})"
    if callback is not None:
        callback(1, theta.copy(), value)
    return SolverResult(theta, 1, True, message, [value], value, gmax, 5)
