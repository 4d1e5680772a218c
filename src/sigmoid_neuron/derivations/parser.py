"""A safe parser of user-written derivations: Python-like syntax to SymPy, never run.

The text is split into lines and each expression is parsed with
``ast.parse(text, mode="eval")``; the syntax tree is then *walked*, and SymPy objects
are built directly from a strict whitelist of node types:

* numbers (``int``, ``float`` read as exact decimals), names (new names become real
  symbols; ``pi`` and ``E`` are the constants);
* ``+ - * / **``, unary ``-`` and ``+``;
* calls of whitelisted function names only (:data:`FUNCTIONS`), positional arguments
  only; a tuple only as the ``(i, a, b)`` limits of ``Sum``;
* ``name[index, ...]`` for indexed symbols (``x[i]``, ``theta[j]``).

Everything else (attribute access, names starting with ``_``, strings, keywords,
lambdas, comprehensions, comparisons, containers, ...) is rejected with a
:class:`ParseError`. Nothing is ever executed, and SymPy's ``sympify`` /
``parse_expr`` (which run Python code) are never called. :class:`Limits` bounds the
input: line length and count, syntax-tree size and depth, exponents (``9**9**9`` is
refused before anything is computed), literal sizes, sum lengths and derivative orders.

File format (:func:`parse_derivation`): one expression per line, each claimed equal to
the one before; ``a = b = c`` on one line chains too. ``#`` starts a comment; a comment
``# domain: p, q in (0, 1)`` (or ``real``, ``positive``, ``probability``) sets where
random points for those symbols are drawn, and their SymPy assumptions.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.steps import POSITIVE, PROBABILITY, REAL, Domain, interval

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "Claim",
    "ExpressionParser",
    "Limits",
    "ParseError",
    "ParsedDerivation",
    "parse_derivation",
    "parse_expression",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on user input, so hostile text cannot exhaust time or memory."""

    max_line_length: int = 500
    max_lines: int = 1000
    max_expressions: int = 200
    max_nodes: int = 500
    max_depth: int = 40
    max_exponent: int = 100
    max_literal_digits: int = 50
    max_number_digits: int = 1000
    max_sum_terms: int = 100
    max_diff_order: int = 6
    max_name_length: int = 30


