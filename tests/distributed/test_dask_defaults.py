"""The default solvers on a real two-process Dask cluster: exact least squares in two
passes over the blocks (means, then a tall-skinny QR) and the automatic choice for
logistic regression, against statsmodels and the in-memory fit."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

pytest.importorskip("distributed")
sm = pytest.importorskip("statsmodels.api")

from sigmoid_neuron import LinearRegression, LogisticRegression  # noqa: E402
from sigmoid_neuron.datasets import make_tabular  # noqa: E402
from sigmoid_neuron.distributed import DaskData  # noqa: E402
from sigmoid_neuron.distributed.data import MOMENTS_KEY, QR_KEY  # noqa: E402
from sigmoid_neuron.objective import HalfSquaredError  # noqa: E402
from sigmoid_neuron.objective.moments import block_moments, block_qr  # noqa: E402

ROWS = 137


def test_least_squares_on_blocks_equals_statsmodels_wls(client) -> None:
    X, y, _ = make_tabular(700, n_numeric=4, levels=(3,), kind="linear", random_state=8)
    X = X[:, :-1]  # drop one level: full rank with an intercept
    w = np.random.default_rng(1).uniform(0.2, 2.0, len(y))
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    Xd = da.from_array(X, chunks=(ROWS, -1))
    model = LinearRegression().fit(Xd, da.from_array(y, chunks=ROWS), sample_weight=w)
    assert model.solver_ == "lstsq"
    np.testing.assert_allclose(model.intercept_, ref.params[0], rtol=1e-9)
    np.testing.assert_allclose(model.coef_, ref.params[1:], rtol=1e-8, atol=1e-12)
    in_memory = LinearRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-10, atol=1e-14)


def test_moments_and_factor_are_one_pass_each(client) -> None:
    X, y, _ = make_tabular(700, n_numeric=3, levels=(), kind="linear", random_state=9)
    data = DaskData(da.from_array(X, chunks=(ROWS, -1)), y, HalfSquaredError())
    before = data.n_passes
    m = data.moments()
    R = data.qr_factor(m.mean_x, m.mean_y).R
    assert data.n_passes == before + 2
    whole = block_moments(X, y, None)
    np.testing.assert_allclose(m.mean_x, whole.mean_x, rtol=1e-13)
    np.testing.assert_allclose(m.m2_x, whole.m2_x, rtol=1e-12)
    R0 = block_qr(X, y, None, m.mean_x, m.mean_y).R
    np.testing.assert_allclose(R.T @ R, R0.T @ R0, rtol=1e-11, atol=1e-9)
    assert MOMENTS_KEY != QR_KEY


def test_logistic_default_on_blocks_equals_in_memory(client) -> None:
    X, y, _ = make_tabular(700, n_numeric=4, levels=(3,), random_state=10)
    alpha = 1e-3
    model = LogisticRegression(alpha=alpha).fit(da.from_array(X, chunks=(ROWS, -1)), y)
    ref = LogisticRegression(alpha=alpha).fit(X, y)
    assert model.solver_ == ref.solver_ == "newton"
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
