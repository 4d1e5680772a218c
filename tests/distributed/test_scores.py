"""Inference on a real two-process Dask cluster: one pass over the blocks, tree-reduced,
and the same table as NumPy to 1e-10.

Oracles: the NumPy table (itself checked against statsmodels in tests/inference), the
cluster's task stream for how many block tasks ran, and statsmodels for one weighted,
clustered multinomial table.
"""

from __future__ import annotations

import dask.array as da
import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
sm = pytest.importorskip("statsmodels.api")

from sigmoid_neuron import LinearRegression, LogisticRegression, SigmoidNeuron  # noqa: E402
from sigmoid_neuron.distributed import DaskData  # noqa: E402
from sigmoid_neuron.distributed.scores import SCORES_KEY, score_sums  # noqa: E402
from sigmoid_neuron.objective import BinaryCrossEntropy  # noqa: E402
from sigmoid_neuron.objective.scores import block_score_sums  # noqa: E402

RTOL = 1e-10
CHUNK = 137  # uneven blocks


def _anes():
    d = sm.datasets.anes96.load_pandas()
    return d.exog.to_numpy(), d.endog.astype(int).to_numpy()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=RTOL, atol=1e-300)


@pytest.mark.parametrize("kind", ["nonrobust", "HC0", "cluster"])
def test_multinomial_table_on_the_cluster_equals_numpy(client, kind):
    X, y = _anes()
    w = np.random.default_rng(0).integers(1, 4, len(y)).astype(float)
    g = np.arange(len(y)) % 9
    model = LogisticRegression(alpha=0, tol=1e-10, optimizer="newton").fit(X, y, sample_weight=w)
    kw = {"robust": kind == "HC0", "clusters": g if kind == "cluster" else None}
    expected = model.coef_table(X, y, sample_weight=w, **kw)
    Xd = da.from_array(X, chunks=(CHUNK, 3))
    yd = da.from_array(y, chunks=200)
    wd = da.from_array(w, chunks=CHUNK)
    if kind == "cluster":
        kw["clusters"] = da.from_array(g, chunks=300)
    _same(model.coef_table(Xd, yd, sample_weight=wd, **kw), expected)


@pytest.mark.filterwarnings("ignore:Dask currently has limited support")
@pytest.mark.parametrize("kind", ["nonrobust", "HC0", "cluster"])
def test_linear_and_neuron_tables_on_the_cluster_equal_numpy(client, kind):
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(1000, 4)) * [1, 10, 0.1, 2], columns=list("abcd"))
    y = X.to_numpy() @ [1.0, 0.1, -3.0, 0.5] + rng.normal(size=1000)
    share = 1 / (1 + np.exp(-(X.to_numpy() @ [0.5, 0.02, 1.0, -0.3])))
    share = np.clip(share + 0.1 * rng.normal(size=1000), 0.0, 1.0)
    labels = pd.Series(np.array(["n", "s", "e", "w", "c"])[np.arange(1000) % 5])
    Xd = dd.from_pandas(X, npartitions=6)
    for model, target in (
        (LinearRegression(), y),
        (SigmoidNeuron("squared_error", alpha=0, tol=1e-10, optimizer="newton"), share),
    ):
        model.fit(X, target)
        kw = {"robust": kind == "HC0"}
        expected = model.coef_table(X, target, clusters=labels if kind == "cluster" else None, **kw)
        clusters = dd.from_pandas(labels, npartitions=4) if kind == "cluster" else None
        got = model.coef_table(Xd, da.from_array(target, chunks=250), clusters=clusters, **kw)
        _same(got, expected)


def test_one_pass_one_task_per_block_a_numpy_result(client):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 5))
    y = (rng.uniform(size=2000) < 0.4).astype(float)
    data = DaskData(da.from_array(X, chunks=(250, 5)), y, BinaryCrossEntropy())
    coef, intercept = rng.normal(size=(1, 5)) * 0.1, np.array([0.2])
    before = data.n_passes
    with distributed.get_task_stream(client) as stream:
        out = score_sums(data, coef, intercept, robust=True, clusters=np.arange(2000) % 3)
    assert data.n_passes == before + 1
    block_tasks = [t for t in stream.data if str(t["key"]).find(SCORES_KEY) >= 0
                   and "combine" not in str(t["key"])]  # fmt: skip
    assert len(block_tasks) == data.n_blocks == 8
    assert isinstance(out.hessian, np.ndarray) and out.hessian.shape == (6, 6)
    assert out.clusters is not None and out.clusters.sums.shape == (3, 6)
    whole = block_score_sums(X, y[:, None], None, coef, intercept, BinaryCrossEntropy(),
                             robust=True, clusters=np.arange(2000) % 3)  # fmt: skip
    np.testing.assert_allclose(out.hessian, whole.hessian, rtol=1e-12)
    np.testing.assert_allclose(out.meat, whole.meat, rtol=1e-12)
    np.testing.assert_allclose(out.clusters.sums, whole.clusters.sums, rtol=1e-12, atol=1e-12)


def test_clusters_of_the_wrong_length_are_refused(client):
    X, y = _anes()
    model = LogisticRegression(alpha=1e-3).fit(X, y)
    Xd = da.from_array(X, chunks=(CHUNK, 5))
    with pytest.raises(ValueError, match="clusters has 10 labels but X has 944 rows"):
        model.coef_table(Xd, y, clusters=da.arange(10, chunks=5))
