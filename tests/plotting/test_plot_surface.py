"""The error surface matches the notes' error function written out with SciPy."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy.special import expit, log_expit

from sigmoid_neuron.plotting import error_surface, save_figure, surface_figure

X = [0.5, 2.5]
Y = [0.2, 0.9]


def _notes_error(w: float, b: float, loss: str) -> float:
    """The notes' error(w, b), divided by n (our objective is the mean).

    The cross-entropy uses SciPy's log_expit for log(fx) and log(1 - fx): the notes'
    math.log(1 - fx) loses digits once fx is near 1.
    """
    err = 0.0
    for x, y in zip(X, Y, strict=True):
        z = w * x + b
        if loss == "squared_error":
            fx = 1.0 / (1.0 + math.exp(-z))
            err += 0.5 * (fx - y) ** 2
        else:
            err += -((1 - y) * log_expit(-z) + y * log_expit(z))
    return err / len(X)


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_error_surface_matches_the_notes_error_function(loss: str) -> None:
    ws = np.linspace(-4, 6, 7)
    bs = np.linspace(-6, 4, 5)
    J = error_surface(X, Y, loss, ws, bs)
    assert J.shape == (5, 7)
    expected = [[_notes_error(w, b, loss) for w in ws] for b in bs]
    np.testing.assert_allclose(J, expected, rtol=1e-12)


def test_cross_entropy_surface_is_finite_where_sigma_rounds_to_one() -> None:
    J = error_surface([1.0], [0.5], "cross_entropy", [60.0], [0.0])
    # l = log(1 + e^60) - 0.5 * 60 = 30 + log1p(e^-60): finite, no log(0)
    np.testing.assert_allclose(J[0, 0], 30.0 + math.log1p(math.exp(-60.0)), rtol=1e-15)
    assert expit(60.0) == 1.0  # the probability itself has rounded to 1


def test_surface_figure_draws_the_path(tmp_path: Path) -> None:
    path = np.array([[-2.0, -2.0], [-1.0, -1.5], [0.5, -2.0], [1.8, -2.3]])
    fig = surface_figure(X, Y, "squared_error", path, w_range=(-4, 6), b_range=(-6, 4))
    contour_ax, surface_ax = (a for a in fig.axes if a.get_label() != "<colorbar>")
    drawn = [ln for ln in contour_ax.get_lines() if "gradient descent" in str(ln.get_label())]
    assert len(drawn) == 1
    np.testing.assert_array_equal(np.column_stack(drawn[0].get_data()), path)
    assert contour_ax.get_xlabel() == "weight w" and contour_ax.get_ylabel() == "bias b"
    assert surface_ax.name == "3d"
    (line3d,) = surface_ax.get_lines()
    xs, ys, zs = line3d.get_data_3d()
    np.testing.assert_array_equal(ys, path[:, 1])
    np.testing.assert_array_equal(xs, path[:, 0])
    expected_z = [_notes_error(w, b, "squared_error") for w, b in path]
    lift = np.asarray(zs) - expected_z
    np.testing.assert_allclose(lift, lift[0], atol=1e-12)  # a constant lift above the surface
    png = save_figure(fig, tmp_path / "surface.png")
    assert mpimg.imread(png).shape[1] > 1000


def test_surface_figure_validates() -> None:
    with pytest.raises(ValueError, match="path must have shape"):
        surface_figure(X, Y, "cross_entropy", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="loss must be one of"):
        error_surface(X, Y, "hinge", [0.0], [0.0])
    with pytest.raises(ValueError, match="w_range"):
        surface_figure(X, Y, "cross_entropy", w_range=(1, 0))
