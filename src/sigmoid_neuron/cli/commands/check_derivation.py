"""``sigmoid-neuron check-derivation FILE``: check a derivation written by the user.

FILE (``-`` for standard input) holds one expression per line in SymPy's syntax
(``a = b`` on one line also works); each expression is claimed equal to the one
before. ``#`` starts a comment; ``# domain: p, q probability`` (or ``real``,
``positive``, ``in (LOW, HIGH)``) says where those symbols live. The input is parsed by
a whitelist parser and never executed.

Exit status: 0 when every step is verified, 1 at the first false step (after printing
a point where the two sides differ) or when a step cannot be decided, 2 for a usage
error (missing file, bad syntax: the message names the line).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

from sigmoid_neuron.cli.errors import UsageError

#: Refuse files larger than this many bytes.
MAX_BYTES = 256 * 1024


def register(subparsers: Any) -> None:
    """Add the ``check-derivation`` subcommand."""
    parser = subparsers.add_parser(
        "check-derivation",
        help="check a derivation written one expression per line",
        description=(
            "Check that each expression of FILE equals the one before (✓ symbolically, "
            "≈ at random points); stop at the first false step and show where the sides "
            "differ. FILE '-' reads standard input. Comments start with '#'; "
            "'# domain: p, q probability' (real, positive, in (LOW, HIGH)) declares "
            "where symbols live."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="derivation file, or - for stdin")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time budget per step (default: 10)",
    )
    parser.add_argument(
        "--max-time",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="time budget for the whole file (default: 120)",
    )
    parser.add_argument(
        "--points",
        type=int,
        default=16,
        metavar="N",
        help="random points that must agree for a numeric ≈ (default: 16)",
    )
    parser.set_defaults(run=run)


def _read(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        label = "standard input"
    else:
        path = Path(name)
        if not path.exists():
            raise UsageError(f"{name}: no such file")
        if path.is_dir():
            raise UsageError(f"{name}: is a directory, not a derivation file")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None
        label = name
    if len(data) > MAX_BYTES:
        raise UsageError(f"{label}: larger than {MAX_BYTES // 1024} KiB; split the derivation")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text") from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _emit(text: str) -> None:
    from sigmoid_neuron.derivations.render import printable

    sys.stdout.write(printable(text, sys.stdout.encoding))
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``check-derivation``; return the exit status."""
    from sigmoid_neuron.derivations.parser import ParseError, parse_derivation
    from sigmoid_neuron.derivations.steps import Status, compare

    if not args.timeout > 0 or not args.max_time > 0:
        raise UsageError("--timeout and --max-time must be positive numbers of seconds")
    if not 2 <= args.points <= 1000:
        raise UsageError(f"--points must be between 2 and 1000, got {args.points}")
    text = _read(args.file)
    label = "<stdin>" if args.file == "-" else args.file
    try:
        parsed = parse_derivation(text)
    except ParseError as exc:
        raise UsageError(f"{label}: {exc}") from None

    claims = parsed.claims
    width = max(len(str(claim.line)) for claim in claims)
    _emit(f"{label}: {_count(len(claims), 'expression')}, {_count(len(claims) - 1, 'step')}\n")
    _emit(f"line {claims[0].line:>{width}}    {claims[0].text}\n")
    deadline = time.monotonic() + args.max_time
    counts = {status: 0 for status in Status}
    first_bad: int | None = None
    for previous, claim in itertools.pairwise(claims):
        left = deadline - time.monotonic()
        if left <= 0:
            verdict_status, method, example = Status.UNDECIDED, "--max-time spent", None
        else:
            verdict = compare(
                previous.expr,
                claim.expr,
                domains=parsed.domains,
                timeout=min(args.timeout, left),
                points=args.points,
            )
            verdict_status, method, example = (
                verdict.status,
                verdict.method,
                verdict.counterexample,
            )
        counts[verdict_status] += 1
        _emit(f"line {claim.line:>{width}} {verdict_status.mark}  {claim.text}   [{method}]\n")
        if verdict_status.verified:
            continue
        if first_bad is None:
            first_bad = claim.line
        if verdict_status is Status.FAILED:
            assert example is not None
            before = f"line {previous.line}" if previous.line != claim.line else "left side"
            after = f"line {claim.line}" if previous.line != claim.line else "right side"
            _emit(f"{' ' * (width + 8)}not equal to {before}: {example.describe(before, after)}\n")
            _emit(f"FAILED: line {claim.line} does not follow from line {previous.line}\n")
            return 1
    if first_bad is not None:
        _emit(
            f"NOT verified: {counts[Status.UNDECIDED]} step(s) could not be decided "
            f"(first at line {first_bad})\n"
        )
        return 1
    steps = _count(len(claims) - 1, "step")
    _emit(
        f"OK: {steps} verified, {counts[Status.SYMBOLIC]} symbolically (✓), "
        f"{counts[Status.NUMERIC]} numerically (≈)\n"
    )
    return 0
