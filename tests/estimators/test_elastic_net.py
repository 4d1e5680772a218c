"""Elastic net and lasso through the estimators: l1_ratio and penalty_factor against
glum, scikit-learn's ElasticNet and saga, and the KKT conditions (finite differences of
an objective written out with SciPy); the proximal update rules and partial_fit; bad
input; parameters that clone, save and load."""

from __future__ import annotations

import numpy as np
import pytest
from glum import GeneralizedLinearRegressor
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import ElasticNet
from sklearn.utils.estimator_checks import parametrize_with_checks

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io.model_file import model_from_dict, model_to_dict


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


def _flat(model) -> np.ndarray:
    W = np.atleast_2d(np.asarray(model.coef_, float))
    b = np.atleast_1d(np.asarray(model.intercept_, float))
    return np.hstack([W, b[:, None]]).ravel()


def _objective(kind, X, Y, alpha, l1_ratio, f=None):
    """J(theta) of the flat [W | b], written out with SciPy (independent of the package)."""
    d = X.shape[1]
    f = np.ones(d) if f is None else np.asarray(f, float)

    def smooth(theta):
        M = theta.reshape(-1, d + 1)
        Z = X @ M[:, :d].T + M[:, d]
        if kind == "multinomial":
            losses = logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)
        elif kind == "binary":
            losses = np.logaddexp(0, Z[:, 0]) - Y * Z[:, 0]
        else:
            losses = 0.5 * (Z[:, 0] - Y) ** 2
        return np.mean(losses) + 0.5 * alpha * (1 - l1_ratio) * np.sum(f * M[:, :d] ** 2)

    def l1(theta):
        return alpha * l1_ratio * np.sum(f * np.abs(theta.reshape(-1, d + 1)[:, :d]))

    return smooth, l1


def _kkt(smooth, theta, d, lam, scales) -> float:
    """Largest KKT violation (per unit of column spread) with central differences."""
    g = np.empty_like(theta)
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        e = np.zeros_like(theta)
        e[j] = h
        g[j] = (smooth(theta + e) - smooth(theta - e)) / (2 * h)
    G, M = g.reshape(-1, d + 1), theta.reshape(-1, d + 1)
    worst = float(np.max(np.abs(G[:, d])))
    nz = M[:, :d] != 0
    viol = np.where(nz, np.abs(G[:, :d] + lam * np.sign(M[:, :d])), np.abs(G[:, :d]) - lam)
    return max(worst, float(np.max(viol / scales)))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_logistic_matches_glum_with_penalty_factors(l1_ratio: float) -> None:
    X, y = _cancer()
    f = np.linspace(0.0, 2.0, X.shape[1])
    model = LogisticRegression(alpha=0.01, l1_ratio=l1_ratio, penalty_factor=f, tol=1e-10)
    model.fit(X, y)
    assert model.solver_ == "prox_newton"
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.01, l1_ratio=l1_ratio, P1=f, P2=f, gradient_tol=1e-12
    ).fit(X, y.astype(float))
    smooth, l1 = _objective("binary", X, y, 0.01, l1_ratio, f)
    ours = _flat(model)
    ref = np.r_[glum.coef_, glum.intercept_]
    assert abs(smooth(ours) + l1(ours) - smooth(ref) - l1(ref)) <= 1e-7 * (smooth(ref) + l1(ref))
    np.testing.assert_array_equal(model.coef_[0] == 0, glum.coef_ == 0)
    assert np.sum(model.coef_ == 0) >= 5 and model.coef_[0, 0] != 0  # f_0 = 0: kept


