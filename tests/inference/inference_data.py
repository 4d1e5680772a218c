"""Real data sets shipped with statsmodels and scikit-learn, and tight fits of our models.

Every comparison with statsmodels needs both fits at the optimum: ours run Newton to
``tol=1e-10`` (max|grad J| in standardised coordinates), statsmodels' Newton to 1e-12.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

sm = pytest.importorskip("statsmodels.api")

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron  # noqa: E402

#: statsmodels' standard errors agree to this relative tolerance, p-values to ``P_ATOL``.
SE_RTOL = 1e-5
P_ATOL = 1e-4

TIGHT = {"tol": 1e-10, "optimizer": "newton", "max_epochs": 200}


@cache
def spector() -> tuple[pd.DataFrame, pd.Series]:
    """statsmodels' Spector and Mazzeo (1980): 32 students, GPA/TUCE/PSI -> grade improved."""
    d = sm.datasets.spector.load_pandas()
    return d.exog, d.endog


@cache
def breast_cancer() -> tuple[pd.DataFrame, pd.Series]:
    """scikit-learn's breast cancer data, five raw columns (all 30 separate the classes)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    cols = ["mean radius", "mean texture", "mean smoothness", "mean concave points"]
    return X[[*cols, "worst symmetry"]], y


@cache
def anes96() -> tuple[pd.DataFrame, pd.Series]:
    """statsmodels' American National Election Survey 1996: party identification, 7 classes."""
    d = sm.datasets.anes96.load_pandas()
    return d.exog, d.endog.astype(int)


@cache
def diabetes() -> tuple[pd.DataFrame, pd.Series]:
    """scikit-learn's diabetes data: 442 patients, 10 columns, disease progression."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y


@cache
def longley() -> tuple[pd.DataFrame, pd.Series]:
    """statsmodels' Longley data: 16 years, 6 nearly collinear columns (a classic OLS test)."""
    d = sm.datasets.longley.load_pandas()
    return d.exog, d.endog


@cache
def grunfeld() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """statsmodels' Grunfeld investment panel: 11 firms x 20 years, clustered by firm."""
    d = sm.datasets.grunfeld.load_pandas().data
    return d[["value", "capital"]], d["invest"], d["firm"]


@cache
def star98() -> tuple[pd.DataFrame, pd.Series]:
    """statsmodels' STAR98: 303 California school districts, the share above the median."""
    d = sm.datasets.star98.load_pandas()
    X = d.exog[["LOWINC", "PERASIAN", "PERBLACK", "PERHISP", "AVYRSEXP"]]
    y = d.endog["NABOVE"] / (d.endog["NABOVE"] + d.endog["NBELOW"])
    return X, y


def counts(n: int, seed: int = 0) -> np.ndarray:
    """Frequency weights 1..3 (integers, so the data can be expanded row by row)."""
    return np.random.default_rng(seed).integers(1, 4, n)


def groups(n: int, k: int = 7) -> np.ndarray:
    """Cluster labels ``0..k-1``, cyclic."""
    return np.arange(n) % k


@cache
def fitted_logistic(name: str, weighted: bool = False) -> LogisticRegression:
    X, y = {"spector": spector, "breast_cancer": breast_cancer, "anes96": anes96}[name]()
    w = counts(len(y)) if weighted else None
    return LogisticRegression(alpha=0, **TIGHT).fit(X, y, sample_weight=w)


@cache
def fitted_linear(name: str, weighted: bool = False) -> LinearRegression:
    X, y = {"diabetes": diabetes, "longley": longley}[name]()
    w = counts(len(y)) if weighted else None
    return LinearRegression().fit(X, y, sample_weight=w)


@cache
def fitted_neuron(loss: str) -> SigmoidNeuron:
    X, y = star98()
    return SigmoidNeuron(loss, alpha=0, tol=1e-12, optimizer="newton", max_epochs=200).fit(X, y)


def assert_agrees(table: pd.DataFrame, se, p_values, params=None) -> None:
    """Our table against statsmodels: se to SE_RTOL relative, p-values to P_ATOL."""
    np.testing.assert_allclose(table["se"].to_numpy(), np.asarray(se, float), rtol=SE_RTOL)
    np.testing.assert_allclose(table["p_value"].to_numpy(), np.asarray(p_values), atol=P_ATOL)
    if params is not None:  # the same optimum (else the comparison means little)
        np.testing.assert_allclose(table["coef"].to_numpy(), np.asarray(params), rtol=1e-6)
