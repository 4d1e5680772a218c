"""The explorer page as a file: self-contained, small, labelled, carrying the notes' data.

No browser here; tests/explorer/test_explorer_browser.py runs the page in Chromium.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron.explorer import (
    MAX_ROWS,
    Dataset,
    load_dataset,
    page_data,
    render_page,
    write_page,
)
from sigmoid_neuron.explorer.page import PLACEHOLDER, TEMPLATE


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.label_depth = 0
        self.wrapped: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "label":
            self.label_depth += 1
        elif self.label_depth and "id" in attributes:
            self.wrapped.add(attributes["id"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1


def tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def embedded_data(html: str) -> dict:
    """The JSON the page holds, read back as the browser would (``const DATA = ...;``)."""
    match = re.search(r"const DATA = (\{.*?\});\n", html)
    assert match, "no embedded data"
    return json.loads(match.group(1))


def test_the_page_is_small_and_loads_nothing_from_the_network() -> None:
    html = render_page()
    assert len(html.encode("utf-8")) < 500_000
    parsed = tags(html)
    links = [
        value
        for _, attributes in parsed.tags
        for name, value in attributes.items()
        if name in ("src", "href", "action", "poster", "data")
    ]
    assert all(not re.match(r"\s*(https?:)?//", v, re.IGNORECASE) for v in links), links
    # nothing at all that could fetch: no URLs, no imports, no requests
    for needle in ("http://", "https://", "@import", "url(", "fetch(", "XMLHttpRequest", "import("):
        assert needle not in html, needle
    assert not any(tag in ("link", "iframe", "img") for tag, _ in parsed.tags)
    assert [attrs.get("src") for tag, attrs in parsed.tags if tag == "script"] == [None]


def test_the_page_with_the_most_rows_stays_under_500_kb() -> None:
    rng = np.random.default_rng(0)
    x = tuple(rng.normal(size=MAX_ROWS) * 1e-7 + 1 / 3)
    y = tuple(rng.uniform(size=MAX_ROWS) / 3)  # long reprs: 17 significant digits
    html = render_page(Dataset("user", "big", x, y))
    assert len(html.encode("utf-8")) < 500_000


def test_the_page_carries_the_notes_data() -> None:
    data = embedded_data(render_page())
    assert data["default"] == "toy"
    # seed 002: X = [0.5, 2.5], Y = [0.2, 0.9]; the five-point table
    assert data["datasets"]["toy"]["x"] == [0.5, 2.5]
    assert data["datasets"]["toy"]["y"] == [0.2, 0.9]
    assert data["datasets"]["five_point"]["x"] == [1.2, -2.1, 3.2, -0.5, 0.6]
    assert data["datasets"]["five_point"]["y"] == [0, 1, 0, 1, 1]


def test_user_data_is_embedded_exactly_and_cannot_close_the_script() -> None:
    hostile = "</script><script>alert(1)</script><!--"
    x = (0.1, 1 / 3, -2.5e-300, 7.0)
    user = Dataset("user", hostile, x, (0.0, 1.0, 0.25, 1 / 7), x_name=hostile, y_name="p & q")
    html = render_page(user)
    template = (Path(__file__).parents[2] / "src/sigmoid_neuron/explorer" / TEMPLATE).read_text()
    assert html.lower().count("</script") == template.lower().count("</script") == 1
    assert "<!--" not in html
    data = embedded_data(html)
    assert data["default"] == "user"
    assert data["datasets"]["user"]["x"] == list(x)  # bit for bit: float reprs round-trip
    assert data["datasets"]["user"]["y"] == [0.0, 1.0, 0.25, 1 / 7]
    assert data["datasets"]["user"]["x_name"] == hostile
    assert data["datasets"]["user"]["label"] == hostile


def test_the_template_has_one_data_slot() -> None:
    template = (Path(__file__).parents[2] / "src/sigmoid_neuron/explorer" / TEMPLATE).read_text()
    assert template.count(PLACEHOLDER) == 1
    assert PLACEHOLDER not in render_page()


def test_every_control_has_a_label_and_the_readouts_exist() -> None:
    html = render_page()
    parsed = tags(html)
    labelled = {attrs["for"] for tag, attrs in parsed.tags if tag == "label" and "for" in attrs}
    controls = [
        attrs["id"]
        for tag, attrs in parsed.tags
        if tag in ("input", "select", "textarea")
        and attrs.get("type") != "hidden"
        and not attrs.get("hidden")
    ]
    assert controls
    for control in controls:
        assert control in labelled or control in parsed.wrapped, control
    buttons = [attrs for tag, attrs in parsed.tags if tag == "button"]
    assert {b["id"] for b in buttons} >= {"play", "step", "reset", "finish"}
    ids = [attrs["id"] for _, attrs in parsed.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert {"w", "b", "loss", "dw", "db", "epoch", "message", "surface", "rule"} <= set(ids)
    # large type, and a layout for phones
    assert re.search(r"font-size:\s*clamp\(16px", html)
    assert '<meta name="viewport" content="width=device-width' in html
    assert "@media (max-width: 700px)" in html


def test_write_page_is_atomic_and_complete(tmp_path: Path) -> None:
    out = tmp_path / "explorer.html"
    out.write_text("old")
    assert write_page(out) == out
    assert out.read_text(encoding="utf-8") == render_page()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"x": (1.0, 2.0), "y": (0.5,)}, "same length"),
        ({"x": (), "y": ()}, "at least one"),
        ({"x": (1.0,), "y": (1.5,)}, "outside [0, 1]"),
        ({"x": (float("nan"),), "y": (0.5,)}, "finite"),
        ({"x": (0.0,) * (MAX_ROWS + 1), "y": (0.5,) * (MAX_ROWS + 1)}, "at most"),
    ],
)
def test_dataset_refuses_bad_data(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        Dataset("user", "mine", **kwargs)


def test_user_data_cannot_take_a_builtin_key() -> None:
    with pytest.raises(ValueError, match=re.escape("user.key 'toy'")):
        page_data(Dataset("toy", "mine", (1.0,), (0.5,)))


def test_load_dataset_reads_the_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame({"hours": [0.5, 1.5, 4.0], "extra": [9, 9, 9], "passed": [0, 0.4, 1]}).to_csv(
        path, index=False
    )
    data = load_dataset(path, "passed", "hours")
    assert (data.x, data.y) == ((0.5, 1.5, 4.0), (0.0, 0.4, 1.0))
    assert (data.key, data.x_name, data.y_name) == ("user", "hours", "passed")
    pd.DataFrame({"hours": [1, 2], "passed": [0, 1]}).to_csv(path, index=False)
    assert load_dataset(path, "passed").x == (1.0, 2.0)  # the only other column


@pytest.mark.parametrize(
    ("frame", "target", "feature", "fragments"),
    [
        ({"x": [1, 2], "y": [0, 2]}, "y", "x", ["column 'y', row 2", "outside [0, 1]"]),
        ({"x": [1, "a"], "y": [0, 1]}, "y", "x", ["column 'x', row 2", "not a number"]),
        ({"x": [1, 2], "y": [0, 1]}, "t", "x", ["--target", "'t'"]),
        ({"x": [1, 2], "y": [0, 1]}, "y", "z", ["--feature", "'z'"]),
        ({"x": [1, 2], "u": [3, 4], "y": [0, 1]}, "y", None, ["--feature", "2 columns"]),
        ({"x": [1, 2], "y": [0, 1]}, "y", "y", ["--feature and --target"]),
        ({"x": list(range(MAX_ROWS + 1)), "y": [0] * (MAX_ROWS + 1)}, "y", "x", ["at most"]),
    ],
)
def test_load_dataset_names_the_mistake(
    tmp_path: Path, frame: dict, target: str, feature: str | None, fragments: list[str]
) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    with pytest.raises(ValueError) as info:
        load_dataset(path, target, feature)
    for fragment in fragments:
        assert fragment in str(info.value)
