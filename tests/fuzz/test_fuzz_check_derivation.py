"""Fuzzing ``check-derivation``: random and hostile text reaches the parser, which must
raise only its documented ``ParseError`` (a ``ValueError`` naming the line), run nothing
(an audit hook watches for code execution, processes and file access), and stay within
its time limits; the command itself answers 0, 1 or 2 with no traceback.

Budgets are fixed (``max_examples``) and the runs derandomized, so CI is reproducible.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigmoid_neuron.derivations.parser import ParseError, parse_derivation

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ------------------------------------------------------------------ an audit hook

#: Audit events that would mean user text was run, or reached the system.
FORBIDDEN_EVENTS = (
    "exec",
    "compile",  # ast.parse raises this one too: only mode "eval" ASTs are expected
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "subprocess.Popen",
    "open",
    "os.remove",
    "os.rename",
    "socket.",
    "ctypes.",
    "pickle.find_class",
    "marshal.loads",
    "builtins.input",
)
_SEEN: list[tuple[str, Any]] = []
_WATCHING: dict[str, Any] = {"on": False, "thread": None}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    # only the parsing thread's events: other threads of the process (a Dask cluster's
    # system monitor reading /proc, left from another test) are not the parser's doing
    if (
        _WATCHING["on"]
        and threading.get_ident() == _WATCHING["thread"]
        and event.startswith(FORBIDDEN_EVENTS)
    ):
        _SEEN.append((event, args))


sys.addaudithook(_hook)  # cannot be removed; it records only while _WATCHING["on"]


def parse_watched(text: str) -> Any:
    """``parse_derivation(text)`` while recording forbidden audit events; returns the
    result or the ParseError, and asserts nothing else happened."""
    parse_derivation("sigmoid(x)*(1 - sigmoid(x)) = diff(sigmoid(x), x)")  # warm imports
    _SEEN.clear()
    _WATCHING["thread"] = threading.get_ident()
    _WATCHING["on"] = True
    try:
        result: Any = parse_derivation(text)
    except ParseError as exc:
        result = exc
    finally:
        _WATCHING["on"] = False
    compiled = [args for event, args in _SEEN if event == "compile"]
    others = [(event, args) for event, args in _SEEN if event != "compile"]
    assert others == [], others
    # the one compile allowed: ast.parse of the text itself (no code object is made)
    for args in compiled:
        source = args[0]
        assert isinstance(source, (str, bytes)) or source is None, args
    return result


def check_outcome(result: Any) -> None:
    if isinstance(result, ParseError):
        message = str(result)
        assert len(message) < 600, message[:2000]
        assert result.line is None or result.line >= 1
        return
    assert result.claims
    for claim in result.claims:
        assert isinstance(claim.expr, sp.Basic)


# ------------------------------------------------------------------ random input

PY_ALPHABET = st.sampled_from(
    [*"xyzwpqab019.+-*/()[],=#:_ \n\t'\"{}<>!@$%^&|~`;\\", *"σπé\x00\u200bｘ𝑥１"]
)


@FUZZ
@given(text=st.text(PY_ALPHABET, max_size=120))
def test_random_python_like_text(text: str) -> None:
    check_outcome(parse_watched(text))


@FUZZ
@given(text=st.text(max_size=200))
def test_random_unicode_text(text: str) -> None:
    check_outcome(parse_watched(text))


TOKENS = st.sampled_from(
    [
        "x",
        "y",
        "p",
        "w[i]",
        "theta[j]",
        "1",
        "2",
        "0.5",
        "1e-3",
        "pi",
        "E",
        "+",
        "-",
        "*",
        "/",
        "**",
        "(",
        ")",
        ",",
        " = ",
        "\n",
        "exp(",
        "log(",
        "sigmoid(",
        "σ(",
        "diff(",
        "Sum(",
        "sqrt(",
        "(i, 1, 3)",
        "__import__",
        "__class__",
        "__subclasses__()",
        ".",
        "'os'",
        "lambda: ",
        "exec(",
        "eval(",
        "open(",
        "getattr(",
        "globals()",
        "[",
        "]",
        "{",
        "}",
        "9**9**9",
        "10**1000",
        "1e999",
        "not ",
        " and ",
        " if x else ",
        ":=",
        "*args",
        "# domain: x real\n",
        "# domain: p in (0, 1)\n",
        "# domain: __x real\n",
        "# domain: x in (1e999, 2)\n",
        "#",
        "==",
        "<=",
        "x[1:2]",
        "f'{x}'",
        "b'x'",
        "\\",
        "\x00",
        "yield ",
        "await ",
        "async ",
        "@",
        "%",
        "^",
        "~",
    ]
)


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=40))
def test_token_soup(tokens: list[str]) -> None:
    check_outcome(parse_watched("".join(tokens)))


# ------------------------------------------------------------------ hostile, by hand

HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "exec('import os')",
    "eval('1 + 1')",
    "compile('1', 'f', 'eval')",
    "open('PWNED', 'w')",
    "getattr(x, 'y')",
    "globals()",
    "lambda: 0",
    "[c for c in ()]",
    "sympify('x')",
    "S('x')",
    "x if y else z",
    "(y := 1)",
    "f'{x}'",
    "'a' * 10",
    "__builtins__",
    "_x + 1",
    "＿＿ｉｍｐｏｒｔ＿＿('os')",  # NFKC-normalises to __import__
    "ｅｘｅｃ('x')",
    "9**9**9**9",
    "10**10**10",
    "2**(10**100)",
    "x**(10**100)",
    "Sum(x[i], (i, 1, 10**9))",
    "diff(x, x, 10**6)",
    "(" * 300 + "x" + ")" * 300,
    "-" * 400 + "x",
    "+".join(["x"] * 400),
    "sigmoid(" * 100 + "x" + ")" * 100,
    "x" * 100_000,
    "\n".join(["x"] * 5000),
    "x = " * 300 + "x",
    "1" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_refused_without_running(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = parse_watched(text)
    assert isinstance(result, ParseError), f"accepted: {result}"
    check_outcome(result)
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------------------------ the command


def run_command(path: Path, *extra: str) -> tuple[int, str, str, float]:
    """``sigmoid-neuron check-derivation FILE`` in process; (status, stdout, stderr, s)."""
    import contextlib
    import io

    from sigmoid_neuron.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["check-derivation", str(path), *extra])
        except SystemExit as exc:  # argparse errors
            status = int(exc.code or 0)
    return status, out.getvalue(), err.getvalue(), time.perf_counter() - start


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tokens=st.lists(TOKENS, min_size=1, max_size=25))
def test_the_command_answers_0_1_or_2_without_a_traceback(
    tokens: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "d.txt"
    path.write_text("".join(tokens), encoding="utf-8")
    status, stdout, stderr, seconds = run_command(path, "--timeout", "1", "--max-time", "3")
    assert status in (0, 1, 2), (status, stderr)
    assert "Traceback" not in stderr + stdout
    if status == 2:
        assert stderr.count("\n") == 1 and stderr.startswith("sigmoid-neuron check-derivation:")
    assert seconds < 30


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        # valid but expensive for SymPy: the time limits must hold
        "(x + y + z + w)**40\n(x + y + z + w)**39 * (x + y + z + w)\n",
        "exp(exp(exp(exp(x))))\nexp(exp(exp(exp(x)))) + sin(x)**2 + cos(x)**2 - 1\n",
        "Sum(x[i]**2, (i, 1, 100))\nSum(x[i]**2, (i, 1, 99)) + x[100]**2\n",
    ],
)
def test_expensive_valid_derivations_respect_the_time_limits(text: str, tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text(text, encoding="utf-8")
    status, stdout, stderr, seconds = run_command(path, "--timeout", "2", "--max-time", "4")
    assert status in (0, 1), (status, stderr, stdout)
    assert "Traceback" not in stderr + stdout
    assert seconds < 20  # 4 s of budget, plus parsing and printing on a loaded machine


LEAVES = st.sampled_from(["x", "y", "p", "1", "2", "0.5", "pi", "E", "w[i]"])
UNARY = st.sampled_from(["exp", "log", "sigmoid", "sqrt", "sin", "cos", "tanh", "abs", "-"])
BINARY = st.sampled_from(["+", "-", "*", "/"])


def expressions() -> st.SearchStrategy[str]:
    """Random well-formed expressions of the whitelisted language."""
    return st.recursive(
        LEAVES,
        lambda inner: (
            st.builds(lambda f, a: f"{f}({a})", UNARY, inner)
            | st.builds(lambda a, op, b: f"({a} {op} {b})", inner, BINARY, inner)
            | st.builds(lambda a, k: f"({a})**{k}", inner, st.integers(-3, 4))
        ),
        max_leaves=8,
    )


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=expressions(), second=expressions(), kind=st.integers(0, 3), domain=st.booleans())
def test_random_valid_derivations_are_decided_within_the_budget(
    first: str, second: str, kind: int, domain: bool, tmp_path: Path
) -> None:
    # a true step (the same value rewritten), or a step to an unrelated expression
    rewritten = [first, f"({first}) + 0", f"2*({first})/2", second][kind]
    lines = [first, rewritten]
    path = tmp_path / "d.txt"
    header = "# domain: p probability\n# domain: x, y positive\n" if domain else ""
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    status, stdout, stderr, seconds = run_command(
        path, "--timeout", "0.5", "--max-time", "1.5", "--points", "4"
    )
    assert status in (0, 1, 2), (status, stderr, stdout)
    assert "Traceback" not in stderr + stdout
    if status == 2:  # e.g. w[i] next to a plain w is refused with the line named
        assert stderr.count("\n") == 1 and "line" in stderr, stderr
    else:
        assert stdout.rstrip().splitlines()[-1].startswith(("OK", "FAILED", "NOT verified"))
    assert seconds < 15


@pytest.mark.slow
def test_atheris_derivations(tmp_path: Path) -> None:
    from test_fuzz_model_file import run_atheris

    seeds = {
        "sigmoid.txt": b"# domain: p probability\ndiff(sigmoid(x), x)\n"
        b"sigmoid(x)*(1 - sigmoid(x)) = exp(-x)/(1 + exp(-x))**2\n",
        "sum.txt": b"Sum(w[i]*x[i], (i, 1, 3))\nw[1]*x[1] + w[2]*x[2] + w[3]*x[3]\n",
    }
    run_atheris("derivation", seeds, tmp_path, runs=2000)