class ParseError(ValueError):
    """Input that is not a valid, allowed expression; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_Builder = Callable[["ExpressionParser", Sequence[ast.expr], int], sp.Expr]


def _unary(function: Callable[[sp.Expr], sp.Expr]) -> _Builder:
    def build(parser: ExpressionParser, args: Sequence[ast.expr], depth: int) -> sp.Expr:
        return function(parser.build(args[0], depth))

    return build


def _log(parser: ExpressionParser, args: Sequence[ast.expr], depth: int) -> sp.Expr:
    values = [parser.build(arg, depth) for arg in args]
    return sp.log(*values)


def _diff(parser: ExpressionParser, args: Sequence[ast.expr], depth: int) -> sp.Expr:
    expr = parser.build(args[0], depth)
    variables: list[sp.Basic | tuple[sp.Basic, int]] = []
    order = 0
    for arg in args[1:]:
        value = parser.build(arg, depth)
        if isinstance(value, sp.Integer) and variables:
            count = int(value)
            if count < 1:
                raise ParseError("diff: a derivative order must be a positive integer")
            last = variables[-1]
            if isinstance(last, tuple):
                raise ParseError("diff: give one order per variable, e.g. diff(f, x, 2)")
            variables[-1] = (last, count)
            order += count - 1
            continue
        if not isinstance(value, (sp.Symbol, sp.Indexed)):
            raise ParseError(
                f"diff: differentiate with respect to a symbol, not {sp.sstr(value)!r}"
            )
        variables.append(value)
        order += 1
    if not variables:
        raise ParseError("diff: name the variable, e.g. diff(f, x)")
    if order > parser.limits.max_diff_order:
        raise ParseError(
            f"diff: derivative of order {order} is above the limit {parser.limits.max_diff_order}"
        )
    return sp.Derivative(expr, *variables)


def _sum(parser: ExpressionParser, args: Sequence[ast.expr], depth: int) -> sp.Expr:
    limits_node = args[1]
    if not isinstance(limits_node, ast.Tuple) or len(limits_node.elts) != 3:
        raise ParseError("Sum: write the limits as a tuple, e.g. Sum(x[i], (i, 1, 3))")
    index_node, low_node, high_node = limits_node.elts
    if not isinstance(index_node, ast.Name):
        raise ParseError("Sum: the summation index must be a name, e.g. i")
    index = parser.build(index_node, depth)
    if not isinstance(index, sp.Symbol):
        raise ParseError(f"Sum: {index_node.id!r} cannot be a summation index")
    low = parser.build(low_node, depth)
    high = parser.build(high_node, depth)
    for bound in (low, high):
        if bound.is_number and not bound.is_Integer:
            raise ParseError("Sum: the limits must be integers or symbols")
    if (
        low.is_Integer
        and high.is_Integer
        and int(high) - int(low) + 1 > parser.limits.max_sum_terms
    ):
        raise ParseError(
            f"Sum: {int(high) - int(low) + 1} terms is above the limit "
            f"{parser.limits.max_sum_terms}"
        )
    return sp.Sum(parser.build(args[0], depth), (index, low, high))


#: Function name -> (least args, most args, builder).
FUNCTIONS: dict[str, tuple[int, int, _Builder]] = {
    "exp": (1, 1, _unary(sp.exp)),
    "log": (1, 2, _log),
    "ln": (1, 1, _unary(sp.log)),
    "sqrt": (1, 1, _unary(sp.sqrt)),
    "sin": (1, 1, _unary(sp.sin)),
    "cos": (1, 1, _unary(sp.cos)),
    "tan": (1, 1, _unary(sp.tan)),
    "sinh": (1, 1, _unary(sp.sinh)),
    "cosh": (1, 1, _unary(sp.cosh)),
    "tanh": (1, 1, _unary(sp.tanh)),
    "asin": (1, 1, _unary(sp.asin)),
    "acos": (1, 1, _unary(sp.acos)),
    "atan": (1, 1, _unary(sp.atan)),
    "abs": (1, 1, _unary(sp.Abs)),
    "Abs": (1, 1, _unary(sp.Abs)),
    "sigmoid": (1, 1, _unary(sigmoid)),
    "σ": (1, 1, _unary(sigmoid)),
    "diff": (2, 8, _diff),
    "Derivative": (2, 8, _diff),
    "Sum": (2, 2, _sum),
}

_FORBIDDEN: dict[type, str] = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
    ast.Tuple: "tuples are only allowed as the limits of Sum",
    ast.Compare: "comparisons are not allowed; put '=' between equal expressions",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "'if' expressions are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Slice: "slices are not allowed",
}

_OPERATORS: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _digits(number: sp.Rational) -> float:
    """Decimal digits of numerator plus denominator of a rational."""
    p, q = abs(int(number.p)), int(number.q)
    return (math.log10(p) if p else 0.0) + math.log10(q) + 1


class ExpressionParser:
    """Builds SymPy expressions from whitelisted syntax trees; one symbol table per parser.

    The same name always gives the same symbol, created on first use with the
    assumptions of its domain (``domains``, default real).
    """

    def __init__(
        self, limits: Limits | None = None, domains: Mapping[str, Domain] | None = None
    ) -> None:
        self.limits = limits or Limits()
        self.domains = dict(domains or {})
        self.symbols: dict[str, sp.Symbol] = {}
        self.bases: dict[str, sp.IndexedBase] = {}
        self._nodes = 0

    # -- public

    def parse(self, text: str) -> sp.Expr:
        """Parse one expression (no ``=``); raises :class:`ParseError`."""
        if len(text) > self.limits.max_line_length:
            raise ParseError(
                f"expression of {len(text)} characters is above the limit "
                f"{self.limits.max_line_length}"
            )
        if not text.strip():
            raise ParseError("empty expression")
        if "\x00" in text:
            raise ParseError("NUL characters are not allowed")
        try:
            with warnings.catch_warnings():  # e.g. SyntaxWarning on '\d' in a (refused) string
                warnings.simplefilter("ignore")
                tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            where = f" (column {exc.offset})" if exc.offset else ""
            raise ParseError(f"invalid syntax{where}: {exc.msg}") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise ParseError(f"cannot parse: {type(exc).__name__}") from None
        self._nodes = 0
        return self.build(tree.body, 0)

    # -- the walk

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        """The SymPy object for an allowed node; :class:`ParseError` for anything else."""
        depth += 1
        self._nodes += 1
        if depth > self.limits.max_depth:
            raise ParseError(f"expression nested deeper than {self.limits.max_depth} levels")
        if self._nodes > self.limits.max_nodes:
            raise ParseError(f"expression has more than {self.limits.max_nodes} parts")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.build(node.operand, depth)
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, depth)
            raise ParseError(f"operator {type(node.op).__name__} is not allowed; use + - * / **")
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth)
        for kind, message in _FORBIDDEN.items():
            if isinstance(node, kind):
                raise ParseError(message)
        raise ParseError(f"{type(node).__name__} is not allowed")

    def _constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise ParseError(f"{value!r} is not a number")
        if isinstance(value, int):
            if value and math.log10(abs(value)) >= self.limits.max_literal_digits:
                raise ParseError(f"integer with more than {self.limits.max_literal_digits} digits")
            return sp.Integer(value)
        if isinstance(value, float):
            bound = 10.0**self.limits.max_literal_digits
            if not math.isfinite(value) or abs(value) >= bound or (0 < abs(value) < 1 / bound):
                raise ParseError(f"number {value!r} is out of range")
            return sp.Rational(repr(value))
        if isinstance(value, complex):
            raise ParseError("complex numbers are not allowed")
        if isinstance(value, (str, bytes)):
            raise ParseError("strings are not allowed")
        raise ParseError(f"constant {type(value).__name__} is not allowed")

    def _check_name(self, name: str) -> None:
        if name.startswith("_"):
            raise ParseError(f"name {name!r}: names starting with '_' are not allowed")
        if len(name) > self.limits.max_name_length:
            raise ParseError(
                f"name of {len(name)} characters is above the limit {self.limits.max_name_length}"
            )

    def _domain(self, name: str) -> Domain:
        return self.domains.get(name, REAL)

    def _name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        self._check_name(name)
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ParseError(f"{name!r} is a function: call it, e.g. {name}(x)")
        if name in self.bases:
            raise ParseError(f"{name!r} is used with an index elsewhere; write {name}[...]")
        if name not in self.symbols:
            self.symbols[name] = self._domain(name).symbol(name)
        return self.symbols[name]

    def _check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        if not exponent.is_number:
            return
        if not exponent.is_Rational:
            return
        limit = self.limits.max_exponent
        if abs(exponent) > limit:
            raise ParseError(f"exponent {sp.sstr(exponent)} is above the limit {limit}")
        if base.is_Rational and base != 0:
            digits = _digits(base) * float(abs(exponent))
            if digits > self.limits.max_number_digits:
                raise ParseError(
                    f"{sp.sstr(base)}**{sp.sstr(exponent)} would have about {digits:.0f} "
                    f"digits (limit {self.limits.max_number_digits})"
                )

    def _check_result(self, result: sp.Expr) -> sp.Expr:
        """Reject results whose combined powers or numbers grew past the limits."""
        for part in (result, *result.args):
            if isinstance(part, sp.Pow) and part.exp.is_Rational:
                if abs(part.exp) > self.limits.max_exponent:
                    raise ParseError(
                        f"power {sp.sstr(part.exp)} is above the limit {self.limits.max_exponent}"
                    )
            if isinstance(part, sp.Rational) and part != 0:
                if _digits(part) > self.limits.max_number_digits:
                    raise ParseError(
                        f"a number with more than {self.limits.max_number_digits} digits"
                    )
        return result

    def _binop(self, node: ast.BinOp, depth: int) -> sp.Expr:
        op = type(node.op)
        if op is ast.BitXor:
            raise ParseError("'^' is not a power here: write x**2")
        if op is ast.Pow:
            base = self.build(node.left, depth)
            exponent = self.build(node.right, depth)
            self._check_power(base, exponent)
            return self._check_result(sp.Pow(base, exponent))
        if op not in _OPERATORS:
            raise ParseError(f"operator {op.__name__} is not allowed; use + - * / **")
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        return self._check_result(_OPERATORS[op](left, right))

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        if isinstance(node.func, ast.Attribute):
            raise ParseError("attribute access ('.') is not allowed")
        if not isinstance(node.func, ast.Name):
            raise ParseError(
                "only whitelisted functions can be called, by name: " + ", ".join(sorted(FUNCTIONS))
            )
        name = node.func.id
        self._check_name(name)
        if name not in FUNCTIONS:
            raise ParseError(f"unknown function {name!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise ParseError(f"{name}: keyword arguments are not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ParseError(f"{name}: '*' unpacking is not allowed")
        least, most, builder = FUNCTIONS[name]
        if not least <= len(node.args) <= most:
            wanted = str(least) if least == most else f"{least} to {most}"
            raise ParseError(f"{name} takes {wanted} argument(s), got {len(node.args)}")
        return self._check_result(builder(self, node.args, depth))

    def _subscript(self, node: ast.Subscript, depth: int) -> sp.Expr:
        if not isinstance(node.value, ast.Name):
            raise ParseError("only a name can be indexed, e.g. x[i]")
        name = node.value.id
        self._check_name(name)
        if name in CONSTANTS or name in FUNCTIONS:
            raise ParseError(f"{name!r} cannot be indexed")
        if name in self.symbols:
            raise ParseError(f"{name!r} is used without an index elsewhere")
        index_node = node.slice
        parts = index_node.elts if isinstance(index_node, ast.Tuple) else [index_node]
        indices = [self.build(part, depth) for part in parts]
        for index in indices:
            if index.is_number and not index.is_Integer:
                raise ParseError(f"{name}[...]: an index must be an integer or a symbol")
        if name not in self.bases:
            self.bases[name] = self._domain(name).indexed(name)
        return self.bases[name][tuple(indices)]


def parse_expression(
    text: str, *, limits: Limits | None = None, domains: Mapping[str, Domain] | None = None
) -> sp.Expr:
    """Parse one expression of user text into SymPy, safely (see the module docstring)."""
    return ExpressionParser(limits, domains).parse(text)


@dataclass(frozen=True)
class Claim:
    """One expression of a derivation file, with its 1-based line and original text."""

    line: int
    text: str
    expr: sp.Expr


@dataclass(frozen=True)
class ParsedDerivation:
    """The expressions of a derivation file, in order, and the declared domains."""

    claims: tuple[Claim, ...]
    domains: dict[str, Domain] = field(default_factory=dict)


_KINDS = {"real": REAL, "positive": POSITIVE, "probability": PROBABILITY}
_NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_INTERVAL = re.compile(
    rf"^(?P<names>.*?)\s+in\s*\(\s*(?P<low>{_NUMBER})\s*,\s*(?P<high>{_NUMBER})\s*\)$"
)
_NAME = re.compile(r"[^\W\d]\w*")
_DIRECTIVE = re.compile(r"^#\s*domain\s*:(?P<body>.*)$")
_DOMAIN_USAGE = "write '# domain: NAMES real|positive|probability|in (LOW, HIGH)'"


def _domain_directive(body: str, line: int, limits: Limits) -> dict[str, Domain]:
    body = body.strip()
    match = _INTERVAL.match(body)
    found: Domain
    if match:
        names_text = match["names"]
        try:
            found = interval(float(match["low"]), float(match["high"]))
        except ValueError as exc:
            raise ParseError(f"domain: {exc}", line) from None
    else:
        parts = body.rsplit(None, 1)
        if len(parts) != 2 or parts[1] not in _KINDS:
            raise ParseError(f"domain: {_DOMAIN_USAGE}", line)
        names_text, found = parts[0], _KINDS[parts[1]]
    names = names_text.replace(",", " ").split()
    if not names:
        raise ParseError(f"domain: name at least one symbol; {_DOMAIN_USAGE}", line)
    for name in names:
        if len(name) > limits.max_name_length:
            raise ParseError(f"domain: name {name[:20]!r}... is too long", line)
        if not _NAME.fullmatch(name) or name.startswith("_"):
            raise ParseError(f"domain: {name!r} is not a symbol name", line)
    return dict.fromkeys(names, found)


def parse_derivation(text: str, *, limits: Limits | None = None) -> ParsedDerivation:
    """Parse a derivation file: expressions one per line (or ``a = b`` chains).

    Blank lines and ``#`` comments are skipped; ``# domain: ...`` lines declare domains
    (they apply to the whole file). Raises :class:`ParseError` naming the line.
    """
    limits = limits or Limits()
    lines = text.splitlines()
    if len(lines) > limits.max_lines:
        raise ParseError(f"{len(lines)} lines is above the limit {limits.max_lines}")
    domains: dict[str, Domain] = {}
    for number, line in enumerate(lines, start=1):
        if len(line) > limits.max_line_length:
            raise ParseError(
                f"{len(line)} characters is above the limit {limits.max_line_length}", number
            )
        directive = _DIRECTIVE.match(line.strip())
        if directive:
            domains.update(_domain_directive(directive["body"], number, limits))
    parser = ExpressionParser(limits, domains)
    claims: list[Claim] = []
    for number, line in enumerate(lines, start=1):
        code = line.split("#", 1)[0].strip()
        if not code:
            continue
        if re.search(r"==|!=|<=|>=", code):
            raise ParseError(
                "comparisons are not allowed; put '=' between equal expressions", number
            )
        for part in code.split("="):
            if len(claims) >= limits.max_expressions:
                raise ParseError(
                    f"more than {limits.max_expressions} expressions is above the limit", number
                )
            try:
                expr = parser.parse(part)
            except ParseError as exc:
                raise ParseError(exc.message, number) from None
            claims.append(Claim(number, part.strip(), expr))
    if not claims:
        raise ParseError("no expressions found; write one expression per line")
    return ParsedDerivation(tuple(claims), domains)
