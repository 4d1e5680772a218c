"""The coefficient table: statistics, p-values and intervals against statsmodels and SciPy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from inference_data import diabetes, fitted_linear, fitted_logistic, sm, spector
from scipy import stats

from sigmoid_neuron.inference import Inference, coef_table
from sigmoid_neuron.inference.table import check_confidence_level, flat_names, parameter_index


@pytest.mark.parametrize("level", [0.5, 0.9, 0.99])
def test_intervals_at_any_level_match_statsmodels(level):
    X, y = spector()
    res = sm.Logit(y, sm.add_constant(X, prepend=False)).fit(method="newton", tol=1e-12, disp=0)
    table = fitted_logistic("spector").coef_table(X, y, confidence_level=level)
    lo, hi = np.asarray(res.conf_int(alpha=1 - level)).T
    np.testing.assert_allclose(table["ci_lower"], lo, rtol=1e-5)
    np.testing.assert_allclose(table["ci_upper"], hi, rtol=1e-5)
    np.testing.assert_allclose(table["z"], res.tvalues, rtol=1e-5)


def test_least_squares_uses_students_t_with_n_minus_p_degrees_of_freedom():
    X, y = diabetes()
    table = fitted_linear("diabetes").coef_table(X, y, confidence_level=0.8)
    res = sm.OLS(y, sm.add_constant(X, prepend=False)).fit()
    np.testing.assert_allclose(table["t"], res.tvalues, rtol=1e-6)
    lo, hi = np.asarray(res.conf_int(alpha=0.2)).T
    np.testing.assert_allclose(table["ci_lower"], lo, rtol=1e-6)
    np.testing.assert_allclose(table["ci_upper"], hi, rtol=1e-6)
    # the t quantile, not the normal one: the half-width is t_{0.9, n - 11} se
    half = (table["ci_upper"] - table["coef"]) / table["se"]
    np.testing.assert_allclose(half, stats.t.ppf(0.9, len(y) - 11), rtol=1e-10)


def _inference(se, statistic="z", df=None):
    se = np.asarray(se, dtype=float)
    return Inference(
        theta=np.array([1.5, -2.0, 0.25]),
        names=["a", "b", "intercept"],
        covariance=np.diag(se**2),
        se=se,
        kind="nonrobust",
        statistic=statistic,
        df=df,
        n_clusters=None,
        total_weight=10.0,
        n_rows=10,
        loss_sum=1.0,
        flagged=np.isinf(se),
        messages=[],
    )


def test_an_infinite_standard_error_gives_statistic_0_p_1_and_an_unbounded_interval():
    index = parameter_index(["a", "b"], True, None, "target")
    table = coef_table(_inference([0.5, np.inf, 0.1]), index, 0.95)
    row = table.loc["b"]
    assert row["z"] == 0.0 and row["p_value"] == 1.0
    assert row["ci_lower"] == -np.inf and row["ci_upper"] == np.inf
    # a finite row by hand: z = 1.5 / 0.5 = 3, p = 2 (1 - Phi(3)) = 0.0026998
    assert table.loc["a", "z"] == 3.0
    assert table.loc["a", "p_value"] == pytest.approx(0.0026997960632601, rel=1e-12)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "high", None, float("nan")])
def test_a_bad_confidence_level_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="confidence_level"):
        check_confidence_level(bad)


def test_parameter_index_for_one_and_several_outputs():
    single = parameter_index(["x0", "x1"], True, None, "class")
    assert list(single) == ["x0", "x1", "intercept"] and single.name == "feature"
    multi = parameter_index(["u"], False, ["cat", "dog"], "class")
    assert isinstance(multi, pd.MultiIndex) and list(multi.names) == ["class", "feature"]
    assert flat_names(multi) == ["cat:u", "dog:u"]
