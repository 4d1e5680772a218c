"""Full-batch solvers: L-BFGS (SciPy), a damped Newton method, and for an L1 part
(elastic net, lasso) proximal Newton, OWL-QN and proximal Newton on working sets.

All minimise any objective ``J(theta)`` exposing ``loss_gradient(theta) -> (J, grad J)``
and ``loss(theta) -> J`` (Newton also needs ``loss_gradient_hessian(theta) ->
(J, grad J, Hessian)``), e.g. :class:`sigmoid_neuron.objective.LinearObjective`. The L1
solvers (:data:`L1_SOLVERS`) add ``sum_j lambda_j |theta_j|`` with the weights of the
objective's ``l1_weights`` and test its minimum-norm subgradient where the others test
the gradient (:mod:`sigmoid_neuron.optim.prox_newton`, :mod:`sigmoid_neuron.optim.owlqn`,
:mod:`sigmoid_neuron.optim.working_set`).

Tolerance, the same for every solver: ``converged`` means ``max_j |dJ/dtheta_j| <= tol``
at the returned ``theta`` (SciPy's ``gtol``), or that the objective could no longer
decrease at floating-point precision (L-BFGS-B's relative-reduction test with
``ftol = eps``, after which quasi-Newton steps guided by the gradient alone have not
brought it to ``tol``, or a Newton line search that fails while the predicted decrease
``lambda^2 / 2`` is below ``1000 eps max(1, |J|)``) - the best a finite-precision
objective allows, which float32 data can reach before a tight ``tol``.

``history[k]`` is ``J`` after iteration ``k + 1`` (``len(history) == n_iter``), and
``callback(iteration, theta, loss)`` is called after each iteration; returning ``True``
stops the solver (``converged`` then reports the gradient test at that point). The
solvers never warn: a non-finite objective stops them with ``converged=False`` and a
message suggesting a fix.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sigmoid_neuron.optim.solver_base import (
    Callback,
    Objective,
    SolverResult,
    TwiceDifferentiableObjective,
)

if TYPE_CHECKING:
    from sigmoid_neuron.optim.lbfgs_newton import lbfgs_newton
    from sigmoid_neuron.optim.lbfgs_solver import lbfgs
    from sigmoid_neuron.optim.newton_solver import newton
    from sigmoid_neuron.optim.owlqn import owlqn
    from sigmoid_neuron.optim.prox_newton import prox_newton
    from sigmoid_neuron.optim.working_set import working_set

    SOLVERS: dict[str, Callable[..., SolverResult]]

__all__ = [
    "L1_SOLVERS",
    "SOLVERS",
    "SOLVER_MODULES",
    "Callback",
    "Objective",
    "SolverResult",
    "TwiceDifferentiableObjective",
    "lbfgs",
    "lbfgs_newton",
    "newton",
    "owlqn",
    "prox_newton",
    "solver_named",
    "working_set",
]

#: The full-batch solvers by name, each ``solver(objective, theta0, *, tol, max_iter,
#: callback) -> SolverResult`` defined under that name in its module (imported when it
#: is first used: a fit loads only the solver it runs).
SOLVER_MODULES: dict[str, str] = {
    "lbfgs": "sigmoid_neuron.optim.lbfgs_solver",
    "newton": "sigmoid_neuron.optim.newton_solver",
    "lbfgs_newton": "sigmoid_neuron.optim.lbfgs_newton",
    "prox_newton": "sigmoid_neuron.optim.prox_newton",
    "owlqn": "sigmoid_neuron.optim.owlqn",
    "working_set": "sigmoid_neuron.optim.working_set",
}
#: The solvers that minimise an L1 part (the objective's ``l1_weights``) as well.
L1_SOLVERS: tuple[str, ...] = ("prox_newton", "owlqn", "working_set")


def solver_named(name: str) -> Callable[..., SolverResult]:
    """The solver registered as ``name`` in :data:`SOLVER_MODULES` (ValueError otherwise)."""
    module = SOLVER_MODULES.get(name)
    if module is None:
        raise ValueError(f"unknown solver {name!r}; use one of {tuple(SOLVER_MODULES)}")
    found: Callable[..., SolverResult] = getattr(importlib.import_module(module), name)
    return found


def __getattr__(name: str) -> Any:
    """``SOLVERS`` (every solver, by name) and each solver function, loaded on first use."""
    if name == "SOLVERS":
        return {key: solver_named(key) for key in SOLVER_MODULES}
    if name in SOLVER_MODULES:
        return solver_named(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
