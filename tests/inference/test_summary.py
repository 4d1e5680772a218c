"""The text summary: statsmodels' numbers in statsmodels' layout, grouped by class, warnings
as numbered notes."""

from __future__ import annotations

import warnings

import numpy as np
from inference_data import anes96, fitted_logistic, sm, spector

from sigmoid_neuron import LogisticRegression
from sigmoid_neuron.inference import InferenceSummary, InferenceWarning


def test_summary_lines_carry_statsmodels_numbers():
    X, y = spector()
    res = sm.Logit(y, sm.add_constant(X, prepend=False)).fit(method="newton", tol=1e-12, disp=0)
    summary = fitted_logistic("spector").summary(X, y)
    assert isinstance(summary, InferenceSummary)
    text = str(summary)
    assert repr(summary) == text
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    for j, name in enumerate(["GPA", "TUCE", "PSI"]):
        cells = lines[name]
        assert cells[1] == f"{res.params.iloc[j]:.4f}"
        assert cells[2] == f"{res.bse.iloc[j]:.4f}"
        assert cells[3] == f"{res.tvalues.iloc[j]:.4f}"
        assert cells[4] == f"{res.pvalues.iloc[j]:.3f}"
    assert "const" not in lines and "intercept" in lines
    assert "P>|z|" in text and "[0.025" in text and "0.975]" in text
    assert "Covariance:" in text and "nonrobust" in text
    assert "Rows:" in text and "32" in text
    assert summary.table.equals(fitted_logistic("spector").coef_table(X, y))


def test_multinomial_summary_is_grouped_by_class():
    X, y = anes96()
    text = str(fitted_logistic("anes96").summary(X, y, robust=True))
    for k in range(7):
        assert f"class = {k}" in text
    assert text.count("logpopul") == 7
    assert "HC0" in text


def test_warnings_become_numbered_notes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    X = np.column_stack([X, X[:, 0] - X[:, 1]])
    y = (rng.uniform(size=200) < 0.5).astype(int)
    model = LogisticRegression(alpha=0, tol=1e-10).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = str(model.summary(X, y, confidence_level=0.9))
    assert any(issubclass(w.category, InferenceWarning) for w in caught)
    assert "[1] the Hessian is singular" in text
    assert "[0.05" in text and "0.95]" in text
    assert max(len(line) for line in text.splitlines()) <= 90
