"""The explicit-SIMD row dot product and column-blocked update against exact sums.

Oracle: ``math.fsum`` of the float64 products (exact sum of the rounded products), with
the textbook error bound of any float64 summation order, ``|error| <= 2 d eps sum|x w|``;
a slice counted twice or left out (the masked tails, the leftover slices of a pass) is
wrong by a whole term, far above it. Every row length from 1 to past two full column
blocks is covered, so every branch of the generated code runs for both dtypes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sigmoid_neuron.objective import BinaryCrossEntropy, MultinomialCrossEntropy
from sigmoid_neuron.objective.kernels import HAVE_NUMBA, fused_sums

pytestmark = pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")

EPS = np.finfo(np.float64).eps
# row lengths: below one vector, every leftover count of a pass (up to 16 slices of 8
# float32 lanes), whole passes with and without a tail
LENGTHS = [*range(1, 140), 255, 256, 257, 300]


def _kernels():  # type: ignore[no-untyped-def]
    import numba

    from sigmoid_neuron.objective.simd import row_dot, rows_axpy

    @numba.njit
    def dots(X, w, out):  # type: ignore[no-untyped-def]
        for r in range(X.shape[0]):
            out[r] = row_dot(X, r, w)

    @numba.njit
    def axpy(X, s0, m, g, acc):  # type: ignore[no-untyped-def]
        rows_axpy(X, s0, m, g, acc)

    return dots, axpy


@pytest.fixture(scope="module")
def kernels():  # type: ignore[no-untyped-def]
    return _kernels()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_dot_is_the_exact_sum_within_the_summation_bound(kernels, dtype: type) -> None:  # type: ignore[no-untyped-def]
    dots, _ = kernels
    rng = np.random.default_rng(0)
    for d in LENGTHS:
        X = rng.normal(size=(5, d)).astype(dtype)
        w = rng.normal(size=d) * 10.0 ** rng.integers(-3, 4, size=d)
        z = np.empty(5)
        dots(X, w, z)
        X64 = X.astype(np.float64)  # exact widening
        for r in range(5):
            exact = math.fsum(X64[r] * w)
            bound = 2 * d * EPS * float(np.abs(X64[r] * w).sum())
            assert abs(z[r] - exact) <= bound, (d, r, z[r], exact)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_axpy_adds_the_exact_column_sums(kernels, dtype: type) -> None:  # type: ignore[no-untyped-def]
    _, axpy = kernels
    rng = np.random.default_rng(1)
    for d in LENGTHS:
        n, s0, m = 40, 3, 33
        X = rng.normal(size=(n, d)).astype(dtype)
        g = rng.normal(size=n)
        acc0 = rng.normal(size=d)
        acc = acc0.copy()
        axpy(X, s0, m, g[s0 : s0 + m].copy(), acc)
        X64 = X[s0 : s0 + m].astype(np.float64)
        products = X64 * g[s0 : s0 + m, None]
        for j in range(d):
            exact = math.fsum([acc0[j], *products[:, j]])
            bound = 2 * (m + 1) * EPS * (abs(acc0[j]) + float(np.abs(products[:, j]).sum()))
            assert abs(acc[j] - exact) <= bound, (d, j, acc[j], exact)


def test_rows_axpy_touches_only_its_rows_and_no_rows_is_a_no_op(kernels) -> None:  # type: ignore[no-untyped-def]
    _, axpy = kernels
    rng = np.random.default_rng(2)
    X = rng.normal(size=(10, 37))
    X[:2] = np.nan  # rows outside s0 .. s0 + m must never be read into the sums
    X[7:] = np.inf
    acc = np.arange(37.0)
    axpy(X, 2, 5, rng.normal(size=5), acc)
    assert np.isfinite(acc).all()
    before = acc.copy()
    axpy(X, 2, 0, np.empty(0), acc)
    np.testing.assert_array_equal(acc, before)


def test_non_finite_input_propagates(kernels) -> None:  # type: ignore[no-untyped-def]
    dots, axpy = kernels
    for d in (3, 37):
        X = np.ones((2, d))
        X[0, d - 1] = np.nan  # in the masked tail for d = 37
        X[1, 0] = np.inf
        z = np.empty(2)
        dots(X, np.ones(d), z)
        assert np.isnan(z[0]) and z[1] == np.inf
        acc = np.zeros(d)
        axpy(X, 0, 1, np.ones(1), acc)
        assert np.isnan(acc[d - 1]) and np.isfinite(acc[: d - 1]).all()


def test_the_same_row_gives_the_same_bits_wherever_it_sits(kernels) -> None:  # type: ignore[no-untyped-def]
    """The order is a function of the row alone: not of its address or alignment."""
    dots, _ = kernels
    rng = np.random.default_rng(3)
    row = rng.normal(size=45)
    w = rng.normal(size=45)
    X = np.tile(row, (9, 1))
    z = np.empty(9)
    dots(X, w, z)
    assert len({v.hex() for v in z}) == 1


@pytest.mark.parametrize("d", [5, 37, 100])
def test_float32_rows_give_float64_accurate_sums(d: int) -> None:
    """float32 X is widened exactly: the sums are float64 arithmetic on X.astype(float64)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, d)).astype(np.float32)
    y = (rng.random(3000) < 0.5).astype(np.float32)
    W = rng.normal(size=(1, d)) * 0.1
    b = np.array([0.2])
    out = fused_sums(X, y, None, W, b, BinaryCrossEntropy(), 1, method="numba", n_threads=2)
    X64 = X.astype(np.float64)
    z = X64 @ W[0] + b[0]
    g = 1.0 / (1.0 + np.exp(-z)) - y
    loss = math.fsum(np.logaddexp(0.0, z) - y * z)
    assert out.loss == pytest.approx(loss, rel=1e-13)
    scale = np.abs(g) @ np.abs(X64)
    assert np.all(np.abs(out.grad_coef[0] - g @ X64) <= 1e-12 * scale)


