"""Full-batch gradient descent on the one-input neuron, keeping the whole path of (w, b)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sigmoid_neuron.demo.data import NEURON_LOSSES, Array


@dataclass
class DescentRun:
    """Full-batch gradient descent on one loss: the path of (w, b) and the loss along it.

    ``path[t]`` is (w, b) after t epochs (``path[0]`` the start) and ``losses[t]`` the mean
    loss J(w, b) there, so both have ``epochs + 1`` rows.
    """

    loss: str
    path: Array
    losses: Array
    predictions: Array  #: y_hat = sigma(w x + b) at the end

    @property
    def w(self) -> float:
        """Final weight."""
        return float(self.path[-1, 0])

    @property
    def b(self) -> float:
        """Final bias."""
        return float(self.path[-1, 1])

    @property
    def final_loss(self) -> float:
        """Mean loss at the end."""
        return float(self.losses[-1])


def gradient_descent_path(
    x: Any,
    y: Any,
    loss: str,
    start: tuple[float, float],
    learning_rate: float,
    epochs: int,
) -> DescentRun:
    """Run theta_{t+1} = theta_t - learning_rate * grad J(theta_t) for ``epochs`` epochs.

    J(w, b) = (1/n) sum_i l(y_i, w x_i + b) is the one-input neuron's mean loss from
    :func:`~sigmoid_neuron.objective.make_objective`, the step is
    :func:`sigmoid_neuron.optim.rules.gd`. With ``learning_rate = n * eta`` this is
    exactly the notes' loop, which sums the per-point gradients and steps by eta.
    """
    from sigmoid_neuron.objective import LOSSES, make_objective
    from sigmoid_neuron.optim.rules import gd

    if loss not in NEURON_LOSSES:
        raise ValueError(f"loss must be one of {sorted(NEURON_LOSSES)}, got {loss!r}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    X = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    pointwise = LOSSES[NEURON_LOSSES[loss]]()
    objective = make_objective(X, np.asarray(y, dtype=np.float64), pointwise)
    rule = gd(learning_rate)
    theta = np.array(start, dtype=np.float64)
    state = rule.init(theta)
    path = np.empty((epochs + 1, 2))
    losses = np.empty(epochs + 1)
    for t in range(epochs + 1):
        value, grad = objective.loss_gradient(theta)
        path[t], losses[t] = theta, value
        if t == epochs:
            break
        step, state = rule.update(grad, state, theta)
        theta = theta + step
    z = X[:, 0] * theta[0] + theta[1]
    predictions = np.asarray(pointwise.predict(z.reshape(-1, 1)), dtype=np.float64)[:, 0]
    return DescentRun(loss, path, losses, predictions)
