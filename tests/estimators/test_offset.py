"""``offset``: a known term added to z = X w + b, in fit and in the predictions.

Oracles: statsmodels' GLM with ``offset`` (Binomial for LogisticRegression, Gaussian for
LinearRegression) on data statsmodels ships (the Fair affairs survey, Longley), glum's
penalised fits with ``offset`` (ridge and elastic net), and the
identity that an offset ``o = X v`` only shifts the unpenalised optimum, ``w(o) = w(0) - v``
(so the predictions with the offset equal those without), checked on every estimator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_diabetes

from sigmoid_neuron.datasets import make_tabular
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron


def _fair() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Fair (1978) affairs survey: any affair (binary) on five columns; the offset is
    log(years married), an exposure term as a GLM user would write it."""
    data = sm.datasets.fair.load_pandas().data
    X = data[["rate_marriage", "age", "children", "religious", "educ"]].to_numpy(float)
    y = (data["affairs"] > 0).to_numpy(float)
    return X, y, np.log(data["yrs_married"].to_numpy(float))


def test_logistic_offset_equals_statsmodels_glm_binomial() -> None:
    X, y, offset = _fair()
    ours = LogisticRegression(alpha=0.0, tol=1e-10).fit(X, y, offset=offset)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset).fit(tol=1e-12)
    np.testing.assert_allclose(ours.intercept_[0], glm.params[0], rtol=1e-6)
    np.testing.assert_allclose(ours.coef_[0], glm.params[1:], rtol=1e-6)
    # predictions with a new offset: statsmodels' mean response
    new_offset = offset[::-1]
    expected = glm.predict(sm.add_constant(X), offset=new_offset)
    np.testing.assert_allclose(ours.predict_proba(X, offset=new_offset)[:, 1], expected, rtol=1e-6)


def test_linear_offset_equals_statsmodels_glm_gaussian() -> None:
    data = sm.datasets.longley.load_pandas()
    X = data.exog.to_numpy(float)
    y = data.endog.to_numpy(float)
    offset = 0.01 * X[:, 4]  # a known part of the employment total, as an offset
    ours = LinearRegression().fit(X, y, offset=offset)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Gaussian(), offset=offset).fit()
    np.testing.assert_allclose(ours.coef_, glm.params[1:], rtol=1e-7)
    np.testing.assert_allclose(ours.predict(X, offset=offset), glm.fittedvalues, rtol=1e-9)


def _shifted(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A real or realistic table without collinear columns (one level of the one-hot
    block dropped), so the unpenalised optimum is unique; ``v`` and ``o = X v``."""
    if kind == "linear":
        X, y = load_diabetes(return_X_y=True)
    else:
        table = "multinomial" if kind == "multinomial" else "binary"
        X, y, _ = make_tabular(2000, n_numeric=4, levels=(3,), kind=table, random_state=5)
        X = X[:, :-1]
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        if kind == "neuron":
            y = 0.15 + 0.7 * y
    v = np.random.default_rng(7).normal(scale=0.3, size=X.shape[1])
    return X, y, v, X @ v


ESTIMATORS: dict[str, Any] = {
    "linear": LinearRegression,
    "binary": LogisticRegression,
    "multinomial": LogisticRegression,
    "neuron": SigmoidNeuron,
}


@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_an_offset_x_v_shifts_the_optimum_by_v(kind: str) -> None:
    X, y, v, offset = _shifted(kind)
    cls = ESTIMATORS[kind]
    settings = {"alpha": 0.0, "tol": 1e-10, "optimizer": "newton"}
    plain = cls(**settings).fit(X, y)
    shifted = cls(**settings).fit(X, y, offset=offset)
    if kind == "multinomial":
        # the softmax fixes W only up to a vector added to every class: compare the
        # probabilities, which the optimum does fix
        np.testing.assert_allclose(
            shifted.predict_proba(X, offset=offset), plain.predict_proba(X), atol=1e-8
        )
        return
    np.testing.assert_allclose(np.ravel(shifted.coef_), np.ravel(plain.coef_) - v, atol=1e-7)
    np.testing.assert_allclose(shifted.predict(X, offset=offset), plain.predict(X), atol=1e-8)


def test_the_offset_is_added_to_the_logits_of_every_class() -> None:
    X, y, _, _ = _shifted("multinomial")
    model = LogisticRegression().fit(X, y)
    per_class = np.random.default_rng(1).normal(size=(X.shape[0], model.classes_.size))
    np.testing.assert_allclose(
        model.decision_function(X, offset=per_class), model.decision_function(X) + per_class
    )
    row = per_class[:, 0]
    np.testing.assert_allclose(
        model.decision_function(X, offset=row), model.decision_function(X) + row[:, None]
    )


@pytest.mark.parametrize("cls", [LinearRegression, LogisticRegression, SigmoidNeuron])
def test_a_bad_offset_is_refused_naming_it(cls: Any) -> None:
    X, y, _, _ = _shifted("binary")
    y = 0.2 + 0.6 * y if cls is SigmoidNeuron else y
    for bad, why in ((np.zeros(X.shape[0] - 1), "offset must have shape"),
                     (np.full(X.shape[0], np.nan), "offset contains NaN")):  # fmt: skip
        with pytest.raises(ValueError, match=why):
            cls().fit(X, y, offset=bad)
    model = cls().fit(X, y)
    with pytest.raises(ValueError, match="offset must have shape"):
        model.predict(X, offset=np.zeros(3))


def test_standard_errors_with_an_offset_equal_statsmodels() -> None:
    X, y, offset = _fair()
    model = LogisticRegression(alpha=0.0, tol=1e-10).fit(X, y, offset=offset)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset).fit(tol=1e-12)
    table = model.coef_table(X, y, offset=offset)
    se = np.append(glm.bse[1:], glm.bse[0])  # ours: the features, then the intercept
    np.testing.assert_allclose(table["se"].to_numpy(), se, rtol=1e-5)
    robust = model.coef_table(X, y, offset=offset, robust=True)
    glm_hc0 = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset).fit(
        tol=1e-12, cov_type="HC0"
    )
    np.testing.assert_allclose(
        robust["se"].to_numpy(), np.append(glm_hc0.bse[1:], glm_hc0.bse[0]), rtol=1e-5
    )


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_penalised_offset_fits_equal_glums(l1_ratio: float) -> None:
    from glum import GeneralizedLinearRegressor

    X, y, offset = _fair()
    X = (X - X.mean(0)) / X.std(0)
    alpha = 0.01
    ours = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10).fit(X, y, offset=offset)
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=l1_ratio, gradient_tol=1e-12, max_iter=1000
    ).fit(X, y, offset=offset)
    np.testing.assert_allclose(ours.coef_[0], glum.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_[0], glum.intercept_, rtol=1e-6)
    np.testing.assert_array_equal(ours.coef_[0] == 0, glum.coef_ == 0)
    linear_y = X @ np.linspace(-1, 1, X.shape[1]) + offset + 0.3
    lin = LinearRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10)
    lin.fit(X, linear_y, offset=offset)
    ref = GeneralizedLinearRegressor(
        family="normal", alpha=alpha, l1_ratio=l1_ratio, gradient_tol=1e-12, max_iter=1000
    ).fit(X, linear_y, offset=offset)
    np.testing.assert_allclose(lin.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        lin.predict(X, offset=offset), ref.predict(X, offset=offset), rtol=1e-7
    )
