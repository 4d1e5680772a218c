"""The fused sums over SciPy sparse matrices (objective/sparse_sums.py, compiled_sparse.py)
and the sparse column moments and Gram matrix (objective/moments.py).

Oracles: the formulas written out here with NumPy and scipy.special on the densified
matrix (logaddexp, expit, logsumexp, softmax), never our dense kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from scipy.special import expit, logsumexp, softmax

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
)
from sigmoid_neuron.objective.kernels import HAVE_NUMBA, fused_sums
from sigmoid_neuron.objective.moments import block_gram, block_moments, block_qr

N, D = 700, 40


def _problem(seed: int, K: int = 1, dtype: type = np.float64):
    rng = np.random.default_rng(seed)
    X = scipy.sparse.random(N, D, density=0.08, format="csr", random_state=seed, dtype=dtype)
    X.data *= rng.lognormal(0.0, 1.5, size=X.data.size).astype(dtype)  # unscaled values
    W = rng.normal(size=(K, D))
    b = rng.normal(size=K)
    sw = rng.uniform(0.0, 3.0, size=N)
    off = rng.normal(size=(N, 1))
    return rng, X, W, b, sw, off


def _augmented(X: scipy.sparse.csr_matrix) -> np.ndarray:
    Xd = X.toarray().astype(np.float64)
    return np.hstack([Xd, np.ones((Xd.shape[0], 1))])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_offset", [False, True])
def test_binary_cross_entropy_matches_the_formulas(dtype: type, with_offset: bool) -> None:
    rng, X, W, b, sw, off = _problem(1, dtype=dtype)
    y = (rng.random((N, 1)) < 0.4).astype(dtype)
    offset = off if with_offset else None
    A = _augmented(X)
    z = A @ np.append(W[0], b[0]) + (off[:, 0] if with_offset else 0.0)
    yv = y[:, 0].astype(np.float64)
    loss = np.sum(sw * (np.logaddexp(0.0, z) - yv * z))
    g = A.T @ (sw * (expit(z) - yv))
    p = expit(z)
    H = A.T @ ((sw * p * (1 - p))[:, None] * A)
    for method in ("auto", "blas"):
        out = fused_sums(X, y, sw, W, b, BinaryCrossEntropy(), 2 if method == "blas" else 1,
                         method=method, offset=offset)  # fmt: skip
        np.testing.assert_allclose(out.loss, loss, rtol=1e-12)
        np.testing.assert_allclose(out.grad_coef[0], g[:D], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(out.grad_intercept[0], g[D], rtol=1e-10)
        if out.hessian is not None:
            np.testing.assert_allclose(out.hessian, H, rtol=1e-10, atol=1e-10)


@pytest.mark.skipif(not HAVE_NUMBA, reason="the compiled CSR loop needs numba")
def test_the_compiled_csr_loop_reads_any_thread_count_to_the_same_bits() -> None:
    rng, X, W, b, sw, off = _problem(2)
    y = rng.random((N, 1))
    outs = [
        fused_sums(X, y, sw, W, b, SigmoidHalfSquaredError(), 1, n_threads=t, offset=off)
        for t in (1, 2, 3)
    ]
    for out in outs[1:]:
        assert out.loss == outs[0].loss
        np.testing.assert_array_equal(out.grad_coef, outs[0].grad_coef)
    z = _augmented(X) @ np.append(W[0], b[0]) + off[:, 0]
    s = expit(z)
    np.testing.assert_allclose(outs[0].loss, np.sum(sw * 0.5 * (s - y[:, 0]) ** 2), rtol=1e-12)


def test_multinomial_and_squared_error_with_several_outputs() -> None:
    rng, X, W, b, sw, off = _problem(3, K=3)
    labels = rng.integers(0, 3, size=N)
    Y = np.eye(3)[labels]
    Xd = X.toarray()
    z = Xd @ W.T + b + off
    loss = np.sum(sw * (logsumexp(z, axis=1) - z[np.arange(N), labels]))
    G = ((softmax(z, axis=1) - Y) * sw[:, None]).T @ Xd
    out = fused_sums(X, Y, sw, W, b, MultinomialCrossEntropy(), 2, offset=off)
    np.testing.assert_allclose(out.loss, loss, rtol=1e-12)
    np.testing.assert_allclose(out.grad_coef, G, rtol=1e-10, atol=1e-10)
    # the softmax Hessian by finite differences of the oracle gradient
    A = _augmented(X)

    def grad(theta: np.ndarray) -> np.ndarray:
        T = theta.reshape(3, D + 1)
        zz = A @ T.T + off
        return (((softmax(zz, axis=1) - Y) * sw[:, None]).T @ A).ravel()

    theta = np.hstack([W, b[:, None]]).ravel()
    h = 1e-6
    fd = np.column_stack(
        [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    )
    np.testing.assert_allclose(out.hessian, fd, rtol=1e-5, atol=1e-6)
    Yr = rng.normal(size=(N, 3))
    sq = fused_sums(X, Yr, None, W, b, HalfSquaredError(), 1)
    r = Xd @ W.T + b - Yr
    np.testing.assert_allclose(sq.loss, 0.5 * np.sum(r * r), rtol=1e-12)
    np.testing.assert_allclose(sq.grad_coef, r.T @ Xd, rtol=1e-10, atol=1e-9)


def test_csc_input_is_read_as_csr_and_never_densified(monkeypatch: pytest.MonkeyPatch) -> None:
    rng, X, W, b, sw, _ = _problem(4)
    y = (rng.random((N, 1)) < 0.5).astype(float)
    ref = fused_sums(X, y, sw, W, b, BinaryCrossEntropy(), 1)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sparse matrix was densified")

    monkeypatch.setattr(scipy.sparse.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(scipy.sparse.csc_matrix, "toarray", refuse)
    got = fused_sums(X.tocsc(), y, sw, W, b, BinaryCrossEntropy(), 1)
    np.testing.assert_allclose(got.loss, ref.loss, rtol=1e-13)
    np.testing.assert_allclose(got.grad_coef, ref.grad_coef, rtol=1e-12, atol=1e-12)


def test_offset_of_the_wrong_shape_is_refused() -> None:
    _, X, W, b, sw, _ = _problem(5)
    y = np.zeros((N, 1))
    with pytest.raises(ValueError, match="offset must have shape"):
        fused_sums(X, y, sw, W, b, BinaryCrossEntropy(), 1, offset=np.zeros(N - 1))


def test_sparse_moments_gram_and_qr_match_the_dense_formulas() -> None:
    rng, X, _, _, sw, _ = _problem(6)
    y = rng.normal(size=(N, 1))
    Xd = X.toarray()
    S = sw.sum()
    mean = sw @ Xd / S
    m = block_moments(X, y, sw)
    np.testing.assert_allclose(m.total_weight, S, rtol=1e-14)
    np.testing.assert_allclose(m.mean_x, mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.m2_x, sw @ (Xd - mean) ** 2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m.mean_y, [sw @ y[:, 0] / S], rtol=1e-12)
    y0 = np.array([0.3])
    Adense = np.sqrt(sw)[:, None] * np.hstack([Xd - mean, y - y0])
    ones = np.sqrt(sw)[:, None] * np.hstack([Xd - mean + 0.1, y - y0, np.ones((N, 1))])
    np.testing.assert_allclose(  # about another shift, with the column of ones
        block_gram(X, y, sw, mean - 0.1, y0), ones.T @ ones, atol=1e-9
    )
    R = block_qr(X, y, sw, mean, y0).R
    np.testing.assert_allclose(R.T @ R, Adense.T @ Adense, atol=1e-9)
