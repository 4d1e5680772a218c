"""The expression parser: a whitelisted walk of a Python syntax tree into SymPy, never run.

Each expression is parsed with ``ast.parse(text, mode="eval")``; the syntax tree is then
*walked*, and SymPy objects are built directly from a strict whitelist of node types:

* numbers (``int``, ``float`` read as exact decimals), names (new names become real
  symbols; ``pi`` and ``E`` are the constants);
* ``+ - * / **``, unary ``-`` and ``+``;
* calls of whitelisted function names only
  (:data:`~sigmoid_neuron.derivations.whitelist.FUNCTIONS`), positional arguments only;
  a tuple only as the ``(i, a, b)`` limits of ``Sum``;
* ``name[index, ...]`` for indexed symbols (``x[i]``, ``theta[j]``).

Everything else (attribute access, names starting with ``_``, strings, keywords,
lambdas, comprehensions, comparisons, containers, ...) is rejected with a
:class:`~sigmoid_neuron.derivations.input_limits.ParseError`. Nothing is ever executed,
and SymPy's ``sympify`` / ``parse_expr`` (which run Python code) are never called.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping

import sympy as sp

from sigmoid_neuron.derivations.domains import REAL, Domain
from sigmoid_neuron.derivations.input_limits import Limits, ParseError
from sigmoid_neuron.derivations.whitelist import CONSTANTS, FORBIDDEN, FUNCTIONS, OPERATORS

__all__ = ["ExpressionParser", "parse_expression"]


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
        for kind, message in FORBIDDEN.items():
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
        if op not in OPERATORS:
            raise ParseError(f"operator {op.__name__} is not allowed; use + - * / **")
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        return self._check_result(OPERATORS[op](left, right))

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
