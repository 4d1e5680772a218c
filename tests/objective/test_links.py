"""Pointwise losses on z against SciPy/scikit-learn and finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.metrics import log_loss

from sigmoid_neuron.objective.links import (
    LOSSES,
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
)

rng = np.random.default_rng(0)


def _targets(loss_name: str, n: int, K: int) -> np.ndarray:
    if loss_name == "multinomial_cross_entropy":
        return np.eye(K)[rng.integers(0, K, n)]
    if loss_name == "squared_error":
        return rng.normal(size=(n, 1))
    return rng.uniform(size=(n, 1))  # soft targets in [0, 1]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradient_and_hessian_match_finite_differences(name: str) -> None:
    loss = LOSSES[name]()
    K = 3 if name == "multinomial_cross_entropy" else 1
    n = 7
    y = _targets(name, n, K)
    z = rng.normal(scale=2.0, size=(n, K))
    values, grad = loss.loss_gradient(y, z)
    np.testing.assert_allclose(values, loss.loss(y, z), rtol=1e-14)
    eps = 1e-6
    for k in range(K):
        dz = np.zeros_like(z)
        dz[:, k] = eps
        fd = (loss.loss(y, z + dz) - loss.loss(y, z - dz)) / (2 * eps)
        np.testing.assert_allclose(grad[:, k], fd, rtol=1e-6, atol=1e-9)
        gp = loss.loss_gradient(y, z + dz)[1]
        gm = loss.loss_gradient(y, z - dz)[1]
        fd_h = (gp - gm) / (2 * eps)
        H = loss.hessian(y, z)
        if H.ndim == 3:
            np.testing.assert_allclose(H[:, :, k], fd_h, rtol=1e-5, atol=1e-8)
        else:
            np.testing.assert_allclose(H[:, k], fd_h[:, k], rtol=1e-5, atol=1e-8)


def test_binary_cross_entropy_equals_log_loss() -> None:
    y = rng.integers(0, 2, 50).astype(float)
    z = rng.normal(scale=3, size=50)
    ours = BinaryCrossEntropy().loss(y[:, None], z[:, None]).mean()
    assert ours == pytest.approx(log_loss(y, expit(z)), rel=1e-12)


def test_binary_cross_entropy_soft_targets_scipy() -> None:
    y = rng.uniform(size=(40, 1))
    z = rng.normal(scale=3, size=(40, 1))
    expected = -(y * log_expit(z) + (1 - y) * log_expit(-z))
    np.testing.assert_allclose(BinaryCrossEntropy().loss(y, z), expected[:, 0], rtol=1e-12)


def test_multinomial_equals_log_loss() -> None:
    labels = rng.integers(0, 4, 60)
    z = rng.normal(scale=2, size=(60, 4))
    Y = np.eye(4)[labels]
    ours = MultinomialCrossEntropy().loss(Y, z).mean()
    assert ours == pytest.approx(log_loss(labels, softmax(z, axis=1)), rel=1e-12)
    np.testing.assert_allclose(
        MultinomialCrossEntropy().loss(Y, z), logsumexp(z, axis=1) - (Y * z).sum(1), rtol=1e-12
    )


def test_squared_errors_match_definitions() -> None:
    y = rng.uniform(size=(20, 1))
    z = rng.normal(size=(20, 1))
    np.testing.assert_allclose(HalfSquaredError().loss(y, z), 0.5 * (z - y)[:, 0] ** 2)
    np.testing.assert_allclose(
        SigmoidHalfSquaredError().loss(y, z), 0.5 * (expit(z) - y)[:, 0] ** 2, rtol=1e-12
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_extreme_logits_finite_no_warnings(name: str, dtype: type) -> None:
    loss = LOSSES[name]()
    big = np.finfo(dtype).max / 4
    z = np.array([[-big], [-1e3], [0.0], [1e3], [big]], dtype=dtype)
    if name == "multinomial_cross_entropy":
        z = np.hstack([z, -z])
        y = np.tile(np.array([[1.0, 0.0]], dtype=dtype), (5, 1))
    else:
        y = np.array([[0.0], [1.0], [0.5], [0.0], [1.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, grad = loss.loss_gradient(y, z)
        hess = loss.hessian(y, z)
    assert values.dtype == dtype and grad.dtype == dtype
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    if name != "squared_error":
        assert np.all(np.isfinite(values))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_derivatives_keep_relative_accuracy_in_the_tails(dtype: type) -> None:
    """sigma(z) - y and sigma(z)(1 - sigma(z)) to full relative accuracy where sigma rounds to 1.

    Oracle: mpmath at 50 digits. The naive forms give 0 at z = 40 (y = 1), not -4.2e-18.
    """
    import mpmath

    mpmath.mp.dps = 50
    zs = [-700.0, -80.0, -40.0, -3.0, 0.0, 3.0, 40.0, 80.0, 700.0]
    if dtype == np.float32:
        zs = [v for v in zs if abs(v) <= 80]
    z = np.array(zs, dtype=dtype)[:, None]
    loss = BinaryCrossEntropy()
    eps = float(np.finfo(dtype).eps)
    for label in (0.0, 1.0):
        y = np.full_like(z, label)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, grad = loss.loss_gradient(y, z)
            hess = loss.hessian(y, z)
        for zi, gi, hi in zip(z[:, 0], grad[:, 0], hess[:, 0], strict=True):
            zm = mpmath.mpf(float(zi))
            s, one_minus_s = 1 / (1 + mpmath.exp(-zm)), 1 / (1 + mpmath.exp(zm))
            g_exact = s if label == 0.0 else -one_minus_s
            h_exact = s * one_minus_s
            if g_exact != 0:
                assert abs((gi - g_exact) / g_exact) <= 4 * eps, (zi, label, gi)
            assert abs((hi - h_exact) / h_exact) <= 4 * eps, (zi, hi)
    # the fused kernel takes the same care
    from sigmoid_neuron.objective.kernels import HAVE_NUMBA, fused_sums

    if HAVE_NUMBA:
        X = np.ones((1, 1), dtype=dtype)
        for zi in (40.0, 80.0):
            out = fused_sums(
                X, np.ones(1, dtype), None, np.array([[zi]]), np.zeros(1), loss, 1, method="numba"
            )
            exact = -float(mpmath.exp(-zi) / (1 + mpmath.exp(-zi)))
            assert out.grad_coef[0, 0] == pytest.approx(exact, rel=1e-14)
