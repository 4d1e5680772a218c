"""The covariance against statsmodels (Logit, MNLogit, OLS, GLM), on real data sets.

Oracles, all independent of our code:

- statsmodels' ``Logit``, ``MNLogit``, ``OLS`` and ``GLM`` (Binomial; Gaussian with the
  logit link, fitted by Newton so that it reports the observed information), with
  ``cov_type`` nonrobust, ``"HC0"`` and ``"cluster"``, on spector, anes96, longley,
  grunfeld, star98 (statsmodels) and breast cancer, diabetes (scikit-learn);
- weights are frequencies: statsmodels on the data set with row ``i`` repeated ``s_i``
  times, and GLM's ``freq_weights`` (classical and HC0; its cluster correction counts
  rows, not observations, so there the expanded data is the oracle);
- penalised fits: the Hessian of the summed objective by central differences of a
  gradient written out in the test (NumPy and SciPy's ``expit``/``softmax``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from inference_data import (
    TIGHT,
    anes96,
    assert_agrees,
    breast_cancer,
    counts,
    diabetes,
    fitted_linear,
    fitted_logistic,
    fitted_neuron,
    groups,
    grunfeld,
    longley,
    sm,
    spector,
    star98,
)
from scipy.special import expit, softmax

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron

COV_TYPES = ["nonrobust", "HC0", "cluster"]
LOGISTIC_DATA = {"spector": spector, "breast_cancer": breast_cancer}
LINEAR_DATA = {"diabetes": diabetes, "longley": longley}


def _ours(model, X, y, cov_type, w=None, g=None):
    return model.coef_table(
        X,
        y,
        sample_weight=w,
        robust=cov_type == "HC0",
        clusters=g if cov_type == "cluster" else None,
    )


def _sm_fit(model, cov_type, g=None, **fit):
    kwds = {"cov_kwds": {"groups": g}} if cov_type == "cluster" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own FutureWarnings
        return model.fit(cov_type=cov_type, **kwds, **fit)


def _with_constant(X):
    return sm.add_constant(np.asarray(X, dtype=float), prepend=False, has_constant="add")


# ---------------------------------------------------------------------- binary logistic


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("name", sorted(LOGISTIC_DATA))
def test_binary_logistic_matches_statsmodels_logit(name, cov_type):
    X, y = LOGISTIC_DATA[name]()
    g = groups(len(y))
    res = _sm_fit(sm.Logit(y, _with_constant(X)), cov_type, g, method="newton", tol=1e-12, disp=0)
    table = _ours(fitted_logistic(name), X, y, cov_type, g=g)
    assert list(table.columns) == ["coef", "se", "z", "p_value", "ci_lower", "ci_upper"]
    assert_agrees(table, res.bse, res.pvalues, res.params)
    lo, hi = np.asarray(res.conf_int()).T
    np.testing.assert_allclose(table["ci_lower"], lo, rtol=1e-5)
    np.testing.assert_allclose(table["ci_upper"], hi, rtol=1e-5)


@pytest.mark.parametrize("cov_type", ["HC0", "cluster"])
def test_binary_logistic_matches_glm_binomial(cov_type):
    X, y = breast_cancer()
    g = groups(len(y), 11)
    glm = sm.GLM(y, _with_constant(X), family=sm.families.Binomial())
    res = _sm_fit(glm, cov_type, g, tol=1e-13, maxiter=100)
    assert_agrees(
        _ours(fitted_logistic("breast_cancer"), X, y, cov_type, g=g), res.bse, res.pvalues
    )


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("name", sorted(LOGISTIC_DATA))
def test_weighted_logistic_is_the_expanded_data(name, cov_type):
    X, y = LOGISTIC_DATA[name]()
    w, g = counts(len(y)), groups(len(y))
    Xr, yr = np.repeat(_with_constant(X), w, axis=0), np.repeat(np.asarray(y), w)
    logit = sm.Logit(yr, Xr)
    res = _sm_fit(logit, cov_type, np.repeat(g, w), method="newton", tol=1e-12, disp=0)
    table = _ours(fitted_logistic(name, weighted=True), X, y, cov_type, w=w, g=g)
    assert_agrees(table, res.bse, res.pvalues, res.params)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_weighted_logistic_matches_glm_freq_weights(cov_type):
    X, y = breast_cancer()
    w = counts(len(y))
    glm = sm.GLM(y, _with_constant(X), family=sm.families.Binomial(), freq_weights=w)
    res = _sm_fit(glm, cov_type, tol=1e-13, maxiter=100)
    table = _ours(fitted_logistic("breast_cancer", weighted=True), X, y, cov_type, w=w)
    assert_agrees(table, res.bse, res.pvalues, res.params)


# ---------------------------------------------------------------------- multinomial


def _contrasts(K: int, q: int) -> np.ndarray:
    """MNLogit's parameters ``beta_k = theta_k - theta_0`` (k = 1..K-1) from our ``theta``."""
    A = np.zeros(((K - 1) * q, K * q))
    for k in range(1, K):
        A[(k - 1) * q : k * q, k * q : (k + 1) * q] = np.eye(q)
        A[(k - 1) * q : k * q, :q] = -np.eye(q)
    return A


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_multinomial_matches_statsmodels_mnlogit(cov_type, weighted):
    X, y = anes96()
    w = counts(len(y)) if weighted else np.ones(len(y), int)
    g = groups(len(y), 9)
    Xr, yr = np.repeat(_with_constant(X), w, axis=0), np.repeat(np.asarray(y), w)
    res = _sm_fit(sm.MNLogit(yr, Xr), cov_type, np.repeat(g, w), method="newton", tol=1e-12,
                  disp=0, maxiter=100)  # fmt: skip
    model = fitted_logistic("anes96", weighted=weighted)
    V = model.covariance_matrix(
        X,
        y,
        sample_weight=w if weighted else None,
        robust=cov_type == "HC0",
        clusters=g if cov_type == "cluster" else None,
    )
    K, q = 7, X.shape[1] + 1
    assert V.shape == (K * q, K * q)
    A = _contrasts(K, q)
    se = np.sqrt(np.diag(A @ V @ A.T))
    np.testing.assert_allclose(se, np.asarray(res.bse).T.ravel(), rtol=1e-5)
    theta = np.hstack([model.coef_, model.intercept_[:, None]]).ravel()
    np.testing.assert_allclose(A @ theta, np.asarray(res.params).T.ravel(), rtol=1e-6)
    # the sum-zero parameterisation: a common shift of all classes has no variance
    shift = np.tile(np.ones(q), K)
    np.testing.assert_allclose(V @ shift, 0.0, atol=1e-10 * np.abs(V).max())


