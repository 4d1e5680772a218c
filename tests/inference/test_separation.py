"""Singular and separated fits: a warning naming the columns, inf standard errors, and the
identified coefficients still right.

Oracles: statsmodels fitted to the data with the offending column removed (collinear or
constant columns), or to the rows a separating column leaves undecided (quasi-complete
separation: the other coefficients' maximum-likelihood estimates are those of the
remaining rows); directions built into the data by construction.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from inference_data import P_ATOL, SE_RTOL, sm

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.inference import InferenceWarning
from sigmoid_neuron.inference.separation import (
    FLAG_SHARE,
    SINGULAR,
    analyse,
    describe,
    flag,
    taking_part,
)

TIGHT = {"alpha": 0, "tol": 1e-10, "optimizer": "newton", "max_epochs": 300}


def _frame(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["age", "dose", "weight"])
    z = X.to_numpy() @ [1.0, -0.5, 0.3] + 0.2
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def _table_and_warnings(model, X, y, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = model.coef_table(X, y, **kw)
    return table, [w for w in caught if issubclass(w.category, InferenceWarning)]


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collinearity / convergence warnings of the fit
        return model.fit(X, y)


def _sm_logit(X, y):
    return sm.Logit(np.asarray(y), sm.add_constant(np.asarray(X), prepend=False)).fit(
        method="newton", tol=1e-12, disp=0
    )


def test_collinear_columns_get_inf_and_the_rest_is_the_reduced_model():
    X, y = _frame()
    X["total"] = X["age"] + X["dose"]
    model = _fit_quietly(LogisticRegression(**TIGHT), X, y)
    table, caught = _table_and_warnings(model, X, y)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "singular" in text and "collinear" in text
    for name in ("age", "dose", "total"):
        assert repr(name) in text
        assert np.isinf(table.loc[name, "se"]) and table.loc[name, "p_value"] == 1.0
        assert table.loc[name, "ci_lower"] == -np.inf and table.loc[name, "ci_upper"] == np.inf
    assert repr("weight") not in text.split("reported")[0].split("errors of")[-1]
    res = _sm_logit(X[["age", "dose", "weight"]], y)  # same column space, full rank
    for name, j in (("weight", 2), ("intercept", 3)):
        assert table.loc[name, "se"] == pytest.approx(res.bse[j], rel=SE_RTOL)
        assert table.loc[name, "p_value"] == pytest.approx(res.pvalues[j], abs=P_ATOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        V = model.covariance_matrix(X, y)
    assert np.isinf(V[0, 0]) and np.isnan(V[0, 2]) and np.isfinite(V[2, 2])


def test_constant_column_next_to_the_intercept_in_least_squares():
    X, _ = _frame()
    yr = X.to_numpy() @ [1.0, 2.0, -1.0] + np.random.default_rng(1).normal(size=len(X))
    X["ones"] = 3.0
    model = _fit_quietly(LinearRegression(), X, yr)
    table, caught = _table_and_warnings(model, X, yr)
    assert len(caught) == 1 and "'ones'" in str(caught[0].message)
    assert np.isinf(table.loc["ones", "se"]) and np.isinf(table.loc["intercept", "se"])
    res = sm.OLS(yr, sm.add_constant(X[["age", "dose", "weight"]], prepend=False)).fit()
    np.testing.assert_allclose(table["se"].iloc[:3], res.bse.iloc[:3], rtol=SE_RTOL)


@pytest.mark.parametrize("tol", [1e-4, 1e-10])
def test_quasi_complete_separation_is_named_and_the_rest_are_the_free_rows(tol):
    X, y = _frame()
    rng = np.random.default_rng(2)
    X["smoker"] = (rng.uniform(size=len(X)) < 0.1).astype(float)
    y = np.where(X["smoker"] == 1, 1, y)  # every smoker has y = 1
    model = _fit_quietly(LogisticRegression(**{**TIGHT, "tol": tol}), X, y)
    table, caught = _table_and_warnings(model, X, y)
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "separated along" in text and "[smoker]" in text and "'smoker'" in text
    assert np.isinf(table.loc["smoker", "se"])
    free = X["smoker"] == 0
    res = _sm_logit(X.loc[free, ["age", "dose", "weight"]], y[free])
    np.testing.assert_allclose(table["se"].iloc[[0, 1, 2, 4]], res.bse, rtol=1e-4)
    assert table.loc["smoker", "coef"] > 8  # the fit ran off towards +inf


def test_complete_separation_makes_every_standard_error_inf():
    X, _ = _frame()
    y = (X["age"] > 0).astype(int).to_numpy()
    model = _fit_quietly(LogisticRegression(**TIGHT), X, y)
    table, caught = _table_and_warnings(model, X, y)
    assert len(caught) == 1 and "completely separated" in str(caught[0].message)
    assert np.isinf(table["se"]).all() and (table["p_value"] == 1.0).all()


def test_multinomial_separation_of_one_class():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)  # setosa is linearly separable
    model = _fit_quietly(LogisticRegression(**{**TIGHT, "tol": 1e-8}), X, y)
    table, caught = _table_and_warnings(model, X, y)
    assert len(caught) >= 1 and "separated" in str(caught[0].message)
    assert np.isinf(table["se"]).any()


def test_a_penalised_separated_fit_has_finite_standard_errors():
    X, y = _frame()
    y = (X["age"] > 0).astype(int).to_numpy()
    model = LogisticRegression(alpha=0.01, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        table = model.coef_table(X, y)
    assert np.isfinite(table["se"]).all()


def test_nearly_collinear_columns_are_probed_but_kept():
    """A flat direction that separates nothing: no warning, statsmodels' standard errors."""
    X, y = _frame()
    X["age2"] = X["age"] + 1e-3 * np.random.default_rng(3).normal(size=len(X))
    model = _fit_quietly(LogisticRegression(**TIGHT), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        table = model.coef_table(X, y)
    res = _sm_logit(X, y)
    np.testing.assert_allclose(table["se"], res.bse, rtol=SE_RTOL)
    assert table.loc["age2", "se"] > 10  # inflated, as it should be


def test_soft_targets_are_never_separated():
    X, _ = _frame()
    soft = np.where(X["age"] > 0, 0.9, 0.1)  # y = 0.9 is not certainty
    model = SigmoidNeuron(**TIGHT).fit(X, soft)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        assert np.isfinite(model.coef_table(X, soft)["se"]).all()


def test_a_model_fitted_elsewhere_is_reported_off_the_optimum():
    X, y = _frame(800)
    model = LogisticRegression(**TIGHT).fit(X[:400], y[:400])
    _, caught = _table_and_warnings(model, X[400:], y[400:])
    assert len(caught) == 1 and "standard errors away from the optimum" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        model.coef_table(X[:400], y[:400])  # its own data: at the optimum


# ---------------------------------------------------------------------- the building blocks


def test_analyse_finds_a_planted_null_direction():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(50, 4))
    A[:, 3] = 2 * A[:, 0] - A[:, 1]  # null vector (2, -1, 0, -1)
    scale = np.array([1.0, 10.0, 0.1, 3.0])
    B = A * scale  # columns on very different scales; B v = 0 for v = planted / scale
    H = B.T @ B
    found = analyse(H, scale)
    assert found.dropped.sum() == 1
    u = found.vectors[:, found.dropped][:, 0]
    planted = np.array([2.0, -1.0, 0.0, -1.0])
    assert abs(u @ planted) / np.linalg.norm(planted) == pytest.approx(1.0, abs=1e-8)
    np.testing.assert_array_equal(taking_part(u), [True, True, False, True])
    # the inverse on the kept directions is a generalised inverse of H: H G H = H, G H G = G
    G = found.inverse()
    np.testing.assert_allclose(H @ G @ H, H, atol=1e-9 * np.abs(H).max())
    np.testing.assert_allclose(G @ H @ G, G, atol=1e-9 * np.abs(G).max())
    flagged, messages = flag(found, np.eye(4), ["a", "b", "c", "d"])
    np.testing.assert_array_equal(flagged, [True, True, False, True])
    assert len(messages) == 1 and "'a', 'b', 'd'" in messages[0]


def test_a_negative_curvature_is_reported_as_not_a_minimum():
    H = np.diag([1.0, -0.5, 2.0])
    found = analyse(H, np.ones(3))
    assert found.dropped.sum() == 1 and found.values[found.dropped][0] == pytest.approx(-0.5)
    _, messages = flag(found, np.eye(3), ["a", "b", "c"])
    assert "not positive definite" in messages[0] and "'b'" in messages[0]
    assert SINGULAR < 1e-10 and 0 < FLAG_SHARE < 0.1


def test_describe_orders_terms_by_size():
    text = describe(np.array([0.1, -0.8, 0.0, 0.4]), ["a", "b", "c", "d"])
    assert text == "-1*[b] + 0.5*[d] + 0.12*[a]"
