"""Learning-rate schedules against hand-computed values and scikit-learn's SGD."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn.linear_model import SGDRegressor

from sigmoid_neuron.objective import HalfSquaredError, make_objective
from sigmoid_neuron.optim import (
    SCHEDULES,
    constant,
    cosine_decay,
    exponential_decay,
    gd,
    inverse_scaling,
    make_schedule,
    step_decay,
)


def test_constant():
    s = constant(0.25)
    assert [s(t) for t in (0, 1, 10_000)] == [0.25, 0.25, 0.25]


@pytest.mark.parametrize(
    ("eta0", "power_t", "t", "expected"),
    [
        (0.1, 0.5, 0, 0.1),  # 0.1 / 1^0.5
        (0.1, 0.5, 3, 0.05),  # 0.1 / 4^0.5
        (1.0, 0.25, 15, 0.5),  # 1 / 16^0.25
        (2.0, 1.0, 9, 0.2),  # 2 / 10
        (0.3, 0.0, 99, 0.3),  # power 0: constant
    ],
)
def test_inverse_scaling_hand_values(eta0, power_t, t, expected):
    assert inverse_scaling(eta0, power_t)(t) == pytest.approx(expected, rel=1e-15)


def test_inverse_scaling_default_power_is_a_quarter():
    assert inverse_scaling(1.0)(80) == pytest.approx(81 ** (-0.25), rel=1e-15)  # 1/3


@pytest.mark.parametrize(
    ("t", "staircase", "expected"),
    [
        (0, False, 1.0),
        (5, False, 1 / math.sqrt(2)),  # 0.5^(5/10)
        (10, False, 0.5),
        (30, False, 0.125),
        (5, True, 1.0),
        (15, True, 0.5),  # 0.5^floor(1.5)
        (29, True, 0.25),
    ],
)
def test_exponential_decay_hand_values(t, staircase, expected):
    s = exponential_decay(1.0, 0.5, 10, staircase=staircase)
    assert s(t) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("t", "expected"), [(0, 0.1), (9, 0.1), (10, 0.05), (25, 0.025)])
def test_step_decay_hand_values(t, expected):
    assert step_decay(0.1, drop=0.5, every=10)(t) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0, 1.0),
        (25, 0.5 * (1 + math.sqrt(0.5))),  # cos(pi/4) = sqrt(2)/2
        (50, 0.5),
        (100, 0.0),
        (150, 0.0),  # stays at final after T
    ],
)
def test_cosine_decay_hand_values(t, expected):
    assert cosine_decay(1.0, 100)(t) == pytest.approx(expected, rel=1e-15, abs=1e-16)


def test_cosine_decay_with_final_rate():
    s = cosine_decay(0.5, 10, final=0.1)
    assert s(0) == pytest.approx(0.5)
    assert s(5) == pytest.approx(0.3)  # midpoint of 0.5 and 0.1
    assert s(10) == pytest.approx(0.1)
    assert s(11) == pytest.approx(0.1)


def test_make_schedule():
    assert make_schedule(0.2)(7) == 0.2
    assert make_schedule("invscaling", 0.1, power_t=0.5)(3) == pytest.approx(0.05)
    assert make_schedule("cosine", 1.0, total_steps=100)(50) == pytest.approx(0.5)

    def custom(t):
        return 1.0 / (t + 2)

    assert make_schedule(custom) is custom
    assert set(SCHEDULES) >= {"constant", "invscaling", "exponential", "step", "cosine"}


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: make_schedule("adagrad"), ValueError, "adagrad"),
        (lambda: make_schedule(0.0), ValueError, "learning_rate"),
        (lambda: make_schedule(-1), ValueError, "learning_rate"),
        (lambda: make_schedule(math.nan), ValueError, "learning_rate"),
        (lambda: make_schedule(True), TypeError, "learning_rate"),
        (lambda: constant(0), ValueError, "eta"),
        (lambda: inverse_scaling(0.1, power_t=-1), ValueError, "power_t"),
        (lambda: inverse_scaling(math.inf), ValueError, "eta0"),
        (lambda: exponential_decay(0.1, 1.5, 10), ValueError, "rate"),
        (lambda: exponential_decay(0.1, 0.5, 0), ValueError, "steps"),
        (lambda: exponential_decay(0.1, 0.5, 2.5), TypeError, "steps"),
        (lambda: step_decay(0.1, drop=0.0), ValueError, "drop"),
        (lambda: step_decay(0.1, every=0), ValueError, "every"),
        (lambda: cosine_decay(0.1, 0), ValueError, "total_steps"),
        (lambda: cosine_decay(0.1, 10, final=0.2), ValueError, "final"),
        (lambda: constant(0.1)(-1), ValueError, "step t"),
    ],
)
def test_bad_arguments_name_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()


def test_inverse_scaling_with_per_row_gd_equals_sklearn_sgd():
    """scikit-learn's SGDRegressor (invscaling, no penalty, no shuffling) is plain per-row
    gradient descent of the half squared error with eta_t = eta0 / t^power_t, t = 1, 2, ...:
    the same as ``gd(inverse_scaling(eta0, power_t))`` with our 0-based step counter.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=20)
    eta0, power_t, epochs = 0.05, 0.4, 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=None with few epochs: a ConvergenceWarning
        sk = SGDRegressor(
            loss="squared_error",
            penalty=None,
            learning_rate="invscaling",
            eta0=eta0,
            power_t=power_t,
            max_iter=epochs,
            tol=None,
            shuffle=False,
            average=False,
        ).fit(X, y)

    rule = gd(inverse_scaling(eta0, power_t))
    theta = np.zeros(4)
    state = rule.init(theta)
    rows = [make_objective(X[i : i + 1], y[i : i + 1], HalfSquaredError()) for i in range(20)]
    for _ in range(epochs):
        for obj in rows:
            _, g = obj.loss_gradient(theta)
            step, state = rule.update(g, state, theta)
            theta = theta + step
    np.testing.assert_allclose(theta, np.r_[sk.coef_, sk.intercept_], rtol=1e-10)