# ---------------------------------------------------------------------- least squares


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("name", sorted(LINEAR_DATA))
def test_linear_regression_matches_statsmodels_ols(name, cov_type):
    X, y = LINEAR_DATA[name]()
    g = groups(len(y), 5)
    res = _sm_fit(sm.OLS(y, _with_constant(X)), cov_type, g, use_t=True)
    table = _ours(fitted_linear(name), X, y, cov_type, g=g)
    assert list(table.columns) == ["coef", "se", "t", "p_value", "ci_lower", "ci_upper"]
    assert_agrees(table, res.bse, res.pvalues, res.params)
    np.testing.assert_allclose(table["ci_lower"], np.asarray(res.conf_int())[:, 0], rtol=1e-5)


def test_linear_regression_clustered_by_firm_matches_ols():
    X, y, firm = grunfeld()
    codes = firm.astype("category").cat.codes.to_numpy()
    res = _sm_fit(sm.OLS(y, _with_constant(X)), "cluster", codes, use_t=True)
    table = LinearRegression().fit(X, y).coef_table(X, y, clusters=firm)  # string labels
    assert_agrees(table, res.bse, res.pvalues, res.params)


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_weighted_linear_regression_is_the_expanded_data(cov_type):
    X, y = diabetes()
    w, g = counts(len(y)), groups(len(y), 5)
    Xr, yr = np.repeat(_with_constant(X), w, axis=0), np.repeat(np.asarray(y), w)
    res = _sm_fit(sm.OLS(yr, Xr), cov_type, np.repeat(g, w), use_t=True)
    table = _ours(fitted_linear("diabetes", weighted=True), X, y, cov_type, w=w, g=g)
    assert_agrees(table, res.bse, res.pvalues, res.params)


