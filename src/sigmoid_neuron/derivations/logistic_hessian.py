"""Beyond the notes: the Hessian of seed 000's logistic cost, the matrix behind the standard
errors of ``coef_table`` (see ``docs/inference.md``).

With ``z_i = theta^T x^(i)`` and ``p_i = sigmoid(z_i)``, the summed cost
``L(theta) = sum_i [log(1 + e^(-z_i)) + (1 - y_i) z_i]`` (the negative log-likelihood;
seed 000's ``J`` times ``m``) has second derivatives

    d^2 L / d theta_j d theta_l = sum_i x_j^(i) p_i (1 - p_i) x_l^(i) = [X^T diag(p (1 - p)) X]_jl,

a matrix that does not depend on ``y`` and is positive semi-definite; its inverse is the
classical covariance of the maximum-likelihood estimate.
"""

from __future__ import annotations

import sympy as sp

from sigmoid_neuron.derivations.domains import PROBABILITY, REAL
from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.notation import SEED_000, index
from sigmoid_neuron.derivations.steps import Derivation, make_derivation

__all__ = ["logistic_regression_hessian"]


def logistic_regression_hessian() -> Derivation:
    """d^2 L / d theta_j d theta_l = sum_i x_j^(i) sigma(z_i)(1 - sigma(z_i)) x_l^(i)."""
    theta = REAL.indexed("theta")
    x = REAL.indexed("x")
    y = PROBABILITY.indexed("y")
    p = PROBABILITY.indexed("p")
    i, k, m, n, j, l = (index(name) for name in "ikmnjl")
    z = sp.Sum(theta[k] * x[i, k], (k, 1, n))
    yi, xij, xil = y[i], x[i, j], x[i, l]
    d = sp.Derivative

    def total(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (i, 1, m))

    return make_derivation(
        "logistic_regression_hessian",
        "Hessian of the summed logistic cost: X^T diag(p (1 - p)) X, p = sigmoid(X theta)",
        f"beyond the notes: the second derivatives of {SEED_000}'s logistic cost "
        "(the observed information behind coef_table's standard errors)",
        [
            (
                d(total(sp.log(1 + sp.exp(-z)) + (1 - yi) * z), theta[j], theta[l]),
                "L(theta) = sum_i [log(1 + e^(-z_i)) + (1 - y_i) z_i], z_i = sum_k theta_k "
                "x_k^(i) (m times the cost of logistic_cost_simplification); differentiate "
                "w.r.t. theta_j, then theta_l",
            ),
            (
                d(total((sigmoid(z) - yi) * xij), theta[l]),
                "the first derivative is the gradient of logistic_regression_gradient (times m)",
            ),
            (
                total(d(sigmoid(z), theta[l]) * xij),
                "the derivative of a sum is the sum of the derivatives; y_i x_j^(i) does not "
                "depend on theta",
            ),
            (
                total(sigmoid(z) * (1 - sigmoid(z)) * d(z, theta[l]) * xij),
                "chain rule with sigmoid'(z) = sigmoid(z)(1 - sigmoid(z)) (sigmoid_derivative)",
            ),
            (
                total(sigmoid(z) * (1 - sigmoid(z)) * xil * xij),
                "only the k = l term of z_i depends on theta_l: dz_i/d theta_l = x_l^(i)",
            ),
            (
                total(xij * p[i] * (1 - p[i]) * xil),
                "the (j, l) entry of X^T D X with D = diag(p_i (1 - p_i)), p_i = sigmoid(z_i): "
                "no y left, and v^T X^T D X v = sum_i p_i (1 - p_i) (x^(i) . v)^2 >= 0",
            ),
        ],
        domains={"theta": REAL, "x": REAL, "y": PROBABILITY, "p": PROBABILITY},
        definitions={p[i]: sigmoid(z)},
        instances=[{m: 2, n: 2, j: 1, l: 2}, {m: 2, n: 2, j: 2, l: 2}],
    )
