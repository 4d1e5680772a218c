"""Optimisers: pure update rules (gd, momentum, nesterov, adam), learning-rate schedules,
and full-batch solvers (lbfgs, newton).

Update rules know nothing about the data: ``init(params) -> state`` and
``update(grad, state, params) -> (step, state)``, new params = params + step. Solvers
take any objective with ``loss_gradient(theta)`` (and ``loss_gradient_hessian`` for
Newton) and return a :class:`SolverResult`.
"""

from typing import TYPE_CHECKING

from sigmoid_neuron._lazy import lazy_exports

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


if TYPE_CHECKING:
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

#: public name -> the module that defines it (imported on first use)
_EXPORTS: dict[str, str] = {
    "state_from_dict": "sigmoid_neuron.optim.rule_state",
    "state_to_dict": "sigmoid_neuron.optim.rule_state",
    "RULES": "sigmoid_neuron.optim.rules",
    "AdamState": "sigmoid_neuron.optim.rules",
    "ChainState": "sigmoid_neuron.optim.rules",
    "EmptyState": "sigmoid_neuron.optim.rules",
    "GDState": "sigmoid_neuron.optim.rules",
    "MomentumState": "sigmoid_neuron.optim.rules",
    "State": "sigmoid_neuron.optim.rules",
    "UpdateRule": "sigmoid_neuron.optim.rules",
    "adam": "sigmoid_neuron.optim.rules",
    "chain": "sigmoid_neuron.optim.rules",
    "clip_by_global_norm": "sigmoid_neuron.optim.rules",
    "gd": "sigmoid_neuron.optim.rules",
    "momentum": "sigmoid_neuron.optim.rules",
    "nesterov": "sigmoid_neuron.optim.rules",
    "SCHEDULES": "sigmoid_neuron.optim.schedules",
    "Schedule": "sigmoid_neuron.optim.schedules",
    "constant": "sigmoid_neuron.optim.schedules",
    "cosine_decay": "sigmoid_neuron.optim.schedules",
    "exponential_decay": "sigmoid_neuron.optim.schedules",
    "inverse_scaling": "sigmoid_neuron.optim.schedules",
    "make_schedule": "sigmoid_neuron.optim.schedules",
    "step_decay": "sigmoid_neuron.optim.schedules",
    "SOLVERS": "sigmoid_neuron.optim.solvers",
    "Callback": "sigmoid_neuron.optim.solvers",
    "Objective": "sigmoid_neuron.optim.solvers",
    "SolverResult": "sigmoid_neuron.optim.solvers",
    "TwiceDifferentiableObjective": "sigmoid_neuron.optim.solvers",
    "lbfgs": "sigmoid_neuron.optim.solvers",
    "newton": "sigmoid_neuron.optim.solvers",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
