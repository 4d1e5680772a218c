"""The derivations of the course notes, step by step, and the notes' own mistakes.

Every derivation is built from SymPy objects only. Steps are kept in the unevaluated
form the notes write them in (``UnevaluatedExpr``, ``evaluate=False``, unevaluated
``Derivative`` / ``Sum``); the checker evaluates them (``doit``) before comparing.

The notes are ``shared/seeds/000_5e8543a9bc1c14a3.txt`` ("seed 000", Differentiation of
the sigmoid activation and cross-entropy loss) and ``002_c96d548af70d4e49.txt``
("seed 002", Sigmoid neuron and cross-entropy).

The derivations themselves live in :mod:`~sigmoid_neuron.derivations.notes_derivatives`,
:mod:`~sigmoid_neuron.derivations.notes_regression` and
:mod:`~sigmoid_neuron.derivations.notes_neuron`; this module is their registry.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.logistic_hessian import logistic_regression_hessian
from sigmoid_neuron.derivations.notation import SEED_000 as SEED_000
from sigmoid_neuron.derivations.notation import SEED_002 as SEED_002
from sigmoid_neuron.derivations.notes_derivatives import (
    binary_cross_entropy_derivative,
    sigmoid_derivative,
)
from sigmoid_neuron.derivations.notes_neuron import (
    bce_wrt_prediction,
    kl_divergence,
    neuron_gradient,
    sigmoid_wrt_weight,
    two_class_cross_entropy,
)
from sigmoid_neuron.derivations.notes_regression import (
    linear_regression_gradient,
    logistic_cost_simplification,
    logistic_regression_gradient,
)
from sigmoid_neuron.derivations.steps import Derivation, ValueClaim

__all__ = ["all_derivations", "by_name", "names", "value_claims"]


@cache
def all_derivations() -> tuple[Derivation, ...]:
    """Every built-in derivation, in the order of the notes."""
    return (
        sigmoid_derivative(),
        binary_cross_entropy_derivative(),
        linear_regression_gradient(),
        logistic_cost_simplification(),
        logistic_regression_gradient(),
        kl_divergence(),
        two_class_cross_entropy(),
        bce_wrt_prediction(),
        sigmoid_wrt_weight(),
        neuron_gradient("squared_error", "w"),
        neuron_gradient("squared_error", "b"),
        neuron_gradient("cross_entropy", "w"),
        neuron_gradient("cross_entropy", "b"),
        logistic_regression_hessian(),
    )


def names() -> list[str]:
    """Names of the built-in derivations."""
    return [derivation.name for derivation in all_derivations()]


def by_name(name: str) -> Derivation:
    """The built-in derivation called ``name`` (``-`` and ``_`` are interchangeable).

    Raises ``KeyError`` (whose message lists the valid names) for an unknown name.
    """
    wanted = name.strip().replace("-", "_")
    for derivation in all_derivations():
        if derivation.name == wanted:
            return derivation
    raise KeyError(f"unknown derivation {name!r}; choose one of: {', '.join(names())}")


@cache
def value_claims() -> tuple[ValueClaim, ...]:
    """The numbers the notes print, with the number of decimals printed."""
    where = f"{SEED_000}, 'Derivative of Sigmoid Function', examples"
    return tuple(
        ValueClaim(sigmoid(sp.Rational(arg)), written, 4, f"{where}: g({arg})")
        for arg, written in (("-5.5", "0.0040"), ("6.5", "0.9984"), ("0.4", "0.5986"))
    )
