"""LogisticRegression against scikit-learn's optimum and SciPy's log-sigmoid/log-softmax."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LogisticRegression
from sigmoid_neuron.objective import BinaryCrossEntropy, MultinomialCrossEntropy, make_objective
from sigmoid_neuron.training import DivergenceError

ALPHA = 1e-2


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    loader = {"breast_cancer": load_breast_cancer, "iris": load_iris}[name]
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


_REFERENCE: dict[str, Any] = {}


def _reference(name: str) -> tuple[Any, float, Any]:
    """scikit-learn's optimum for C = 1/(alpha n) and the objective J at it."""
    if name not in _REFERENCE:
        X, y = _data(name)
        ref = SkLogistic(C=1 / (ALPHA * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
        K = len(np.unique(y))
        loss = BinaryCrossEntropy() if K == 2 else MultinomialCrossEntropy()
        obj = make_objective(X, y if K == 2 else np.eye(K)[y], loss, alpha=ALPHA)
        _REFERENCE[name] = (ref, obj.loss(obj.pack(ref.coef_, ref.intercept_)), obj)
    return _REFERENCE[name]


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton"])
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_solvers_reach_sklearn_optimum(name: str, optimizer: str) -> None:
    X, y = _data(name)
    ref, _, _ = _reference(name)
    model = LogisticRegression(optimizer=optimizer, alpha=ALPHA, tol=1e-12).fit(X, y)
    assert model.coef_.shape == ref.coef_.shape and model.intercept_.shape == ref.intercept_.shape
    scale = np.max(np.abs(ref.coef_))
    assert np.max(np.abs(model.coef_ - ref.coef_)) / scale < 1e-4
    assert np.max(np.abs(model.intercept_ - ref.intercept_)) / scale < 1e-4


GD_SETTINGS = {
    "gd": {"learning_rate": 0.5, "max_epochs": 3000},
    "nesterov": {"learning_rate": 0.2, "max_epochs": 1000},
    "adam": {"learning_rate": 0.01, "max_epochs": 3000},
}


@pytest.mark.parametrize("optimizer", sorted(GD_SETTINGS))
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_full_batch_rules_reach_the_optimal_loss(name: str, optimizer: str) -> None:
    X, y = _data(name)
    _, best, obj = _reference(name)
    model = LogisticRegression(optimizer=optimizer, alpha=ALPHA, tol=None, **GD_SETTINGS[optimizer])
    model.fit(X, y)
    gap = obj.loss(obj.pack(model.coef_, model.intercept_)) - best
    assert -1e-12 < gap < 1e-6


SGD_SETTINGS = {"breast_cancer": (400, 32, 0.5), "iris": (1000, 50, 2.0)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_sgd_with_cosine_schedule_reaches_the_optimal_loss(name: str) -> None:
    X, y = _data(name)
    _, best, obj = _reference(name)
    epochs, batch, eta0 = SGD_SETTINGS[name]
    model = LogisticRegression(
        optimizer="sgd",
        alpha=ALPHA,
        batch_size=batch,
        max_epochs=epochs,
        tol=None,
        learning_rate="cosine",
        eta0=eta0,
        random_state=0,
    ).fit(X, y)
    gap = obj.loss(obj.pack(model.coef_, model.intercept_)) - best
    assert -1e-12 < gap < 1e-6


def test_sample_weights_match_sklearn_with_c_from_the_weight_sum() -> None:
    X, y = _data("breast_cancer")
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    ref = SkLogistic(C=1 / (ALPHA * sw.sum()), tol=1e-12, max_iter=10_000)
    ref.fit(X, y, sample_weight=sw)
    model = LogisticRegression(optimizer="newton", alpha=ALPHA, tol=1e-12).fit(X, y, sw)
    np.testing.assert_allclose(
        model.coef_, ref.coef_, rtol=1e-4, atol=1e-4 * np.abs(ref.coef_).max()
    )


def test_columns_of_wildly_different_sizes_reach_sklearns_optimum_without_a_warning() -> None:
    """Units from 1e-12 to 1e6 with a ridge penalty: in standardised coordinates the
    penalty's curvature ``alpha / c^2`` is ~1e22 on the tiniest column and ~0.25 on the
    intercept, a Hessian ill-conditioned only through the sizes of its diagonal (the
    Newton system must not drop the intercept's direction as flat). Oracle: scikit-learn's
    newton-cholesky with ``C = 1 / (alpha sum s)``."""
    rng = np.random.default_rng(3)
    n = 400
    X = rng.normal(size=(n, 4)) * [1e-12, 1e-7, 1.0, 1e6]
    y = (X[:, 0] * 1e12 + X[:, 2] + X[:, 3] * 1e-6 + rng.normal(size=n) > 0).astype(int)
    sw = rng.uniform(0.5, 2.0, n)
    ref = SkLogistic(C=1 / (0.01 * sw.sum()), solver="newton-cholesky", tol=1e-12, max_iter=1000)
    ref.fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(alpha=0.01).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-7)


@pytest.mark.parametrize("size", [1e-200, 1e-150, 1e150, 1e200])
def test_unpenalised_fit_is_invariant_to_the_units_of_the_columns(size: float) -> None:
    """Without a penalty the maximum-likelihood model does not depend on the features'
    units: columns multiplied by ``size`` (their squares overflow or underflow) give the
    same probabilities as the unit-scale fit, weighted, with no warning."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + X[:, 1] + rng.normal(size=300) > 0).astype(int)
    sw = rng.uniform(0.5, 2.0, 300)
    ref = SkLogistic(penalty=None, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(alpha=0.0).fit(X * size, y, sample_weight=sw)
    np.testing.assert_allclose(model.predict_proba(X * size), ref.predict_proba(X), atol=1e-7)
    np.testing.assert_allclose(model.coef_ * size, ref.coef_, rtol=1e-6)


def test_any_label_type_and_probabilities_from_logits() -> None:
    X, y = _data("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression(alpha=ALPHA).fit(X, labels)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    z = X @ model.coef_.T + model.intercept_
    np.testing.assert_allclose(model.decision_function(X), z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X), softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(model.predict_log_proba(X), log_softmax(z, axis=1), rtol=1e-12)
    assert set(model.predict(X)) <= set(labels)
    assert np.mean(model.predict(X) == labels) > 0.9


def test_log_proba_survives_probabilities_that_round_to_one() -> None:
    """With z = +-60, sigma(z) rounds to 1.0; log(1 - p) would be -inf, log_expit is exact."""
    model = LogisticRegression().fit([[-1.0], [1.0], [-2.0], [2.0]], [False, True, False, True])
    model.coef_ = np.array([[60.0]])
    model.intercept_ = np.array([0.0])
    X = np.array([[1.0], [-1.0]])
    log_p = model.predict_log_proba(X)
    z = np.array([60.0, -60.0])
    np.testing.assert_allclose(log_p, np.c_[log_expit(-z), log_expit(z)], rtol=1e-14)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], expit(z), rtol=1e-15)
    assert list(model.predict(X)) == [True, False]


def test_multinomial_intercepts_are_canonical_sum_zero() -> None:
    X, y = _data("iris")
    for optimizer in ("lbfgs", "newton"):
        model = LogisticRegression(optimizer=optimizer, alpha=ALPHA, tol=1e-10).fit(X, y)
        assert abs(model.intercept_.sum()) < 1e-12


def test_float32_input_keeps_float32_coefficients() -> None:
    X, y = _data("breast_cancer")
    model = LogisticRegression(alpha=ALPHA, tol=1e-6).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32 and model.intercept_.dtype == np.float32
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32
    ref, _, _ = _reference("breast_cancer")
    # float32 data: the optimum is resolved to about float32 precision
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=2e-4 * np.abs(ref.coef_).max())


def test_single_class_and_unknown_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit([[0.0], [1.0]], ["a", "a"])
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit([[0.0], [1.0]], [0.5, 1.5])
    model = LogisticRegression(optimizer="sgd")
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit([[0.0], [1.0]], [0, 1])
    model.partial_fit([[0.0], [1.0]], [0, 1], classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] not in classes_"):
        model.partial_fit([[0.0], [1.0]], [0, 2])


def test_partial_fit_continues_the_optimizer_state() -> None:
    """n full-batch adam partial_fit calls = one fit of n epochs, to the last bit."""
    X, y = _data("iris")
    params = {"optimizer": "adam", "learning_rate": 0.05, "alpha": ALPHA}
    fitted = LogisticRegression(max_epochs=7, tol=None, **params).fit(X, y)
    online = LogisticRegression(**params)
    for _ in range(7):
        online.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(online.coef_, fitted.coef_)
    assert online.n_iter_ == 7 and online.history_.loss == fitted.history_.loss
    assert not hasattr(LogisticRegression(), "partial_fit")  # lbfgs: no partial_fit


def test_validation_fraction_records_val_loss_and_stops_early() -> None:
    X, y = _data("breast_cancer")
    model = LogisticRegression(
        optimizer="gd", learning_rate=0.5, validation_fraction=0.2, random_state=0, tol=1e-5
    ).fit(X, y)
    assert len(model.history_.val_loss) == len(model.history_.loss) == model.n_iter_ < 1000
    assert min(model.history_.val_loss) < model.history_.val_loss[0]


def test_divergent_learning_rate_raises_with_a_hint() -> None:
    X, y = _data("breast_cancer")
    model = LogisticRegression(optimizer="gd", learning_rate=1e7, tol=None, max_epochs=20)
    with pytest.raises(DivergenceError, match="use a smaller learning_rate"):
        model.fit(X, y)
    assert np.isfinite(model.coef_).all()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="Input X contains"):
        LogisticRegression().fit([[0.0], [bad]], [0, 1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_anywhere_in_a_large_X_is_refused(bad: float, dtype: type) -> None:
    """The parallel finite check covers every chunk: one bad value in the last row."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60_000, 30)).astype(dtype)
    y = (X[:, 0] > 0).astype(int)
    X[-1, -1] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        LogisticRegression().fit(X, y)


def test_assume_finite_skips_the_finite_check() -> None:
    """scikit-learn's set_config(assume_finite=True) is honoured: no pass over X for it."""
    from sklearn import config_context

    from sigmoid_neuron.training import DivergenceError

    X = np.array([[0.0], [np.nan], [1.0], [2.0]])
    with config_context(assume_finite=True), pytest.raises(DivergenceError, match="not finite"):
        LogisticRegression().fit(X, [0, 1, 0, 1])


def _linearly_separable(X: np.ndarray, y: np.ndarray) -> bool:
    """Oracle: whether some ``(w, b)`` has ``(2 y_i - 1)(w . x_i + b) >= 1`` for every row,
    a feasibility linear program (SciPy's HiGHS) on the columns scaled to unit range."""
    from scipy.optimize import linprog

    Xs = (X - X.min(axis=0)) / np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1.0)
    s = 2.0 * y - 1.0
    A = -s[:, None] * np.c_[Xs, np.ones(len(y))]
    res = linprog(np.zeros(A.shape[1]), A_ub=A, b_ub=-np.ones(len(y)), bounds=(None, None))
    return bool(res.status == 0)


def _separation_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    X, y = load_breast_cancer(return_X_y=True)
    Xi, yi = load_iris(return_X_y=True)
    toy = np.array([[0.0], [1.0], [2.0], [3.0]])
    return [
        ("toy", toy, np.array([0, 0, 1, 1])),
        ("toy, overlapping", toy, np.array([0, 1, 0, 1])),
        ("breast cancer", X, y),
        ("iris setosa", Xi, (yi == 0).astype(int)),
        ("iris versicolor", Xi, (yi == 1).astype(int)),
    ]


@pytest.mark.parametrize("case", range(5))
@pytest.mark.parametrize("optimizer", ["auto", "lbfgs"])
def test_an_unpenalised_fit_warns_exactly_when_the_classes_are_separable(
    case: int, optimizer: str
) -> None:
    """With alpha=0 on separable classes the maximum-likelihood estimate does not exist
    (statsmodels warns of perfect separation); a SeparationWarning (a ConvergenceWarning)
    says so, and only then (a linear program decides separability)."""
    from sklearn.exceptions import ConvergenceWarning

    from sigmoid_neuron.estimators import SeparationWarning

    name, X, y = _separation_cases()[case]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticRegression(alpha=0.0, optimizer=optimizer, max_epochs=1000).fit(X, y)
    separated = [w for w in caught if issubclass(w.category, SeparationWarning)]
    assert bool(separated) == _linearly_separable(X, y), name
    assert all(issubclass(w.category, ConvergenceWarning) for w in separated)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        LogisticRegression(alpha=1e-3).fit(X, y)  # penalised: an optimum exists
