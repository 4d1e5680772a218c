"""DaskData: the objective over Dask blocks equals the in-memory objective, on a real cluster.

Oracles: the NumPy objective (itself checked against finite differences and
scikit-learn in tests/objective), SciPy's ``log_expit`` for a value computed by hand,
and the cluster's own task stream for where and how often the work ran.
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from dask.core import flatten
from scipy.optimize import minimize
from scipy.special import log_expit

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from sigmoid_neuron.distributed import (  # noqa: E402
    SUMS_KEY,
    DaskData,
    make_objective,
)
from sigmoid_neuron.objective import (  # noqa: E402
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
)

N, D = 1000, 4
ROW_CHUNK = 137  # uneven: 7 blocks of 137 and one of 41
N_BLOCKS = -(-N // ROW_CHUNK)


def _problem(kind: str, seed: int = 0, n: int = N, d: int = D):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.array([1.0, 2.0, 0.5, 1.5])[:d]
    sw = rng.uniform(0.2, 3.0, size=n)
    w = rng.normal(size=d)
    if kind == "multinomial":
        W = rng.normal(size=(3, d))
        logits = X @ W.T
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        labels = np.array([rng.choice(3, p=row) for row in p])
        return X, np.eye(3)[labels], sw, MultinomialCrossEntropy()
    if kind == "linear":
        return X, X @ w + 0.3 + rng.normal(size=n), sw, HalfSquaredError()
    if kind == "sigmoid_se":
        return X, rng.uniform(size=n), sw, SigmoidHalfSquaredError()
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w - 0.5)))).astype(float)
    return X, y, sw, BinaryCrossEntropy()


def _dask(X, y, sw):
    """Dask versions, deliberately chunked badly: X also across columns, y and sw unlike X."""
    return (
        da.from_array(X, chunks=(ROW_CHUNK, 2)),
        da.from_array(y, chunks=(250, *y.shape[1:])),
        da.from_array(sw, chunks=(300,)),
    )


def _dask_objective(X, y, sw, loss, **kwargs):
    Xd, yd, swd = _dask(X, y, sw)
    return make_objective(Xd, yd, loss, sample_weight=swd, **kwargs)


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# ---------------------------------------------------------------------- the objective


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["binary", "multinomial", "sigmoid_se", "linear"])
def test_loss_gradient_hessian_equal_numpy(client, kind: str, fit_intercept: bool) -> None:
    X, y, sw, loss = _problem(kind)
    ref = make_objective(X, y, loss, sample_weight=sw, alpha=0.3, fit_intercept=fit_intercept)
    obj = _dask_objective(X, y, sw, loss, alpha=0.3, fit_intercept=fit_intercept)
    assert isinstance(obj.data, DaskData)
    assert obj.data.n_blocks == N_BLOCKS
    assert obj.data.total_weight == pytest.approx(sw.sum(), rel=1e-14)
    theta = np.random.default_rng(1).normal(size=ref.n_params)
    assert _rel(obj.loss(theta), ref.loss(theta)) < 1e-12
    v, g, H = obj.loss_gradient_hessian(theta)
    v0, g0, H0 = ref.loss_gradient_hessian(theta)
    assert _rel(v, v0) < 1e-12
    assert _rel(g, g0) < 1e-12
    assert _rel(H, H0) < 1e-12


def test_value_matches_formula_by_hand(client) -> None:
    """J = sum_i s_i [-y_i log s(z_i) - (1-y_i) log s(-z_i)] / sum_i s_i + alpha/2 |w|^2."""
    X, y, sw, loss = _problem("binary", seed=3)
    obj = _dask_objective(X, y, sw, loss, alpha=0.7)
    w, b = np.array([0.5, -1.0, 2.0, 0.25]), -0.4
    z = X @ w + b
    pointwise = -(y * log_expit(z) + (1 - y) * log_expit(-z))
    expected = np.sum(sw * pointwise) / sw.sum() + 0.35 * w @ w
    assert obj.loss(np.r_[w, b]) == pytest.approx(expected, rel=1e-13)


def _lbfgs(obj, x0):
    return minimize(
        obj.loss_gradient,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 2000, "gtol": 1e-12, "ftol": 0.0, "maxcor": 20},
    )


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "alpha"), [("binary", 1e-3), ("multinomial", 1e-2)])
def test_lbfgs_reaches_the_numpy_optimum(client, kind: str, alpha: float) -> None:
    X, y, sw, loss = _problem(kind, seed=5)
    ref = make_objective(X, y, loss, sample_weight=sw, alpha=alpha)
    obj = _dask_objective(X, y, sw, loss, alpha=alpha)
    x0 = np.zeros(ref.n_params)
    res0, res = _lbfgs(ref, x0), _lbfgs(obj, x0)
    assert np.linalg.norm(ref.gradient(res0.x)) < 1e-8
    W0, b0 = ref.unpack(res0.x)
    W, b = obj.unpack(res.x)
    # both runs stop where L-BFGS-B's line search runs out of float64 precision: the
    # parameters agree to what a gradient of norm 1e-8 pins down, the loss to rounding
    assert ref.loss(res.x) == pytest.approx(ref.loss(res0.x), rel=1e-13)
    assert _rel(W, W0) < 1e-7
    # softmax intercepts are defined up to a common shift (the intercept is not penalised)
    assert _rel(b - b.mean(), b0 - b0.mean()) < 1e-7
    # one pass per evaluation, plus the one check pass at construction
    assert obj.data.n_passes == 1 + res.nfev


@pytest.mark.parametrize("kind", ["binary", "linear"])
def test_newton_reaches_the_numpy_optimum(client, kind: str) -> None:
    X, y, sw, loss = _problem(kind, seed=7)

    def newton(obj):
        theta = np.zeros(obj.n_params)
        for _ in range(30):
            _, g, H = obj.loss_gradient_hessian(theta)
            theta = theta - np.linalg.solve(H, g)
            if np.linalg.norm(g) < 1e-13:
                break
        return theta

    ref = make_objective(X, y, loss, sample_weight=sw, alpha=0.05)
    obj = _dask_objective(X, y, sw, loss, alpha=0.05)
    theta0, theta = newton(ref), newton(obj)
    assert np.linalg.norm(ref.gradient(theta0)) < 1e-10
    assert _rel(theta, theta0) < 1e-8


# ---------------------------------------------------------------------- where the work runs


def test_one_pass_per_evaluation_on_the_workers(client) -> None:
    X, y, sw, loss = _problem("multinomial")
    obj = _dask_objective(X, y, sw, loss, alpha=0.1)
    data = obj.data
    assert data.n_passes == 1
    # persisted once: each array's graph is its blocks, held in worker memory
    for a in (data.X, data.y, data.sample_weight):
        assert len(a.__dask_graph__()) == N_BLOCKS
    held = {k for keys in client.has_what().values() for k in keys}
    for a in (data.X, data.y, data.sample_weight):
        assert set(flatten(a.__dask_keys__())) <= held
    theta = np.random.default_rng(2).normal(size=obj.n_params)
    workers = set(client.nthreads())
    for method, count in [("loss", 1), ("loss_gradient", 1), ("loss_gradient_hessian", 1)]:
        before = data.n_passes
        with distributed.get_task_stream(client) as ts:
            getattr(obj, method)(theta)
        assert data.n_passes == before + count
        block_tasks = [t for t in ts.data if distributed.utils.key_split(t["key"]) == SUMS_KEY]
        assert len(block_tasks) == N_BLOCKS
        assert sorted(t["key"][1] for t in block_tasks) == list(range(N_BLOCKS))
        assert {t["worker"] for t in ts.data} <= workers
        assert {t["worker"] for t in block_tasks} == workers  # both worker processes worked
        # nothing but the block sums and their tree-sum: the data was not recomputed
        prefixes = {distributed.utils.key_split(t["key"]) for t in ts.data}
        assert prefixes <= {SUMS_KEY, f"{SUMS_KEY}-combine"}, prefixes


def test_parameters_are_broadcast_once_per_evaluation(client, monkeypatch) -> None:
    X, y, sw, loss = _problem("binary")
    obj = _dask_objective(X, y, sw, loss)
    calls = []
    scatter = client.scatter

    def spy(data, **kwargs):
        calls.append(kwargs)
        return scatter(data, **kwargs)

    monkeypatch.setattr(client, "scatter", spy)
    theta = np.ones(obj.n_params)
    obj.loss_gradient(theta)
    obj.loss_gradient(theta)
    assert len(calls) == 2 and all(c.get("broadcast") for c in calls)


def test_tree_reduce_depth(client) -> None:
    X, y, _, loss = _problem("linear", n=2000)
    Xd = da.from_array(X, chunks=(50, D))  # 40 blocks
    data = DaskData(Xd, da.from_array(y, chunks=50), loss, split_every=4)
    with distributed.get_task_stream(client) as ts:
        data.sums(np.zeros((1, D)), np.zeros(1), order=1)
    combine = [t for t in ts.data if distributed.utils.key_split(t["key"]).endswith("combine")]
    # 40 -> 10 -> 3 -> 1
    assert sorted(t["key"][1] for t in combine) == [1] * 10 + [2] * 3 + [3]


# ---------------------------------------------------------------------- inputs


def test_dask_dataframe_input(client) -> None:
    X, y, sw, loss = _problem("binary", seed=11)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(D)])
    frame["label"] = y.astype(int)
    frame["weight"] = sw
    ddf = dd.from_pandas(frame, npartitions=6)
    cols = [f"x{j}" for j in range(D)]
    obj = make_objective(ddf[cols], ddf["label"], loss, sample_weight=ddf["weight"], alpha=0.2)
    ref = make_objective(X, y, loss, sample_weight=sw, alpha=0.2)
    assert obj.data.n_blocks == 6
    assert obj.data.X.dtype == np.float64
    theta = np.random.default_rng(4).normal(size=ref.n_params)
    v, g, H = obj.loss_gradient_hessian(theta)
    v0, g0, H0 = ref.loss_gradient_hessian(theta)
    assert _rel(v, v0) < 1e-12 and _rel(g, g0) < 1e-12 and _rel(H, H0) < 1e-12


def test_one_hot_dataframe_target_and_numpy_target(client) -> None:
    X, y, sw, loss = _problem("multinomial", seed=12)
    ref = make_objective(X, y, loss, sample_weight=sw)
    ddf = dd.from_pandas(pd.DataFrame(X), npartitions=4)
    yframe = dd.from_pandas(pd.DataFrame(y.astype(np.int8), columns=list("abc")), npartitions=3)
    theta = np.random.default_rng(5).normal(size=ref.n_params)
    for target, weights in [(yframe, sw), (y, da.from_array(sw, chunks=100))]:
        obj = make_objective(ddf, target, loss, sample_weight=weights)
        assert obj.data.y.chunks[0] == obj.data.X.chunks[0]
        assert _rel(obj.gradient(theta), ref.gradient(theta)) < 1e-12


def test_unknown_row_chunks_from_a_mask(client) -> None:
    X, y, sw, loss = _problem("linear", seed=13)
    keep = X[:, 0] > -0.5
    Xd, yd, swd = _dask(X, y, sw)
    mask = da.from_array(keep, chunks=ROW_CHUNK)
    obj = make_objective(Xd[mask], yd.rechunk(ROW_CHUNK)[mask], loss, swd.rechunk(ROW_CHUNK)[mask])
    ref = make_objective(X[keep], y[keep], loss, sample_weight=sw[keep])
    assert obj.data.n_samples == keep.sum()
    theta = np.arange(ref.n_params, dtype=float)
    assert _rel(obj.gradient(theta), ref.gradient(theta)) < 1e-12


def test_float32_is_kept(client) -> None:
    X, y, sw, loss = _problem("binary", seed=14)
    X32, y32, sw32 = X.astype(np.float32), y.astype(np.float32), sw.astype(np.float32)
    obj = _dask_objective(X32, y32, sw32, loss)
    ref = make_objective(X32, y32, loss, sample_weight=sw32)
    assert obj.data.dtype == np.float32
    assert obj.data.X.dtype == obj.data.y.dtype == obj.data.sample_weight.dtype == np.float32
    theta = np.random.default_rng(6).normal(size=ref.n_params)
    v, g = obj.loss_gradient(theta)
    v0, g0 = ref.loss_gradient(theta)
    # float32 block products are rounded per block: agreement to float32 precision
    assert _rel(v, v0) < 1e-6 and _rel(g, g0) < 1e-5


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.int64, np.float64), (np.bool_, np.float64), (np.float16, np.float32)],
)
def test_other_dtypes_are_converted_as_in_memory(client, dtype, expected) -> None:
    rng = np.random.default_rng(15)
    X = rng.integers(-3, 4, size=(300, 3)).astype(dtype)
    y = rng.integers(0, 2, size=300).astype(float)
    obj = make_objective(da.from_array(X, chunks=100), y, BinaryCrossEntropy())
    ref = make_objective(X, y, BinaryCrossEntropy())
    assert obj.data.dtype == ref.data.dtype == expected
    theta = np.array([0.1, -0.2, 0.3, 0.05])
    tol = 1e-12 if expected == np.float64 else 1e-5
    assert _rel(obj.gradient(theta), ref.gradient(theta)) < tol


# ---------------------------------------------------------------------- without a cluster


def test_threaded_scheduler_without_a_client(dask_cluster) -> None:
    """No current client: the local threaded scheduler does the work, none reaches the cluster."""
    X, y, sw, loss = _problem("multinomial", seed=16)
    ref = make_objective(X, y, loss, sample_weight=sw, alpha=0.1)
    theta = np.random.default_rng(7).normal(size=ref.n_params)
    with distributed.get_task_stream(dask_cluster) as ts, dask.config.set(scheduler="threads"):
        obj = _dask_objective(X, y, sw, loss, alpha=0.1)
        v, g, H = obj.loss_gradient_hessian(theta)
    assert ts.data == []
    assert obj.data.n_passes == 2
    v0, g0, H0 = ref.loss_gradient_hessian(theta)
    assert _rel(v, v0) < 1e-12 and _rel(g, g0) < 1e-12 and _rel(H, H0) < 1e-12


@pytest.mark.parametrize("persist", [True, False])
def test_source_is_read_once_when_persisted(persist: bool) -> None:
    """Persisted: the source blocks are computed once in all; not: once per pass."""
    X, y, _, loss = _problem("binary", seed=17)
    reads = []

    def source(block):
        reads.append(block.shape[0])
        return block

    with dask.config.set(scheduler="synchronous"):
        Xd = da.from_array(X, chunks=ROW_CHUNK).map_blocks(source, meta=np.empty((0, 0)))
        data = DaskData(Xd, y, loss, persist=persist)
        ref = make_objective(X, y, loss)
        theta = np.array([0.3, -0.1, 0.2, 0.4, -0.2])
        W, b = ref.unpack(theta)
        for _ in range(3):
            sums = data.sums(W, b, order=1)
    assert data.n_passes == 4
    assert len(reads) == N_BLOCKS * (1 if persist else 4)
    assert sum(reads) == N * (1 if persist else 4)
    assert _rel(sums.loss / N, ref.loss(theta)) < 1e-12


# ---------------------------------------------------------------------- user errors


@pytest.fixture
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def test_rejects_mismatched_lengths(threads) -> None:
    X, y, sw, loss = _problem("binary")
    Xd = da.from_array(X, chunks=100)
    with pytest.raises(ValueError, match="y has 999 rows but X has 1000"):
        DaskData(Xd, da.from_array(y[:-1], chunks=100), loss)
    with pytest.raises(ValueError, match="sample_weight has 1001 rows but X has 1000"):
        DaskData(Xd, da.from_array(y, chunks=100), loss, da.from_array(np.r_[sw, 1.0]))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(1000,\)"):
        DaskData(Xd, y, loss, sw[:10])


def test_rejects_non_finite_values(threads) -> None:
    X, y, sw, loss = _problem("binary")
    Xbad = X.copy()
    Xbad[555, 2] = np.nan
    Xbad[10, 0] = np.inf
    with pytest.raises(ValueError, match="X contains 2 non-finite value"):
        DaskData(da.from_array(Xbad, chunks=100), y, loss)
    ybad = y.copy()
    ybad[3] = np.nan
    with pytest.raises(ValueError, match="y contains 1 non-finite"):
        DaskData(da.from_array(X, chunks=100), da.from_array(ybad, chunks=100), loss)
    swbad = sw.copy()
    swbad[[1, 2]] = [-1.0, np.inf]
    with pytest.raises(ValueError, match="sample_weight must be finite and >= 0; 2 value"):
        DaskData(da.from_array(X, chunks=100), y, loss, da.from_array(swbad, chunks=100))


def test_rejects_bad_shapes_and_types(threads) -> None:
    X, y, _, loss = _problem("binary", n=100)
    with pytest.raises(ValueError, match="X must be 2-D"):
        DaskData(da.ones((4, 5, 6)), y, loss)
    with pytest.raises(ValueError, match="y must be 1-D"):
        DaskData(da.from_array(X), da.ones((100, 2, 2)), loss)
    with pytest.raises(TypeError, match="X must be a Dask array, DataFrame or Series"):
        DaskData(X, y, loss)
    frame = pd.DataFrame({"a": np.arange(4.0), "city": list("abcd")})
    with pytest.raises(ValueError, match=r"non-numeric column.*city"):
        DaskData(dd.from_pandas(frame, npartitions=2), np.zeros(4), loss)
    with pytest.raises(ValueError, match="split_every must be an integer >= 2"):
        DaskData(da.from_array(X), y, loss, split_every=1)
    data = DaskData(da.from_array(X, chunks=50), y, loss)
    with pytest.raises(ValueError, match="order must be 0"):
        data.sums(np.zeros((1, D)), np.zeros(1), order=3)
    with pytest.raises(ValueError, match=r"coef must have shape \(1, 4\)"):
        data.sums(np.zeros((2, D)), np.zeros(1), order=1)


def test_zero_total_weight_is_rejected(threads) -> None:
    X, y, _, loss = _problem("binary", n=100)
    with pytest.raises(ValueError, match="positive sum"):
        make_objective(da.from_array(X, chunks=50), y, loss, sample_weight=np.zeros(100))
