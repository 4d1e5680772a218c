"""LinearRegression against scikit-learn's LinearRegression and Ridge(alpha = alpha * n)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression as SkLinear
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LinearRegression
from sigmoid_neuron.objective import HalfSquaredError, make_objective
from sigmoid_neuron.training import DivergenceError

ALPHA = 1e-2
X, Y_RAW = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
Y = (Y_RAW - Y_RAW.mean()) / Y_RAW.std()
N = len(Y)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton"])
def test_unpenalised_fit_matches_sklearn_on_raw_targets(optimizer: str) -> None:
    ref = SkLinear().fit(X, Y_RAW)
    model = LinearRegression(optimizer=optimizer, tol=1e-12).fit(X, Y_RAW)
    assert model.coef_.shape == ref.coef_.shape and np.ndim(model.intercept_) == 0
    assert _rel(model.coef_, ref.coef_) < 1e-4
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton"])
def test_penalised_fit_is_ridge_with_alpha_times_n(optimizer: str) -> None:
    ref = Ridge(alpha=ALPHA * N, tol=1e-12).fit(X, Y)
    model = LinearRegression(optimizer=optimizer, alpha=ALPHA, tol=1e-12).fit(X, Y)
    assert _rel(model.coef_, ref.coef_) < 1e-4
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-10)


def test_multi_output_matches_ridge() -> None:
    Y2 = np.c_[Y, X[:, 0] - 2 * X[:, 3]]
    ref = Ridge(alpha=ALPHA * N, tol=1e-12).fit(X, Y2)
    model = LinearRegression(alpha=ALPHA, tol=1e-12).fit(X, Y2)
    assert model.coef_.shape == (2, X.shape[1]) and model.intercept_.shape == (2,)
    assert _rel(model.coef_, ref.coef_) < 1e-4
    assert model.predict(X).shape == (N, 2)


def test_no_intercept_matches_sklearn() -> None:
    ref = SkLinear(fit_intercept=False).fit(X, Y)
    model = LinearRegression(fit_intercept=False, tol=1e-12).fit(X, Y)
    assert _rel(model.coef_, ref.coef_) < 1e-4 and model.intercept_ == 0.0


def _best() -> tuple[float, object]:
    ref = Ridge(alpha=ALPHA * N, tol=1e-12).fit(X, Y)
    obj = make_objective(X, Y, HalfSquaredError(), alpha=ALPHA)
    return obj.loss(obj.pack(ref.coef_, np.atleast_1d(ref.intercept_))), obj


@pytest.mark.parametrize(
    ("optimizer", "settings"),
    [
        ("gd", {"learning_rate": 0.4, "max_epochs": 4000}),
        ("momentum", {"learning_rate": 0.05, "max_epochs": 1500}),
        ("adam", {"learning_rate": 0.01, "max_epochs": 3000}),
    ],
)
def test_full_batch_rules_reach_the_optimal_loss(optimizer: str, settings: dict) -> None:
    best, obj = _best()
    model = LinearRegression(optimizer=optimizer, alpha=ALPHA, tol=None, **settings).fit(X, Y)
    gap = obj.loss(obj.pack(model.coef_, np.atleast_1d(model.intercept_))) - best  # type: ignore[attr-defined]
    assert -1e-12 < gap < 1e-6


@pytest.mark.slow
def test_sgd_with_cosine_schedule_reaches_the_optimal_loss() -> None:
    best, obj = _best()
    model = LinearRegression(
        optimizer="sgd",
        alpha=ALPHA,
        batch_size=32,
        max_epochs=500,
        tol=None,
        learning_rate="cosine",
        eta0=0.3,
        random_state=0,
    ).fit(X, Y)
    gap = obj.loss(obj.pack(model.coef_, np.atleast_1d(model.intercept_))) - best  # type: ignore[attr-defined]
    assert -1e-12 < gap < 1e-6


def test_warm_start_continues_gd_exactly() -> None:
    """gd is stateless: 5 epochs then 5 warm-started epochs = 10 epochs."""
    straight = LinearRegression(optimizer="gd", learning_rate=0.1, max_epochs=10, tol=None)
    straight.fit(X, Y)
    warm = LinearRegression(
        optimizer="gd", learning_rate=0.1, max_epochs=5, tol=None, warm_start=True
    )
    warm.fit(X, Y).fit(X, Y)
    np.testing.assert_allclose(warm.coef_, straight.coef_, rtol=1e-14, atol=1e-16)
    with pytest.raises(ValueError, match="cannot continue from the fitted coefficients"):
        warm.fit(X[:, :3], Y)


def test_divergent_learning_rate_raises_and_keeps_finite_parameters() -> None:
    model = LinearRegression(optimizer="gd", learning_rate=10.0, max_epochs=1000, tol=None)
    with pytest.raises(DivergenceError, match=r"smaller learning_rate.*try 1") as info:
        model.fit(X, Y)
    assert "diverged" in str(info.value)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.history_.loss).all()
    assert model.n_iter_ < 1000


def test_bad_input_errors() -> None:
    with pytest.raises(ValueError, match="Input y contains NaN"):
        LinearRegression().fit(X[:3], [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LinearRegression().fit(X[:3], [1.0, 2.0])
    with pytest.raises(ValueError, match="intercept_init must hold 1 value"):
        LinearRegression().fit(X, Y, intercept_init=[0.0, 1.0])
    with pytest.raises(ValueError, match="'alpha' parameter"):
        LinearRegression(alpha=-1.0).fit(X, Y)
    with pytest.raises(ValueError, match="'optimizer' parameter"):
        LinearRegression(optimizer="rmsprop").fit(X, Y)
