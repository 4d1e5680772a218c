"""optimizer="auto": which solver it picks, and that the defaults reach the optimum on
real and realistic data, checked against scikit-learn's Newton-Cholesky and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from sigmoid_neuron import LogisticRegression, SigmoidNeuron
from sigmoid_neuron.datasets import make_tabular
from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    make_objective,
)
from sigmoid_neuron.optim import auto


def _loss(X, y, coef, intercept, alpha):
    """J = mean log-loss + alpha/2 ||W||^2 in plain NumPy (binary or multinomial)."""
    Z = X @ np.atleast_2d(coef).T + intercept
    if Z.shape[1] == 1:
        z = Z[:, 0]
        pointwise = np.logaddexp(0, z) - y * z
    else:
        pointwise = np.logaddexp.reduce(Z, axis=1) - Z[np.arange(len(y)), y]
    return pointwise.mean() + 0.5 * alpha * np.sum(np.asarray(coef) ** 2)


def test_design_condition_is_that_of_the_correlation_matrix() -> None:
    X, y, _ = make_tabular(3000, n_numeric=5, levels=(), correlation=0.9, random_state=0)
    obj = make_objective(X, y.astype(float), BinaryCrossEntropy())
    assert auto.design_condition(obj) == pytest.approx(np.linalg.cond(np.corrcoef(X.T)), rel=1e-6)
    X1, y1, _ = make_tabular(3000, n_numeric=2, levels=(3,), random_state=0)
    one_hot_with_intercept = make_objective(X1, y1.astype(float), BinaryCrossEntropy())
    assert auto.design_condition(one_hot_with_intercept) == np.inf


@pytest.mark.parametrize("size", [1e200, 1e-200])
def test_design_condition_of_columns_of_extreme_size_without_warnings(size: float) -> None:
    """Correlations do not depend on the columns' units: a column times 1e+-200 (whose
    squares float64 cannot hold) gives NumPy's condition number of the unscaled ones."""
    X, y, _ = make_tabular(3000, n_numeric=5, levels=(), correlation=0.9, random_state=0)
    unit = np.array([1.0, size, 1.0, 1.0, 1.0])
    obj = make_objective(X * unit, y.astype(float), BinaryCrossEntropy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kappa = auto.design_condition(obj)
    assert kappa == pytest.approx(np.linalg.cond(np.corrcoef(X.T)), rel=1e-6)


def test_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 30))
    y = (X[:, 0] > 0).astype(float)
    assert auto.choose_solver(make_objective(X, y, HalfSquaredError())) == "lstsq"
    assert auto.choose_solver(make_objective(X, y, BinaryCrossEntropy())) == "newton"  # cheap
    monkeypatch.setattr(auto, "CHEAP_NEWTON", 1.0)  # as if n were huge
    assert auto.choose_solver(make_objective(X, y, BinaryCrossEntropy())) == "lbfgs"  # kappa ~ 1
    Xt, yt, _ = make_tabular(2000, random_state=1)
    assert (
        auto.choose_solver(make_objective(Xt, yt.astype(float), BinaryCrossEntropy())) == "newton"
    )
    monkeypatch.setattr(auto, "NEWTON_FLOPS", 1.0)
    assert auto.choose_solver(make_objective(Xt, yt.astype(float), BinaryCrossEntropy())) == "lbfgs"


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no RuntimeWarning
        return model.fit(X, y)


