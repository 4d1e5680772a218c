"""Exact least squares against independent solvers: statsmodels WLS, scikit-learn Ridge,
NumPy's SVD-based lstsq and the pseudo-inverse (minimum norm)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

from sigmoid_neuron import LinearRegression
from sigmoid_neuron.datasets import make_tabular
from sigmoid_neuron.objective import HalfSquaredError, make_objective
from sigmoid_neuron.optim.least_squares import CollinearityWarning, solve_least_squares

sm = pytest.importorskip("statsmodels.api")


def test_weighted_fit_equals_statsmodels_wls_on_real_data() -> None:
    X, y = load_diabetes(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LinearRegression().fit(X, y, sample_weight=w)
    assert model.solver_ == "lstsq" and model.n_iter_ == 1
    np.testing.assert_allclose(model.intercept_, ref.params[0], rtol=1e-10)
    np.testing.assert_allclose(model.coef_, ref.params[1:], rtol=1e-9)


def test_ridge_equals_scikit_learn_ridge_multi_output() -> None:
    X, y, _ = make_tabular(2000, kind="linear", levels=(4,), random_state=3)
    Y = np.c_[y, 0.5 * y + X[:, 0]]
    alpha = 0.3
    ref = Ridge(alpha=alpha * len(X), solver="svd").fit(X, Y)
    model = LinearRegression(alpha=alpha).fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-9)


def test_no_intercept_equals_numpy_lstsq() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 5)) * [1, 1e3, 1e-3, 10, 1]
    y = X @ [1.0, -2e-3, 3e2, 0.5, 4.0] + rng.normal(size=300)
    ref = np.linalg.lstsq(X, y, rcond=None)[0]
    model = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref, rtol=1e-10)
    assert model.intercept_ == 0.0


def test_collinear_columns_give_the_minimum_norm_solution_and_a_warning() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(100, 3))
    X = pd.DataFrame(
        np.c_[x, x[:, 0], np.full(100, 7.0)], columns=["a", "b", "c", "a_again", "const"]
    )
    y = x @ [1.0, 2.0, 3.0] + 5.0 + 0.1 * rng.normal(size=100)
    with pytest.warns(CollinearityWarning, match=r"rank 3 of 5.*a, a_again, const"):
        model = LinearRegression().fit(X, y)
    Xc = X.to_numpy() - X.to_numpy().mean(axis=0)
    ref = np.linalg.pinv(Xc) @ (y - y.mean())  # minimum norm on centred data
    np.testing.assert_allclose(model.coef_, ref, rtol=1e-9, atol=1e-12)
    assert model.coef_[0] == pytest.approx(model.coef_[3]) and model.coef_[4] == 0.0
    np.testing.assert_allclose(model.predict(X), X.to_numpy() @ ref + model.intercept_)


def test_fewer_rows_than_columns_is_minimum_norm() -> None:
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(5, 12)), rng.normal(size=5)
    with pytest.warns(CollinearityWarning, match="rank 4 of 12"):
        model = LinearRegression().fit(X, y)
    ref = np.linalg.pinv(X - X.mean(axis=0)) @ (y - y.mean())
    np.testing.assert_allclose(model.coef_, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-10)  # interpolates


def test_other_losses_are_refused() -> None:
    from sigmoid_neuron.objective import BinaryCrossEntropy

    obj = make_objective(np.eye(3), np.array([0.0, 1.0, 1.0]), BinaryCrossEntropy())
    with pytest.raises(ValueError, match="half squared error"):
        solve_least_squares(obj)
    from sigmoid_neuron import LogisticRegression

    with pytest.raises(ValueError, match="optimizer='lbfgs'"):
        LogisticRegression(optimizer="lstsq").fit(np.eye(3), [0, 1, 1])


def test_float32_input_is_solved_in_float64_and_kept_float32() -> None:
    X, y = load_diabetes(return_X_y=True)
    ref = sm.OLS(y, sm.add_constant(X.astype(np.float32).astype(np.float64))).fit()
    model = LinearRegression().fit(X.astype(np.float32), y.astype(np.float32))
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(model.coef_, ref.params[1:], rtol=1e-5)
    obj = make_objective(X.astype(np.float32), y, HalfSquaredError())
    sol = solve_least_squares(obj)
    np.testing.assert_allclose(sol.coef[0], ref.params[1:], rtol=1e-7)


@pytest.mark.parametrize(("degree", "route"), [(6, "gram"), (10, "qr")])
def test_ill_conditioned_polynomials_recover_exact_coefficients(degree: int, route: str) -> None:
    """y = 0.5 + sum_k k x^k exactly, x in [0, 1]: kappa of the standardised design is
    1e4 (degree 6, the Gram route) and 1e7 (degree 10, the QR route)."""
    from sigmoid_neuron.optim import least_squares as ls

    x = np.linspace(0.0, 1.0, 300)
    X = np.column_stack([x**k for k in range(1, degree + 1)])
    w = np.arange(1.0, degree + 1)
    obj = make_objective(X, X @ w + 0.5, HalfSquaredError())
    m = obj.data.moments()
    G = obj.data.gram(m.mean_x, m.mean_y)
    gram_ok = ls._cholesky_factor(G, degree, np.zeros(degree))[0] is not None
    assert gram_ok == (route == "gram")
    sol = solve_least_squares(obj)
    np.testing.assert_allclose(sol.coef[0], w, rtol=1e-8)
    assert sol.intercept[0] == pytest.approx(0.5, rel=1e-9)


def _ridge_oracle(U: np.ndarray, Y: np.ndarray, s: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Weighted ridge with an intercept by its normal equations on the centred data:
    ``(U_c^T diag(s) U_c / S + diag(penalty)) V^T = U_c^T diag(s) Y_c / S`` (NumPy)."""
    S = s.sum()
    Uc = U - s @ U / S
    Yc = Y - s @ Y / S
    coef: np.ndarray = np.linalg.solve(
        Uc.T @ (s[:, None] * Uc) / S + np.diag(penalty), Uc.T @ (s[:, None] * Yc) / S
    ).T
    return coef


