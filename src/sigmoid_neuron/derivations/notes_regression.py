"""Seed 000's regression costs: the gradient of linear regression's half-MSE, the logistic
cost simplified, and its gradient."""

from __future__ import annotations

import sympy as sp

from sigmoid_neuron.derivations.domains import PROBABILITY, REAL
from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.notation import SEED_000, U, frac, index, neg
from sigmoid_neuron.derivations.steps import Derivation, Erratum, Step, make_derivation

__all__ = [
    "linear_regression_gradient",
    "logistic_cost_simplification",
    "logistic_regression_gradient",
]


def linear_regression_gradient() -> Derivation:
    """dJ/d theta_j = (1/m) sum_i (h(x^(i)) - y^(i)) x_j^(i) for J = 1/(2m) sum_i (h - y)^2."""
    theta = REAL.indexed("theta")
    x = REAL.indexed("x")
    y = REAL.indexed("y")
    i, k, m, n, j = (index(name) for name in "ikmnj")
    h = sp.Sum(theta[k] * x[i, k], (k, 1, n))
    r = h - y[i]
    d = sp.Derivative
    steps = [
        (
            d(sp.Sum(r**2, (i, 1, m)) / (2 * m), theta[j]),
            "J(theta) = 1/(2m) sum_i (h_theta(x^(i)) - y^(i))^2 with h_theta(x^(i)) = "
            "sum_k theta_k x_k^(i); differentiate w.r.t. theta_j",
        ),
        (
            sp.Sum(d(r**2, theta[j]), (i, 1, m)) / (2 * m),
            "1/(2m) is a constant; the derivative of a sum is the sum of the derivatives",
        ),
        (
            sp.Sum(2 * r * d(h, theta[j]), (i, 1, m)) / (2 * m),
            "chain rule: d(stuff)^2 = 2 stuff d(stuff)",
        ),
        (
            sp.Sum(2 * r * d(theta[j] * x[i, j], theta[j]), (i, 1, m)) / (2 * m),
            "only the k = j term of h_theta depends on theta_j",
        ),
        (sp.Sum(2 * r * x[i, j], (i, 1, m)) / (2 * m), "d(theta_j x_j)/d theta_j = x_j"),
        (sp.Sum(r * x[i, j], (i, 1, m)) / m, "the 2s cancel"),
    ]
    return make_derivation(
        "linear_regression_gradient",
        "Gradient of the half-MSE cost of linear regression w.r.t. theta_j",
        f"{SEED_000}, 'Partial Derivative of cost function for linear regression'",
        steps,
        domains={"theta": REAL, "x": REAL, "y": REAL},
        instances=[{m: 3, n: 2, j: 1}, {m: 2, n: 3, j: 3}],
        errata=[
            Erratum(
                key="differentiates-by-theta-i",
                location=f"{SEED_000}, 'Partial Derivative of cost function for linear "
                "regression', d h_theta / d theta",
                written="d/d theta_i h_theta = d/d theta_i theta_j^T x_j",
                right="d h_theta(x^(i)) / d theta_j = d(theta_j x_j^(i)) / d theta_j "
                "= x_j^(i) (the derivative must be taken w.r.t. theta_j, the kept term)",
                start=3,
                stop=4,
                steps=(
                    Step(
                        sp.Sum(2 * r * d(theta[j] * x[i, j], theta[i]), (i, 1, m)) / (2 * m),
                        "as in the notes: w.r.t. theta_i, keeping theta_j x_j",
                    ),
                ),
                fails_at=3,
            )
        ],
    )


