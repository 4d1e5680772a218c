"""Optimisers: pure update rules (gd, momentum, nesterov, adam), learning-rate schedules,
and full-batch solvers (lbfgs, newton).

Update rules know nothing about the data: ``init(params) -> state`` and
``update(grad, state, params) -> (step, state)``, new params = params + step. Solvers
take any objective with ``loss_gradient(theta)`` (and ``loss_gradient_hessian`` for
Newton) and return a :class:`SolverResult`.
"""

from sigmoid_neuron.optim.rule_state import state_from_dict, state_to_dict
from sigmoid_neuron.optim.rules import (
    RULES,
    AdamState,
    ChainState,
    EmptyState,
    GDState,
    MomentumState,
    State,
    UpdateRule,
    adam,
    chain,
    clip_by_global_norm,
    gd,
    momentum,
    nesterov,
)
from sigmoid_neuron.optim.schedules import (
    SCHEDULES,
    Schedule,
    constant,
    cosine_decay,
    exponential_decay,
    inverse_scaling,
    make_schedule,
    step_decay,
)
from sigmoid_neuron.optim.solvers import (
    SOLVERS,
    Callback,
    Objective,
    SolverResult,
    TwiceDifferentiableObjective,
    lbfgs,
    newton,
)

__all__ = [
    "RULES",
    "SCHEDULES",
    "SOLVERS",
    "AdamState",
    "Callback",
    "ChainState",
    "EmptyState",
    "GDState",
    "MomentumState",
    "Objective",
    "Schedule",
    "SolverResult",
    "State",
    "TwiceDifferentiableObjective",
    "UpdateRule",
    "adam",
    "chain",
    "clip_by_global_norm",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "gd",
    "inverse_scaling",
    "lbfgs",
    "make_schedule",
    "momentum",
    "nesterov",
    "newton",
    "state_from_dict",
    "state_to_dict",
    "step_decay",
]
