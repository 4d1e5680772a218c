"""The proximal step of the update rules: its scale per rule, and that each rule with it
converges to scikit-learn's lasso (the same zeros, the same coefficients)."""

from __future__ import annotations

import numpy as np
import pytest
from l1_oracles import flat
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso

from sigmoid_neuron.objective import HalfSquaredError, make_objective
from sigmoid_neuron.optim.proximal import proximal_update, step_scale
from sigmoid_neuron.optim.rules import RULES, AdamState, GDState


def test_step_scale_per_rule() -> None:
    assert step_scale("gd", GDState(3)) == 1.0
    assert step_scale("sgd", GDState(3)) == 1.0
    # a steady gradient g builds the velocity v = g / (1 - beta), beta = 0.9 by default
    assert step_scale("momentum", None) == pytest.approx(10.0)
    assert step_scale("nesterov", None) == pytest.approx(10.0)
    nu = np.array([4.0, 0.0])
    state = AdamState(2, np.zeros(2), nu)
    expected = 1 / (np.sqrt(nu / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(step_scale("adam", state), expected, rtol=1e-15)
    with pytest.raises(ValueError, match="rule"):
        step_scale("lbfgs", None)
    with pytest.raises(TypeError, match="AdamState"):
        step_scale("adam", GDState(0))


def test_proximal_update_thresholds_by_rate_weight_and_scale() -> None:
    theta = np.array([0.5, -0.05, 0.2, -3.0])
    weights = np.array([0.1, 0.1, 0.0, 1.0])
    out = proximal_update(theta, weights, 0.5, "momentum", None)  # threshold 0.5 * 10 * w
    np.testing.assert_allclose(out, [0.0, 0.0, 0.2, 0.0])
    out = proximal_update(theta, weights, 0.5, "gd", GDState(1))
    np.testing.assert_allclose(out, [0.45, 0.0, 0.2, -2.5])


@pytest.mark.parametrize(
    ("rule", "rate", "steps"),
    [("gd", 0.5, 3000), ("momentum", 0.1, 3000), ("nesterov", 0.1, 3000), ("adam", 0.02, 20000)],
)
def test_each_rule_with_the_proximal_step_reaches_the_lasso(rule, rate, steps) -> None:
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    alpha = 0.05
    obj = make_objective(X, y, HalfSquaredError(), alpha=alpha, l1_ratio=1.0)
    update = RULES[rule](learning_rate=rate)
    theta = np.zeros(obj.n_params)
    state = update.init(theta)
    for _ in range(steps):
        _, g = obj.loss_gradient(theta)
        step, state = update.update(g, state, theta)
        theta = proximal_update(theta + step, obj.l1_weights, rate, rule, state)
    ref = Lasso(alpha=alpha, tol=1e-14, max_iter=10**6).fit(X, y)
    np.testing.assert_array_equal(theta[:10] == 0, ref.coef_ == 0)
    assert np.sum(ref.coef_ == 0) >= 3
    np.testing.assert_allclose(theta, flat(ref.coef_, ref.intercept_), atol=1e-5)
