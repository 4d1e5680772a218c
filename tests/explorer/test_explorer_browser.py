"""The explorer in a real browser: headless Chromium loads the page with a URL query and
the test reads the DOM. The page's gradient descent (JavaScript) must end where the
notes' loop, written out below, and ``SigmoidNeuron`` end: w and b to 1e-9.

Each test is one Chromium launch (about 1-2 s). ``make test`` installs Debian's
``chromium`` when it is missing (``make browser``); where it is absent these tests skip and
say so, except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron import SigmoidNeuron
from sigmoid_neuron.cli.main import main
from sigmoid_neuron.explorer import render_page, write_page

#: Names the browser goes by; Debian's package installs ``chromium``.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The first Chromium on PATH (or ``$CHROMIUM``), else None."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Element:
    """One element of a dumped DOM: its attributes and its text."""

    tag: str
    attrs: dict[str, str]
    text: str = ""


class _ById(HTMLParser):
    """Collect every element with an id, with its text content (nested text included)."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: dict[str, Element] = {}
        self.stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        if "id" in element.attrs:
            self.elements[element.attrs["id"]] = element
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data


def elements_by_id(html: str) -> dict[str, Element]:
    """Parse ``html`` and return its elements by id."""
    parser = _ById()
    parser.feed(html)
    return parser.elements


