"""The explorer: one offline HTML page where learners watch gradient descent.

``render_page()`` returns the page, ``write_page(path)`` writes it atomically, and
``load_dataset(path, target, feature)`` reads a user's one-input table for it. The page
runs the notes' algorithm, w <- w - eta sum_i g_i x_i, b <- b - eta sum_i g_i (see
:mod:`sigmoid_neuron.explorer.page`), in JavaScript.
"""

from sigmoid_neuron.explorer.page import (
    BUILTIN,
    FIVE_POINT,
    MAX_BYTES,
    MAX_ROWS,
    TOY,
    Dataset,
    load_dataset,
    page_data,
    render_page,
    write_page,
)

__all__ = [
    "BUILTIN",
    "FIVE_POINT",
    "MAX_BYTES",
    "MAX_ROWS",
    "TOY",
    "Dataset",
    "load_dataset",
    "page_data",
    "render_page",
    "write_page",
]
