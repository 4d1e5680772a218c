"""Fused kernels against the two-pass formula written here with SciPy, and finite differences.

The oracle below is independent of the code under test: it takes ``z = X W^T + b`` in
float64 and the pointwise losses from ``scipy.special`` (``log_expit``, ``expit``,
``logsumexp``, ``softmax``), then ``g^T X`` in a second pass.
"""

from __future__ import annotations

import os
import threading
import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.special import expit, log_expit, logsumexp, softmax

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
    make_objective,
)
from sigmoid_neuron.objective.kernels import HAVE_NUMBA, all_finite, fused_sums
from sigmoid_neuron.objective.sums import block_sums

METHODS = ["numba", "blas", "plain"] if HAVE_NUMBA else ["blas", "plain"]
LOSSES = {
    "cross_entropy": (BinaryCrossEntropy, 1),
    "sigmoid_squared_error": (SigmoidHalfSquaredError, 1),
    "squared_error": (HalfSquaredError, 1),
    "squared_error_3_outputs": (HalfSquaredError, 3),
    "multinomial": (MultinomialCrossEntropy, 3),
}


def _oracle_pointwise(name: str, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row loss (n,) and dl/dz (n, K), float64, from SciPy."""
    if name == "cross_entropy":
        values = -(y * log_expit(z) + (1 - y) * log_expit(-z))
        return values[:, 0], expit(z) - y
    if name == "sigmoid_squared_error":
        s = expit(z)
        return 0.5 * ((s - y) ** 2)[:, 0], (s - y) * s * expit(-z)
    if name.startswith("squared_error"):
        return 0.5 * ((z - y) ** 2).sum(axis=1), z - y
    lse = logsumexp(z, axis=1, keepdims=True)
    return (y * (lse - z)).sum(axis=1), softmax(z, axis=1) - y


def _oracle(name, X, y, sw, W, b):  # type: ignore[no-untyped-def]
    X64 = X.astype(np.float64)
    z = X64 @ W.T + b  # first pass over X
    values, g = _oracle_pointwise(name, y.astype(np.float64), z)
    s = np.ones(X.shape[0]) if sw is None else sw.astype(np.float64)
    g = g * s[:, None]
    return float(values @ s), g.T @ X64, g.sum(axis=0)  # second pass over X


def _problem(name: str, n: int, d: int, dtype: type, weighted: bool, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    cls, K = LOSSES[name]
    X = rng.normal(size=(n, d)).astype(dtype)
    if name == "multinomial":
        y = np.eye(K)[rng.integers(0, K, n)]
    elif name.startswith("squared_error"):
        y = rng.normal(size=(n, K))
    else:
        y = rng.uniform(size=(n, 1))  # soft targets in [0, 1]
    W = rng.normal(scale=0.5, size=(K, d))
    b = rng.normal(size=K)
    sw = rng.uniform(0.2, 3.0, size=n).astype(dtype) if weighted else None
    return X, y.astype(dtype), sw, W, b, cls()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "block_rows"), [(1, 64), (7, 64), (1000, 64), (1000, 1000)])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_fused_equals_two_pass_oracle(
    name: str, n: int, block_rows: int, weighted: bool, dtype: type, method: str
) -> None:
    X, y, sw, W, b, loss = _problem(name, n, 5, dtype, weighted)
    L, G, gb = _oracle(name, X, y, sw, W, b)
    rtol = 1e-10  # float32 X is widened: every method computes in float64
    out = fused_sums(X, y, sw, W, b, loss, 1, method=method, block_rows=block_rows, n_threads=2)
    scale = np.abs(G).max() + np.abs(gb).max()
    assert out.loss == pytest.approx(L, rel=rtol)
    np.testing.assert_allclose(out.grad_coef, G, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(out.grad_intercept, gb, rtol=rtol, atol=rtol * scale)
    assert out.grad_coef.dtype == np.float64 and out.hessian is None
    only_loss = fused_sums(X, y, sw, W, b, loss, 0, method=method, block_rows=block_rows)
    assert only_loss.loss == pytest.approx(L, rel=rtol)
    assert only_loss.grad_coef is None


def _oracle_hessian(name, X, y, sw, W, b):  # type: ignore[no-untyped-def]
    """sum_i s_i h_i^{km} [x_i; 1][x_i; 1]^T with h from SciPy (central differences for SSE)."""
    X64 = X.astype(np.float64)
    n, d = X.shape
    K = W.shape[0]
    z = X64 @ W.T + b
    y64 = y.astype(np.float64)
    if name == "multinomial":
        p = softmax(z, axis=1)
        h = np.einsum("ik,km->ikm", p, np.eye(K)) - p[:, :, None] * p[:, None, :]
    elif name == "cross_entropy":
        h = (expit(z) * expit(-z))[:, :, None]
    elif name == "sigmoid_squared_error":
        eps = 1e-6
        gp = _oracle_pointwise(name, y64, z + eps)[1]
        gm = _oracle_pointwise(name, y64, z - eps)[1]
        h = ((gp - gm) / (2 * eps))[:, :, None]
    else:
        h = np.broadcast_to(np.eye(K), (n, K, K))
    s = np.ones(n) if sw is None else sw.astype(np.float64)
    Xa = np.hstack([X64, np.ones((n, 1))])
    H = np.zeros((K * (d + 1), K * (d + 1)))
    for k in range(K):
        for m in range(K):
            w = s * h[:, k, m]
            H[k * (d + 1) : (k + 1) * (d + 1), m * (d + 1) : (m + 1) * (d + 1)] = Xa.T @ (
                Xa * w[:, None]
            )
    return H


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "block_rows"), [(1, 16), (333, 64), (333, None)])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_blocked_hessian_equals_oracle(
    name: str, n: int, block_rows: int | None, weighted: bool, dtype: type
) -> None:
    X, y, sw, W, b, loss = _problem(name, n, 4, dtype, weighted, seed=3)
    H = _oracle_hessian(name, X, y, sw, W, b)
    L, G, gb = _oracle(name, X, y, sw, W, b)
    out = fused_sums(X, y, sw, W, b, loss, 2, block_rows=block_rows)
    tight = dtype == np.float64 and name != "sigmoid_squared_error"  # SSE oracle is an FD
    rtol = 1e-10 if tight else 1e-5
    np.testing.assert_allclose(out.hessian, H, rtol=rtol, atol=rtol * np.abs(H).max())
    np.testing.assert_array_equal(out.hessian, out.hessian.T)
    assert out.loss == pytest.approx(L, rel=1e-10 if dtype == np.float64 else 2e-5)
    np.testing.assert_allclose(out.grad_coef, G, rtol=1e-4, atol=1e-4 * np.abs(G).max())
    np.testing.assert_allclose(out.grad_intercept, gb, rtol=1e-4, atol=1e-4 * np.abs(G).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_objective_gradient_matches_central_differences_on_the_fast_path(
    name: str, dtype: type
) -> None:
    """Big enough for the "auto" path to take the fused kernel; derivative along directions."""
    X, y, sw, W, b, loss = _problem(name, 3000, 12, dtype, weighted=True, seed=5)
    y_arg = y[:, 0] if y.shape[1] == 1 else y
    obj = make_objective(X, y_arg, loss, sample_weight=sw, alpha=0.1)
    rng = np.random.default_rng(7)
    theta = obj.pack(W, b)
    value, grad = obj.loss_gradient(theta)
    assert value == pytest.approx(obj.loss(theta), rel=1e-12)
    h = 1e-6 if dtype == np.float64 else 1e-2
    for _ in range(3):
        v = rng.normal(size=theta.size)
        fd = (obj.loss(theta + h * v) - obj.loss(theta - h * v)) / (2 * h)
        assert grad @ v == pytest.approx(fd, rel=1e-6 if dtype == np.float64 else 1e-3)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_threads_do_not_change_the_result(name: str) -> None:
    """Partials are kept per chunk and summed in order: bitwise equal for 1 and 2 threads."""
    X, y, sw, W, b, loss = _problem(name, 5001, 9, np.float64, weighted=True)
    for method in ("numba", "blas"):
        one = fused_sums(X, y, sw, W, b, loss, 1, method=method, n_threads=1, block_rows=100)
        two = fused_sums(X, y, sw, W, b, loss, 1, method=method, n_threads=2, block_rows=100)
        assert one.loss == two.loss
        np.testing.assert_array_equal(one.grad_coef, two.grad_coef)


def test_concurrent_callers_get_correct_sums() -> None:
    """Several Python threads (as Dask's workers do) share the kernel's thread pool."""
    X, y, sw, W, b, loss = _problem("cross_entropy", 20000, 8, np.float64, weighted=False)
    L, G, _ = _oracle("cross_entropy", X, y, sw, W, b)
    results: list[tuple[float, np.ndarray]] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            for _ in range(5):
                out = fused_sums(X, y, sw, W, b, loss, 1, block_rows=256)
                results.append((out.loss, out.grad_coef))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 15
    for value, grad in results:
        assert value == pytest.approx(L, rel=1e-12)
        np.testing.assert_allclose(grad, G, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_copy_of_X(order: str, dtype: type) -> None:
    """The objective holds the caller's X, and a data pass allocates far less than X."""
    rng = np.random.default_rng(2)
    X = np.asarray(rng.normal(size=(40000, 25)), dtype=dtype, order=order)  # 4-8 MB
    y = rng.integers(0, 2, 40000)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-3)
    assert np.shares_memory(obj.data.X, X) and obj.data.X.dtype == dtype
    theta = rng.normal(size=obj.n_params) * 0.1
    obj.loss_gradient(theta)  # compile / warm up outside the measurement
    tracemalloc.start()
    try:
        obj.loss_gradient(theta)
        obj.loss(theta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 4


def test_block_sums_is_additive_over_row_blocks() -> None:
    """What the Dask backend relies on: sums over blocks add up to the sums over all rows."""
    X, y, sw, W, b, loss = _problem("multinomial", 4000, 10, np.float64, weighted=True)
    whole = block_sums(X, y, sw, W, b, loss, 2)
    parts = [
        block_sums(X[s:e], y[s:e], sw[s:e], W, b, loss, 2)
        for s, e in [(0, 1), (1, 1500), (1500, 4000)]
    ]
    total = parts[0] + parts[1] + parts[2]
    assert total.loss == pytest.approx(whole.loss, rel=1e-12)
    np.testing.assert_allclose(total.grad_coef, whole.grad_coef, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(total.hessian, whole.hessian, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["cross_entropy", "sigmoid_squared_error", "multinomial"])
def test_extreme_logits_finite_and_silent(name: str, dtype: type, method: str) -> None:
    X, y, sw, W, b, loss = _problem(name, 200, 3, dtype, weighted=False)
    X *= 1e4  # |z| ~ 1e4: exp(|z|) would overflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fused_sums(X, y, sw, W, b, loss, 1, method=method, block_rows=64)
    L, G, _ = _oracle(name, X, y, sw, W, b)
    assert np.isfinite(out.loss) and np.all(np.isfinite(out.grad_coef))
    assert out.loss == pytest.approx(L, rel=1e-5)
    np.testing.assert_allclose(out.grad_coef, G, rtol=1e-4, atol=1e-4 * np.abs(G).max())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "fast"}, "method"),
        ({"order": 3}, "order"),
        ({"block_rows": 0}, "block_rows"),
        ({"n_threads": 0}, "n_threads"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    X, y, sw, W, b, loss = _problem("cross_entropy", 10, 2, np.float64, weighted=False)
    args = {"order": 1, **kwargs}
    order = args.pop("order")
    with pytest.raises(ValueError, match=match):
        fused_sums(X, y, sw, W, b, loss, order, **args)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
def test_numba_method_needs_c_order() -> None:
    X, y, sw, W, b, loss = _problem("cross_entropy", 10, 2, np.float64, weighted=False)
    with pytest.raises(ValueError, match="C-contiguous"):
        fused_sums(np.asfortranarray(X), y, sw, W, b, loss, 1, method="numba")


def test_blas_thread_limit_is_restored_after_concurrent_use() -> None:
    """Our threads hold BLAS to one thread while they run, and give the setting back."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[tuple[str, int]]:
        return sorted(
            (i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"
        )

    before = blas_threads()
    X, y, sw, W, b, loss = _problem("cross_entropy", 6000, 8, np.float64, weighted=False)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            for order in (1, 2):
                fused_sums(X, y, sw, W, b, loss, order, method="blas", n_threads=2, block_rows=500)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert blas_threads() == before


def test_thread_count_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from sigmoid_neuron.objective.kernels import default_threads

    monkeypatch.setenv("SIGMOID_NEURON_NUM_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("SIGMOID_NEURON_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="SIGMOID_NEURON_NUM_THREADS"):
        default_threads()


def _sums_in_child(args: tuple) -> tuple[float, np.ndarray]:  # type: ignore[type-arg]
    out = fused_sums(*args, 1, block_rows=256, n_threads=2)
    return out.loss, out.grad_coef


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_works_in_a_forked_child_after_the_parent_used_its_threads() -> None:
    """The parent's worker threads do not exist in a forked child: it must make its own."""
    import multiprocessing

    X, y, sw, W, b, loss = _problem("cross_entropy", 20000, 8, np.float64, weighted=False)
    parent = fused_sums(X, y, sw, W, b, loss, 1, block_rows=256, n_threads=2)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        value, grad = pool.apply_async(_sums_in_child, ((X, y, sw, W, b, loss),)).get(timeout=60)
    assert value == parent.loss
    np.testing.assert_array_equal(grad, parent.grad_coef)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite_finds_one_bad_value_in_any_chunk(dtype: type, order: str) -> None:
    rng = np.random.default_rng(7)
    X = np.asarray(rng.normal(size=(50_000, 13)).astype(dtype), order=order)
    X[::997] = np.finfo(dtype).max  # huge finite values: nothing may overflow into a false alarm
    assert all_finite(X, n_threads=2) and np.isfinite(X).all()
    for bad in (np.nan, np.inf, -np.inf):
        for _ in range(5):
            i, j = rng.integers(0, X.shape[0]), rng.integers(0, X.shape[1])
            old = X[i, j]
            X[i, j] = bad
            assert not all_finite(X, n_threads=2)
            assert not all_finite(X, n_threads=1)
            X[i, j] = old
    assert all_finite(X)
    assert all_finite(np.empty((0, 3))) and not all_finite(np.array([[np.nan]]))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"coef": np.zeros((1, 8))}, r"coef must have shape \(K, 64\)"),
        ({"intercept": np.zeros(2)}, r"intercept must have shape \(1,\)"),
        ({"y": np.zeros(4999)}, r"y must have shape \(5000, 1\)"),
        ({"sample_weight": np.ones(3)}, r"sample_weight must have shape \(5000,\)"),
    ],
)
def test_mismatched_shapes_are_refused_before_any_compiled_loop(change, match, method) -> None:  # type: ignore[no-untyped-def]
    """The compiled loops trust the shapes: a short coef once read (and wrote) out of bounds."""
    rng = np.random.default_rng(0)
    args = {
        "X": rng.normal(size=(5000, 64)),
        "y": np.zeros(5000),
        "sample_weight": None,
        "coef": np.zeros((1, 64)),
        "intercept": np.zeros(1),
    }
    args.update(change)
    with pytest.raises(ValueError, match=match):
        fused_sums(loss=BinaryCrossEntropy(), order=1, method=method, **args)


def test_all_finite_on_odd_shapes() -> None:
    assert all_finite(np.empty(0)) and all_finite(np.empty((0, 3, 4)))
    assert not all_finite(np.array(np.nan)) and all_finite(np.array(1.0))
    cube = np.zeros((4, 3, 2))
    assert all_finite(cube)
    cube[3, 2, 1] = np.inf
    assert not all_finite(cube)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_inside_the_blas_limit_gets_its_blas_threads_back() -> None:
    import json

    from threadpoolctl import threadpool_info

    from sigmoid_neuron.objective.kernels import single_threaded_blas

    def counts() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = counts()
    read, write = os.pipe()
    with single_threaded_blas():
        assert all(n == 1 for n in counts())
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.write(write, json.dumps(counts()).encode())
            os._exit(0)
    os.close(write)
    child = json.loads(os.read(read, 1000).decode())
    os.waitpid(pid, 0)
    assert child == before
    assert counts() == before