@dataclass
class Chromium:
    """Drive headless Chromium: one fresh profile per launch, no sandbox (root in CI)."""

    executable: str
    workdir: Path

    def _run(self, url: str, *args: str, window: str = "1280,720") -> str:
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.workdir)
        command = [
            self.executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--window-size={window}",
            "--virtual-time-budget=10000",
            *args,
            url,
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def dom(self, page: Path, query: str = "", window: str = "1280,720") -> dict[str, Element]:
        """Load ``page`` with ``query`` (``"?a=1&..."``); return the final DOM's elements by id."""
        html = self._run(page.resolve().as_uri() + query, "--dump-dom", window=window)
        elements = elements_by_id(html)
        assert elements.get("controls") is not None, html[:2000]
        return elements

    def screenshot(self, page: Path, out: Path, query: str = "", window: str = "1280,720") -> Path:
        """Save a PNG of ``page`` with ``query`` at ``window`` (CSS pixels)."""
        self._run(page.resolve().as_uri() + query, f"--screenshot={out}", window=window)
        assert out.exists()
        return out


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    """Headless Chromium, or a skip with the reason (a failure under CI)."""
    executable = find_chromium()
    if executable is None:
        reason = (
            "headless Chromium not found (Debian package 'chromium'; `make browser` installs "
            "it when run as root); the explorer's browser tests need it"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + " and CI is set")
        pytest.skip(reason)
    return Chromium(executable, tmp_path_factory.mktemp("chromium"))


TOY = ((0.5, 2.5), (0.2, 0.9))  # seed 002
FIVE_POINT = ((1.2, -2.1, 3.2, -0.5, 0.6), (0.0, 1.0, 0.0, 1.0, 1.0))  # seed 002's table
DATA = {"toy": TOY, "five_point": FIVE_POINT}
REL = 1e-9


def notes_loop(
    x: Sequence[float], y: Sequence[float], loss: str, w: float, b: float, eta: float, epochs: int
) -> tuple[float, float]:
    """The notes' ``do_gradient_descent`` (seed 002): gradients summed over the points."""
    for _ in range(epochs):
        dw, db = 0.0, 0.0
        for xi, yi in zip(x, y, strict=True):
            fx = 1.0 / (1.0 + math.exp(-(w * xi + b)))
            g = (fx - yi) * fx * (1 - fx) if loss == "squared_error" else fx - yi
            dw += g * xi
            db += g
        w = w - eta * dw
        b = b - eta * db
    return w, b


def estimator_run(
    x: Sequence[float], y: Sequence[float], loss: str, w: float, b: float, eta: float, epochs: int
) -> tuple[float, float]:
    """The same run by the package's estimator: mean loss, so learning_rate = n * eta."""
    model = SigmoidNeuron(
        loss=loss,
        optimizer="gd",
        learning_rate=len(x) * eta,
        max_epochs=epochs,
        tol=None,
        batch_size=None,
    )
    model.fit(np.reshape(x, (-1, 1)), np.asarray(y), coef_init=[w], intercept_init=b)
    return float(np.ravel(model.coef_)[0]), float(np.ravel(model.intercept_)[0])


def summed_loss(x: Sequence[float], y: Sequence[float], loss: str, w: float, b: float) -> float:
    """The notes' ``error(w, b)``: the loss summed over the points."""
    total = 0.0
    for xi, yi in zip(x, y, strict=True):
        z = w * xi + b
        if loss == "squared_error":
            total += 0.5 * (1.0 / (1.0 + math.exp(-z)) - yi) ** 2
        else:  # -[(1 - y) log(1 - f) + y log f] = log(1 + e^z) - y z, finite where f rounds to 1
            total += float(np.logaddexp(0.0, z)) - yi * z
    return total


def value(element: Element) -> float:
    """The full-precision number of a read-out (its ``data-value``)."""
    return float(element.attrs["data-value"])


def six_figures(text: str) -> bool:
    """Is ``text`` a number written with exactly 6 significant figures?"""
    mantissa = re.sub(r"[eE].*$", "", text.strip().lstrip("-"))
    return len(mantissa.replace(".", "").lstrip("0")) == 6


def close(a: float, b: float, rel: float = REL) -> bool:
    return abs(a - b) <= rel * abs(b)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(tmp_path_factory.mktemp("explorer") / "explorer.html")


CASES = [
    # the issue's run: the notes' toy neuron, squared error, w = b = -2, eta = 1, 1000 epochs
    ("toy", "squared_error", -2.0, -2.0, 1.0, 1000),
    ("toy", "cross_entropy", -2.0, -2.0, 1.0, 1000),
    ("five_point", "cross_entropy", 0.0, 0.0, 0.2, 1000),
    ("five_point", "squared_error", 1.5, -0.5, 0.7, 400),
]


@pytest.mark.parametrize(("data", "loss", "w0", "b0", "eta", "epochs"), CASES)
def test_the_page_ends_where_python_ends(
    chromium: Chromium,
    page: Path,
    data: str,
    loss: str,
    w0: float,
    b0: float,
    eta: float,
    epochs: int,
) -> None:
    query = f"?data={data}&loss={loss}&w={w0:g}&b={b0:g}&eta={eta:g}&epochs={epochs}&run=1"
    dom = chromium.dom(page, query)
    x, y = DATA[data]
    w_loop, b_loop = notes_loop(x, y, loss, w0, b0, eta, epochs)
    w_est, b_est = estimator_run(x, y, loss, w0, b0, eta, epochs)
    w, b = value(dom["w"]), value(dom["b"])
    assert close(w, w_est) and close(b, b_est), (w, b, w_est, b_est)
    assert close(w, w_loop) and close(b, b_loop), (w, b, w_loop, b_loop)
    assert close(value(dom["loss"]), summed_loss(x, y, loss, w_loop, b_loop), 1e-7)
    for name, expected in (("w", w_loop), ("b", b_loop)):
        text = dom[name].text
        assert six_figures(text) and close(float(text), expected, 5e-6), (name, text)
    assert dom["epoch"].text == str(epochs)
    assert "hidden" in dom["message"].attrs, dom["message"].text


def test_the_users_data_from_the_command_line(chromium: Chromium, tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    hours = rng.uniform(0, 10, size=40)
    passed = 1 / (1 + np.exp(-(hours - 5))) * rng.uniform(0.8, 1.0, size=40)
    pd.DataFrame({"hours": hours, "noise": rng.normal(size=40), "passed": passed}).to_csv(
        tmp_path / "study.csv", index=False
    )
    out = tmp_path / "mine.html"
    args = ["explore", "--out", str(out), "--data", str(tmp_path / "study.csv")]
    assert main([*args, "--target", "passed", "--feature", "hours"]) == 0
    dom = chromium.dom(out, "?loss=cross_entropy&w=0&b=0&eta=0.01&epochs=300&run=1")
    frame = pd.read_csv(tmp_path / "study.csv")  # the oracle reads the file itself
    x, y = frame["hours"].tolist(), frame["passed"].tolist()
    w_est, b_est = estimator_run(x, y, "cross_entropy", 0.0, 0.0, 0.01, 300)
    assert close(value(dom["w"]), w_est) and close(value(dom["b"]), b_est)
    assert dom["data"].attrs.get("id") == "data"
    assert "study.csv" in dom["data"].text


def test_bad_query_values_show_messages_and_the_page_still_runs(
    chromium: Chromium, page: Path
) -> None:
    dom = chromium.dom(page, "?eta=abc&epochs=-5&loss=hinge&w=1e9&colour=red&run=1")
    message = dom["message"]
    assert "hidden" not in message.attrs
    text = message.text
    for fragment in ("eta='abc'", "epochs='-5'", "loss='hinge'", "w='1e9'", "'colour'"):
        assert fragment in text, (fragment, text)
    # every bad value fell back to its default: the notes' toy run
    w, b = notes_loop(*TOY, "squared_error", -2.0, -2.0, 1.0, 1000)
    assert close(value(dom["w"]), w) and close(value(dom["b"]), b)


def test_a_divergent_learning_rate_is_reported_and_stopped(chromium: Chromium, page: Path) -> None:
    dom = chromium.dom(page, "?loss=cross_entropy&eta=1e12&epochs=50&run=1")
    text = dom["message"].text
    assert "diverged at epoch 1" in text and "lower the learning rate" in text, text
    # the last finite state (the start) stays on show, with numbers, not NaN
    assert dom["epoch"].text == "0"
    assert value(dom["w"]) == -2.0 and value(dom["b"]) == -2.0
    loss = dom["loss"].text
    expected = summed_loss(*TOY, "cross_entropy", -2.0, -2.0)
    assert six_figures(loss) and close(float(loss), expected, 5e-6), (loss, expected)


PROBE = """
<script>
window.addEventListener("load", () => {
  const $ = id => document.getElementById(id);
  const out = {scrollWidth: document.documentElement.scrollWidth,
               clientWidth: document.documentElement.clientWidth};
  for (let i = 0; i < 3; i++) $("step").click();
  out.stepped = [$("epoch").textContent, $("w").dataset.value, $("b").dataset.value];
  $("eta").value = "";
  $("eta").dispatchEvent(new Event("change"));
  out.etaMessage = $("message").textContent;
  out.etaKept = $("eta").value;
  const surface = $("surface");
  surface.focus();
  surface.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  out.keyStart = [$("w0").value, $("b0").value];
  $("finish").click();
  out.keyEnd = [$("epoch").textContent, $("w").dataset.value, $("b").dataset.value];
  const box = surface.getBoundingClientRect();
  const at = {clientX: box.left + 0.6 * box.width, clientY: box.top + 0.3 * box.height,
              pointerId: 1, bubbles: true};
  surface.dispatchEvent(new PointerEvent("pointerdown", at));
  surface.dispatchEvent(new PointerEvent("pointerup", at));
  out.dragStart = [$("w0").value, $("b0").value];
  $("finish").click();
  out.dragEnd = [$("epoch").textContent, $("w").dataset.value, $("b").dataset.value];
  out.share = $("share").getAttribute("href");
  for (const eta of ["100", "1e12"]) {
    $("eta").value = eta;
    $("eta").dispatchEvent(new Event("change"));
    $("finish").click();
    out["eta" + eta] = [$("message").textContent, $("epoch").textContent, $("w").dataset.value];
  }
  $("eta").value = "1";
  $("eta").dispatchEvent(new Event("change"));
  $("play").click();
  out.playing = $("play").textContent;
  setTimeout(() => {
    out.played = [$("epoch").textContent, $("w").dataset.value, $("b").dataset.value];
    const pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
    if (window.parent !== window) window.parent.postMessage(pre.textContent, "*");
  }, 1000);
});
</script>
</body>"""

#: Headless Chromium's window is at least 500 px wide, so a phone-width (390 px)
#: viewport is an iframe; the probe inside posts its findings to this page.
PHONE = """<!doctype html><html><body style="margin:0">
<iframe src="probed.html{query}" width="390" height="844" style="border:0"></iframe>
<pre id="probe"></pre><div id="controls"></div>
<script>
window.addEventListener("message", e => {{
  document.getElementById("probe").textContent = e.data;
}});
</script></body></html>"""


def test_controls_keyboard_dragging_and_play_on_a_phone_screen(
    chromium: Chromium, tmp_path: Path
) -> None:
    probed = tmp_path / "probed.html"
    probed.write_text(render_page().replace("</body>", PROBE), encoding="utf-8")
    phone = tmp_path / "phone.html"
    phone.write_text(PHONE.format(query="?loss=cross_entropy&epochs=200"), encoding="utf-8")
    dom = chromium.dom(phone)
    out = json.loads(dom["probe"].text)
    assert out["scrollWidth"] <= out["clientWidth"] == 390, out  # no sideways scrolling
    epoch, w, b = out["stepped"]
    w3, b3 = notes_loop(*TOY, "cross_entropy", -2.0, -2.0, 1.0, 3)
    assert epoch == "3" and close(float(w), w3) and close(float(b), b3)
    assert "eta:" in out["etaMessage"] and out["etaKept"] == "1"
    for start, end in ((out["keyStart"], out["keyEnd"]), (out["dragStart"], out["dragEnd"])):
        w0, b0 = map(float, start)
        assert end[0] == "200"
        w_end, b_end = notes_loop(*TOY, "cross_entropy", w0, b0, 1.0, 200)
        assert close(float(end[1]), w_end) and close(float(end[2]), b_end), (start, end)
    assert float(out["keyStart"][0]) > -2.0 and out["keyStart"][1] == "-2"
    assert out["dragStart"] != out["keyStart"]
    assert f"w={out['dragStart'][0]}" in out["share"] and "epochs=200" in out["share"]
    # a learning rate too large, set on the page: the loss rises; far too large: divergence
    w0, b0 = map(float, out["dragStart"])
    message, epoch, w = out["eta100"]
    w_end, b_end = notes_loop(*TOY, "cross_entropy", w0, b0, 100.0, 200)
    loss_0 = summed_loss(*TOY, "cross_entropy", w0, b0)
    loss_end = summed_loss(*TOY, "cross_entropy", w_end, b_end)
    assert epoch == "200" and close(float(w), w_end)
    assert ("The loss went up" in message) == (loss_end > loss_0), (message, loss_0, loss_end)
    message, epoch, w = out["eta1e12"]
    assert "diverged at epoch 1" in message and epoch == "0" and float(w) == w0
    # Play runs live (100 epochs per second by default): partway after one second
    epoch, w, b = out["played"]
    assert out["playing"] == "Pause" and 10 <= int(epoch) < 200, out["played"]
    w_t, b_t = notes_loop(*TOY, "cross_entropy", w0, b0, 1.0, int(epoch))
    assert close(float(w), w_t) and close(float(b), b_t)


def test_screenshot_of_the_default_view(chromium: Chromium, page: Path, tmp_path: Path) -> None:
    shot = chromium.screenshot(page, tmp_path / "explorer.png")
    image = mpimg.imread(shot)[..., :3]
    assert image.shape[:2] == (720, 1280)
    pixels = (image * 255).reshape(-1, 3)
    dark_purple = np.all(np.abs(pixels - [68, 1, 84]) < 30, axis=1).mean()
    yellow = np.all(np.abs(pixels - [253, 231, 37]) < 40, axis=1).mean()
    assert dark_purple > 0.002 and yellow > 0.002, (dark_purple, yellow)  # the heat map