def logistic_cost_simplification() -> Derivation:
    """J = -(1/m) sum_i [y log sigma(z) + (1 - y) log(1 - sigma(z))].

    Simplified: J = (1/m) sum_i [log(1 + e^(-z_i)) + (1 - y_i) z_i].
    """
    y = PROBABILITY.indexed("y")
    z = REAL.indexed("z")
    i, m = index("i"), index("m")
    zi, yi = z[i], y[i]
    s = 1 / (1 + sp.exp(-zi))
    lg = sp.log(1 + sp.exp(-zi))

    def cost(term: sp.Expr, sign: int = -1) -> sp.Expr:
        total = sp.Sum(term, (i, 1, m))
        return neg(total) / m if sign < 0 else total / m

    return make_derivation(
        "logistic_cost_simplification",
        "Logistic-regression cost simplified to (1/m) sum [log(1 + e^(-z)) + (1 - y) z]",
        f"{SEED_000}, 'Partial Derivative of Cost Function for Logistic Regression', step 1",
        [
            (
                cost(yi * sp.log(sigmoid(zi)) + (1 - yi) * sp.log(1 - sigmoid(zi))),
                "J(theta) with h_theta(x^(i)) = sigmoid(z_i), z_i = theta^T x^(i)",
            ),
            (
                cost(yi * sp.log(s) + (1 - yi) * sp.log(1 - s)),
                "replace h_theta(x^(i)) with the sigmoid",
            ),
            (
                cost(yi * sp.log(s) + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))),
                "convert the right term to a single rational expression",
            ),
            (
                cost(
                    yi * (sp.log(1, evaluate=False) - lg)
                    + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))
                ),
                "log(a/b) = log(a) - log(b) on the left term",
            ),
            (
                cost(-yi * lg + (1 - yi) * sp.log(sp.exp(-zi) / (1 + sp.exp(-zi)))),
                "log(1) = 0",
            ),
            (
                cost(-yi * lg + (1 - yi) * sp.log(sp.exp(-zi), evaluate=False) - (1 - yi) * lg),
                "log(a/b) = log(a) - log(b) on the right term",
            ),
            (
                cost(-yi * lg - (1 - yi) * zi - (1 - yi) * lg),
                "log(e^a) = a (z is real): (1 - y) log(e^(-z)) = -(1 - y) z",
            ),
            (
                cost(yi * lg + (1 - yi) * zi + (1 - yi) * lg, sign=1),
                "move the minus sign inside the sum",
            ),
            (cost(lg + (1 - yi) * zi, sign=1), "combine the first and third terms"),
        ],
        domains={"y": PROBABILITY, "z": REAL},
        instances=[{m: 3}],
    )


def logistic_regression_gradient() -> Derivation:
    """dJ/d theta_j = (1/m) sum_i (sigma(z_i) - y_i) x_j^(i), z_i = theta^T x^(i)."""
    theta = REAL.indexed("theta")
    x = REAL.indexed("x")
    y = PROBABILITY.indexed("y")
    i, k, m, n, j = (index(name) for name in "ikmnj")
    z = sp.Sum(theta[k] * x[i, k], (k, 1, n))
    yi, xij = y[i], x[i, j]
    ez = sp.exp(-z)
    d = sp.Derivative

    def mean(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (i, 1, m)) / m

    return make_derivation(
        "logistic_regression_gradient",
        "Gradient of the logistic-regression cost: (1/m) sum (h - y) x_j",
        f"{SEED_000}, 'Partial Derivative of Cost Function for Logistic Regression', step 2",
        [
            (
                d(
                    neg(
                        sp.Sum(
                            yi * sp.log(sigmoid(z)) + (1 - yi) * sp.log(1 - sigmoid(z)), (i, 1, m)
                        )
                    )
                    / m,
                    theta[j],
                ),
                "dJ/d theta_j for J as defined, z_i = theta^T x^(i) = sum_k theta_k x_k^(i)",
            ),
            (
                d(mean(sp.log(1 + ez) + (1 - yi) * z), theta[j]),
                "the simplified cost (derivation logistic_cost_simplification)",
            ),
            (
                mean(-frac(ez * xij, 1 + ez) + (1 - yi) * xij),
                "d log(1 + e^(-z)) = e^(-z) (-x_j)/(1 + e^(-z)), dz/d theta_j = x_j",
            ),
            (mean(U(-ez / (1 + ez) + 1 - yi) * xij), "factor out x_j^(i)"),
            (mean(U(1 / (1 + ez) - yi) * xij), "combine the first two terms"),
            (mean((sigmoid(z) - yi) * xij), "substitute h_theta(x^(i)) for the sigmoid"),
        ],
        domains={"theta": REAL, "x": REAL, "y": PROBABILITY},
        instances=[{m: 2, n: 2, j: 1}],
    )