@pytest.mark.parametrize("d", [1, 9, 70])
def test_multinomial_kernel_over_row_lengths(d: int) -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2000, d))
    labels = rng.integers(0, 3, size=2000)
    Y = np.eye(3)[labels]
    W = rng.normal(size=(3, d)) * 0.3
    b = rng.normal(size=3)
    out = fused_sums(X, Y, None, W, b, MultinomialCrossEntropy(), 1, method="numba", n_threads=2)
    z = X @ W.T + b
    lse = np.logaddexp.reduce(z, axis=1)
    p = np.exp(z - lse[:, None])
    assert out.loss == pytest.approx(math.fsum(lse - z[np.arange(2000), labels]), rel=1e-12)
    np.testing.assert_allclose(out.grad_coef, (p - Y).T @ X, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out.grad_intercept, (p - Y).sum(axis=0), rtol=1e-10, atol=1e-10)


def test_kernels_record_the_hash_of_simd_source() -> None:
    """numba's cache would keep kernels compiled with an older simd.py (it keys on
    compiled.py only): a change to simd.py must come with a new SIMD_SOURCE_SHA256."""
    import hashlib
    from pathlib import Path

    from sigmoid_neuron.objective import compiled, simd

    source = Path(simd.__file__).read_bytes().replace(b"\r\n", b"\n")
    assert hashlib.sha256(source).hexdigest() == compiled.SIMD_SOURCE_SHA256, (
        "simd.py changed: set SIMD_SOURCE_SHA256 in objective/compiled.py to its new SHA-256"
    )


PORTABLE_SCRIPT = """
import math, numpy as np
from sigmoid_neuron.objective import BinaryCrossEntropy
from sigmoid_neuron.objective.kernels import fused_sums
rng = np.random.default_rng(0)
worst = 0.0
for dtype in (np.float64, np.float32):
    for d in (1, 3, 4, 7, 8, 9, 33, 64, 100, 129):
        X = rng.normal(size=(3000, d)).astype(dtype)
        y = (rng.random(3000) < 0.5).astype(dtype)
        W = rng.normal(size=(1, d)) * 0.3
        out = fused_sums(X, y, None, W, np.array([0.1]), BinaryCrossEntropy(), 1, method="numba")
        X64 = X.astype(np.float64)
        z = X64 @ W[0] + 0.1
        g = 1.0 / (1.0 + np.exp(-z)) - y
        exact = math.fsum(np.logaddexp(0.0, z) - y * z)
        worst = max(worst, abs(out.loss - exact) / abs(exact))
        err = np.abs(out.grad_coef[0] - g @ X64) / (np.abs(g) @ np.abs(X64))
        worst = max(worst, float(err.max()))
print(worst)
"""


@pytest.mark.slow
@pytest.mark.parametrize("cpu", ["haswell", "x86-64"])
def test_the_generated_code_is_right_on_other_cpus(cpu: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The IR targets no particular CPU: compiled for AVX2 (haswell) and for baseline x86-64
    (no FMA unit: llvm.fma is then a library call) the sums are as accurate."""
    import os
    import platform
    import subprocess
    import sys

    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("x86-64 CPU names")
    env = {**os.environ, "NUMBA_CPU_NAME": cpu, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", PORTABLE_SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    assert float(out.stdout.split()[-1]) <= 1e-13
