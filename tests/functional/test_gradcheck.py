"""check_gradient: passes correct derivatives, fails wrong ones, on every function."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc

from sigmoid_neuron.functional import (
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_derivative,
    check_gradient,
    cross_entropy,
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

RNG = np.random.default_rng(0)
Z = RNG.normal(scale=4, size=30)
Y = RNG.uniform(size=30)
P = RNG.uniform(0.02, 0.98, size=30)

CORRECT = {
    "sigmoid": (sigmoid, Z, sigmoid_derivative),
    "log_sigmoid": (log_sigmoid, Z, lambda z: sc.expit(-z)),
    "softplus": (softplus, Z, sc.expit),
    "squared_error": (
        lambda p: squared_error(Y, p, reduction="none"),
        P,
        lambda p: squared_error_derivative(Y, p),
    ),
    "squared_error_mean": (
        lambda p: squared_error(Y, p),
        P,
        lambda p: squared_error_derivative(Y, p) / p.size,
    ),
    "bce": (
        lambda p: binary_cross_entropy(Y, p, reduction="none"),
        P,
        lambda p: binary_cross_entropy_derivative(Y, p),
    ),
    "bce_sum": (
        lambda p: binary_cross_entropy(Y, p, reduction="sum"),
        P,
        lambda p: binary_cross_entropy_derivative(Y, p),
    ),
    "bce_logits": (
        lambda z: binary_cross_entropy_with_logits(Y, z, reduction="none"),
        Z,
        lambda z: binary_cross_entropy_with_logits_derivative(Y, z),
    ),
    # entropy of softmax(z): dH/dz_j = -s_j (log s_j + H)
    "entropy_of_softmax": (
        lambda z: entropy(softmax(z)),
        Z[:6],
        lambda z: -softmax(z) * (log_softmax(z) + entropy(softmax(z))),
    ),
    # cross-entropy / KL of a fixed p against softmax(z): gradient softmax(z) - p
    "cross_entropy_of_softmax": (
        lambda z: cross_entropy(P[:6] / P[:6].sum(), softmax(z)),
        Z[:6],
        lambda z: softmax(z) - P[:6] / P[:6].sum(),
    ),
    "kl_of_softmax": (
        lambda z: kl_divergence(P[:6] / P[:6].sum(), softmax(z)),
        Z[:6],
        lambda z: softmax(z) - P[:6] / P[:6].sum(),
    ),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_derivatives_pass(name: str) -> None:
    f, x, grad = CORRECT[name]
    assert check_gradient(f, x, grad) < 1e-5


def notes_bce_derivative(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return y / p + (1 - y) / (1 - p)  # seed 000's last line (sign error)


def notes_sigmoid_intermediate(z: np.ndarray) -> np.ndarray:
    return np.exp(-z) / (1 - np.exp(-z)) ** 2  # seed 000's first step (1 - e^{-x})


WRONG = {
    "notes_bce_sign": (
        lambda p: binary_cross_entropy(Y, p, reduction="none"),
        P,
        lambda p: notes_bce_derivative(Y, p),
    ),
    "notes_sigmoid_denominator": (sigmoid, np.linspace(0.5, 4, 8), notes_sigmoid_intermediate),
    "missing_mean_factor": (
        lambda p: squared_error(Y, p),
        P,
        lambda p: squared_error_derivative(Y, p),
    ),
    "bce_logits_sign": (
        lambda z: binary_cross_entropy_with_logits(Y, z, reduction="none"),
        Z,
        lambda z: Y - sc.expit(z),
    ),
    "off_by_one_percent": (sigmoid, Z, lambda z: 1.01 * sigmoid_derivative(z)),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_derivatives_fail(name: str) -> None:
    f, x, grad = WRONG[name]
    assert check_gradient(f, x, grad) > 5e-3


def test_reports_the_size_of_a_small_relative_error() -> None:
    z = np.linspace(-2, 2, 9)
    err = check_gradient(sigmoid, z, lambda t: (1 + 1e-4) * sigmoid_derivative(t))
    assert err == pytest.approx(1e-4, rel=1e-3)


def test_value_and_gradient_pair_and_array_grad() -> None:
    a = np.array([[2.0, 0.5], [0.5, 1.0]])

    def quad(x: np.ndarray) -> tuple[float, np.ndarray]:
        return 0.5 * x @ a @ x, a @ x

    x = np.array([0.3, -1.2])
    assert check_gradient(quad, x) < 1e-8
    assert check_gradient(lambda v: quad(v)[0], x, a @ x) < 1e-8
    assert check_gradient(lambda v: quad(v)[0], x, np.array([1.0, 1.0])) > 0.1
    # scalar x, scalar f: both readings agree
    assert check_gradient(lambda t: t**3, 2.0, lambda t: 3 * t**2) < 1e-8
    assert check_gradient(lambda t: t**3, np.float64(2.0), 12.0) < 1e-8


def test_independent_inline_difference_agrees_with_check_gradient() -> None:
    # check_gradient's quotient, rebuilt by hand for the scalar-valued BCE sum
    f = lambda p: float(binary_cross_entropy(Y, p, reduction="sum"))  # noqa: E731
    a = binary_cross_entropy_derivative(Y, P)
    h = 1e-6
    numeric = np.array([(f(P + h * e) - f(P - h * e)) / (2 * h) for e in np.eye(P.size)])
    np.testing.assert_allclose(a, numeric, rtol=1e-6)
    assert check_gradient(f, P, a) < 1e-6


def test_tiny_derivatives_are_judged_on_the_function_scale() -> None:
    # sigma'(40) = 4e-18: sigma(40 +- h) both round to 1.0, the difference quotient is 0
    assert check_gradient(sigmoid, np.array([40.0, 300.0]), sigmoid_derivative) < 1e-10
    # an exactly-zero gradient at a minimum
    assert check_gradient(lambda p: squared_error(0.3, p), 0.3, 0.0) < 1e-8


def test_float32_uses_a_coarser_step() -> None:
    z = np.linspace(-5, 5, 11, dtype=np.float32)
    assert check_gradient(sigmoid, z, sigmoid_derivative) < 1e-2
    assert check_gradient(sigmoid, z, lambda t: 1.1 * sigmoid_derivative(t)) > 5e-2


def test_custom_eps_and_non_finite_results() -> None:
    z = np.linspace(-3, 3, 7)
    assert check_gradient(sigmoid, z, sigmoid_derivative, eps=1e-4) < 1e-6
    assert check_gradient(sigmoid, z, lambda t: np.full_like(t, np.nan)) == np.inf
    # both infinite and equal: agreement
    assert (
        check_gradient(lambda t: np.where(t > 0, np.inf, 0.0), np.array([0.0]), np.array([np.inf]))
        == 0.0
    )
    assert check_gradient(np.sin, np.zeros(0), np.zeros(0)) == 0.0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="eps must be a positive"):
        check_gradient(sigmoid, 0.0, sigmoid_derivative, eps=0.0)
    with pytest.raises(ValueError, match="x must be finite"):
        check_gradient(sigmoid, [np.nan], sigmoid_derivative)
    with pytest.raises(ValueError, match="analytic gradient must have x's shape"):
        check_gradient(sigmoid, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"f\(x\) must be a scalar"):
        check_gradient(lambda x: np.zeros(2), np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match=r"f\(x\) must return a pair"):
        check_gradient(sigmoid, np.zeros(3))
    with pytest.raises(TypeError, match="x must be numeric"):
        check_gradient(sigmoid, "abc", sigmoid_derivative)
    with pytest.raises(TypeError, match="f must return numbers"):
        check_gradient(lambda x: "a", 1.0, 1.0)
