"""Dask arrays whose blocks are SciPy CSR matrices, and class weights on Dask targets.

Oracle: the same estimator on the whole in-memory CSR matrix (NumPy targets); the
in-memory sparse path is itself checked against scikit-learn in
tests/estimators/test_sparse_input.py. Dask's threaded scheduler stands in for a cluster.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
import pytest
import scipy.sparse

pytest.importorskip("distributed")

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression

N, D, ROWS = 3000, 25, 700  # uneven blocks: 4 of 700 and one of 200


@pytest.fixture(autouse=True)
def _threads():
    with dask.config.set(scheduler="threads"):
        yield


def _sparse(seed: int = 0) -> tuple[scipy.sparse.csr_matrix, Any]:
    X = scipy.sparse.random(N, D, density=0.15, format="csr", random_state=seed)
    X.data = np.random.default_rng(seed).lognormal(0.0, 1.0, size=X.data.size)
    return X, da.from_array(X, chunks=(ROWS, D), asarray=False)


@pytest.mark.parametrize(
    "params",
    [
        {"optimizer": "auto"},
        {"optimizer": "lbfgs", "alpha": 1e-2},
        {"optimizer": "working_set", "alpha": 2e-2, "l1_ratio": 0.8},
        {"optimizer": "gd", "learning_rate": 0.5, "tol": None, "max_epochs": 20},
    ],
)
def test_csr_blocks_give_the_in_memory_coefficients(params: dict[str, Any]) -> None:
    X, Xd = _sparse()
    y = (X @ np.linspace(-1, 1, D) + np.random.default_rng(1).normal(size=N) > 0).astype(float)
    settings = {"tol": 1e-10, **params}
    ours = LogisticRegression(**settings).fit(Xd, da.from_array(y, chunks=ROWS))
    ref = LogisticRegression(**settings).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-8)
    proba = ours.predict_proba(Xd)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), ref.predict_proba(X), atol=1e-8)


def test_linear_regression_on_csr_blocks_is_exact_least_squares() -> None:
    X, Xd = _sparse(2)
    y = X @ np.random.default_rng(3).normal(size=D) + 0.1
    ours = LinearRegression().fit(Xd, da.from_array(y, chunks=ROWS))
    ref = LinearRegression().fit(X, y)
    assert ours.solver_ == "lstsq"
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-10)


def test_class_weights_on_dask_targets_equal_numpy() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(N, 4))
    labels = np.where(X[:, 0] + rng.normal(size=N) > 1.0, "rare", "common")
    settings = {"class_weight": "balanced", "alpha": 1e-3, "tol": 1e-10}
    ours = LogisticRegression(**settings).fit(
        da.from_array(X, chunks=(ROWS, 4)), da.from_array(labels, chunks=ROWS)
    )
    ref = LogisticRegression(**settings).fit(X, labels)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-10)


def test_working_sets_on_wide_csr_blocks_equal_in_memory(monkeypatch) -> None:
    from sigmoid_neuron.distributed.data import DaskData

    rng = np.random.default_rng(7)
    X = scipy.sparse.random(2000, 300, density=0.05, format="csr", random_state=7)
    w = np.zeros(300)
    w[:6] = rng.normal(scale=6.0, size=6)
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-(X @ w)))).astype(float)
    restricted: list[int] = []
    original = DaskData.columns

    def spy(self, columns):
        restricted.append(len(columns))
        return original(self, columns)

    monkeypatch.setattr(DaskData, "columns", spy)
    settings = {"optimizer": "working_set", "alpha": 0.01, "l1_ratio": 1.0, "tol": 1e-10}
    Xd = da.from_array(X, chunks=(ROWS, 300), asarray=False)
    ours = LogisticRegression(**settings).fit(Xd, da.from_array(y, chunks=ROWS))
    ref = LogisticRegression(**settings).fit(X, y)
    assert restricted and max(restricted) < 150  # subproblems on a few of the 300 columns
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-8)
    assert 0 < np.count_nonzero(ref.coef_) < 100