def test_multinomial_lasso_satisfies_kkt_and_is_no_worse_than_saga() -> None:
    from sklearn.linear_model import LogisticRegression as SkLogistic

    X, labels = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    model = LogisticRegression(alpha=0.05, l1_ratio=1.0, tol=1e-10).fit(X, labels)
    assert model.coef_.shape == (3, 13) and np.sum(model.coef_ == 0) >= 10
    Y = np.eye(3)[labels]
    smooth, l1 = _objective("multinomial", X, Y, 0.05, 1.0)
    theta = _flat(model)
    assert _kkt(smooth, theta, 13, 0.05, np.ones(13)) < 1e-6
    saga = SkLogistic(C=1 / (0.05 * len(X)), l1_ratio=1.0, solver="saga", tol=1e-8, max_iter=10**4)
    saga.fit(X, labels)
    ref = _flat(saga)
    assert smooth(theta) + l1(theta) <= smooth(ref) + l1(ref) + 1e-9


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_linear_regression_matches_elastic_net_per_target(l1_ratio: float) -> None:
    X, y = load_diabetes(return_X_y=True)
    X = X * np.arange(1, 11) + 2.0
    Y = np.column_stack([y, np.sqrt(y) * 10])
    sw = np.random.default_rng(3).uniform(0.5, 2, len(y))
    model = LinearRegression(alpha=0.3, l1_ratio=l1_ratio, tol=1e-10)
    model.fit(X, Y, sample_weight=sw)
    assert model.solver_ == "prox_newton"
    for k in range(2):
        ref = ElasticNet(alpha=0.3, l1_ratio=l1_ratio, tol=1e-14, max_iter=10**6)
        ref.fit(X, Y[:, k], sample_weight=sw)
        np.testing.assert_array_equal(model.coef_[k] == 0, ref.coef_ == 0)
        np.testing.assert_allclose(model.coef_[k], ref.coef_, rtol=1e-6, atol=1e-6)
        assert model.intercept_[k] == pytest.approx(ref.intercept_, rel=1e-7)
    assert np.sum(model.coef_ == 0) >= 1


def test_ridge_with_penalty_factors_matches_glum_and_is_solved_by_newton() -> None:
    X, y = load_diabetes(return_X_y=True)
    f = np.r_[0.0, np.ones(4), np.full(5, 3.0)]
    model = LinearRegression(alpha=0.01, penalty_factor=f, tol=1e-10).fit(X, y)
    assert model.solver_ == "newton"  # least squares takes the plain ridge only
    glum = GeneralizedLinearRegressor(
        family="normal", alpha=0.01, l1_ratio=0.0, P2=f, gradient_tol=1e-12
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, glum.coef_, rtol=1e-6)
    with pytest.raises(ValueError, match=r"lstsq.*penalty_factor"):
        LinearRegression(alpha=0.01, penalty_factor=f, optimizer="lstsq").fit(X, y)


def test_sigmoid_neuron_with_soft_targets_matches_glum() -> None:
    X, y = _cancer()
    X = (X - X.mean(0)) / X.std(0)
    soft = np.clip(0.1 + 0.8 * y + np.random.default_rng(0).normal(0, 0.05, len(y)), 0, 1)
    model = SigmoidNeuron(alpha=0.02, l1_ratio=0.8, tol=1e-10).fit(X, soft)
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.02, l1_ratio=0.8, gradient_tol=1e-12
    ).fit(X, soft)
    np.testing.assert_array_equal(model.coef_ == 0, glum.coef_ == 0)
    np.testing.assert_allclose(model.coef_, glum.coef_, atol=1e-6)
    assert np.sum(model.coef_ == 0) >= 10


def test_auto_chooses_owlqn_for_a_non_convex_loss_and_wide_dense_problems() -> None:
    X, y = _cancer()
    X = (X - X.mean(0)) / X.std(0)
    soft = 0.1 + 0.8 * y
    model = SigmoidNeuron("squared_error", alpha=0.01, l1_ratio=1.0, tol=1e-8).fit(X, soft)
    assert model.solver_ == "owlqn"
    assert np.sum(model.coef_ == 0) >= 5

    def neuron_smooth(theta):
        z = X @ theta[:30] + theta[30]
        return np.mean(0.5 * (1 / (1 + np.exp(-z)) - soft) ** 2)

    lam = 0.01 * np.ones(30)
    assert _kkt(neuron_smooth, _flat(model), 30, lam, np.ones(30)) < 1e-6
    rng = np.random.default_rng(1)
    Xw = rng.normal(size=(2000, 1200))  # n p^2 + p^3 / 3 above auto.CHEAP_NEWTON
    yw = (Xw[:, :5].sum(1) + rng.normal(size=2000) > 0).astype(int)
    wide = LogisticRegression(alpha=0.02, l1_ratio=1.0, tol=1e-8).fit(Xw, yw)
    assert wide.solver_ == "owlqn"  # dense X: OWL-QN; CSR: working sets
    assert 1100 < np.sum(wide.coef_ == 0) < 1200
    assert np.all(wide.coef_[0, :5] > 0)


