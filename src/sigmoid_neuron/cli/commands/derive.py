"""``sigmoid-neuron derive``: print a built-in derivation with every step checked.

    sigmoid-neuron derive --list
    sigmoid-neuron derive sigmoid_derivative [--format text|latex|markdown]
    sigmoid-neuron derive sigmoid_derivative --notes     # the notes' wrong steps, caught
    sigmoid-neuron derive --errata [--format markdown]   # every mistake of the notes

Exit status: 0 when every step is verified (with ``--notes`` / ``--errata``: when every
mistake of the notes is caught where expected), 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sigmoid_neuron.cli.errors import UsageError

FORMATS = ("text", "latex", "markdown")


def register(subparsers: Any) -> None:
    """Add the ``derive`` subcommand."""
    parser = subparsers.add_parser(
        "derive",
        help="print a derivation of the notes with every step checked by SymPy",
        description=(
            "Print a built-in derivation step by step. Each step is checked against the "
            "one before: ✓ verified symbolically, ≈ verified numerically at random points, "
            "✗ failed (with a counterexample)."
        ),
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="derivation (see --list)")
    parser.add_argument("--list", action="store_true", help="list the derivations and exit")
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--notes",
        action="store_true",
        help="show NAME as written in the notes: each of its known mistakes patched in",
    )
    parser.add_argument(
        "--errata",
        action="store_true",
        help="check every mistake of the notes that the checker catches",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time budget per step (default: 10)",
    )
    parser.set_defaults(run=run)


def _emit(text: str) -> None:
    from sigmoid_neuron.derivations.render import printable

    sys.stdout.write(printable(text, sys.stdout.encoding))
    sys.stdout.flush()


def _erratum_preface(erratum: Any, fmt: str) -> str:
    lines = [
        f"as written in the notes ({erratum.key}): {erratum.location}",
        f"written: {erratum.written}",
        f"right:   {erratum.right}",
        f"expected: caught at step {erratum.fails_at}",
    ]
    if fmt == "latex":
        return "".join(f"% {line}\n" for line in lines)
    if fmt == "markdown":
        return "".join(f"> {line.replace('|', chr(92) + '|')}\n" for line in lines) + "\n"
    return "".join(f"{line}\n" for line in lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run ``derive``; return the exit status."""
    from sigmoid_neuron.derivations.catalogue import all_derivations, by_name, names, value_claims
    from sigmoid_neuron.derivations.render import render, render_errata

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    if args.list:
        width = max(len(name) for name in names())
        _emit("".join(f"{d.name:<{width}}  {d.title}\n" for d in all_derivations()))
        return 0
    if args.errata:
        if args.name:
            raise UsageError("--errata covers every derivation; leave out NAME")
        if args.format == "latex":
            raise UsageError("--errata prints text or markdown, not latex")
        rows = []
        all_caught = True
        for derivation in all_derivations():
            for erratum in derivation.errata:
                result = derivation.with_erratum(erratum).verify(timeout=args.timeout)
                all_caught &= result.first_failure == erratum.fails_at
                rows.append((derivation, erratum, result))
        from sigmoid_neuron.derivations.steps import check_value_claim

        values = [check_value_claim(claim) for claim in value_claims()]
        _emit(render_errata(rows, values, args.format))
        return 0 if all_caught else 1
    if not args.name:
        raise UsageError(f"name a derivation or use --list; valid names: {', '.join(names())}")
    try:
        derivation = by_name(args.name)
    except KeyError:
        raise UsageError(
            f"unknown derivation {args.name!r}; valid names: {', '.join(names())}"
        ) from None
    if args.notes:
        if not derivation.errata:
            _emit(f"{derivation.name}: the checker finds no mistake of the notes here\n")
            return 0
        status = 0
        blocks = []
        for erratum in derivation.errata:
            result = derivation.with_erratum(erratum).verify(timeout=args.timeout)
            if result.first_failure != erratum.fails_at:
                status = 1
            blocks.append(_erratum_preface(erratum, args.format) + render(result, args.format))
        _emit("\n".join(blocks))
        return status
    result = derivation.verify(timeout=args.timeout)
    _emit(render(result, args.format))
    return 0 if result.ok else 1
