"""``sigmoid-neuron gradcheck``: every analytic derivative against central differences."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``gradcheck`` subcommand."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="check every analytic gradient against central finite differences",
        description=(
            "Compare every analytic derivative in the package (functional derivatives, "
            "each loss's gradient and Hessian in the logit z, the LinearObjective's "
            "gradient and Hessian for every loss, with and without intercept, sample "
            "weights and penalty) with central finite differences at random points. "
            "Prints a table; exits 1 if any derivative is off."
        ),
    )
    parser.add_argument(
        "--points", type=int, default=3, metavar="N", help="random points per check (3)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (0)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        metavar="TOL",
        help="largest accepted worst relative error (1e-4)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the gradient-check table; 0 if every check passes, 1 otherwise."""
    from sigmoid_neuron.selfcheck import TOLERANCE, format_table, gradient_check_table

    if args.points < 1:
        raise ValueError(f"--points must be >= 1, got {args.points}")
    tolerance = TOLERANCE if args.tolerance is None else args.tolerance
    if not tolerance > 0:
        raise ValueError(f"--tolerance must be > 0, got {tolerance}")
    rows = gradient_check_table(points=args.points, seed=args.seed, tolerance=tolerance)
    _emit(format_table(rows))
    return 0 if all(row.ok for row in rows) else 1


def _emit(text: str) -> None:
    """Print ``text``; a reader that closed the pipe early (``| head``) is not an error."""
    import os
    import sys

    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
