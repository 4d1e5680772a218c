"""What the derivation parser allows: constants, functions (with their builders), operators.

Each builder turns the syntax nodes of a call's arguments into a SymPy object through the
parser (so its limits and symbol table apply); :data:`FORBIDDEN` names the refused node
types with the message a user sees.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import sympy as sp

from sigmoid_neuron.derivations.functions import sigmoid
from sigmoid_neuron.derivations.input_limits import ParseError

if TYPE_CHECKING:
    from sigmoid_neuron.derivations.expression_parser import ExpressionParser

__all__ = ["CONSTANTS", "FORBIDDEN", "FUNCTIONS", "OPERATORS", "Builder"]

#: Named constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

#: Builds the SymPy object of a call from its argument nodes: (parser, args, depth).
Builder = Callable[["ExpressionParser", Sequence[ast.expr], int], sp.Expr]


def _unary(function: Callable[[sp.Expr], sp.Expr]) -> Builder:
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
FUNCTIONS: dict[str, tuple[int, int, Builder]] = {
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

#: Refused node types and the message a user sees.
FORBIDDEN: dict[type, str] = {
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

#: The binary operators besides ``**`` (which is bounded separately).
OPERATORS: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