@pytest.mark.parametrize("seed", [0, 1])
def test_default_reaches_the_optimum_on_unscaled_one_hot_data(seed: int) -> None:
    """scikit-learn's lbfgs stops ~1e-3 above the optimum here; Newton-Cholesky with a
    tight tolerance is the oracle."""
    X, y, _ = make_tabular(20_000, random_state=seed)
    alpha = 1.0 / len(y)
    ref = SkLogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    ours = _fit_quietly(LogisticRegression(alpha=alpha), X, y)
    assert ours.solver_ == "newton"
    J_ref = _loss(X, y, ref.coef_[0], ref.intercept_[0], alpha)
    J = _loss(X, y, ours.coef_[0], ours.intercept_[0], alpha)
    assert J <= J_ref * (1 + 1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_default_multinomial_reaches_the_optimum_on_digits() -> None:
    """Near-separable, 10 classes, 640 weights: the gradient of J (written here in NumPy)
    vanishes at our answer, and its J is no higher than scikit-learn's Newton-Cholesky."""
    X, y = load_digits(return_X_y=True)
    n, alpha = len(y), 1.0 / len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10).fit(X, y)
    ours = _fit_quietly(LogisticRegression(alpha=alpha), X, y)
    Z = X @ ours.coef_.T + ours.intercept_
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    R = (P - np.eye(10)[y]) / n
    grad_w, grad_b = R.T @ X + alpha * ours.coef_, R.sum(axis=0)
    assert max(np.abs(grad_w).max(), np.abs(grad_b).max()) < 1e-7
    J_ref = _loss(X, y, ref.coef_, ref.intercept_, alpha)
    assert _loss(X, y, ours.coef_, ours.intercept_, alpha) <= J_ref * (1 + 1e-12)


@pytest.mark.parametrize("C", [100.0, 1000.0])
def test_default_multinomial_reaches_the_optimum_at_weak_penalties(C: float) -> None:
    """Digits at scikit-learn's C = 100 and 1000 (an everyday grid): the L-BFGS warm-up
    meets tol = 1e-4 while J is still 2.3 (5.5) times the optimum; Newton must finish the
    run. Oracle: scikit-learn's Newton-Cholesky at tol 1e-12."""
    X, y = load_digits(return_X_y=True)
    alpha = 1.0 / (C * len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500)
        ref.fit(X, y)
    ours = _fit_quietly(LogisticRegression(alpha=alpha), X, y)
    assert ours.solver_ == "lbfgs_newton"
    J_ref = _loss(X, y, ref.coef_, ref.intercept_, alpha)
    assert _loss(X, y, ours.coef_, ours.intercept_, alpha) <= J_ref * (1 + 1e-8)


@pytest.mark.parametrize("alpha", [1e-6, 1e-8])
def test_default_reaches_the_optimum_when_the_loss_is_far_below_one(alpha: float) -> None:
    """Digits 0 against 1 are separable: at alpha 1e-6 (1e-8) the optimum is J = 1.0e-6
    (1.7e-8), where tests absolute in J stopped 5e-5 (13%) above it. Oracle: scikit-learn's
    Newton-Cholesky at tol 1e-14."""
    X, y = load_digits(return_X_y=True)
    keep = y < 2
    X, y = X[keep], y[keep]
    ref = SkLogisticRegression(
        C=1.0 / (alpha * len(y)), solver="newton-cholesky", tol=1e-14, max_iter=1000
    ).fit(X, y)
    ours = _fit_quietly(LogisticRegression(alpha=alpha), X, y)
    assert ours.solver_ == "newton"
    J_ref = _loss(X, y, ref.coef_[0], ref.intercept_[0], alpha)
    assert _loss(X, y, ours.coef_[0], ours.intercept_[0], alpha) <= J_ref * (1 + 1e-8)


def test_sigmoid_neuron_squared_error_default_reaches_the_optimum_on_star98() -> None:
    """statsmodels' star98 pass rates (proportions, weighted by the number of pupils) under
    the notes' squared error on the sigmoid, a non-convex loss: the default is the damped
    Newton, at the optimum; L-BFGS stopped 2e-4 above it. Oracle: SciPy's BFGS (gradient
    by finite differences) at gtol 1e-12 on the standardised columns."""
    from scipy.optimize import minimize

    from sigmoid_neuron import SigmoidNeuron

    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.star98.load_pandas()
    X = data.exog.to_numpy(float)
    counts = data.endog.to_numpy(float)
    p, w = counts[:, 0] / counts.sum(axis=1), counts.sum(axis=1)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    Z = (X - mu) / sd

    def J(t: np.ndarray) -> float:
        q = 1.0 / (1.0 + np.exp(-(Z @ t[1:] + t[0])))
        return float(0.5 * np.sum(w * (q - p) ** 2) / w.sum())

    best = minimize(J, np.zeros(X.shape[1] + 1), method="BFGS", options={"gtol": 1e-12})
    model = SigmoidNeuron(loss="squared_error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, p, sample_weight=w)
    assert model.solver_ == "newton"
    ours = np.r_[model.intercept_ + mu @ model.coef_, model.coef_ * sd]
    assert J(ours) <= best.fun * (1 + 1e-8)


def test_default_matches_statsmodels_logit_on_unscaled_real_data() -> None:
    """Breast cancer, raw units (areas ~1e3 next to ratios ~1e-2), no penalty."""
    sm = pytest.importorskip("statsmodels.api")
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :10]  # mean features: not separable without penalty
    ref = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    ours = _fit_quietly(LogisticRegression(alpha=0.0), X, y)
    np.testing.assert_allclose(ours.intercept_[0], ref.params[0], rtol=1e-6)
    np.testing.assert_allclose(ours.coef_[0], ref.params[1:], rtol=1e-6)


