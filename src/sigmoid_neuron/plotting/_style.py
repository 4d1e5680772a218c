"""Shared look of every figure, and the one way figures are written (atomically).

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: no global state, no GUI backend, rendered by Agg (PNG) or the SVG/PDF
backends, chosen by the file extension.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sigmoid_neuron.io.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: File extension -> matplotlib format name.
FIGURE_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

#: Okabe-Ito colour-blind-safe palette.
COLORS: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#7F7F7F",
}

#: One colour per loss, used by every figure.
LOSS_COLORS: dict[str, str] = {
    "squared_error": COLORS["orange"],
    "cross_entropy": COLORS["blue"],
}

#: Readable names of the losses.
LOSS_LABELS: dict[str, str] = {
    "squared_error": "squared error",
    "cross_entropy": "cross-entropy",
}

RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "grid.alpha": 0.3,
    "grid.linestyle": "-",
    "legend.fontsize": 10,
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "lines.linewidth": 2.2,
    "svg.fonttype": "none",
    "svg.hashsalt": "sigmoid-neuron",
}


def figure_format(path: str | os.PathLike[str], argument: str = "--out") -> str:
    """``"png"``, ``"svg"`` or ``"pdf"`` by the extension of ``path``; ``ValueError`` otherwise."""
    suffix = Path(path).suffix.lower()
    try:
        return FIGURE_FORMATS[suffix]
    except KeyError:
        raise ValueError(
            f"{argument} {str(path)!r}: unknown figure format {suffix or '(no extension)'!r}; "
            f"use a file ending in .png, .svg or .pdf"
        ) from None


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Temporarily apply the project's matplotlib style (``rc`` settings)."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, RC)):
        yield


def new_figure(width: float = 8.0, height: float = 5.0, **kwargs: Any) -> Figure:
    """A ``Figure`` of ``width`` x ``height`` inches, outside pyplot, with constrained layout.

    Call it, and draw on the figure, inside ``with style():`` so the style applies.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def save_figure(
    fig: Figure, path: str | os.PathLike[str], argument: str = "--out", dpi: float | None = None
) -> Path:
    """Render ``fig`` to ``path`` (PNG/SVG/PDF by extension), atomically; return the path.

    ``dpi`` sets the resolution of a PNG (default 150 dots per inch).

    The file appears complete or not at all: the image is written to a temporary
    file beside ``path`` and renamed over it.
    """
    fmt = figure_format(path, argument)
    target = Path(path)
    metadata: dict[str, Any] = {"Software": "sigmoid-neuron"} if fmt == "png" else {}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    try:
        with style(), atomic_write(target, "wb") as handle:
            fig.savefig(handle, format=fmt, metadata=metadata, dpi=dpi or RC["savefig.dpi"])
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OSError(f"{argument} {str(target)!r} cannot be written: {reason}") from None
    return target
