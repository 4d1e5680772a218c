"""The standardised objective over a copy of small data: the same J' as the folded view,
checked against a hand-written NumPy objective and finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse
from scipy.optimize import approx_fprime
from scipy.special import expit, log_softmax

from sigmoid_neuron.datasets import make_tabular
from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
    make_objective,
)
from sigmoid_neuron.objective.array_data import as_array_data
from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.standardized import StandardizedObjective
from sigmoid_neuron.objective.standardized_copy import (
    COPY_MAX_ELEMENTS,
    StandardizedCopy,
    standardize,
)

LOSSES = {
    "binary": BinaryCrossEntropy(),
    "multinomial": MultinomialCrossEntropy(),
    "squared": HalfSquaredError(),
    "neuron": SigmoidHalfSquaredError(),
}


def _problem(kind: str, fit_intercept: bool = True, weighted: bool = True, offset: bool = True):
    """Unscaled numeric columns and a one-hot block, weights, an offset and an elastic-net
    penalty with per-feature factors."""
    X, y, _ = make_tabular(400, n_numeric=3, levels=(3,), kind="binary", random_state=7)
    rng = np.random.default_rng(3)
    if kind == "multinomial":
        labels = rng.integers(0, 3, len(y))
        Y = (labels[:, None] == np.arange(3)).astype(float)
    elif kind == "squared":
        Y = (X[:, :3] / X[:, :3].std(0)) @ [1.0, -2.0, 0.5] + rng.normal(size=len(y))
    else:
        Y = y.astype(float)
    sw = rng.uniform(0.2, 3.0, len(y)) if weighted else None
    off = rng.normal(size=len(y)) * 0.3 if offset else None
    factor = rng.uniform(0.0, 2.0, X.shape[1])
    data = as_array_data(X, Y, LOSSES[kind], sw, off)
    objective = LinearObjective(data, 0.05, fit_intercept, l1_ratio=0.3, penalty_factor=factor)
    return X, Y, sw, off, factor, objective


def _by_hand(kind, X, Y, sw, off, factor, fit_intercept, shift, scale, theta):
    """J' at theta' in plain NumPy: the original model at T theta' (coefficients w'/c,
    intercepts b' - m.w) without the L1 part."""
    d = X.shape[1]
    K = 1 if Y.ndim == 1 else Y.shape[1]
    M = theta.reshape(K, d + int(fit_intercept))
    W = M[:, :d] / scale
    b = M[:, d] - W @ shift if fit_intercept else np.zeros(K)
    z = X @ W.T + b
    if off is not None:
        z = z + (off[:, None] if kind != "squared" else 0.0)
    y2 = Y.reshape(len(X), -1)
    target = y2 - off[:, None] if (kind == "squared" and off is not None) else y2
    if kind == "binary":
        pointwise = np.logaddexp(0.0, z[:, 0]) - y2[:, 0] * z[:, 0]
    elif kind == "multinomial":
        pointwise = -np.sum(y2 * log_softmax(z, axis=1), axis=1)
    elif kind == "squared":
        pointwise = 0.5 * (z[:, 0] - target[:, 0]) ** 2
    else:
        pointwise = 0.5 * (expit(z[:, 0]) - y2[:, 0]) ** 2
    s = np.ones(len(X)) if sw is None else sw
    l2 = 0.05 * 0.7 * factor
    return float(s @ pointwise / s.sum() + 0.5 * np.sum(l2 * W**2))


