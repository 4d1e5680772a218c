"""Bounds on user input (:class:`Limits`) and the error for refused input (:class:`ParseError`).

:class:`Limits` bounds line length and count, syntax-tree size and depth, exponents
(``9**9**9`` is refused before anything is computed), literal sizes, sum lengths and
derivative orders, so hostile text cannot exhaust time or memory.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "ParseError"]


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
