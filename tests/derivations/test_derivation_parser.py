"""The whitelist parser: what it builds, what it refuses, and that it never runs input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmoid_neuron.derivations as derivations_package
from sigmoid_neuron.derivations import (
    PROBABILITY,
    ExpressionParser,
    Limits,
    ParseError,
    parse_derivation,
    parse_expression,
    sigmoid,
)

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x + 1", x + 1),
        ("-x**2 / 2", -(x**2) / 2),
        ("+x - y*3", x - 3 * y),
        ("0.1 + 1e-3", sp.Rational(101, 1000)),
        ("exp(-x) / (1 + exp(-x))", sp.exp(-x) / (1 + sp.exp(-x))),
        ("log(x, 2)", sp.log(x, 2)),
        ("ln(x) + sqrt(y)", sp.log(x) + sp.sqrt(y)),
        ("sin(x)**2 + cos(x)**2 + tanh(y)", sp.sin(x) ** 2 + sp.cos(x) ** 2 + sp.tanh(y)),
        ("abs(x) + Abs(y)", sp.Abs(x) + sp.Abs(y)),
        ("sigmoid(x) + σ(y)", sigmoid(x) + sigmoid(y)),
        ("pi * E", sp.pi * sp.E),
        ("diff(x**3, x)", sp.Derivative(x**3, x)),
        ("diff(x**3, x, 2)", sp.Derivative(x**3, (x, 2))),
        ("Derivative(x*y, x, y)", sp.Derivative(x * y, x, y)),
    ],
)
def test_builds_the_expected_sympy_object(text: str, expected: sp.Basic) -> None:
    assert parse_expression(text) == expected


def test_derivative_stays_unevaluated() -> None:
    assert isinstance(parse_expression("diff(sin(x), x)"), sp.Derivative)


def test_indexed_and_sum() -> None:
    parser = ExpressionParser()
    expr = parser.parse("Sum(w[i] * x[i, j], (i, 1, 3))")
    assert isinstance(expr, sp.Sum)
    assert len(expr.doit().args) == 3
    assert set(parser.bases) == {"w", "x"}


def test_one_symbol_table_per_parser() -> None:
    parser = ExpressionParser()
    assert parser.parse("x + y") - parser.parse("y") == parser.parse("x")


def test_domains_set_assumptions() -> None:
    parser = ExpressionParser(domains={"p": PROBABILITY})
    p = parser.parse("p")
    assert p.is_positive
    assert parser.parse("q").is_real


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "attribute access"),
        ("__import__('os')", "starting with '_'"),
        ("().__class__", "attribute access"),
        ("x.real", "attribute access"),
        ("__builtins__", "starting with '_'"),
        ("_x + 1", "starting with '_'"),
        ("open('f')", "unknown function 'open'"),
        ("getattr(x, 'y')", "unknown function"),
        ("(lambda: 1)()", "only whitelisted functions"),
        ("lambda: 1", "lambda"),
        ("[i for i in x]", "comprehensions"),
        ("{1: 2}", "dicts"),
        ("[1, 2]", "lists"),
        ("(1, 2)", "tuples are only allowed"),
        ("'text'", "strings"),
        ("f'{x}'", "strings"),
        ("b'x'", "strings"),
        ("x if y else 1", "'if'"),
        ("x < y", "comparisons"),
        ("x and y", "'and'"),
        ("(z := 1)", "':='"),
        ("x ^ 2", "x**2"),
        ("x @ y", "MatMult"),
        ("~x", "Invert"),
        ("1j", "complex"),
        ("True", "not a number"),
        ("None", "not a number"),
        ("log(x, base=2)", "keyword"),
        ("exp(*x)", "unpacking"),
        ("x[1:2]", "slices"),
        ("log", "is a function"),
        ("exp(1, 2)", "takes 1 argument"),
        ("log()", "takes 1 to 2"),
        ("x[0.5]", "index must be an integer"),
        ("Sum(x, i)", "limits as a tuple"),
        ("Sum(x, (i, 0.5, 2))", "integers or symbols"),
        ("diff(x, 2)", "with respect to a symbol"),
        ("x +", "invalid syntax"),
        ("", "empty"),
    ],
)
def test_rejects(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        parse_expression(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9**9**9", "above the limit"),
        ("2**(10**40)", "above the limit"),
        ("x**101", "above the limit 100"),
        ("x**-101", "above the limit 100"),
        ("(x + 1)**100 * (x + 1)**100", "above the limit 100"),
        ("(2**100)**100", "digits"),
        ("1" * 60, "more than 50 digits"),
        ("1e300", "out of range"),
        ("Sum(x[i], (i, 1, 1000))", "terms is above the limit"),
        ("diff(x, x, 9)", "order 9"),
        ("-" * 100 + "x", "nested deeper"),
        ("x" * 31, "name of 31 characters"),
        ("x + " * 200 + "x", "characters is above the limit"),
    ],
)
@pytest.mark.timeout(60, method="thread")  # a limit that failed would hang, not fail
def test_limits(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        parse_expression(text)


def test_limits_are_configurable() -> None:
    assert parse_expression("x**150", limits=Limits(max_exponent=200)) == x**150


def test_node_limit_on_a_wide_shallow_expression() -> None:
    text = "x"
    for _ in range(9):  # 512 leaves, depth 10
        text = f"({text}+{text})"
    with pytest.raises(ParseError, match="more than 500 parts"):
        parse_expression(text, limits=Limits(max_line_length=100_000))


def test_malicious_input_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    attempts = [
        f"__import__('os').system('touch {marker}')",
        f"().__class__.__base__.__subclasses__()[0]('touch {marker}')",
        f"exp(__import__('os').system('touch {marker}'))",
        f"x[__import__('os').system('touch {marker}')]",
        f"Sum(x, (i, 1, __import__('os').system('touch {marker}')))",
    ]
    for text in attempts:
        with pytest.raises(ParseError):
            parse_expression(text)
    assert not marker.exists()


def test_derivation_file_format() -> None:
    text = """