@pytest.mark.parametrize("kind", list(LOSSES))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_loss_gradient_and_hessian_are_those_of_the_model(kind: str, fit_intercept: bool) -> None:
    X, Y, sw, off, factor, objective = _problem(kind, fit_intercept)
    st = standardize(objective)
    assert isinstance(st, StandardizedCopy)
    theta = np.random.default_rng(1).normal(size=st.n_params) * 0.4

    def hand(t):
        return _by_hand(kind, X, Y, sw, off, factor, fit_intercept, st.shift, st.scale, t)

    assert st.loss(theta) == pytest.approx(hand(theta), rel=1e-12)
    value, grad = st.loss_gradient(theta)
    assert value == pytest.approx(hand(theta), rel=1e-12)
    # forward differences: error ~ h |J''| + eps |J| / h, so an absolute bound on J's scale
    scale = max(1.0, abs(value), float(np.abs(grad).max()))
    fd = approx_fprime(theta, hand, 1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6 * scale)
    _, g2, H = st.loss_gradient_hessian(theta)
    np.testing.assert_allclose(g2, grad, rtol=1e-12, atol=1e-15)
    fd_h = np.array(
        [approx_fprime(theta, lambda t, i=i: st.gradient(t)[i], 1e-6) for i in range(theta.size)]
    )
    np.testing.assert_allclose(H, fd_h, rtol=1e-4, atol=1e-6 * scale)
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("kind", list(LOSSES))
def test_equal_to_the_folded_view_of_the_same_coordinates(kind: str) -> None:
    """The copy and the view that folds the standardisation into the parameters are two
    computations of one J': values, gradients and Hessians agree to rounding."""
    *_, objective = _problem(kind)
    copy = StandardizedCopy.of(objective)
    folded = StandardizedObjective(objective, copy.shift, copy.scale)
    theta = np.random.default_rng(2).normal(size=copy.n_params) * 0.3
    f1, g1, H1 = copy.loss_gradient_hessian(theta)
    f2, g2, H2 = folded.loss_gradient_hessian(theta)
    assert f1 == pytest.approx(f2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H1, H2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(copy.l1_weights, folded.l1_weights, rtol=1e-15)
    assert copy.penalty_value(theta) == pytest.approx(folded.penalty_value(theta), rel=1e-14)
    np.testing.assert_allclose(copy.to_outer(theta), folded.to_outer(theta), rtol=1e-15)


def test_restricted_keeps_the_columns_and_the_coordinates() -> None:
    *_, objective = _problem("binary")
    copy = StandardizedCopy.of(objective)
    columns = np.array([0, 2, 4])
    sub = copy.restricted(columns)
    assert isinstance(sub, StandardizedCopy)
    folded = StandardizedObjective(objective, copy.shift, copy.scale).restricted(columns)
    theta = np.random.default_rng(4).normal(size=sub.n_params)
    np.testing.assert_allclose(sub.loss_gradient(theta)[1], folded.loss_gradient(theta)[1], 1e-9)


def test_the_hessian_after_a_gradient_at_the_same_point_is_a_fresh_one() -> None:
    """Newton asks for the Hessian where its line search took the gradient: the cached
    pass must give what a fresh objective gives, and a caller changing the gradient it
    got must not change the cache."""
    *_, objective = _problem("binary")
    st = StandardizedCopy.of(objective)
    fresh = StandardizedCopy.of(objective)
    theta = np.full(st.n_params, 0.1)
    _, g = st.loss_gradient(theta)
    g *= 0.0  # the caller owns what it got
    f1, g1, H1 = st.loss_gradient_hessian(theta)
    f2, g2, H2 = fresh.loss_gradient_hessian(theta)
    assert f1 == f2
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(H1, H2)
    other = theta + 1e-3
    assert st.loss_gradient(other)[0] == fresh.loss_gradient(other)[0]


def test_only_small_dense_rows_are_copied() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 5)) * [1, 10, 100, 1e3, 1e4]
    y = (X[:, 0] > 0).astype(float)
    assert isinstance(standardize(make_objective(X, y, BinaryCrossEntropy())), StandardizedCopy)
    sparse = make_objective(scipy.sparse.csr_matrix(X), y, BinaryCrossEntropy())
    assert type(standardize(sparse)) is StandardizedObjective
    rows = COPY_MAX_ELEMENTS // 4 + 1
    big = np.zeros((rows, 4))
    big[::2, 0] = 1.0
    large = make_objective(big, big[:, 0], BinaryCrossEntropy())
    assert type(standardize(large)) is StandardizedObjective


def test_standard_columns_are_used_without_a_copy() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3000, 4))
    st = StandardizedCopy.of(make_objective(X, (X[:, 0] > 0).astype(float), BinaryCrossEntropy()))
    assert st.shift.tolist() == [0.0] * 4 and st.scale.tolist() == [1.0] * 4
    assert np.shares_memory(st._X, X)
    X32 = X.astype(np.float32)  # float32 rows are widened once, into the copy
    st32 = StandardizedCopy.of(
        make_objective(X32, (X[:, 0] > 0).astype(float), BinaryCrossEntropy())
    )
    assert st32._X.dtype == np.float64 and not np.shares_memory(st32._X, X32)


