"""The explorer page: one self-contained HTML file where learners watch the neuron learn.

The page (``explorer.html`` beside this module, shipped as package data) holds all its
JavaScript and styles inline and loads nothing from the network. It runs the notes'
gradient descent (seed 002) on y_hat = 1 / (1 + e^{-(w x + b)}): full batch, per epoch

    dw = sum_i g_i x_i,   db = sum_i g_i,   w <- w - eta dw,   b <- b - eta db,

with g_i = (y_hat_i - y_i) y_hat_i (1 - y_hat_i) for the squared error
L = sum_i 1/2 (y_hat_i - y_i)^2 and g_i = y_hat_i - y_i for the cross-entropy
L = -sum_i [(1 - y_i) log(1 - y_hat_i) + y_i log y_hat_i]. The gradients are *summed*
over the points, so the same iterates come from ``SigmoidNeuron(optimizer="gd",
learning_rate=n * eta, tol=None)`` on its mean loss.

This module only embeds the data sets (the notes' two and, optionally, the user's) as
JSON into the template and writes the file.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sigmoid_neuron.demo import FIVE_X, FIVE_Y, TOY_X, TOY_Y

#: The template file, package data of :mod:`sigmoid_neuron.explorer`.
TEMPLATE = "explorer.html"
#: Where the template takes its JSON data (a JavaScript expression slot).
PLACEHOLDER = "/*@EXPLORER_DATA@*/null"
#: The most rows of user data the page takes (it evaluates the loss on a 121 x 121 grid).
MAX_ROWS = 1000
#: The page must stay smaller than this many bytes.
MAX_BYTES = 500_000


@dataclass(frozen=True)
class Dataset:
    """One-input data for the page: inputs x_i and targets y_i in [0, 1].

    ``key`` names it in the page's ``data=`` query setting, ``label`` in its menu;
    ``x_name`` and ``y_name`` label the axes of the sigmoid plot.
    """

    key: str
    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    x_name: str = "x"
    y_name: str = "y"

    def __post_init__(self) -> None:
        if not self.key.isidentifier():
            raise ValueError(f"key must be a name like 'toy' or 'user', got {self.key!r}")
        if len(self.x) != len(self.y):
            raise ValueError(
                f"x and y must have the same length, got {len(self.x)} and {len(self.y)}; "
                "pass one target per input"
            )
        if not self.x:
            raise ValueError("x is empty; the page needs at least one data point")
        if len(self.x) > MAX_ROWS:
            raise ValueError(
                f"x has {len(self.x)} points; the page draws at most {MAX_ROWS}: pass a sample"
            )
        for name, values in (("x", self.x), ("y", self.y)):
            for i, v in enumerate(values):
                if not math.isfinite(v):
                    raise ValueError(f"{name}[{i}] is {v}; every value must be a finite number")
        for i, v in enumerate(self.y):
            if not 0.0 <= v <= 1.0:
                raise ValueError(
                    f"y[{i}] is {v}, outside [0, 1]; the neuron's targets are probabilities"
                )

    def as_json(self) -> dict[str, Any]:
        """The data set as the page reads it: ``{label, x, y, x_name, y_name}``."""
        return {
            "label": self.label,
            "x": [float(v) for v in self.x],
            "y": [float(v) for v in self.y],
            "x_name": self.x_name,
            "y_name": self.y_name,
        }


#: The notes' toy data (seed 002): X = [0.5, 2.5], Y = [0.2, 0.9].
TOY = Dataset("toy", "toy data", TOY_X, TOY_Y)
#: The notes' five-point table (seed 002): I/P 1.2, -2.1, 3.2, -0.5, 0.6; O/P 0, 1, 0, 1, 1.
FIVE_POINT = Dataset("five_point", "five-point table", FIVE_X, FIVE_Y, "I/P", "O/P")
#: The data sets every page carries, in menu order.
BUILTIN: tuple[Dataset, ...] = (TOY, FIVE_POINT)


def page_data(user: Dataset | None = None) -> dict[str, Any]:
    """The JSON the page embeds: every data set by key, and the one it opens on.

    The page opens on ``user`` when given (its key must be new), else on the notes' toy
    data.
    """
    datasets = {d.key: d.as_json() for d in BUILTIN}
    default = TOY.key
    if user is not None:
        if user.key in datasets:
            raise ValueError(
                f"user.key {user.key!r} is taken by a built-in data set; use another key "
                "such as 'user'"
            )
        datasets[user.key] = user.as_json()
        default = user.key
    from sigmoid_neuron._version import __version__

    return {"version": __version__, "default": default, "datasets": datasets}


def render_page(user: Dataset | None = None) -> str:
    """The explorer as one HTML string, with the data sets embedded as JSON.

    The page runs w_{t+1} = w_t - eta sum_i g_i x_i and b_{t+1} = b_t - eta sum_i g_i
    (g_i as in this module's docstring). The JSON is escaped so that no ``<`` can close
    the ``<script>`` element it sits in.
    """
    template = resources.files("sigmoid_neuron.explorer").joinpath(TEMPLATE).read_text("utf-8")
    if template.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"the explorer template must hold {PLACEHOLDER!r} exactly once")
    payload = json.dumps(page_data(user), allow_nan=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace(PLACEHOLDER, payload)


def write_page(path: str | os.PathLike[str], user: Dataset | None = None) -> Path:
    """Write :func:`render_page` to ``path`` atomically (UTF-8); return the path.

    Raises ``ValueError`` if the page would reach ``MAX_BYTES`` (500 KB).
    """
    from sigmoid_neuron.io.atomic import atomic_write

    html = render_page(user)
    size = len(html.encode("utf-8"))
    if size >= MAX_BYTES:
        raise ValueError(
            f"the page would be {size} bytes, over {MAX_BYTES}; pass fewer rows with --data"
        )
    target = Path(path)
    with atomic_write(target) as handle:
        handle.write(html)
    return target


def load_dataset(path: str | os.PathLike[str], target: str, feature: str | None = None) -> Dataset:
    """Read one input column and one target column of a CSV/Parquet file as a :class:`Dataset`.

    ``feature`` defaults to the only column besides ``target``. Targets must lie in
    [0, 1] (y_hat = sigma(w x + b) is a probability). Every user mistake is a
    ``ValueError`` (``FileNotFoundError`` for a missing file) naming the option, the
    column and the row.
    """
    from sigmoid_neuron.io.tables import numeric_column, read_table

    df = read_table(path, "--data")
    source = f"--data {str(path)!r}"
    columns = [str(c) for c in df.columns]
    if target not in df.columns:
        raise ValueError(
            f"--target: column {target!r} not in {source}; its columns are {columns[:12]}"
        )
    if feature is None:
        others = [c for c in columns if c != target]
        if len(others) != 1:
            raise ValueError(
                f"--feature: {source} has {len(others)} columns besides the target "
                f"{target!r}; name the input with --feature COL"
            )
        feature = others[0]
    elif feature not in df.columns:
        raise ValueError(
            f"--feature: column {feature!r} not in {source}; its columns are {columns[:12]}"
        )
    if feature == target:
        raise ValueError(f"--feature and --target are both {target!r}; pick two columns")
    if len(df) == 0:
        raise ValueError(f"{source} has no data rows; the page needs at least one")
    if len(df) > MAX_ROWS:
        raise ValueError(
            f"{source} has {len(df)} rows; the explorer draws at most {MAX_ROWS}: "
            "pass a sample of the rows"
        )
    x = numeric_column(df, feature, source)
    y = numeric_column(df, target, source)
    outside = [i for i, v in enumerate(y.tolist()) if not 0.0 <= v <= 1.0]
    if outside:
        i = outside[0]
        raise ValueError(
            f"{source}: column {target!r}, row {i + 1}: {y[i]:g} is outside [0, 1]; the "
            "neuron's targets are probabilities: rescale the column or pick another --target"
        )
    return Dataset(
        "user",
        f"your data: {Path(path).name} ({len(x)} rows)",
        tuple(float(v) for v in x),
        tuple(float(v) for v in y),
        x_name=feature,
        y_name=target,
    )
