"""save_figure: format by extension, valid files, atomic on failure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from matplotlib.figure import Figure

from sigmoid_neuron.plotting import figure_format, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _simple() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("line")
    return fig


def test_png_is_valid_and_decodable(tmp_path: Path) -> None:
    path = save_figure(_simple(), tmp_path / "a.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # not a blank canvas


def test_svg_parses_as_xml(tmp_path: Path) -> None:
    path = save_figure(_simple(), tmp_path / "a.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert "line" in path.read_text()  # the title is text (svg.fonttype none)


def test_pdf_signature(tmp_path: Path) -> None:
    path = save_figure(_simple(), tmp_path / "a.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_unknown_extension() -> None:
    with pytest.raises(ValueError, match=r"--out 'a\.jpg'.*\.png, \.svg or \.pdf"):
        figure_format("a.jpg")


def test_missing_directory_is_one_clean_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="cannot be written"):
        save_figure(_simple(), tmp_path / "nope" / "a.png")


def test_failed_render_keeps_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(b"previous")
    fig = _simple()
    fig.axes[0].set_title(r"$\frac{$")  # broken mathtext: fails while rendering
    with pytest.raises(ValueError):
        save_figure(fig, path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]
