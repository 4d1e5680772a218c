"""Entry point of the ``sigmoid-neuron`` command.

Every user error (``UsageError``, ``ValueError``, ``TypeError``, ``OSError``) becomes
one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from sigmoid_neuron.cli.errors import UsageError, user_message

#: Subcommand name on the command line -> module in ``sigmoid_neuron.cli.commands``.
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "train": "train",
    "predict": "predict",
    "evaluate": "evaluate",
    "gradcheck": "gradcheck",
    "derive": "derive",
    "check-derivation": "check_derivation",
    "plot": "plot",
    "explore": "explore",
}

PROG = "sigmoid-neuron"


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line on stderr, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every subcommand that is installed."""
    from sigmoid_neuron._version import __version__

    parser = OneLineParser(
        prog=PROG,
        description="The sigmoid neuron: verified math, derivations, training and plots.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=OneLineParser
    )
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(f"sigmoid_neuron.cli.commands.{module_name}")
        except ModuleNotFoundError as exc:  # a subcommand not written yet
            if exc.name == f"sigmoid_neuron.cli.commands.{module_name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        parser = build_parser()
    except KeyboardInterrupt:  # Ctrl-C while the subcommands are being imported
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except BrokenPipeError:  # e.g. `sigmoid-neuron predict ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (UsageError, ValueError, TypeError, OSError) as exc:
        print(f"{PROG} {args.command}: error: {user_message(exc, args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    return status


def run() -> NoReturn:
    """The ``sigmoid-neuron`` console script: :func:`main`, then exit with its status.

    The process ends here and every file the command wrote is closed; interpreter
    shutdown would still walk every tracked object (some 10^5, the imported modules
    mostly) in several full garbage collections, 0.2-0.3 s of a 1.3 s ``train`` on a
    1,000-row CSV, only to free memory the OS takes back anyway. Frozen objects
    (``gc.freeze``) are left out of those passes; ``atexit`` handlers and
    ``weakref.finalize`` callbacks run as usual. (In-process callers of :func:`main`,
    such as the tests, are not affected.)
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
