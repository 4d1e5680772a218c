"""The drawn decision boundary is the line w . x + b = 0."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from sigmoid_neuron.plotting import decision_boundary_figure, save_figure

rng = np.random.default_rng(3)


def _boundary_vertices(fig) -> np.ndarray:  # type: ignore[no-untyped-def]
    ax = fig.axes[0]
    sets = [c for c in ax.collections if hasattr(c, "levels") and list(c.levels) == [0.5]]
    assert len(sets) == 1
    paths = sets[0].get_paths()
    return np.vstack([p.vertices for p in paths if len(p.vertices)])


def test_boundary_is_the_zero_logit_line(tmp_path: Path) -> None:
    w, b = np.array([1.0, -2.0]), 0.5
    X = rng.normal(size=(60, 2))
    y = (X @ w + b > 0).astype(int)
    fig = decision_boundary_figure(lambda G: expit(G @ w + b), X, y, ("first", "second"))
    v = _boundary_vertices(fig)
    assert len(v) > 10
    # distance of each vertex to the line w.x + b = 0, against the grid spacing
    distance = np.abs(v @ w + b) / np.linalg.norm(w)
    assert distance.max() < 0.05
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("first", "second")
    labels = ax.get_legend_handles_labels()[1]
    assert any(str(np.sum(y == 0)) in lab for lab in labels)
    png = save_figure(fig, tmp_path / "b.png")
    assert mpimg.imread(png).ndim == 3


def test_boundary_from_a_fitted_classifier() -> None:
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    model = LogisticRegression().fit(X, y)
    fig = decision_boundary_figure(model, X, y, class_names=("no", "yes"))
    v = _boundary_vertices(fig)
    z = v @ model.coef_[0] + model.intercept_[0]
    assert np.abs(z).max() < 0.05 * np.linalg.norm(model.coef_)


def test_boundary_validates() -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        decision_boundary_figure(lambda G: G[:, 0], np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="two classes"):
        decision_boundary_figure(lambda G: G[:, 0], np.zeros((3, 2)), np.arange(3))
    with pytest.raises(TypeError, match="predict_proba"):
        decision_boundary_figure(object(), np.zeros((3, 2)), np.zeros(3))
