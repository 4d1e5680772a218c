"""covariance_matrix / coef_table / summary on the estimators: names, shapes, bad input,
Dask input (local scheduler) against NumPy.

The statistical content is checked against statsmodels in tests/inference; here the
oracles are statsmodels again (for fit_intercept=False and float32) and the NumPy table
(for Dask input, which must give the same numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron

sm = pytest.importorskip("statsmodels.api")


def _data(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["height", "mass", "age"])
    z = X.to_numpy() @ [0.8, -0.6, 0.2] + 0.1
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def _fitted():
    X, y = _data()
    return LogisticRegression(alpha=0, tol=1e-10).fit(X, y), X, y


def test_rows_are_named_after_the_dataframe_columns():
    model, X, y = _fitted()
    table = model.coef_table(X, y)
    assert list(table.index) == ["height", "mass", "age", "intercept"]
    assert model.covariance_matrix(X, y).shape == (4, 4)
    plain = LogisticRegression(alpha=0, tol=1e-10).fit(X.to_numpy(), y)
    assert list(plain.coef_table(X.to_numpy(), y).index) == ["x0", "x1", "x2", "intercept"]


def test_multinomial_rows_are_class_feature_pairs():
    X, _ = _data()
    labels = np.array(["low", "mid", "high"])[np.digitize(X["height"] + X["mass"], [-0.5, 0.5])]
    model = LogisticRegression(alpha=1e-3).fit(X, labels)
    table = model.coef_table(X, labels)
    assert table.index.names == ["class", "feature"]
    assert list(table.index.get_level_values(0).unique()) == ["high", "low", "mid"]
    np.testing.assert_allclose(
        table["coef"].to_numpy().reshape(3, 4),
        np.hstack([model.coef_, model.intercept_[:, None]]),
        atol=1e-12,
    )


def test_without_intercept_matches_statsmodels_without_a_constant():
    X, y = _data()
    model = LogisticRegression(alpha=0, tol=1e-10, fit_intercept=False).fit(X, y)
    table = model.coef_table(X, y)
    assert list(table.index) == ["height", "mass", "age"]
    res = sm.Logit(y, X).fit(method="newton", tol=1e-12, disp=0)
    np.testing.assert_allclose(table["se"], res.bse, rtol=1e-6)


def test_float32_input_gives_float64_numbers_close_to_float64():
    X, y = _data()
    X32 = X.astype(np.float32)
    model = SigmoidNeuron(alpha=0, tol=1e-8).fit(X32, y.astype(np.float32))
    table = model.coef_table(X32, y)
    assert table["se"].dtype == np.float64
    res = sm.GLM(y, sm.add_constant(X32.astype(float), prepend=False),
                 family=sm.families.Binomial()).fit(tol=1e-12)  # fmt: skip
    np.testing.assert_allclose(table["se"], res.bse, rtol=1e-4)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda m, X, y: m.coef_table(X.iloc[:, :2], y), "feature names should match"),
        (lambda m, X, y: m.coef_table(X.to_numpy()[:, :2], y), "X has 2 features"),
        (lambda m, X, y: m.coef_table(X, y[:-1]), "y has 299 rows but X has 300"),
        (lambda m, X, y: m.coef_table(X, y, sample_weight=np.ones(10)), "sample_weight"),
        (lambda m, X, y: m.coef_table(X, y, clusters=np.zeros(7)), "clusters has 7 rows"),
        (lambda m, X, y: m.coef_table(X, y, clusters=np.zeros(300)), "at least 2 clusters"),
        (lambda m, X, y: m.coef_table(X, y, robust="yes"), "robust must be True or False"),
        (lambda m, X, y: m.coef_table(X, y, confidence_level=95), "confidence_level"),
        (lambda m, X, y: m.summary(X, y, confidence_level=0), "confidence_level"),
        (lambda m, X, y: m.coef_table(X, np.full(300, 7)), "labels"),
    ],
)
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_bad_input_is_a_value_error_naming_the_argument(call, pattern):
    model, X, y = _fitted()
    with pytest.raises(ValueError, match=pattern):
        call(model, X, y)


def test_an_unfitted_model_is_refused():
    X, y = _data()
    with pytest.raises(NotFittedError):
        LogisticRegression().coef_table(X, y)
    assert issubclass(NotFittedError, ValueError)


def test_a_least_squares_fit_with_too_few_observations_is_refused():
    X = np.arange(6.0).reshape(3, 2) ** 2
    y = np.array([1.0, 2.0, 4.0])
    model = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"there are 3 observations .* for 3 coefficients"):
        model.coef_table(X, y)


@pytest.mark.filterwarnings("ignore:Dask currently has limited support")
@pytest.mark.parametrize("kw", [{}, {"robust": True}, {"clusters": "labels"}])
def test_dask_input_gives_the_numpy_table(kw):
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    model = LogisticRegression(alpha=0, tol=1e-10).fit(X, y, sample_weight=w)
    labels = np.array(list("abcdefg"))[np.arange(len(y)) % 7]
    args = {**kw, "clusters": labels} if "clusters" in kw else kw
    expected = model.coef_table(X, y, sample_weight=w, **args)
    Xd = dd.from_pandas(X, npartitions=4)
    dask_args = dict(args)
    if "clusters" in kw:
        dask_args["clusters"] = dd.from_pandas(pd.Series(labels), npartitions=3)
    got = model.coef_table(Xd, da.from_array(y, chunks=70), sample_weight=w, **dask_args)
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_sparse_input_gives_the_dense_table():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _data()
    Xs = X.to_numpy().copy()
    Xs[np.abs(Xs) < 0.7] = 0.0  # about half the entries zero
    model = LogisticRegression(alpha=0, tol=1e-10).fit(Xs, y)
    dense = model.coef_table(Xs, y, robust=True)
    got = model.coef_table(sparse.csr_matrix(Xs), y, robust=True)
    np.testing.assert_allclose(got.to_numpy(), dense.to_numpy(), rtol=1e-10)
