"""Pure NumPy math of the sigmoid neuron: activations, losses, information, gradcheck.

Every public function takes array-likes and returns NumPy arrays (NumPy scalars for
scalar results), keeps float32 as float32, promotes ints to float64, never emits a
floating-point RuntimeWarning for finite input, and raises ``ValueError`` /
``TypeError`` naming the offending argument for bad input.
"""

from typing import TYPE_CHECKING

from sigmoid_neuron._lazy import lazy_exports

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


if TYPE_CHECKING:
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

#: public name -> the module that defines it (imported on first use)
_EXPORTS: dict[str, str] = {
    "log_sigmoid": "sigmoid_neuron.functional.activations",
    "log_softmax": "sigmoid_neuron.functional.activations",
    "sigmoid": "sigmoid_neuron.functional.activations",
    "sigmoid_derivative": "sigmoid_neuron.functional.activations",
    "softmax": "sigmoid_neuron.functional.activations",
    "softplus": "sigmoid_neuron.functional.activations",
    "check_gradient": "sigmoid_neuron.functional.gradcheck",
    "cross_entropy": "sigmoid_neuron.functional.information",
    "differential_entropy": "sigmoid_neuron.functional.information",
    "entropy": "sigmoid_neuron.functional.information",
    "kl_divergence": "sigmoid_neuron.functional.information",
    "binary_cross_entropy": "sigmoid_neuron.functional.losses",
    "binary_cross_entropy_derivative": "sigmoid_neuron.functional.losses",
    "binary_cross_entropy_with_logits": "sigmoid_neuron.functional.losses",
    "binary_cross_entropy_with_logits_derivative": "sigmoid_neuron.functional.losses",
    "squared_error": "sigmoid_neuron.functional.losses",
    "squared_error_derivative": "sigmoid_neuron.functional.losses",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
