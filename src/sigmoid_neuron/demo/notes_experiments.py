"""2. and 3.: the notes' toy neuron with both losses, and the notes' five-point table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sigmoid_neuron.demo.data import FIVE_X, FIVE_Y, NEURON_LOSSES, TOY_START, TOY_X, TOY_Y, Array
from sigmoid_neuron.demo.descent import DescentRun, gradient_descent_path


@dataclass
class ToyResult:
    """The notes' toy neuron trained with both losses, side by side."""

    x: Array
    y: Array
    eta: float  #: the notes' step size (on the summed gradient)
    learning_rate: float  #: n * eta, on our mean objective
    epochs: int
    runs: dict[str, DescentRun]
    target_entropy: float  #: (1/n) sum_i H(y_i): the minimum of the cross-entropy
    kl: float  #: (1/n) sum_i KL(y_i || y_hat_i) at the end of the cross-entropy run
    exact_w: float  #: the exact fit sigma(w x_i + b) = y_i (both points, two parameters)
    exact_b: float
    estimator: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: (w, b) from SigmoidNeuron(optimizer="gd", learning_rate=2, tol=None) per loss


def toy_experiment(epochs: int = 1000, eta: float = 1.0, use_estimator: bool = True) -> ToyResult:
    """The notes' toy neuron: w = b = -2, ``eta`` on summed gradients, ``epochs`` epochs.

    Runs :func:`gradient_descent_path` with learning_rate = n * eta for squared error and
    cross-entropy; reports H(targets) and KL(targets || predictions), whose sum is the
    final cross-entropy; and (``use_estimator``) refits with ``SigmoidNeuron`` to show the
    estimator reproduces the loop.
    """
    from sigmoid_neuron.functional.information import entropy, kl_divergence

    x = np.array(TOY_X)
    y = np.array(TOY_Y)
    n = len(x)
    learning_rate = n * eta
    runs = {
        loss: gradient_descent_path(x, y, loss, TOY_START, learning_rate, epochs)
        for loss in NEURON_LOSSES
    }
    targets = np.column_stack([y, 1.0 - y])
    ce = runs["cross_entropy"]
    predicted = np.column_stack([ce.predictions, 1.0 - ce.predictions])
    target_entropy = float(np.mean(entropy(targets, axis=1)))
    kl = float(np.mean(kl_divergence(targets, predicted, axis=1)))
    zl = np.log(y) - np.log1p(-y)  # logit(y): the exact fit has sigma(w x_i + b) = y_i
    exact_w = float((zl[1] - zl[0]) / (x[1] - x[0]))
    exact_b = float(zl[0] - exact_w * x[0])
    result = ToyResult(x, y, eta, learning_rate, epochs, runs, target_entropy, kl, exact_w, exact_b)
    if use_estimator:
        from sigmoid_neuron.estimators import SigmoidNeuron

        for loss in NEURON_LOSSES:
            model = SigmoidNeuron(
                loss=loss,
                optimizer="gd",
                learning_rate=learning_rate,
                max_epochs=epochs,
                tol=None,
                batch_size=None,
            )
            model.fit(
                x.reshape(-1, 1),
                y,
                coef_init=np.array([TOY_START[0]]),
                intercept_init=TOY_START[1],
            )
            w = float(np.ravel(model.coef_)[0])
            b = float(np.ravel(model.intercept_)[0])
            result.estimator[loss] = (w, b)
    return result


# ------------------------------------------------------------- 3. five-point table


@dataclass
class FivePointResult:
    """The notes' five-point table learned with cross-entropy by gradient descent."""

    x: Array
    y: Array
    learning_rate: float
    epochs: int
    run: DescentRun

    @property
    def accuracy(self) -> float:
        """Share of points with (y_hat >= 1/2) == y."""
        return float(np.mean((self.run.predictions >= 0.5) == (self.y == 1)))

    @property
    def boundary(self) -> float:
        """The x where y_hat = 1/2, i.e. w x + b = 0: x = -b / w."""
        return -self.run.b / self.run.w


def five_point_experiment(
    epochs: int = 1000, learning_rate: float = 1.0, start: tuple[float, float] = (0.0, 0.0)
) -> FivePointResult:
    """Cross-entropy gradient descent on the notes' table, from ``start``.

    J(w, b) = (1/5) sum_i [log(1 + e^{z_i}) - y_i z_i] with z_i = w x_i + b; the step on
    the mean is ``learning_rate`` (the notes' summed step eta is learning_rate / 5).
    """
    x = np.array(FIVE_X)
    y = np.array(FIVE_Y)
    run = gradient_descent_path(x, y, "cross_entropy", start, learning_rate, epochs)
    return FivePointResult(x, y, learning_rate, epochs, run)
