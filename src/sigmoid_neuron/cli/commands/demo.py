"""``sigmoid-neuron demo``: the notes' experiments on built-in data, with figures."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="run the notes' experiments and draw the figures",
        description=(
            "Run the course notes' experiments on built-in data: the sigmoid table, the "
            "toy neuron trained with squared error and with cross-entropy, the five-point "
            "table, and logistic regression on scikit-learn's breast-cancer data next to "
            "scikit-learn. Prints a summary and writes PNG figures into --out."
        ),
    )
    parser.add_argument(
        "--out",
        default="demo-output",
        metavar="DIR",
        help="directory for the figures, created if missing (default: demo-output)",
    )
    parser.add_argument(
        "--no-figures", action="store_true", help="print the summary only, write nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo, print its summary; 0 on success."""
    from pathlib import Path

    from sigmoid_neuron.demo import format_report, run_demo

    out = None if args.no_figures else Path(args.out)
    if out is not None and out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; pass a directory for the figures")
    result = run_demo(out)
    _emit(format_report(result))
    return 0


def _emit(text: str) -> None:
    """Print ``text``; a reader that closed the pipe early (``| head``) is not an error."""
    import os
    import sys

    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