@pytest.mark.filterwarnings("ignore:Line search failed")  # glum's, on the raw columns
@pytest.mark.parametrize("optimizer", ["owlqn", "prox_newton", "working_set"])
def test_named_l1_solvers_agree_with_glum(optimizer: str) -> None:
    X, y = _cancer()
    model = LogisticRegression(optimizer=optimizer, alpha=0.03, l1_ratio=0.9, tol=1e-9)
    model.fit(X, y)
    assert model.solver_ == optimizer
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.03, l1_ratio=0.9, gradient_tol=1e-12
    ).fit(X, y.astype(float))
    np.testing.assert_array_equal(model.coef_[0] == 0, glum.coef_ == 0)
    smooth, l1 = _objective("binary", X, y, 0.03, 0.9)
    theta, ref = _flat(model), np.r_[glum.coef_, glum.intercept_]
    assert smooth(theta) + l1(theta) <= (smooth(ref) + l1(ref)) * (1 + 1e-7)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_update_rules_take_the_proximal_step(optimizer: str) -> None:
    X, y = _cancer()
    X = (X - X.mean(0)) / X.std(0)
    rate = {"gd": 1.0, "momentum": 0.1, "nesterov": 0.1, "adam": 0.01}[optimizer]
    model = LogisticRegression(
        optimizer=optimizer,
        learning_rate=rate,
        alpha=0.05,
        l1_ratio=1.0,
        max_epochs=3000,
        tol=None,
    ).fit(X, y)
    assert model.solver_ == optimizer
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.05, l1_ratio=1.0, gradient_tol=1e-12
    ).fit(X, y.astype(float))
    smooth, l1 = _objective("binary", X, y, 0.05, 1.0)
    theta, ref = _flat(model), np.r_[glum.coef_, glum.intercept_]
    J, J_ref = smooth(theta) + l1(theta), smooth(ref) + l1(ref)
    # the recorded loss is J with its L1 part (at the last epoch's start)
    assert model.history_.loss[-1] == pytest.approx(J, rel=1e-4)
    if optimizer == "adam":  # a constant rate: near the optimum, exact zeros on the way
        assert J <= J_ref * (1 + 1e-3) and np.sum(model.coef_ == 0) >= 20
        return
    np.testing.assert_array_equal(model.coef_[0] == 0, glum.coef_ == 0)
    np.testing.assert_allclose(model.coef_[0], glum.coef_, atol=1e-6)
    assert J <= J_ref * (1 + 1e-10)


def test_partial_fit_with_sgd_keeps_exact_zeros_and_approaches_the_optimum() -> None:
    X, y = _cancer()
    X = (X - X.mean(0)) / X.std(0)
    model = LogisticRegression(
        optimizer="sgd", learning_rate=0.05, alpha=0.05, l1_ratio=1.0, random_state=0
    )
    smooth, l1 = _objective("binary", X, y, 0.05, 1.0)
    best = LogisticRegression(alpha=0.05, l1_ratio=1.0, tol=1e-10).fit(X, y)
    J_best = smooth(_flat(best)) + l1(_flat(best))
    values = []
    for _ in range(30):
        model.partial_fit(X, y, classes=[0, 1])
        values.append(smooth(_flat(model)) + l1(_flat(model)))
    assert np.sum(model.coef_ == 0) >= 5  # exact zeros from the proximal step
    assert values[-1] < values[2] and values[-1] <= J_best * 1.05


@pytest.mark.parametrize("cls", [LogisticRegression, LinearRegression, SigmoidNeuron])
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"l1_ratio": -0.5}, "l1_ratio"),
        ({"penalty_factor": [1.0, -1.0, 1.0]}, "penalty_factor"),
        ({"penalty_factor": [1.0, 1.0]}, "penalty_factor"),
        ({"penalty_factor": [1.0, np.nan, 1.0]}, "penalty_factor"),
        ({"penalty_factor": "ones"}, "penalty_factor"),
    ],
)
def test_bad_penalty_parameters_name_the_argument(cls, params, match) -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=match):
        cls(**params).fit(X, y)


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton", "lstsq"])
def test_smooth_solvers_refuse_an_l1_penalty(optimizer: str) -> None:
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="L1 penalty"):
        LinearRegression(optimizer=optimizer, alpha=0.1, l1_ratio=0.5).fit(X, y)