# a comment
# domain: p, q probability
# domain: w in (-1, 2.5)
log(p/q) = log(p) - log(q)   # two expressions on one line

w**2
"""
    parsed = parse_derivation(text)
    assert [claim.line for claim in parsed.claims] == [5, 5, 7]
    assert [claim.text for claim in parsed.claims] == ["log(p/q)", "log(p) - log(q)", "w**2"]
    assert parsed.domains["p"] is PROBABILITY
    assert (parsed.domains["w"].low, parsed.domains["w"].high) == (-1.0, 2.5)
    assert parsed.claims[0].expr.free_symbols == {
        sp.Symbol("p", positive=True),
        sp.Symbol("q", positive=True),
    }


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("x\nx +* 1\n", 2, "invalid syntax"),
        ("x\n\n# c\ny == x\n", 4, "comparisons"),
        ("x = \n", 1, "empty"),
        ("# domain: p maybe\nx\n", 1, "domain"),
        ("# domain: p in (1, 0)\nx\n", 1, "low < high"),
        ("# domain: __x real\nx\n", 1, "not a symbol name"),
        ("x\n" + "y" * 600 + "\n", 2, "above the limit"),
    ],
)
def test_file_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as info:
        parse_derivation(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")


def test_file_limits() -> None:
    with pytest.raises(ParseError, match="lines is above the limit"):
        parse_derivation("x\n" * 1001)
    with pytest.raises(ParseError, match="expressions"):
        parse_derivation("x = " * 250 + "x", limits=Limits(max_line_length=10_000))
    with pytest.raises(ParseError, match="no expressions"):
        parse_derivation("# only a comment\n\n")


_ALPHABET = "xy1029+-*/()[],. =_'\"#:eplosigmd\\`\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_fuzz_only_parse_errors(text: str) -> None:
    """Arbitrary text gives an expression or a ParseError, never anything else."""
    try:
        result = parse_derivation(text)
    except ParseError:
        return
    assert all(isinstance(claim.expr, sp.Basic) for claim in result.claims)


def test_source_never_evaluates_strings() -> None:
    """No eval/exec/sympify/parse_expr in the derivations package or its commands."""
    root = Path(derivations_package.__file__).parent
    commands = root.parent / "cli" / "commands"
    files = [*root.glob("*.py"), commands / "derive.py", commands / "check_derivation.py"]
    anywhere = ["eval" + "(", "exec" + "("]  # flagged by the repository hook, even in text
    as_words = [
        r"\bsympify\s*\(",
        r"\bparse_expr\s*\(",
        r"\blambdify\s*\(",
        r"(?<![.\w])compile\s*\(",
    ]
    for path in files:
        source = path.read_text(encoding="utf-8")
        for word in anywhere:
            assert word not in source, f"{word} in {path.name}"
        for pattern in as_words:
            assert re.search(pattern, source) is None, f"{pattern} in {path.name}"
