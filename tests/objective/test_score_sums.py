"""The one-pass sums of inference, against the same sums written out row by row.

Oracles: per-row outer products and Kronecker products in plain NumPy with SciPy's
``expit``/``softmax`` (no code shared with the chunked, threaded pass), pandas' groupby
for the cluster sums, and central differences of the summed gradient for the Hessian.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, softmax

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
)
from sigmoid_neuron.objective.scores import block_score_sums, block_separation

N, D = 300, 4


def _problem(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) * [1.0, 3.0, 0.2, 1.0] + [0.0, 1.0, 0.0, -2.0]
    s = rng.uniform(0.0, 3.0, size=N)
    s[:5] = 0.0
    if kind == "multinomial":
        W, b = rng.normal(size=(3, D)), rng.normal(size=3)
        Y = np.eye(3)[rng.integers(0, 3, N)]
        return X, Y, s, W, b, MultinomialCrossEntropy()
    W, b = rng.normal(size=(1, D)) * 0.5, np.array([0.3])
    if kind == "linear":
        return X, rng.normal(size=(N, 1)), s, W, b, HalfSquaredError()
    if kind == "sigmoid_se":
        return X, rng.uniform(size=(N, 1)), s, W, b, SigmoidHalfSquaredError()
    return X, (rng.uniform(size=(N, 1)) < 0.5).astype(float), s, W, b, BinaryCrossEntropy()


def _by_rows(kind, X, Y, s, W, b):
    """g_i and h_i (K x K) per row, and the summed H, gradient and meat, row by row."""
    Xa = np.column_stack([X, np.ones(len(X))])
    z = Xa @ np.hstack([W, b[:, None]]).T
    K, q = W.shape[0], Xa.shape[1]
    if kind == "multinomial":
        p = softmax(z, axis=1)
        g = p - Y
        h = np.stack([np.diag(pi) - np.outer(pi, pi) for pi in p])
    elif kind == "linear":
        g, h = z - Y, np.ones((len(X), 1, 1))
    elif kind == "sigmoid_se":
        p = expit(z)
        g = (p - Y) * p * (1 - p)
        v = p * (1 - p)
        h = (v * v + (p - Y) * v * (1 - 2 * p))[:, :, None]
    else:
        p = expit(z)
        g, h = p - Y, (p * (1 - p))[:, :, None]
    H = np.zeros((K * q, K * q))
    M = np.zeros((K * q, K * q))
    grad = np.zeros(K * q)
    U = np.zeros((len(X), K * q))
    for i in range(len(X)):
        H += s[i] * np.kron(h[i], np.outer(Xa[i], Xa[i]))
        u = np.kron(g[i], Xa[i])
        M += s[i] * np.outer(u, u)
        grad += s[i] * u
        U[i] = s[i] * u
    return H, grad, M, U


@pytest.mark.parametrize("kind", ["logistic", "multinomial", "linear", "sigmoid_se"])
def test_sums_equal_the_row_by_row_sums(kind):
    X, Y, s, W, b, loss = _problem(kind)
    labels = np.random.default_rng(9).choice(["a", "b", "c", "d", "e"], N)
    out = block_score_sums(X, Y, s, W, b, loss, robust=True, clusters=labels, n_threads=2)
    H, grad, M, U = _by_rows(kind, X, Y, s, W, b)
    scale = np.abs(H).max()
    np.testing.assert_allclose(out.hessian, H, rtol=1e-10, atol=1e-12 * scale)
    np.testing.assert_allclose(out.gradient, grad, rtol=1e-10, atol=1e-12 * np.abs(grad).max())
    np.testing.assert_allclose(out.meat, M, rtol=1e-10, atol=1e-12 * np.abs(M).max())
    by_label = pd.DataFrame(U).groupby(labels).sum()
    assert out.clusters is not None
    assert out.clusters.labels.tolist() == by_label.index.tolist()
    np.testing.assert_allclose(out.clusters.sums, by_label.to_numpy(), rtol=1e-10, atol=1e-10)
    assert out.total_weight == pytest.approx(s.sum(), rel=1e-14)
    assert out.n_rows == N - 5
    Xa = np.column_stack([X, np.ones(N)])
    np.testing.assert_allclose(out.column_squares, s @ (Xa * Xa), rtol=1e-12)


def test_the_hessian_is_the_derivative_of_the_gradient():
    X, Y, s, W, b, loss = _problem("multinomial", seed=3)
    theta = np.hstack([W, b[:, None]]).ravel()

    def grad(t):
        Wb = t.reshape(3, D + 1)
        return block_score_sums(X, Y, s, Wb[:, :D], Wb[:, D], loss).gradient

    H = block_score_sums(X, Y, s, W, b, loss).hessian
    eps = 1e-6
    fd = np.column_stack(
        [(grad(theta + eps * e) - grad(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)]
    )
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6 * np.abs(H).max())


def test_blocks_add_up_to_the_whole_and_float32_is_summed_in_float64():
    X, Y, s, W, b, loss = _problem("logistic", seed=5)
    g = np.arange(N) % 4
    whole = block_score_sums(X, Y, s, W, b, loss, robust=True, clusters=g, n_threads=1)
    parts = [
        block_score_sums(X[r], Y[r], s[r], W, b, loss, robust=True, clusters=g[r])
        for r in (slice(0, 120), slice(120, 121), slice(121, N))
    ]
    total = parts[0] + parts[1] + parts[2]
    np.testing.assert_allclose(total.hessian, whole.hessian, rtol=1e-12)
    np.testing.assert_allclose(total.meat, whole.meat, rtol=1e-12)
    np.testing.assert_allclose(total.clusters.sums, whole.clusters.sums, rtol=1e-12, atol=1e-12)
    single = block_score_sums(X.astype(np.float32), Y, s, W, b, loss)
    assert single.hessian.dtype == np.float64
    rounded = block_score_sums(X.astype(np.float32).astype(np.float64), Y, s, W, b, loss)
    np.testing.assert_allclose(single.hessian, rounded.hessian, rtol=1e-12)


def test_separation_margins_of_planted_directions():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(float)[:, None]  # separated by x0
    V = np.array([[[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]]])  # directions x0 and x1
    found = block_separation(X, y, None, V)
    assert found.against[0, 0] == 0.0 and found.agree[0, 0] > 1.0  # +x0 separates
    assert found.against[0, 1] > 1.0  # -x0 does not
    assert (found.against[1] > 0.5).all()  # x1 does not, either way
    np.testing.assert_allclose(found.bound, 2 * np.abs(X).max(axis=0), rtol=1e-12)
