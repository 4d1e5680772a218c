"""Options that would be silently ignored or silently wrong are flagged."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron

rng = np.random.default_rng(7)
X = rng.normal(size=(60, 3))
y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(int)


@pytest.mark.parametrize("option", [{"learning_rate": 0.5}, {"batch_size": 8}, {"eta0": 0.1}])
def test_step_options_with_a_full_batch_solver_warn(option: dict) -> None:
    name = next(iter(option))
    with pytest.warns(UserWarning, match=name):
        LogisticRegression(optimizer="lbfgs", **option).fit(X, y)


def test_step_options_with_a_step_optimizer_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(optimizer="gd", learning_rate=0.5, max_epochs=5, tol=None).fit(X, y)


def test_partial_fit_refuses_cosine_without_a_budget() -> None:
    model = LogisticRegression(optimizer="sgd", learning_rate="cosine", eta0=0.5)
    with pytest.raises(ValueError, match="total_steps"):
        model.partial_fit(X, y, classes=[0, 1])


def test_partial_fit_with_a_cosine_budget_keeps_learning() -> None:
    model = LogisticRegression(
        optimizer="sgd",
        learning_rate="cosine",
        eta0=0.5,
        schedule_params={"total_steps": 100},
        random_state=0,
    )
    coefs = []
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1])
        coefs.append(model.coef_.copy())
    assert not np.allclose(coefs[1], coefs[2])


@pytest.mark.parametrize("model", [SigmoidNeuron(), LogisticRegression(), LinearRegression()])
def test_huge_finite_inputs_predict_without_warnings(model) -> None:
    target = expit(X[:, 0]) if isinstance(model, SigmoidNeuron) else y
    model.fit(X, target)
    huge = np.full((2, 3), 1e307)
    huge[1] *= -1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model.predict(huge)
    assert np.all(np.isfinite(out)) or isinstance(model, LinearRegression)
