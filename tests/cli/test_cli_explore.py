"""`sigmoid-neuron explore`: writes the page, opens it without --out, refuses bad data
with one line on stderr and exit 2."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import webbrowser
from pathlib import Path

import pandas as pd
import pytest

from sigmoid_neuron.cli.main import main


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_out_writes_one_self_contained_page(tmp_path: Path) -> None:
    result = cli("explore", "--out", "explorer.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote explorer.html"
    html = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert '"toy":{"label"' in html and '"x":[0.5,2.5]' in html and '"y":[0.2,0.9]' in html
    assert len(html.encode()) < 500_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]


def test_without_out_the_page_opens_in_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []

    def fake_open(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["explore"]) == 0
    [url] = opened
    assert url.startswith("file://") and url.endswith("/explorer.html")
    [page] = tmp_path.glob("sigmoid-neuron-explore-*/explorer.html")
    assert page.resolve().as_uri() == url
    assert '<canvas id="surface"' in page.read_text(encoding="utf-8")
    assert f"opened {url}" in capsys.readouterr().out


def test_no_browser_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["explore"]) == 0
    assert "open file://" in capsys.readouterr().out


def test_users_data_is_embedded_and_opened_on(tmp_path: Path) -> None:
    pd.DataFrame({"dose": [0.0, 1.0, 2.5], "response": [0.1, 0.5, 0.95]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    result = cli(
        "explore", "--out", "p.html", "--data", "d.csv", "--target", "response", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert '"default":"user"' in html
    assert '"x":[0.0,1.0,2.5],"y":[0.1,0.5,0.95],"x_name":"dose","y_name":"response"' in html


def fails_cleanly(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, exactly one line on stderr with every fragment, no traceback, no page."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sigmoid-neuron explore: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_a_bad_data_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("x,y\n1,0\n2,1.5\n")
    result = cli("explore", "--out", "p.html", "--data", "bad.csv", "--target", "y", cwd=tmp_path)
    fails_cleanly(result, "'bad.csv'", "column 'y', row 2", "outside [0, 1]")
    assert not (tmp_path / "p.html").exists()


@pytest.mark.parametrize(
    ("content", "args", "fragments"),
    [
        (None, ["--data", "missing.csv", "--target", "y"], ["'missing.csv' does not exist"]),
        ("x,y\n1,0\nabc,1\n", ["--data", "d.csv", "--target", "y"], ["column 'x', row 2"]),
        ("x,y\n1,0\n", ["--data", "d.csv", "--target", "t"], ["--target", "'t'"]),
        ("x,z,y\n1,2,0\n", ["--data", "d.csv", "--target", "y"], ["--feature"]),
        ("x,y\n1,0\n", ["--data", "d.csv"], ["--data needs --target"]),
        ("x,y\n1,0\n", ["--target", "y"], ["pass --data"]),
        (None, ["--data", "d.txt", "--target", "y"], ["'.txt'", ".csv"]),
        ("x,y\n1,0\n", ["--out", "page.png"], ["--out", ".html"]),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    args: list[str],
    fragments: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / "d.csv").write_text(content)
    argv = ["explore", *args] if "--out" in args else ["explore", *args, "--out", "p.html"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sigmoid-neuron explore: error: "), captured.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not (tmp_path / "p.html").exists()
