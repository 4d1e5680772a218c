"""Seed 002's sigmoid neuron: KL divergence, two-class cross-entropy, and the neuron's
gradients with squared error and cross-entropy."""

from __future__ import annotations

import sympy as sp

from sigmoid_neuron.derivations.domains import PROBABILITY, REAL
from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.notation import SEED_002, U, frac, index, neg
from sigmoid_neuron.derivations.steps import Derivation, Erratum, Step, make_derivation

__all__ = [
    "bce_wrt_prediction",
    "kl_divergence",
    "neuron_gradient",
    "sigmoid_wrt_weight",
    "two_class_cross_entropy",
]


def kl_divergence() -> Derivation:
    """KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p)."""
    p = PROBABILITY.indexed("p")
    q = PROBABILITY.indexed("q")
    i, big_k = index("i"), index("K")
    pi, qi = p[i], q[i]

    def total(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (i, 1, big_k))

    cross = neg(total(pi * sp.log(qi)))
    return make_derivation(
        "kl_divergence",
        "KL(p || q) = cross-entropy H(p, q) - entropy H(p)",
        f"{SEED_002}, KLD(y || yhat)",
        [
            (total(pi * sp.log(pi / qi)), "KL(p || q) = sum_i p_i log(p_i / q_i)"),
            (total(pi * sp.log(pi) - pi * sp.log(qi)), "log(a/b) = log(a) - log(b)"),
            (
                sp.Add(cross, total(pi * sp.log(pi)), evaluate=False),
                "split the sum: -sum_i p_i log q_i + sum_i p_i log p_i = H(p, q) - H(p), "
                "as in the notes",
            ),
        ],
        domains={"p": PROBABILITY, "q": PROBABILITY},
        instances=[{big_k: 2}, {big_k: 3}],
    )


def two_class_cross_entropy() -> Derivation:
    """-sum_{i in {0, 1}} y_i log ytilde_i = -[(1 - y) log(1 - yhat) + y log yhat]."""
    y = PROBABILITY.indexed("y")
    yt = PROBABILITY.indexed("ytilde")
    i = sp.Symbol("i", integer=True, nonnegative=True)
    return make_derivation(
        "binary_cross_entropy_two_class",
        "Two-class cross-entropy -sum y_i log(ytilde_i) as -[(1 - y) log(1 - yhat) + y log yhat]",
        f"{SEED_002}, 'Using Cross-Entropy with Sigmoid Neuron'",
        [
            (
                neg(sp.Sum(y[i] * sp.log(yt[i]), (i, 0, 1))),
                "L = -sum_{i in {0,1}} y_i log ytilde_i",
            ),
            (neg(y[0] * sp.log(yt[0]) + y[1] * sp.log(yt[1])), "write out the two terms"),
            (
                neg(y[0] * sp.log(1 - yt[1]) + y[1] * sp.log(yt[1])),
                "ytilde_0 = 1 - ytilde_1 (the two predicted probabilities sum to 1)",
            ),
            (
                neg((1 - y[1]) * sp.log(1 - yt[1]) + y[1] * sp.log(yt[1])),
                "y_0 = 1 - y_1; with y = y_1, yhat = ytilde_1 this is "
                "-[(1 - y) log(1 - yhat) + y log yhat]",
            ),
        ],
        domains={"y": PROBABILITY, "ytilde": PROBABILITY},
        definitions={yt[0]: 1 - yt[1], y[0]: 1 - y[1]},
    )


def bce_wrt_prediction() -> Derivation:
    """dL/d yhat = (yhat - y)/((1 - yhat) yhat) for L = -[(1 - y) log(1 - yhat) + y log yhat]."""
    y = PROBABILITY.symbol("y")
    yhat = PROBABILITY.symbol("yhat")
    return make_derivation(
        "bce_wrt_prediction",
        "dL/d yhat for L = -[(1 - y) log(1 - yhat) + y log yhat]",
        f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss'",
        [
            (
                sp.Derivative(neg((1 - y) * sp.log(1 - yhat)) - y * sp.log(yhat), yhat),
                "differentiate -(1 - y) log(1 - yhat) - y log yhat w.r.t. yhat",
            ),
            (
                (1 - y) / (1 - yhat) - y / yhat,
                "(-)(-1)(1 - y)/(1 - yhat) - y/yhat: d log(1 - yhat) = -1/(1 - yhat)",
            ),
            ((yhat - y) / ((1 - yhat) * yhat), "common denominator"),
        ],
        domains={"y": PROBABILITY, "yhat": PROBABILITY},
        errata=[
            Erratum(
                key="garbled-numerator",
                location=f"{SEED_002}, 'Computing partial derivatives with cross-entropy "
                "loss', dL/d yhat, middle line",
                written="(d/d yhat (1 - yhat)) / ((1 - yhat) yhat)",
                right="((1 - y) yhat - y (1 - yhat)) / ((1 - yhat) yhat) "
                "= (yhat - y)/((1 - yhat) yhat)",
                start=2,
                stop=2,
                steps=(
                    Step(
                        frac(sp.Derivative(1 - yhat, yhat), (1 - yhat) * yhat),
                        "as printed in the notes",
                    ),
                ),
                fails_at=2,
            )
        ],
    )


