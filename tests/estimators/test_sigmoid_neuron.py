"""SigmoidNeuron against the notes' own loop, SciPy/mpmath values and scikit-learn."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import SigmoidNeuron
from sigmoid_neuron.training import DivergenceError

# --------------------------------------------------------------------------- the notes
# Seed 002's code, transcribed with its bugs fixed: the cross-entropy error used
# ``err += -[...]`` (negating a list) and ``math.log(1 - fx)`` of a rounded fx.

NOTES_X = [0.5, 2.5]
NOTES_Y = [0.2, 0.9]


def notes_f(w: float, b: float, x: float) -> float:
    return 1.0 / (1.0 + math.exp(-(w * x + b)))


def notes_error(w: float, b: float, X: list[float], Y: list[float], loss: str) -> float:
    err = 0.0
    for x, y in zip(X, Y, strict=True):
        fx = notes_f(w, b, x)
        if loss == "squared_error":
            err += 0.5 * (fx - y) ** 2
        else:
            err += -((1 - y) * math.log(1 - fx) + y * math.log(fx))
    return err


def notes_grad_w(w: float, b: float, x: float, y: float, loss: str) -> float:
    fx = notes_f(w, b, x)
    if loss == "squared_error":
        return (fx - y) * fx * (1 - fx) * x
    return (fx - y) * x


def notes_grad_b(w: float, b: float, x: float, y: float, loss: str) -> float:
    fx = notes_f(w, b, x)
    if loss == "squared_error":
        return (fx - y) * fx * (1 - fx)
    return fx - y


def notes_gradient_descent(loss: str, max_epochs: int = 1000) -> tuple[float, float]:
    w, b, eta = -2.0, -2.0, 1.0
    for _ in range(max_epochs):
        dw, db = 0.0, 0.0
        for x, y in zip(NOTES_X, NOTES_Y, strict=True):
            dw += notes_grad_w(w, b, x, y, loss)
            db += notes_grad_b(w, b, x, y, loss)
        w = w - eta * dw
        b = b - eta * db
    return w, b


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_reproduces_the_notes_gradient_descent(loss: str) -> None:
    """Mean objective with rate n * eta = 2 is the notes' summed loop with eta = 1."""
    w, b = notes_gradient_descent(loss)
    X = np.array(NOTES_X)[:, None]
    neuron = SigmoidNeuron(loss=loss, optimizer="gd", learning_rate=2.0, max_epochs=1000, tol=None)
    neuron.fit(X, NOTES_Y, coef_init=[-2.0], intercept_init=-2.0)
    assert neuron.n_iter_ == 1000
    assert len(neuron.history_.loss) == 1000
    assert neuron.coef_[0] == pytest.approx(w, abs=1e-12)
    assert neuron.intercept_ == pytest.approx(b, abs=1e-12)
    # loss[0] is J at the start: the notes' summed error divided by n = 2
    assert neuron.history_.loss[0] == pytest.approx(
        notes_error(-2.0, -2.0, NOTES_X, NOTES_Y, loss) / 2, rel=1e-14
    )
    np.testing.assert_allclose(neuron.predict(X), expit(w * X[:, 0] + b), rtol=1e-12)


def test_notes_crash_case_gives_a_finite_loss() -> None:
    """At w = 1, b = 0 the third point has z = 40: sigma rounds to 1.0 and the notes'
    ``math.log(1 - fx)`` fails; the objective on the logit stays finite and exact."""
    X, y = [0.5, 2.5, 40.0], [0.2, 0.9, 0.0]
    with pytest.raises(ValueError, match="math domain error"):
        notes_error(1.0, 0.0, X, y, "cross_entropy")
    neuron = SigmoidNeuron(optimizer="gd", learning_rate=0.01, max_epochs=3, tol=None)
    neuron.fit(np.array(X)[:, None], y, coef_init=[1.0], intercept_init=0.0)
    mpmath.mp.dps = 50
    exact = sum(
        mpmath.log1p(mpmath.exp(xi)) - yi * xi  # softplus(z) - y z at z = x (w=1, b=0)
        for xi, yi in zip(X, y, strict=True)
    ) / len(X)
    assert np.isfinite(neuron.history_.loss).all()
    assert neuron.history_.loss[0] == pytest.approx(float(exact), rel=1e-14)
    assert np.isfinite(neuron.coef_).all()