def test_default_penalty_is_unchanged_bit_for_bit() -> None:
    X, y = _cancer()
    base = LogisticRegression(alpha=1e-3).fit(X, y)
    for kwargs in ({"l1_ratio": 0.0}, {"penalty_factor": np.ones(30)}):
        again = LogisticRegression(alpha=1e-3, **kwargs).fit(X, y)
        np.testing.assert_array_equal(again.coef_, base.coef_)
        np.testing.assert_array_equal(again.intercept_, base.intercept_)


def test_float32_input_keeps_float32_coefficients() -> None:
    X, y = _cancer()
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    model = LogisticRegression(alpha=0.05, l1_ratio=1.0).fit(X, y)
    assert model.coef_.dtype == np.float32 and np.sum(model.coef_ == 0) > 0


def test_parameters_clone_and_round_trip_through_a_model_file() -> None:
    X, y = _cancer()
    f = np.linspace(0.5, 1.5, 30)
    model = LogisticRegression(alpha=0.02, l1_ratio=0.7, penalty_factor=f)
    params = clone(model).get_params()
    assert params["l1_ratio"] == 0.7 and np.array_equal(params["penalty_factor"], f)
    model.fit(X, y)
    doc = model_to_dict(model)
    assert "params_not_saved" not in doc
    loaded = model_from_dict(doc)
    assert loaded.l1_ratio == 0.7
    np.testing.assert_array_equal(loaded.penalty_factor, f)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    refit = clone(loaded).fit(X, y)
    np.testing.assert_allclose(refit.coef_, model.coef_, rtol=1e-12, atol=1e-14)


def test_dask_input_gives_the_numpy_answer() -> None:
    da = pytest.importorskip("dask.array")
    X, y = _cancer()
    model = LogisticRegression(alpha=0.02, l1_ratio=0.6, tol=1e-10).fit(X, y)
    lazy = LogisticRegression(alpha=0.02, l1_ratio=0.6, tol=1e-10).fit(
        da.from_array(X, chunks=(200, 30)), da.from_array(y, chunks=200)
    )
    np.testing.assert_array_equal(lazy.coef_ == 0, model.coef_ == 0)
    np.testing.assert_allclose(lazy.coef_, model.coef_, rtol=1e-8, atol=1e-10)


@parametrize_with_checks(
    [
        LogisticRegression(alpha=0.01, l1_ratio=0.5),
        LinearRegression(alpha=0.01, l1_ratio=0.5, tol=1e-8),
    ]
)
def test_scikit_learn_checks_with_an_l1_penalty(estimator, check) -> None:
    check(estimator)


def test_auto_chooses_working_sets_for_wide_sparse_input_and_reaches_glum() -> None:
    import scipy.sparse

    rng = np.random.default_rng(11)
    X = scipy.sparse.random(4000, 3000, density=0.005, format="csr", random_state=11)
    w = np.zeros(3000)
    w[rng.choice(3000, 8, replace=False)] = rng.normal(scale=10.0, size=8)
    y = (rng.uniform(size=4000) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    model = LogisticRegression(alpha=0.002, l1_ratio=0.5, tol=1e-8).fit(X, y)
    assert model.solver_ == "working_set"
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=0.002, l1_ratio=0.5, gradient_tol=1e-12, max_iter=1000
    ).fit(X, y.astype(float))
    np.testing.assert_array_equal(model.coef_[0] == 0, glum.coef_ == 0)
    smooth, l1 = _objective("binary", X.toarray(), y, 0.002, 0.5)
    theta, ref = _flat(model), np.r_[glum.coef_, glum.intercept_]
    assert smooth(theta) + l1(theta) <= (smooth(ref) + l1(ref)) * (1 + 1e-7)
    assert 0 < np.count_nonzero(model.coef_) < 300