def test_multi_output_linear_regression_blocks_are_per_target_ols():
    X, y = diabetes()
    Y = np.column_stack([y, np.asarray(X)[:, 0] * 50 + y * 0.3])
    Xt = X.iloc[:, 1:]
    model = LinearRegression().fit(Xt, Y)
    table = model.coef_table(Xt, Y)
    assert table.index.names == ["target", "feature"]
    for k in range(2):
        res = sm.OLS(Y[:, k], _with_constant(Xt)).fit()
        assert_agrees(table.loc[f"y{k}"], res.bse, res.pvalues, res.params)


# ---------------------------------------------------------------------- sigmoid neuron


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_sigmoid_neuron_matches_glm(loss, cov_type):
    """Cross-entropy on shares in [0, 1]: GLM Binomial (fractional logit). Squared error:
    GLM Gaussian with the logit link, by Newton (observed information; statsmodels' IRLS
    default reports the expected information, which differs for a non-canonical link)."""
    X, y = star98()
    g = groups(len(y), 10)
    family = (
        sm.families.Binomial()
        if loss == "cross_entropy"
        else sm.families.Gaussian(sm.families.links.Logit(), check_link=False)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DomainWarning: the logit link on a Gaussian
        glm = sm.GLM(y, _with_constant(X), family=family)
    res = _sm_fit(glm, cov_type, g, method="newton", tol=1e-13, maxiter=200)
    table = _ours(fitted_neuron(loss), X, y, cov_type, g=g)
    assert table.columns[2] == "z"
    assert_agrees(table, res.bse, res.pvalues, res.params)


# ---------------------------------------------------------------------- penalised fits


def _fd_hessian(grad, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of ``grad``, symmetrised."""
    H = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        step = h * max(1.0, abs(theta[j]))
        e = np.zeros_like(theta)
        e[j] = step
        H[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * step)
    return 0.5 * (H + H.T)


def _summed_gradient(kind: str, X: np.ndarray, Y: np.ndarray, s: np.ndarray, alpha: float):
    """``grad [sum_i s_i l_i + (S alpha/2)||W||^2]`` over ``theta = [W | b]`` (row-major)."""
    Xa = np.column_stack([X, np.ones(len(X))])
    K = Y.shape[1]
    S = s.sum()
    mask = np.tile(np.r_[np.ones(X.shape[1]), 0.0], K)

    def grad(theta: np.ndarray) -> np.ndarray:
        Wb = theta.reshape(K, -1)
        z = Xa @ Wb.T
        if kind == "logistic":
            r = expit(z) - Y
        elif kind == "softmax":
            r = softmax(z, axis=1) - Y
        elif kind == "neuron_se":
            p = expit(z)
            r = (p - Y) * p * (1 - p)
        else:
            r = z - Y
        return (r * s[:, None]).T.__matmul__(Xa).ravel() + S * alpha * mask * theta

    return grad


def _theta(model) -> np.ndarray:
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=float))
    b = np.atleast_1d(np.asarray(model.intercept_, dtype=float))
    return np.hstack([coef, b[:, None]]).ravel()


@pytest.mark.parametrize("weighted", [False, True])
def test_penalised_logistic_is_the_inverse_penalised_hessian(weighted):
    X, y = breast_cancer()
    X = np.asarray(X)
    s = counts(len(y)).astype(float) if weighted else np.ones(len(y))
    model = LogisticRegression(alpha=0.01, **TIGHT).fit(X, y, sample_weight=s)
    V = model.covariance_matrix(X, y, sample_weight=s)
    grad = _summed_gradient("logistic", X, np.asarray(y, float)[:, None], s, 0.01)
    H = _fd_hessian(grad, _theta(model))
    np.testing.assert_allclose(np.linalg.inv(V), H, rtol=1e-5, atol=1e-6 * np.abs(H).max())
    np.testing.assert_allclose(grad(_theta(model)), 0.0, atol=1e-6 * np.abs(H).max())


def test_penalised_ridge_is_sigma2_times_the_inverse_penalised_hessian():
    X, y = diabetes()
    X, y = np.asarray(X), np.asarray(y)
    alpha = 0.05
    model = LinearRegression(alpha=alpha).fit(X, y)
    V = model.covariance_matrix(X, y)
    grad = _summed_gradient("linear", X, y[:, None], np.ones(len(y)), alpha)
    H = _fd_hessian(grad, _theta(model))
    sigma2 = np.sum((y - model.predict(X)) ** 2) / (len(y) - X.shape[1] - 1)
    np.testing.assert_allclose(V, sigma2 * np.linalg.inv(H), rtol=1e-5, atol=1e-7 * V.max())


def test_penalised_multinomial_is_the_inverse_on_the_sum_zero_subspace():
    X, y = anes96()
    X = np.asarray(X)
    model = LogisticRegression(alpha=0.01, **TIGHT).fit(X, y)
    V = model.covariance_matrix(X, y)
    Y = (np.asarray(y)[:, None] == model.classes_[None, :]).astype(float)
    H = _fd_hessian(_summed_gradient("softmax", X, Y, np.ones(len(y)), 0.01), _theta(model))
    K, q = 7, X.shape[1] + 1
    # any orthonormal basis of {theta: sum_k theta_k = 0}, built here by QR
    Q = np.linalg.qr(np.eye(K)[:, 1:] - 1.0 / K)[0]
    T = np.kron(Q, np.eye(q))
    np.testing.assert_allclose(np.linalg.inv(T.T @ V @ T), T.T @ H @ T, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(V, T @ T.T @ V @ T @ T.T, atol=1e-12 * np.abs(V).max())


def test_penalised_sigmoid_neuron_squared_error_uses_observed_hessian():
    X, y = star98()
    X, y = np.asarray(X), np.asarray(y)
    model = SigmoidNeuron("squared_error", alpha=0.001, tol=1e-12, optimizer="newton",
                          max_epochs=200).fit(X, y)  # fmt: skip
    V = model.covariance_matrix(X, y)
    H = _fd_hessian(_summed_gradient("neuron_se", X, y[:, None], np.ones(len(y)), 0.001),
                    _theta(model))  # fmt: skip
    sigma2 = np.sum((y - model.predict(X)) ** 2) / (len(y) - X.shape[1] - 1)
    np.testing.assert_allclose(V, sigma2 * np.linalg.inv(H), rtol=1e-5, atol=1e-7 * V.max())


def test_penalty_factors_enter_the_penalised_hessian_per_feature():
    X, y = breast_cancer()
    X = np.asarray(X)
    factor = np.array([1.0, 0.0, 2.0, 1.0, 0.5])
    model = LogisticRegression(alpha=0.01, penalty_factor=factor, **TIGHT).fit(X, y)
    V = model.covariance_matrix(X, y)
    s = np.ones(len(y))
    # the summed objective's ridge weights are S alpha f_j: check against a gradient with them
    Xa = np.column_stack([X, s])
    ridge = len(y) * 0.01 * np.r_[factor, 0.0]

    def grad(theta):
        return Xa.T @ (expit(Xa @ theta) - np.asarray(y)) + ridge * theta

    H = _fd_hessian(grad, _theta(model))
    np.testing.assert_allclose(np.linalg.inv(V), H, rtol=1e-5, atol=1e-6 * np.abs(H).max())


def test_an_l1_penalised_fit_is_refused_by_name():
    X, y = spector()
    model = LogisticRegression(alpha=0.01, l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match=r"l1_ratio=0\.5"):
        model.coef_table(X, y)
    assert LogisticRegression(alpha=0, l1_ratio=1.0, **TIGHT).fit(X, y).coef_table(X, y).shape


def test_class_weights_count_like_frequency_weights():
    if "class_weight" not in LogisticRegression().get_params():
        pytest.skip("this LogisticRegression has no class_weight")
    X, y = spector()
    model = LogisticRegression(alpha=0, class_weight={0: 1, 1: 3}, **TIGHT).fit(X, y)
    reps = np.where(np.asarray(y) == 1, 3, 1)  # class 1 counted three times
    Xr, yr = np.repeat(_with_constant(X), reps, axis=0), np.repeat(np.asarray(y), reps)
    res = _sm_fit(sm.Logit(yr, Xr), "nonrobust", method="newton", tol=1e-12, disp=0)
    assert_agrees(model.coef_table(X, y), res.bse, res.pvalues, res.params)