def test_soft_targets_reach_the_exact_fit() -> None:
    """Two points, two parameters: cross-entropy is minimised where sigma(w x + b) = y."""
    X = np.array(NOTES_X)[:, None]
    neuron = SigmoidNeuron(tol=1e-12).fit(X, NOTES_Y)
    np.testing.assert_allclose(neuron.predict(X), NOTES_Y, atol=1e-9)
    logit = np.log(np.array(NOTES_Y) / (1 - np.array(NOTES_Y)))
    w = (logit[1] - logit[0]) / (NOTES_X[1] - NOTES_X[0])
    assert neuron.coef_[0] == pytest.approx(w, rel=1e-7)
    assert neuron.intercept_ == pytest.approx(logit[0] - w * NOTES_X[0], rel=1e-7)


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton"])
def test_cross_entropy_with_hard_targets_is_logistic_regression(optimizer: str) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 1e-2
    ref = SkLogistic(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    neuron = SigmoidNeuron(optimizer=optimizer, alpha=alpha, tol=1e-12).fit(X, y)
    assert neuron.coef_.shape == (X.shape[1],)
    rel = np.max(np.abs(neuron.coef_ - ref.coef_[0])) / np.max(np.abs(ref.coef_))
    assert rel < 1e-4
    assert neuron.intercept_ == pytest.approx(ref.intercept_[0], rel=1e-4)
    np.testing.assert_allclose(neuron.predict(X), ref.predict_proba(X)[:, 1], atol=1e-5)


@pytest.mark.parametrize("y", [[0.2, 1.5], [-0.1, 0.5], [0.0, 2.0]])
def test_targets_outside_unit_interval_are_refused(y: list[float]) -> None:
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\].*LinearRegression"):
        SigmoidNeuron().fit([[0.0], [1.0]], y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="Input X contains"):
        SigmoidNeuron().fit([[0.0], [bad]], [0.0, 1.0])


def test_wrong_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SigmoidNeuron().fit([[0.0], [1.0]], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="coef_init must hold 1 values"):
        SigmoidNeuron().fit([[0.0], [1.0]], [0.0, 1.0], coef_init=[1.0, 2.0])
    neuron = SigmoidNeuron().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="features"):
        neuron.predict([[0.0, 1.0]])


def test_float32_in_float32_out() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = expit(X @ np.array([1.0, -2.0, 0.5]) + 0.3)
    neuron = SigmoidNeuron(tol=1e-6).fit(X, y)
    assert neuron.coef_.dtype == np.float32
    assert neuron.predict(X).dtype == np.float32
    np.testing.assert_allclose(neuron.coef_, [1.0, -2.0, 0.5], atol=1e-3)
    assert neuron.intercept_ == pytest.approx(0.3, abs=1e-3)


def test_divergent_learning_rate_raises_and_keeps_finite_parameters() -> None:
    X = np.array([[0.5], [2.5], [3.0], [-1.0]])
    y = [0.2, 0.9, 1.0, 0.0]
    neuron = SigmoidNeuron(optimizer="gd", learning_rate=1e6, max_epochs=50, tol=None)
    with pytest.raises(DivergenceError, match="smaller learning_rate") as info:
        neuron.fit(X, y)
    assert isinstance(info.value, ValueError)
    assert np.isfinite(neuron.coef_).all() and np.isfinite(neuron.intercept_)
    # the kept parameters are the last ones whose loss was evaluated finite and in bounds
    z = neuron.predict_logit(X)
    kept_loss = np.mean(np.logaddexp(0, z) - np.array(y) * z)
    assert np.isfinite(kept_loss) and kept_loss < 1e4


def test_predict_logit_and_predict_agree_with_scipy() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2)) * 30  # large logits: predictions saturate, never NaN
    y = rng.uniform(size=40)
    neuron = SigmoidNeuron(max_epochs=20).fit(X, y, coef_init=[5.0, -5.0])
    z = X @ neuron.coef_ + neuron.intercept_
    np.testing.assert_allclose(neuron.predict_logit(X), z, rtol=1e-12)
    np.testing.assert_allclose(neuron.predict(X), expit(z), rtol=1e-12)
