"""A safe parser of user-written derivations: Python-like syntax to SymPy, never run.

:mod:`~sigmoid_neuron.derivations.expression_parser` parses one expression through a
strict whitelist (:mod:`~sigmoid_neuron.derivations.whitelist`), within
:class:`Limits` (:mod:`~sigmoid_neuron.derivations.input_limits`); nothing is ever
executed. This module reads whole derivation files and re-exports those names.

File format (:func:`parse_derivation`): one expression per line, each claimed equal to
the one before; ``a = b = c`` on one line chains too. ``#`` starts a comment; a comment
``# domain: p, q in (0, 1)`` (or ``real``, ``positive``, ``probability``) sets where
random points for those symbols are drawn, and their SymPy assumptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from sigmoid_neuron.derivations.domains import POSITIVE, PROBABILITY, REAL, Domain, interval
from sigmoid_neuron.derivations.expression_parser import ExpressionParser, parse_expression
from sigmoid_neuron.derivations.input_limits import Limits, ParseError
from sigmoid_neuron.derivations.whitelist import CONSTANTS, FUNCTIONS

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
