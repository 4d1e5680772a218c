"""The values and steps quoted in the course notes (/work/shared/seeds), checked.

Seed 000: "Differentiation of the Sigmoid activation and crossentropy loss function".
Seed 002: "Sigmoid Neuron and Cross-Entropy". Where a step is wrong the test says so
and checks the right version instead; everything is compared with an independent
oracle (SciPy, SymPy, plain-Python math, finite differences).
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest
import scipy.special as sc
import sympy
from numpy.testing import assert_allclose

from sigmoid_neuron.functional import (
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_derivative,
    check_gradient,
    sigmoid,
    sigmoid_derivative,
    squared_error,
    squared_error_derivative,
)

x_sym = sympy.symbols("x", real=True)
G = 1 / (1 + sympy.exp(-x_sym))


# --------------------------------------------------------------------------- seed 000: sigmoid


@pytest.mark.parametrize(
    ("z", "printed", "rounded"),
    [(-5.5, "0.0040", "0.0041"), (6.5, "0.9984", "0.9985"), (0.4, "0.5986", "0.5987")],
)
def test_printed_sigmoid_values_are_truncated_not_rounded(
    z: float, printed: str, rounded: str
) -> None:
    g = sigmoid(z)
    assert abs(g - sc.expit(z)) <= 1e-15
    exact = Decimal(float(g))
    assert exact.quantize(Decimal("0.0001"), rounding=ROUND_DOWN) == Decimal(printed)
    assert exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN) == Decimal(rounded)
    assert printed != rounded  # the notes' figures are not the rounded values


def test_sigmoid_true_values_quoted_in_the_brief() -> None:
    # 0.0040701..., 0.99849..., 0.59868...: leading digits of the true values
    for z, digits in [(-5.5, "0.0040701"), (6.5, "0.99849"), (0.4, "0.59868")]:
        places = Decimal(digits).as_tuple().exponent
        got = Decimal(float(sigmoid(z))).quantize(Decimal(1).scaleb(places), rounding=ROUND_DOWN)
        assert got == Decimal(digits)


def test_sigmoid_derivative_derivation_steps() -> None:
    d = sympy.diff(G, x_sym)
    # the notes' result g(x)(1 - g(x)) and the middle form e^{-x} / (1 + e^{-x})^2 are right
    assert sympy.simplify(d - G * (1 - G)) == 0
    assert sympy.simplify(d - sympy.exp(-x_sym) / (1 + sympy.exp(-x_sym)) ** 2) == 0
    # ...but the first step writes the denominator as (1 - e^{-x})^2: wrong
    notes_step = sympy.exp(-x_sym) / (1 - sympy.exp(-x_sym)) ** 2
    assert sympy.simplify(d - notes_step) != 0
    # and the step "1/(1+e^-x) * (1+e^-x)/(1+e^-x)" drops the "- 1/(1+e^-x)": it is just g
    dropped = 1 / (1 + sympy.exp(-x_sym)) * (1 + sympy.exp(-x_sym)) / (1 + sympy.exp(-x_sym))
    assert sympy.simplify(dropped - G) == 0 and sympy.simplify(dropped - d) != 0
    # numerically, our derivative equals the symbolic one
    f = sympy.lambdify(x_sym, d, "numpy")
    z = np.linspace(-20, 20, 41)
    assert_allclose(sigmoid_derivative(z), f(z), rtol=1e-13)


# --------------------------------------------------------------------------- seed 000: BCE


def test_bce_derivative_sign_error_in_seed_000() -> None:
    t, yh = sympy.symbols("t yhat", positive=True)
    e_b = -(t * sympy.log(yh) + (1 - t) * sympy.log(1 - yh))
    d = sympy.diff(e_b, yh)
    first_line = -(t / yh - (1 - t) / (1 - yh))  # right
    last_line = t / yh + (1 - t) / (1 - yh)  # the notes' "=": wrong
    assert sympy.simplify(d - first_line) == 0
    assert sympy.simplify(first_line - last_line) != 0
    assert sympy.simplify(d - (yh - t) / ((1 - yh) * yh)) == 0  # seed 002's form
    # the wrong line would say the loss grows with yhat even when yhat < t
    assert float(last_line.subs({t: 1, yh: sympy.Rational(1, 2)})) > 0
    assert float(d.subs({t: 1, yh: sympy.Rational(1, 2)})) == -2.0
    assert binary_cross_entropy_derivative(1.0, 0.5) == -2.0


def test_linear_regression_gradient_seed_000() -> None:
    # J = 1/(2m) sum (theta^T x - y)^2, dJ/dtheta_j = 1/m sum (h - y) x_j
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    y = rng.normal(size=12)
    theta = rng.normal(size=3)

    def cost(th: np.ndarray) -> float:
        return float(squared_error(y, x @ th))  # mean of the half squared error

    notes_grad = (x @ theta - y) @ x / len(y)
    chain = squared_error_derivative(y, x @ theta) @ x / len(y)
    assert_allclose(notes_grad, chain, rtol=1e-14)
    assert check_gradient(cost, theta, notes_grad) < 1e-7


def test_logistic_regression_simplified_cost_seed_000() -> None:
    # "Combine first and third terms": J = 1/m sum log(1 + e^{-z}) + (1 - y) z
    z, y = sympy.symbols("z y", real=True)
    original = -(
        y * sympy.log(1 / (1 + sympy.exp(-z))) + (1 - y) * sympy.log(1 - 1 / (1 + sympy.exp(-z)))
    )
    simplified = sympy.log(1 + sympy.exp(-z)) + (1 - y) * z
    for zv in (-3, -0.5, 0, 0.7, 4):
        for yv in (0, 0.25, 1):
            a = float(original.subs({z: zv, y: yv}))
            b = float(simplified.subs({z: zv, y: yv}))
            ours = float(binary_cross_entropy_with_logits(yv, zv))
            assert a == pytest.approx(b, rel=1e-12)
            assert ours == pytest.approx(b, rel=1e-12)
    # and its derivative in z is sigma(z) - y (the notes' final (h - y) x_j with x_j = 1)
    assert sympy.simplify(sympy.diff(simplified, z) - (1 / (1 + sympy.exp(-z)) - y)) == 0


def test_logistic_regression_gradient_seed_000() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(15, 2))
    y = rng.integers(0, 2, size=15).astype(float)
    theta = np.array([0.4, -1.3])

    def cost(th: np.ndarray) -> float:
        return float(binary_cross_entropy_with_logits(y, x @ th))

    h = sc.expit(x @ theta)
    notes_grad = (h - y) @ x / len(y)
    assert check_gradient(cost, theta, notes_grad) < 1e-7
    assert_allclose(
        binary_cross_entropy_with_logits_derivative(y, x @ theta) @ x / len(y), notes_grad
    )


# --------------------------------------------------------------------------- seed 002


def test_seed_002_loss_examples() -> None:
    # y = 1, yhat = 0.7: -log 0.7;  y = 0, yhat = 0.2: -log(1 - 0.2) = -log 0.8
    assert binary_cross_entropy(1, 0.7) == pytest.approx(-math.log(0.7), rel=1e-15)
    assert binary_cross_entropy(0, 0.2) == pytest.approx(-math.log(0.8), rel=1e-15)


def test_seed_002_derivative_chain() -> None:
    # dL/dyhat = (yhat - y) / ((1 - yhat) yhat), dyhat/dw = yhat (1 - yhat) x,
    # so dL/dw = (yhat - y) x
    w, b = 0.8, -0.3
    for x, y in [(1.2, 0), (-2.1, 1), (3.2, 0), (-0.5, 1), (0.6, 1)]:  # the five-point table
        yhat = float(sigmoid(w * x + b))
        dl_dyhat = binary_cross_entropy_derivative(y, yhat)
        dyhat_dw = sigmoid_derivative(w * x + b) * x
        assert dl_dyhat == pytest.approx((yhat - y) / ((1 - yhat) * yhat), rel=1e-14)
        assert dl_dyhat * dyhat_dw == pytest.approx((yhat - y) * x, rel=1e-12)


def _f(w: float, b: float, x: float) -> float:
    return 1.0 / (1.0 + math.exp(-(w * x + b)))


def test_seed_002_five_point_table_loss() -> None:
    xs = [1.2, -2.1, 3.2, -0.5, 0.6]
    ys = [0, 1, 0, 1, 1]
    for w, b in [(-2.0, -2.0), (0.5, 0.1), (-1.0, 0.7)]:
        # the notes' sum: L = -sum((1 - y) log(1 - yhat) + y log yhat), in plain Python
        expected = -sum(
            (1 - y) * math.log(1 - _f(w, b, x)) + y * math.log(_f(w, b, x))
            for x, y in zip(xs, ys, strict=True)
        )
        z = w * np.array(xs) + b
        assert binary_cross_entropy_with_logits(ys, z, reduction="sum") == pytest.approx(
            expected, rel=1e-13
        )
        assert binary_cross_entropy(ys, sigmoid(z), reduction="sum") == pytest.approx(
            expected, rel=1e-13
        )


def test_seed_002_toy_code_gradients_and_errors() -> None:
    # X = [0.5, 2.5], Y = [0.2, 0.9]  (the notes define lowercase x, y but use X, Y)
    X, Y = [0.5, 2.5], [0.2, 0.9]

    def error_squared(w: float, b: float) -> float:
        return sum(0.5 * (_f(w, b, x) - y) ** 2 for x, y in zip(X, Y, strict=True))

    def error_ce(w: float, b: float) -> float:  # the notes' -[...] fixed to -(...)
        return sum(
            -((1 - y) * math.log(1 - _f(w, b, x)) + y * math.log(_f(w, b, x)))
            for x, y in zip(X, Y, strict=True)
        )

    x, y = np.array(X), np.array(Y)
    for w, b in [(-2.0, -2.0), (0.3, 0.4)]:
        z = w * x + b
        fx = sigmoid(z)
        assert squared_error(y, fx, reduction="sum") == pytest.approx(
            error_squared(w, b), rel=1e-14
        )
        assert binary_cross_entropy_with_logits(y, z, reduction="sum") == pytest.approx(
            error_ce(w, b), rel=1e-13
        )
        # squared error: grad_b = (fx - y) fx (1 - fx), grad_w = grad_b * x
        gb_sq = squared_error_derivative(y, fx) * sigmoid_derivative(z)
        assert_allclose(gb_sq, (fx - y) * fx * (1 - fx), rtol=1e-13)
        # cross-entropy: grad_b = fx - y, grad_w = (fx - y) x
        gb_ce = binary_cross_entropy_with_logits_derivative(y, z)
        assert_allclose(gb_ce, fx - y, rtol=1e-13, atol=1e-16)
        # and they are the gradients of the notes' (summed) error functions
        h = 1e-6
        db_sq = (error_squared(w, b + h) - error_squared(w, b - h)) / (2 * h)
        dw_ce = (error_ce(w + h, b) - error_ce(w - h, b)) / (2 * h)
        assert gb_sq.sum() == pytest.approx(db_sq, rel=1e-6)
        assert (gb_ce * x).sum() == pytest.approx(dw_ce, rel=1e-6)


def test_seed_002_code_line_is_not_python() -> None:
    # err += -[(1 - y) * math.log(1 - fx) + y * math.log(fx)]  negates a *list*
    line = "-[(1 - y) * math.log(1 - fx) + y * math.log(fx)]"
    with pytest.raises(TypeError, match="bad operand type for unary -"):
        eval(line, {"math": math, "y": 0.2, "fx": 0.5})
    # and math.log(1 - fx) fails once fx rounds to 1; the logit form does not
    with pytest.raises(ValueError, match="math domain error"):
        eval("math.log(1 - fx)", {"math": math, "fx": _f(1.0, 0.0, 40.0)})
    assert binary_cross_entropy_with_logits(0.0, 40.0) == pytest.approx(40.0, rel=1e-15)
