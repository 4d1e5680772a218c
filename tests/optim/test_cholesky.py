"""Cholesky factors through LAPACK: the factor, the solve, and the condition estimates."""

from __future__ import annotations

import numpy as np
import pytest

from sigmoid_neuron.optim import cholesky


def _spd(rng: np.random.Generator, p: int) -> np.ndarray:
    A = rng.standard_normal((3 * p, p))
    return A.T @ A


def test_factor_and_solve_against_numpy() -> None:
    rng = np.random.default_rng(0)
    A = _spd(rng, 8)
    U, rcond = cholesky.factor(A)
    np.testing.assert_allclose(np.triu(U).T @ np.triu(U), A, rtol=1e-12, atol=1e-12)
    b = rng.standard_normal(8)
    np.testing.assert_allclose(cholesky.solve(U, b), np.linalg.solve(A, b), rtol=1e-10)
    exact = 1.0 / np.linalg.cond(A, 1)
    assert exact / 10 <= rcond <= exact * 10  # pocon estimates ||A^-1||_1 within a factor
    assert cholesky.factor(-A) is None


def test_equilibrated_condition_ignores_the_sizes_of_the_diagonal() -> None:
    """``D A D`` (unit diagonal) is what bounds a solve's accuracy: a well-conditioned
    matrix scaled by wildly different row/column sizes keeps its estimate, and solves
    with its factor are as accurate as with the unscaled one."""
    rng = np.random.default_rng(1)
    B = _spd(rng, 6)
    sizes = 10.0 ** np.array([0, 8, -4, 12, 3, -6])
    A = B * sizes[:, None] * sizes
    root = 1.0 / np.sqrt(A.diagonal())
    exact = 1.0 / np.linalg.cond(A * root[:, None] * root, 1)
    U, plain = cholesky.factor(A)
    _, scaled = cholesky.factor(A, equilibrated=True)
    assert plain < 1e-20  # the unscaled estimate sees the sizes
    assert exact / 10 <= scaled <= exact * 10
    x = rng.standard_normal(6) / sizes
    np.testing.assert_allclose(cholesky.solve(U, A @ x), x, rtol=1e-9)


@pytest.mark.parametrize("p", [1, 5])
def test_singular_is_refused(p: int) -> None:
    A = np.zeros((p, p))
    assert cholesky.factor(A) is None
    assert cholesky.factor(A, equilibrated=True) is None