def test_sigmoid_neuron_default_agrees_with_logistic_on_hard_labels() -> None:
    X, y, _ = make_tabular(5000, random_state=2)
    a = _fit_quietly(SigmoidNeuron(alpha=1e-4), X, y.astype(float))
    b = _fit_quietly(LogisticRegression(alpha=1e-4), X, y)
    np.testing.assert_allclose(a.predict(X), b.predict_proba(X)[:, 1], atol=1e-8)


def test_multinomial_probe_uses_features_not_parameters() -> None:
    X, y = load_digits(return_X_y=True)
    Y = (y[:, None] == np.arange(10)).astype(float)
    obj = make_objective(X, Y, MultinomialCrossEntropy(), alpha=1e-3)
    # 650 parameters, a cheap Newton, condition number ~150: L-BFGS iterations first
    assert obj.n_params >= auto.LBFGS_FIRST_FROM
    assert auto.design_condition(obj) <= auto.ILL_CONDITIONED
    assert auto.choose_solver(obj) == "lbfgs_newton"


def test_many_parameters_on_an_ill_conditioned_design_go_straight_to_newton() -> None:
    # one-hot blocks collinear with the intercept, 300+ parameters, a cheap Newton
    X, y, _ = make_tabular(4000, n_numeric=4, levels=(120, 100, 90), random_state=1)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-4)
    assert obj.n_params >= auto.LBFGS_FIRST_FROM
    assert auto.design_condition(obj) > auto.ILL_CONDITIONED
    assert auto.choose_solver(obj) == "newton"
    # and a ridge with per-feature factors is a quadratic: one Newton step, no warm-up
    lin = make_objective(
        X,
        X[:, 0],
        HalfSquaredError(),
        alpha=1e-2,
        penalty_factor=np.r_[0.5, np.ones(X.shape[1] - 1)],
    )
    assert auto.choose_solver(lin) == "newton"


def test_default_lbfgs_reaches_the_optimum_when_the_loss_is_far_below_one() -> None:
    """100,000 x 150 N(0, I) rows with a strong signal: auto picks L-BFGS (a Hessian pass
    is not cheap, the design well conditioned) and J is small (0.013): the absolute
    gradient test left J 9e-8 above the optimum; continued to max|grad| <= 3e-6 |J| it is
    within 1e-8. Oracle: scikit-learn's Newton-Cholesky at tol 1e-12."""
    rng = np.random.default_rng(0)
    n, d, alpha = 100_000, 150, 1e-7
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) * 100 / np.sqrt(d) + rng.logistic(size=n) > 0).astype(int)
    ours = _fit_quietly(LogisticRegression(alpha=alpha), X, y)
    assert ours.solver_ == "lbfgs"
    ref = SkLogisticRegression(C=1 / (alpha * n), solver="newton-cholesky", tol=1e-12)
    ref.fit(X, y)
    J_ref = _loss(X, y, ref.coef_[0], ref.intercept_[0], alpha)
    assert J_ref < 0.02
    assert _loss(X, y, ours.coef_[0], ours.intercept_[0], alpha) <= J_ref * (1 + 1e-8)