def test_weighted_moments_set_the_coordinates() -> None:
    """Shifts and scales are the weighted means and standard deviations (NumPy's
    ``average`` and ``cov`` with ``aweights`` as the oracle)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(500, 3)) * [5.0, 0.01, 300.0] + [100.0, -3.0, 7.0]
    sw = rng.uniform(0.1, 4.0, 500)
    st = StandardizedCopy.of(
        make_objective(X, (X[:, 0] > 100).astype(float), BinaryCrossEntropy(), sw)
    )
    np.testing.assert_allclose(st.shift, np.average(X, axis=0, weights=sw), rtol=1e-12)
    var = np.diag(np.cov(X, rowvar=False, aweights=sw, bias=True))
    np.testing.assert_allclose(st.scale, np.sqrt(var), rtol=1e-10)


@pytest.mark.parametrize("size", [1e-200, 1e-150, 1e150, 1e200])
def test_columns_of_any_finite_size_are_standardised(size: float) -> None:
    """Squares of such columns overflow or underflow; the spreads are still ``size``
    times NumPy's on the unscaled column, with no floating-point warning."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(300, 2)) * [1.0, 3.0] + [0.5, -1.0]
    y = (X[:, 0] > 0.5).astype(float)
    with np.errstate(all="raise"):
        st = StandardizedCopy.of(make_objective(X * [size, 1.0], y, BinaryCrossEntropy()))
    np.testing.assert_allclose(st.scale, X.std(axis=0) * [size, 1.0], rtol=1e-12)
    np.testing.assert_allclose(st.shift, X.mean(axis=0) * [size, 1.0], rtol=1e-12)


def test_a_tiny_penalised_column_is_left_as_it_is() -> None:
    """A ridge curvature ``alpha / c^2`` beyond float range cannot be written in
    standardised coordinates: that column keeps its units (the penalty holds its
    coefficient near 0), the others are standardised."""
    rng = np.random.default_rng(10)
    base = rng.normal(size=(300, 2)) * [1.0, 5.0]
    X = base * [1e-200, 1.0]
    y = (X[:, 1] > 0).astype(float)
    penalised = StandardizedCopy.of(make_objective(X, y, BinaryCrossEntropy(), alpha=0.01))
    assert penalised.scale[0] == 1.0
    np.testing.assert_allclose(penalised.scale[1], base[:, 1].std(), rtol=1e-12)
    free = StandardizedCopy.of(make_objective(X, y, BinaryCrossEntropy(), alpha=0.0))
    np.testing.assert_allclose(free.scale, base.std(axis=0) * [1e-200, 1.0], rtol=1e-12)


@pytest.mark.parametrize("size", [1e200, 1e-200])
def test_large_dense_rows_with_a_column_of_extreme_size_are_standardised_in_a_copy(
    size: float,
) -> None:
    """Beyond the copy's size, dense rows with a column whose squares float64 cannot hold
    are still copied (the folded Hessian of the original columns would overflow or lose
    the column): the fit is scikit-learn's on the unscaled columns, without warnings.
    Sparse and Dask rows are refused, naming the column."""
    import dask.array as da
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    from sigmoid_neuron import LogisticRegression
    from sigmoid_neuron.distributed import make_objective as dask_objective

    rng = np.random.default_rng(11)
    n, d = COPY_MAX_ELEMENTS // 12, 12
    X = rng.normal(size=(n, d)) + 3.0
    y = (X @ rng.normal(size=d) - 3.0 * X.sum(axis=1) / d + rng.logistic(size=n) > -9).astype(int)
    unit = np.ones(d)
    unit[4] = size
    big = make_objective(X * unit, y.astype(float), BinaryCrossEntropy())
    assert isinstance(standardize(big), StandardizedCopy)
    ref = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = LogisticRegression(alpha=0.0).fit(X * unit, y)
    np.testing.assert_allclose(ours.coef_[0] * unit, ref.coef_[0], rtol=1e-6, atol=1e-8)
    target = y.astype(float)
    sparse = make_objective(scipy.sparse.csr_matrix(X * unit), target, BinaryCrossEntropy())
    blocks = dask_objective(
        da.from_array(X * unit, chunks=(n // 2, d)), da.from_array(target, chunks=n // 2),
        BinaryCrossEntropy(),
    )  # fmt: skip
    for objective in (sparse, blocks):
        with pytest.raises(ValueError, match="column 4 of X"):
            standardize(objective)