def sigmoid_wrt_weight() -> Derivation:
    """d yhat/dw = yhat (1 - yhat) x for yhat = sigmoid(w x + b)."""
    w, x, b = (REAL.symbol(name) for name in "wxb")
    yhat = PROBABILITY.symbol("yhat")
    z = w * x + b
    e = sp.exp(-z)
    return make_derivation(
        "sigmoid_wrt_weight",
        "d yhat / dw = yhat (1 - yhat) x for yhat = sigmoid(wx + b)",
        f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss', d yhat/dw",
        [
            (sp.Derivative(1 / (1 + e), w), "differentiate yhat = 1/(1 + e^(-(wx + b)))"),
            (
                -sp.Derivative(e, w) / (1 + e) ** 2,
                "d(1/u) = -u'/u^2 with u = 1 + e^(-(wx + b))",
            ),
            (
                -U(e) * sp.Derivative(-z, w) / (1 + e) ** 2,
                "chain rule: d e^v = e^v dv",
            ),
            (
                U(1 / (1 + e)) * U(e / (1 + e)) * x,
                "d(-(wx + b))/dw = -x and (-1)(-x) = x; split the square",
            ),
            (yhat * (1 - yhat) * x, "1/(1 + e^(-z)) = yhat and e^(-z)/(1 + e^(-z)) = 1 - yhat"),
        ],
        domains={"w": REAL, "x": REAL, "b": REAL},
        definitions={yhat: sigmoid(z)},
    )


def neuron_gradient(loss: str, wrt: str) -> Derivation:
    """dL/dw (``wrt='w'``) or dL/db of the sigmoid neuron yhat = sigmoid(w x + b).

    Squared error L = (yhat - y)^2/2: dL/dw = (yhat - y) yhat (1 - yhat) x; cross-entropy
    L = -[(1 - y) log(1 - yhat) + y log yhat]: dL/dw = (yhat - y) x (dL/db: without x).
    """
    w, x, b = (REAL.symbol(name) for name in "wxb")
    y = PROBABILITY.symbol("y")
    yhat = PROBABILITY.symbol("yhat")
    var = w if wrt == "w" else b
    dz = x if wrt == "w" else sp.Integer(1)
    dyhat_text = (
        "yhat (1 - yhat) x (derivation sigmoid_wrt_weight)"
        if wrt == "w"
        else "yhat (1 - yhat) (as in sigmoid_wrt_weight, with dz/db = 1)"
    )
    dyhat = yhat * (1 - yhat) * dz
    if loss == "squared_error":
        value = (yhat - y) ** 2 / 2
        loss_text = "L = (yhat - y)^2 / 2"
        steps = [
            (sp.Derivative(value, var), f"{loss_text}, yhat = sigmoid(wx + b); d/d{wrt}"),
            (
                (yhat - y) * sp.Derivative(yhat, var),
                f"chain rule: dL/d{wrt} = dL/d yhat . d yhat/d{wrt}",
            ),
            ((yhat - y) * dyhat, f"d yhat/d{wrt} = {dyhat_text}"),
        ]
        title = f"Sigmoid neuron, squared error: dL/d{wrt} = (yhat - y) yhat (1 - yhat)"
        source = f"{SEED_002}, code: grad_{wrt} with the squared-error loss"
    else:
        value = neg((1 - y) * sp.log(1 - yhat) + y * sp.log(yhat))
        loss_text = "L = -[(1 - y) log(1 - yhat) + y log yhat]"
        steps = [
            (sp.Derivative(value, var), f"{loss_text}, yhat = sigmoid(wx + b); d/d{wrt}"),
            (
                sp.Mul(U((yhat - y) / ((1 - yhat) * yhat)), U(dyhat), evaluate=False),
                f"chain rule dL/d yhat . d yhat/d{wrt}: (yhat - y)/(yhat (1 - yhat)) "
                f"(bce_wrt_prediction) times {dyhat_text}",
            ),
            ((yhat - y) * dz, "cancel yhat (1 - yhat)"),
        ]
        title = f"Sigmoid neuron, cross-entropy: dL/d{wrt} = (yhat - y)"
        source = f"{SEED_002}, 'Computing partial derivatives with cross-entropy loss'"
    if wrt == "w":
        title += " x"
    return make_derivation(
        f"neuron_{loss}_gradient_{wrt}",
        title,
        source,
        steps,
        domains={"w": REAL, "x": REAL, "b": REAL, "y": PROBABILITY},
        definitions={yhat: sigmoid(w * x + b)},
    )
