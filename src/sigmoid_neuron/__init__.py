"""sigmoid-neuron: the sigmoid neuron, its math and its models.

Public names are imported lazily (PEP 562) so that ``import sigmoid_neuron`` and the
command line start fast; ``from sigmoid_neuron import X`` works for every name in
``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sigmoid_neuron._version import __version__

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        [
            "sigmoid",
            "sigmoid_derivative",
            "log_sigmoid",
            "softmax",
            "log_softmax",
            "softplus",
            "squared_error",
            "squared_error_derivative",
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "binary_cross_entropy_derivative",
            "binary_cross_entropy_with_logits_derivative",
            "entropy",
            "cross_entropy",
            "kl_divergence",
            "differential_entropy",
            "check_gradient",
        ],
        "sigmoid_neuron.functional",
    ),
    **dict.fromkeys(
        ["SigmoidNeuron", "LogisticRegression", "LinearRegression"],
        "sigmoid_neuron.estimators",
    ),
    **dict.fromkeys(["save_model", "load_model"], "sigmoid_neuron.io.model_file"),
}

__all__ = [
    "LinearRegression",
    "LogisticRegression",
    "SigmoidNeuron",
    "__version__",
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_derivative",
    "check_gradient",
    "cross_entropy",
    "differential_entropy",
    "entropy",
    "kl_divergence",
    "load_model",
    "log_sigmoid",
    "log_softmax",
    "save_model",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softplus",
    "squared_error",
    "squared_error_derivative",
]

if TYPE_CHECKING:
    from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
    from sigmoid_neuron.functional import (
        binary_cross_entropy,
        binary_cross_entropy_derivative,
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_derivative,
        check_gradient,
        cross_entropy,
        differential_entropy,
        entropy,
        kl_divergence,
        log_sigmoid,
        log_softmax,
        sigmoid,
        sigmoid_derivative,
        softmax,
        softplus,
        squared_error,
        squared_error_derivative,
    )
    from sigmoid_neuron.io.model_file import load_model, save_model


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    try:
        module_name = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'sigmoid_neuron' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
