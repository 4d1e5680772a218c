"""The regularisation path: alpha_max and the path against scikit-learn's lasso_path and
glum, warm starts, and the figure draws the fitted numbers."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from glum import GeneralizedLinearRegressor
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import enet_path

from sigmoid_neuron import LinearRegression, LogisticRegression
from sigmoid_neuron.plotting import save_figure
from sigmoid_neuron.plotting.coef_path import (
    MAX_LABELLED,
    CoefPath,
    alpha_max,
    coef_path,
    coef_path_figure,
)


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_linear_path_matches_scikit_learn(l1_ratio: float) -> None:
    X, y = load_diabetes(return_X_y=True)
    path = coef_path(LinearRegression(l1_ratio=l1_ratio, tol=1e-10), X, y, n_alphas=12, eps=1e-2)
    # with an intercept: scikit-learn's path of the centred problem
    Xc, yc = X - X.mean(0), y - y.mean()
    _, coefs, _ = enet_path(
        Xc, yc, l1_ratio=l1_ratio, alphas=path.alphas, tol=1e-14, max_iter=10**6
    )
    # scikit-learn's own grid starts at the same alpha_max
    ref_alphas, _, _ = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=12, eps=1e-2)
    assert path.alphas[0] == pytest.approx(ref_alphas[0], rel=1e-8)
    np.testing.assert_allclose(path.alphas, ref_alphas, rtol=1e-8)
    np.testing.assert_allclose(path.coefs[:, 0, :], coefs.T, atol=1e-6 * np.abs(coefs).max())
    np.testing.assert_array_equal(path.coefs[:, 0, :] == 0, coefs.T == 0)
    assert np.all(path.coefs[0] == 0) and np.any(path.coefs[1] != 0)


def test_logistic_alpha_max_is_where_glum_leaves_zero() -> None:
    X, y = _cancer()
    f = np.linspace(0.5, 2.0, 30)
    top = alpha_max(LogisticRegression(l1_ratio=0.5, penalty_factor=f), X, y)
    for scale, all_zero in ((1.001, True), (0.99, False)):
        glum = GeneralizedLinearRegressor(
            family="binomial", alpha=top * scale, l1_ratio=0.5, P1=f, P2=f, gradient_tol=1e-12
        ).fit(X, y.astype(float))
        assert bool(np.all(glum.coef_ == 0)) is all_zero


def test_logistic_path_matches_glum_and_warm_starts_save_iterations() -> None:
    X, y = _cancer()
    model = LogisticRegression(l1_ratio=1.0, tol=1e-9)
    path = coef_path(model, X, y, n_alphas=8, eps=1e-2)
    assert path.coefs.shape == (8, 1, 30) and list(path.classes) == [0, 1]
    cold = 0
    for alpha, coef in zip(path.alphas[[2, 5, 7]], path.coefs[[2, 5, 7]], strict=True):
        glum = GeneralizedLinearRegressor(
            family="binomial", alpha=alpha, l1_ratio=1.0, gradient_tol=1e-12
        ).fit(X, y.astype(float))
        np.testing.assert_array_equal(coef[0] == 0, glum.coef_ == 0)
        np.testing.assert_allclose(coef[0], glum.coef_, atol=1e-6)
    for alpha in path.alphas:
        cold += clone(model).set_params(alpha=alpha).fit(X, y).n_iter_
    assert path.n_iter.sum() < cold


def test_multinomial_path_and_its_figure(tmp_path: Path) -> None:
    X, labels = load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    names = [f"f{j}" for j in range(13)]
    path = coef_path(LogisticRegression(l1_ratio=1.0), X, labels, n_alphas=6)
    assert path.coefs.shape == (6, 3, 13)
    fig = coef_path_figure(path, feature_names=names)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 6]
    assert len(lines) == 39
    np.testing.assert_allclose(lines[14].get_ydata(), path.coefs[:, 1, 1])
    labels_shown = [t.get_text() for t in ax.get_legend().get_texts()]
    assert 0 < len(labels_shown) <= MAX_LABELLED
    assert all(text.split(": ")[0] in {"0", "1", "2"} for text in labels_shown)
    assert ax.get_xscale() == "log" and ax.get_xlim()[0] > ax.get_xlim()[1]
    out = save_figure(fig, tmp_path / "path.png")
    assert mpimg.imread(out).shape[0] > 300


def test_given_alphas_run_from_largest_to_smallest() -> None:
    X, y = load_diabetes(return_X_y=True)
    path = coef_path(LinearRegression(l1_ratio=1.0), X, y, alphas=[0.1, 2.0, 0.5])
    np.testing.assert_array_equal(path.alphas, [2.0, 0.5, 0.1])
    assert np.sum(path.coefs[0] != 0) <= np.sum(path.coefs[2] != 0)


def test_bad_arguments() -> None:
    X, y = load_diabetes(return_X_y=True)
    model = LinearRegression(l1_ratio=1.0)
    with pytest.raises(ValueError, match="n_alphas"):
        coef_path(model, X, y, n_alphas=1)
    with pytest.raises(ValueError, match="eps"):
        coef_path(model, X, y, eps=2.0)
    with pytest.raises(ValueError, match="alphas"):
        coef_path(model, X, y, alphas=[1.0, np.nan])
    with pytest.raises(ValueError, match="unpenalised"):
        alpha_max(LinearRegression(l1_ratio=1.0, penalty_factor=np.zeros(10)), X, y)
    path = CoefPath(np.array([1.0]), np.zeros((1, 1, 3)), np.array([1]), 1.0)
    with pytest.raises(ValueError, match="feature_names"):
        coef_path_figure(path, feature_names=["a"])
