"""Full-batch solvers: L-BFGS (SciPy), a damped Newton method, and for an L1 part
(elastic net, lasso) proximal Newton and OWL-QN.

All minimise any objective ``J(theta)`` exposing ``loss_gradient(theta) -> (J, grad J)``
and ``loss(theta) -> J`` (Newton also needs ``loss_gradient_hessian(theta) ->
(J, grad J, Hessian)``), e.g. :class:`sigmoid_neuron.objective.LinearObjective`. The L1
solvers (:data:`L1_SOLVERS`) add ``sum_j lambda_j |theta_j|`` with the weights of the
objective's ``l1_weights`` and test its minimum-norm subgradient where the others test
the gradient (:mod:`sigmoid_neuron.optim.prox_newton`, :mod:`sigmoid_neuron.optim.owlqn`).

Tolerance, the same for every solver: ``converged`` means ``max_j |dJ/dtheta_j| <= tol``
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

from collections.abc import Callable

from sigmoid_neuron.optim.lbfgs import lbfgs
from sigmoid_neuron.optim.newton import newton
from sigmoid_neuron.optim.owlqn import owlqn
from sigmoid_neuron.optim.prox_newton import prox_newton
from sigmoid_neuron.optim.solver_base import (
    Callback,
    Objective,
    SolverResult,
    TwiceDifferentiableObjective,
)

__all__ = [
    "SOLVERS",
    "Callback",
    "Objective",
    "SolverResult",
    "TwiceDifferentiableObjective",
    "lbfgs",
    "newton",
    "owlqn",
    "prox_newton",
]

#: The full-batch solvers by name: ``solver(objective, theta0, *, tol, max_iter,
#: callback) -> SolverResult``.
SOLVERS: dict[str, Callable[..., SolverResult]] = {
    "lbfgs": lbfgs,
    "newton": newton,
    "prox_newton": prox_newton,
    "owlqn": owlqn,
}
#: The solvers that minimise an L1 part (the objective's ``l1_weights``) as well.
L1_SOLVERS: tuple[str, ...] = ("prox_newton", "owlqn")
