"""Pure NumPy math of the sigmoid neuron: activations, losses, information, gradcheck.

Every public function takes array-likes and returns NumPy arrays (NumPy scalars for
scalar results), keeps float32 as float32, promotes ints to float64, never emits a
floating-point RuntimeWarning for finite input, and raises ``ValueError`` /
``TypeError`` naming the offending argument for bad input.
"""

from sigmoid_neuron.functional.activations import (
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softplus,
)
from sigmoid_neuron.functional.gradcheck import check_gradient
from sigmoid_neuron.functional.information import (
    cross_entropy,
    differential_entropy,
    entropy,
    kl_divergence,
)
from sigmoid_neuron.functional.losses import (
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_derivative,
    squared_error,
    squared_error_derivative,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_derivative",
    "check_gradient",
    "cross_entropy",
    "differential_entropy",
    "entropy",
    "kl_divergence",
    "log_sigmoid",
    "log_softmax",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softplus",
    "squared_error",
    "squared_error_derivative",
]
