"""The sigmoid and loss-curve figures draw the right numbers (checked against SciPy)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy.special import expit

from sigmoid_neuron.plotting import loss_curves_figure, save_figure, sigmoid_figure


def _line(ax, label_part: str):  # type: ignore[no-untyped-def]
    matches = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith(label_part)]
    assert len(matches) == 1, [ln.get_label() for ln in ax.get_lines()]
    return matches[0]


def test_sigmoid_figure_draws_g_and_its_derivative(tmp_path: Path) -> None:
    fig = sigmoid_figure()
    ax = fig.axes[0]
    g = _line(ax, "$g(x) =")
    x, y = g.get_data()
    np.testing.assert_allclose(y, expit(x), rtol=1e-14)
    d = _line(ax, "$g'(x)")
    x, y = d.get_data()
    np.testing.assert_allclose(y, expit(x) * expit(-x), rtol=1e-12)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    texts = " ".join(t.get_text() for t in ax.texts)
    for x0 in (-5.5, 6.5, 0.4):
        assert f"g({x0:g}) = {expit(x0):.5f}" in texts
    path = save_figure(fig, tmp_path / "s.png")
    assert mpimg.imread(path).shape[0] > 300


def test_sigmoid_figure_rejects_empty_range() -> None:
    with pytest.raises(ValueError, match="x_min"):
        sigmoid_figure(2.0, 1.0)


def test_loss_curves_figure_draws_histories_and_gaps() -> None:
    se = 0.3 * np.exp(-np.arange(50) / 10.0)
    ce = 0.4 + 0.2 * np.exp(-np.arange(50) / 5.0)
    fig = loss_curves_figure(
        {"squared_error": se, "cross_entropy": ce},
        {"squared_error": 0.0, "cross_entropy": 0.4},
        first_epoch=0,
    )
    left, right = fig.axes
    x, y = _line(left, "squared error").get_data()
    np.testing.assert_array_equal(x, np.arange(50))
    np.testing.assert_array_equal(y, se)
    x, y = _line(right, "cross-entropy (gap = KL").get_data()
    np.testing.assert_allclose(y, ce[x] - 0.4, rtol=1e-12)
    assert right.get_yscale() == "log"
    assert all(a.get_xlabel() == "epoch" for a in (left, right))
    assert left.get_legend() is not None and right.get_legend() is not None


def test_loss_curves_single_panel_without_minima() -> None:
    fig = loss_curves_figure({"cross_entropy": [3.0, 2.0, 1.0]})
    assert len(fig.axes) == 1
    x, _ = fig.axes[0].get_lines()[0].get_data()
    np.testing.assert_array_equal(x, [1, 2, 3])
    with pytest.raises(ValueError, match="histories"):
        loss_curves_figure({})
