"""Shared estimator machinery: parameters, schedules, warnings, Dask input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron

X, Y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)


def test_partial_fit_exists_only_for_step_based_optimizers() -> None:
    for optimizer in ("gd", "sgd", "momentum", "nesterov", "adam"):
        assert hasattr(SigmoidNeuron(optimizer=optimizer), "partial_fit")
    for optimizer in ("lbfgs", "newton"):
        assert not hasattr(LinearRegression(optimizer=optimizer), "partial_fit")


def test_named_schedule_uses_eta0_and_schedule_params() -> None:
    """invscaling: eta_t = eta0 / (t + 1)^power_t, t = updates (ceil(569 / 100) = 6 per epoch)."""
    model = LogisticRegression(
        optimizer="sgd",
        learning_rate="invscaling",
        eta0=0.3,
        schedule_params={"power_t": 0.5},
        batch_size=100,
        max_epochs=4,
        tol=None,
        random_state=0,
    ).fit(X, Y)
    expected = [0.3 / math.sqrt(6 * k + 1) for k in range(4)]
    np.testing.assert_allclose(model.history_.learning_rate, expected, rtol=1e-15)


def test_cosine_schedule_defaults_to_the_run_length() -> None:
    """cosine: eta_t = eta0 (1 + cos(pi t / T)) / 2 with T = epochs * updates per epoch."""
    model = LinearRegression(
        optimizer="gd", learning_rate="cosine", eta0=0.2, max_epochs=10, tol=None
    ).fit(X, Y)
    expected = [0.2 * (1 + math.cos(math.pi * k / 10)) / 2 for k in range(10)]
    np.testing.assert_allclose(model.history_.learning_rate, expected, rtol=1e-14, atol=1e-17)


def test_default_rates_are_the_rules_defaults() -> None:
    for optimizer, eta in (("gd", 0.1), ("momentum", 0.01), ("adam", 0.001)):
        model = LinearRegression(optimizer=optimizer, max_epochs=2, tol=None).fit(X, Y)
        assert model.history_.learning_rate == [eta, eta]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"learning_rate": "warp"}, "'learning_rate' parameter"),
        ({"learning_rate": -0.1}, "'learning_rate' parameter"),
        ({"max_epochs": 0}, "'max_epochs' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"tol": -1}, "'tol' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"learning_rate": 0.1, "schedule_params": {"power_t": 1}}, "schedule_params is only used"),
        ({"learning_rate": "exponential"}, "schedule_params"),
    ],
)
def test_parameter_errors_name_the_parameter(params: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        LogisticRegression(optimizer="sgd", **params).fit(X, Y)


def test_validation_fraction_too_large_for_tiny_data() -> None:
    with pytest.raises(ValueError, match="leaves no rows for training"):
        LogisticRegression(validation_fraction=0.9).fit([[0.0], [1.0]], [0, 1])


def test_not_converging_warns_and_a_rising_loss_blames_the_learning_rate() -> None:
    with pytest.warns(ConvergenceWarning, match="did not converge.*max_epochs=3"):
        LogisticRegression(optimizer="gd", max_epochs=3).fit(X, Y)
    # lr just above 2/L (L the largest eigenvalue of the Hessian [X 1]^T [X 1] / n): the
    # loss grows slowly, so no divergence error, yet it is no "convergence" either
    Xa = np.c_[X, np.ones(len(X))]
    L = np.linalg.eigvalsh(Xa.T @ Xa / len(X))[-1]
    with pytest.warns(ConvergenceWarning, match="rose in each of the last 5 epochs"):
        LinearRegression(optimizer="gd", learning_rate=2.05 / L, max_epochs=300).fit(X, Y)
    model = LinearRegression(optimizer="gd", learning_rate=0.1, max_epochs=2, tol=None)
    with np.testing.assert_no_warnings():
        model.fit(X, Y)  # tol=None asks for exactly max_epochs: no warning


def test_verbose_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    SigmoidNeuron(optimizer="gd", max_epochs=4, tol=None, verbose=True).fit(X, Y)
    assert "4/4" in capsys.readouterr().err


def test_dask_input_uses_the_dask_backend_without_converting() -> None:
    da = pytest.importorskip("dask.array")
    Xd = da.from_array(X, chunks=(100, -1))
    yd = da.from_array(Y, chunks=100)
    numpy_model = LogisticRegression(alpha=1e-2, tol=1e-10).fit(X, Y)
    dask_model = LogisticRegression(alpha=1e-2, tol=1e-10).fit(Xd, yd)
    np.testing.assert_allclose(dask_model.coef_, numpy_model.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(dask_model.classes_, [0, 1])
    neuron = SigmoidNeuron(optimizer="gd", learning_rate=0.5, max_epochs=5, tol=None)
    np.testing.assert_allclose(
        neuron.fit(Xd, yd).coef_,
        SigmoidNeuron(optimizer="gd", learning_rate=0.5, max_epochs=5, tol=None).fit(X, Y).coef_,
        rtol=1e-10,
    )
    # mini-batches stream the blocks; unshuffled, 100-row blocks cut into the NumPy batches
    sgd = {"optimizer": "sgd", "batch_size": 50, "max_epochs": 3, "tol": None, "shuffle": False}
    np.testing.assert_allclose(
        LogisticRegression(**sgd).fit(Xd, yd).coef_,
        LogisticRegression(**sgd).fit(X, Y).coef_,
        rtol=1e-12,
    )
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\]"):
        SigmoidNeuron().fit(Xd, yd * 2)
    bad = Xd.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        LinearRegression().fit(bad, yd)
