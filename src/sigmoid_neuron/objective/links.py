"""Pointwise losses written on the raw prediction ``z`` (the logit), link fused in.

Each loss maps targets ``y`` and raw predictions ``z`` (shape ``(n, K)``) to per-row
values, the derivative with respect to ``z`` and the second derivative, without ever
taking the log of a rounded probability.

========================  ===============  ===========================================
loss                      link  y_hat(z)   pointwise loss l(y, z)
========================  ===============  ===========================================
HalfSquaredError          identity         (z - y)^2 / 2
SigmoidHalfSquaredError   sigmoid          (sigma(z) - y)^2 / 2
BinaryCrossEntropy        sigmoid          log(1 + e^z) - y z
MultinomialCrossEntropy   softmax          logsumexp(z) - sum_k y_k z_k
========================  ===============  ===========================================
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.functional.activations import _exp_neg_abs, _log_softmax, _sigmoid
from sigmoid_neuron.functional.losses import _bce_with_logits, _bce_with_logits_and_derivative

Array = NDArray[np.floating]


class PointwiseLoss:
    """A loss on the raw prediction. Subclasses fill in the three methods below.

    Shapes: ``y`` and ``z`` are ``(n, K)``; ``K = 1`` except for the multinomial loss.
    ``hessian`` returns ``(n, K)`` diagonal second derivatives, or ``(n, K, K)``
    for the multinomial loss.
    """

    name: ClassVar[str] = ""
    #: whether l(y, .) is convex in z (Newton's method needs it)
    convex: ClassVar[bool] = True
    #: the loss's formula in the compiled kernels (:mod:`sigmoid_neuron.objective.compiled`
    #: ``_pointwise1`` / ``_chunk_sums_k``); None: the loss runs on the BLAS path only
    kernel_code: ClassVar[int | None] = None

    def predict(self, z: Array) -> Array:
        """The inverse link: the prediction ``y_hat`` from the raw prediction ``z``."""
        raise NotImplementedError

    def loss(self, y: Array, z: Array) -> Array:
        """Per-row loss l(y_i, z_i), shape ``(n,)``."""
        raise NotImplementedError

    def loss_gradient(self, y: Array, z: Array) -> tuple[Array, Array]:
        """Per-row loss and its derivative dl/dz, shapes ``(n,)`` and ``(n, K)``."""
        raise NotImplementedError

    def hessian(self, y: Array, z: Array) -> Array:
        """Second derivative d^2 l / dz^2 per row."""
        raise NotImplementedError


class HalfSquaredError(PointwiseLoss):
    """l = (z - y)^2 / 2 with the identity link; dl/dz = z - y; d^2l/dz^2 = 1."""

    name = "squared_error"
    kernel_code = 0

    def predict(self, z: Array) -> Array:
        """y_hat = z."""
        return z

    def loss(self, y: Array, z: Array) -> Array:
        """l = (z - y)^2 / 2."""
        r = z - y
        return 0.5 * np.einsum("ij,ij->i", r, r)

    def loss_gradient(self, y: Array, z: Array) -> tuple[Array, Array]:
        """l = (z - y)^2 / 2, dl/dz = z - y."""
        r = z - y
        return 0.5 * np.einsum("ij,ij->i", r, r), r

    def hessian(self, y: Array, z: Array) -> Array:
        """d^2 l / dz^2 = 1."""
        return np.ones_like(z)


class SigmoidHalfSquaredError(PointwiseLoss):
    """The notes' squared-error neuron: l = (s - y)^2 / 2 with s = sigma(z).

    dl/dz = (s - y) s (1 - s), the notes' gradient;
    d^2l/dz^2 = s(1-s) [s(1-s) + (s - y)(1 - 2s)], which can be negative: not convex.
    """

    name = "sigmoid_squared_error"
    convex = False
    kernel_code = 1

    def predict(self, z: Array) -> Array:
        """y_hat = sigma(z) = 1 / (1 + e^-z)."""
        return _sigmoid(z)

    def loss(self, y: Array, z: Array) -> Array:
        """l = (sigma(z) - y)^2 / 2."""
        r = _sigmoid(z) - y
        return 0.5 * (r * r)[:, 0]

    def loss_gradient(self, y: Array, z: Array) -> tuple[Array, Array]:
        """l = (s - y)^2 / 2, dl/dz = (s - y) s (1 - s)."""
        s = _sigmoid(z)
        r = s - y
        return 0.5 * (r * r)[:, 0], r * s * (1.0 - s)

    def hessian(self, y: Array, z: Array) -> Array:
        """d^2 l / dz^2 = s(1-s) [s(1-s) + (s - y)(1 - 2s)]."""
        s = _sigmoid(z)
        v = s * (1.0 - s)
        return v * (v + (s - y) * (1.0 - 2.0 * s))


def _sigmoid_pair(e: Array) -> tuple[Array, Array]:
    """``(sigma(-|z|), sigma(|z|))`` from ``e = e^{-|z|}``: ``e / (1 + e)`` and ``1 / (1 + e)``.

    Both with full relative accuracy (nothing is computed as ``1 - s``); no overflow.
    """
    return e / (1.0 + e), 1.0 / (1.0 + e)


class BinaryCrossEntropy(PointwiseLoss):
    """l = -[y log s + (1-y) log(1-s)] = log(1 + e^z) - y z with s = sigma(z).

    dl/dz = s - y; d^2l/dz^2 = s(1 - s). Written on z, so no log of a rounded s.
    """

    name = "cross_entropy"
    kernel_code = 2

    def predict(self, z: Array) -> Array:
        """y_hat = sigma(z)."""
        return _sigmoid(z)

    def loss(self, y: Array, z: Array) -> Array:
        """l = softplus(z) - y z (the functional API's formula, on the logits)."""
        return _bce_with_logits(y, z)[:, 0]

    def loss_gradient(self, y: Array, z: Array) -> tuple[Array, Array]:
        """l = softplus(z) - y z, dl/dz = sigma(z) - y.

        For ``z >= 0`` the derivative is taken as ``(1 - y) - sigma(-z)``: equal, but
        with full relative accuracy where ``sigma(z)`` rounds to 1 (``y = 1``, large
        ``z``: the exact ``-e^{-z} / (1 + e^{-z})`` instead of 0). Both are the functional
        API's formulas (``sigmoid_neuron.functional.losses``), sharing one ``exp``.
        """
        value, slope = _bce_with_logits_and_derivative(y, z)
        return value[:, 0], slope

    def hessian(self, y: Array, z: Array) -> Array:
        """d^2 l / dz^2 = sigma(z)(1 - sigma(z)) = sigma(|z|) sigma(-|z|), accurate in the tails."""
        small, large = _sigmoid_pair(_exp_neg_abs(z))
        return small * large


class MultinomialCrossEntropy(PointwiseLoss):
    """l = -sum_k y_k log softmax(z)_k = logsumexp(z) - sum_k y_k z_k (rows of y sum to 1).

    dl/dz = p - y with p = softmax(z); d^2l/dz^2 = diag(p) - p p^T.
    """

    name = "multinomial_cross_entropy"
    kernel_code = 3

    def predict(self, z: Array) -> Array:
        """y_hat = softmax(z) along the class axis."""
        return np.exp(_log_softmax(z, 1))

    def loss(self, y: Array, z: Array) -> Array:
        """l = -sum_k y_k log softmax(z)_k."""
        return -np.einsum("ij,ij->i", y, _log_softmax(z, 1))

    def loss_gradient(self, y: Array, z: Array) -> tuple[Array, Array]:
        """l = -sum_k y_k log p_k, dl/dz = p - y."""
        log_p = _log_softmax(z, 1)
        return -np.einsum("ij,ij->i", y, log_p), np.exp(log_p) - y

    def hessian(self, y: Array, z: Array) -> Array:
        """d^2 l / dz_k dz_l = p_k (delta_kl - p_l), shape ``(n, K, K)``."""
        p = np.exp(_log_softmax(z, 1))
        h = -p[:, :, None] * p[:, None, :]
        idx = np.arange(p.shape[1])
        h[:, idx, idx] += p
        return h


#: Loss name -> class, for estimators and the command line.
LOSSES: dict[str, type[PointwiseLoss]] = {
    cls.name: cls
    for cls in (
        HalfSquaredError,
        SigmoidHalfSquaredError,
        BinaryCrossEntropy,
        MultinomialCrossEntropy,
    )
}