@pytest.mark.parametrize("size", [1e200, 1e300, 1e-200, 1e-300])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_columns_of_any_finite_size_are_solved_exactly_without_warnings(
    size: float, layout: str
) -> None:
    """A column of size 1e+-200 or 1e+-300 has squares beyond float range: its Gram entries
    and QR are taken on the column scaled by a power of 2. Oracle: the same problem on
    the unscaled columns (statsmodels WLS; with alpha, the ridge's normal equations, whose
    penalty on the scaled column is alpha / size^2: 0 for a large one, and a coefficient
    of 0 for a tiny one)."""
    import scipy.sparse

    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(1)
    s = rng.uniform(0.5, 2.0, len(y))
    Y = np.c_[y, -0.5 * y + 100 * X[:, 3]]
    unit = np.ones(X.shape[1])
    unit[2] = size
    Xs = X * unit
    data = scipy.sparse.csr_matrix(Xs) if layout == "csr" else Xs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = LinearRegression().fit(data, Y, sample_weight=s)
        ridge = LinearRegression(alpha=0.01).fit(data, Y, sample_weight=s)
    for k in range(2):
        ref = sm.WLS(Y[:, k], sm.add_constant(X), weights=s).fit()
        np.testing.assert_allclose(plain.coef_[k] * unit, ref.params[1:], rtol=1e-9)
        np.testing.assert_allclose(plain.intercept_[k], ref.params[0], rtol=1e-9)
    penalty = np.full(X.shape[1], 0.01)
    if size > 1:
        penalty[2] = 0.0
        expected = _ridge_oracle(X, Y, s, penalty)
    else:
        keep = np.arange(X.shape[1]) != 2
        expected = np.zeros((2, X.shape[1]))
        expected[:, keep] = _ridge_oracle(X[:, keep], Y, s, penalty[keep])
    np.testing.assert_allclose(ridge.coef_ * unit, expected, rtol=1e-8, atol=1e-10)
