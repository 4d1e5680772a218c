"""The proximal step that lets the update rules (gd, sgd, momentum, nesterov, adam) take
an L1 penalty: after each update of the smooth part, soft-threshold.

For the weights ``lambda_j`` of ``sum_j lambda_j |theta_j|``, an update ``theta + step``
(``step`` from the rule, on the gradient of the smooth part) is followed by

    theta_j <- S(theta_j + step_j, eta_t s_j lambda_j),    S(v, c) = sign(v) max(|v| - c, 0),

with ``eta_t`` the rule's rate at this update and ``s_j`` the scale of the rule's step
per unit of a steady gradient (:func:`step_scale`): 1 for ``gd``/``sgd`` (proximal
gradient descent; for ``sgd`` it is Langford, Li and Zhang's truncated gradient with
truncation every step and no upper threshold, JMLR 2009), ``1 / (1 - beta)`` for
``momentum`` and ``nesterov`` (the velocity of a steady gradient ``g`` is ``g / (1 -
beta)``), and ``1 / (sqrt(s_hat_j) + eps)`` for ``adam`` (its diagonal metric). With that
scale a fixed point of the iteration satisfies the optimality conditions of ``J =
F + sum lambda |theta|`` exactly: ``g_j = -lambda_j sign(theta_j)`` where ``theta_j != 0``
and ``|g_j| <= lambda_j`` where ``theta_j = 0``; and zeros are exact.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.penalty import soft_threshold

Array = NDArray[Any]

__all__ = ["proximal_update", "step_scale"]


def _default(rule: str, name: str) -> float:
    """The default of argument ``name`` of the rule's constructor (what the training loop
    builds it with)."""
    from sigmoid_neuron.optim.rules import RULES  # loaded with the rules, not before

    return float(inspect.signature(RULES[rule]).parameters[name].default)


def step_scale(rule: str, state: Any) -> Any:
    """``s``: the rule's step per unit of rate and of a steady gradient, after the update
    that produced ``state`` (a number, or an array like the parameters for ``adam``).

    ``gd``/``sgd``: 1; ``momentum``/``nesterov``: ``1 / (1 - beta)``; ``adam``:
    ``1 / (sqrt(nu / (1 - b2^k)) + eps)`` with the rule's default ``b2``, ``eps`` and the
    state's count ``k`` and second moment ``nu``.
    """
    if rule in ("gd", "sgd"):
        return 1.0
    if rule in ("momentum", "nesterov"):
        return 1.0 / (1.0 - _default(rule, "beta"))
    if rule == "adam":
        from sigmoid_neuron.optim.rules import AdamState

        if not isinstance(state, AdamState):
            raise TypeError(f"adam's state must be an AdamState, got {type(state).__name__}")
        b2, eps = _default("adam", "b2"), _default("adam", "eps")
        k = max(int(state.count), 1)
        return 1.0 / (np.sqrt(np.asarray(state.nu, np.float64) / (1.0 - b2**k)) + eps)
    raise ValueError(f"no proximal step for rule {rule!r}; use gd, sgd, momentum, nesterov or adam")


def proximal_update(theta: Array, weights: Array, eta: float, rule: str, state: Any) -> Array:
    """``S(theta, eta s lambda)`` elementwise (module docstring): ``theta`` is the rule's
    updated point, ``weights`` the ``lambda_j``, ``eta`` the rate of this update and
    ``state`` the rule's state after it."""
    threshold = float(eta) * np.asarray(weights, np.float64) * step_scale(rule, state)
    return soft_threshold(np.asarray(theta, np.float64), threshold)
