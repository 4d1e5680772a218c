"""Seed 000's derivatives: the sigmoid's and the binary cross-entropy's, with the notes'
mistakes patched in as errata."""

from __future__ import annotations

import sympy as sp

from sigmoid_neuron.derivations.domains import PROBABILITY, REAL
from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.notation import SEED_000, U, frac, neg
from sigmoid_neuron.derivations.steps import Derivation, Erratum, Step, make_derivation

__all__ = ["binary_cross_entropy_derivative", "sigmoid_derivative"]


def sigmoid_derivative() -> Derivation:
    """g'(x) = g(x)(1 - g(x)) for g(x) = 1/(1 + e^(-x)), with the notes' three mistakes."""
    x = REAL.symbol("x")
    e = sp.exp(-x)
    v = 1 + e
    g = 1 / v
    notes_v = 1 - e
    return make_derivation(
        "sigmoid_derivative",
        "Derivative of the sigmoid: g'(x) = g(x)(1 - g(x))",
        f"{SEED_000}, 'Derivative of Sigmoid Function'",
        [
            (sp.Derivative(g, x), "differentiate g(x) = 1/(1 + e^(-x))"),
            (
                (U(0) * v - U(1) * (-e)) / v**2,
                "quotient rule (u/v)' = (v u' - u v')/v^2 with u = 1, v = 1 + e^(-x)",
            ),
            (e / v**2, "simplify the numerator"),
            (U(g) * U(e / v), "split the fraction"),
            (U(g) * U(sp.Add(1, e, -1, evaluate=False) / v), "add and subtract 1"),
            (U(g) * (U(frac(v, v)) - g), "split the numerator"),
            (U(g) * (1 - g), "(1 + e^(-x))/(1 + e^(-x)) = 1"),
            (sigmoid(x) * (1 - sigmoid(x)), "g(x) = 1/(1 + e^(-x))"),
        ],
        domains={"x": REAL},
        errata=[
            Erratum(
                key="quotient-rule-denominator",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', first attempt, lines 2-3",
                written="((0)(1 - e^{-x}) - 1(-e^{-x}))/(1 - e^{-x})^2 = e^{-x}/(1 - e^{-x})^2",
                right="v = 1 + e^{-x}: ((0)(1 + e^{-x}) - 1(-e^{-x}))/(1 + e^{-x})^2 "
                "= e^{-x}/(1 + e^{-x})^2",
                start=1,
                stop=3,
                steps=(
                    Step(
                        (U(0) * notes_v - U(1) * (-e)) / notes_v**2,
                        "quotient rule, as in the notes (v written 1 - e^(-x))",
                    ),
                    Step(e / notes_v**2, "simplify the numerator"),
                ),
                fails_at=1,
            ),
            Erratum(
                key="dropped-minus-one",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', second attempt, line 4",
                written="1/(1 + e^{-x}) . (1 + e^{-x})/(1 + e^{-x})",
                right="1/(1 + e^{-x}) . ((1 + e^{-x})/(1 + e^{-x}) - 1/(1 + e^{-x})): "
                "the -1 of the numerator cannot be dropped",
                start=5,
                stop=6,
                steps=(Step(U(g) * U(frac(v, v)), "split the numerator, as in the notes"),),
                fails_at=5,
            ),
            Erratum(
                key="missing-parentheses",
                location=f"{SEED_000}, 'Derivative of Sigmoid Function', second attempt, line 5",
                written="1/(1 + e^{-x}) . 1 - 1/(1 + e^{-x})",
                right="1/(1 + e^{-x}) . (1 - 1/(1 + e^{-x})); as printed it equals 0",
                start=6,
                stop=7,
                steps=(Step(U(g) * U(1) - g, "as printed in the notes (no parentheses)"),),
                fails_at=6,
            ),
        ],
    )


def binary_cross_entropy_derivative() -> Derivation:
    """dE_b/d yhat = (yhat - t)/(yhat (1 - yhat)) for E_b = -[t ln yhat + (1 - t) ln(1 - yhat)]."""
    t = PROBABILITY.symbol("t")
    yhat = PROBABILITY.symbol("yhat")
    d = sp.Derivative
    return make_derivation(
        "binary_cross_entropy_derivative",
        "Binary cross-entropy E_b = -[t ln(yhat) + (1 - t) ln(1 - yhat)] w.r.t. yhat",
        f"{SEED_000}, 'Derivative of Cross-Entropy Function'",
        [
            (
                d(neg(t * sp.log(yhat) + (1 - t) * sp.log(1 - yhat)), yhat),
                "differentiate E_b w.r.t. yhat (t is a constant)",
            ),
            (
                neg(d(t * sp.log(yhat), yhat) + d((1 - t) * sp.log(1 - yhat), yhat)),
                "sum rule",
            ),
            (
                neg(
                    t * d(sp.log(yhat), yhat)
                    + sp.log(yhat) * d(t, yhat)
                    + (1 - t) * d(sp.log(1 - yhat), yhat)
                    + sp.log(1 - yhat) * d(1 - t, yhat)
                ),
                "product rule on both terms",
            ),
            (
                neg(
                    t / yhat + sp.log(yhat) * U(0) - (1 - t) / (1 - yhat) + sp.log(1 - yhat) * U(0)
                ),
                "d ln(yhat) = 1/yhat, d ln(1 - yhat) = -1/(1 - yhat), dt = 0",
            ),
            (neg(t / yhat - (1 - t) / (1 - yhat)), "drop the zero terms"),
            (-t / yhat + (1 - t) / (1 - yhat), "distribute the minus sign"),
            ((yhat - t) / (yhat * (1 - yhat)), "common denominator"),
        ],
        domains={"t": PROBABILITY, "yhat": PROBABILITY},
        errata=[
            Erratum(
                key="final-sign-flip",
                location=f"{SEED_000}, 'Derivative of Cross-Entropy Function', last line",
                written="-(t/yhat - (1 - t)/(1 - yhat)) = (t/yhat + (1 - t)/(1 - yhat))",
                right="-t/yhat + (1 - t)/(1 - yhat) = (yhat - t)/(yhat (1 - yhat))",
                start=5,
                stop=6,
                steps=(Step(t / yhat + (1 - t) / (1 - yhat), "as in the notes"),),
                fails_at=5,
            )
        ],
    )
