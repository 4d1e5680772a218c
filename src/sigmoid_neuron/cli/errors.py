"""Errors the command line reports as one line on stderr with exit status 2."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sigmoid_neuron.io.atomic import WriteError, describe_os_error


class UsageError(Exception):
    """A mistake in what the user asked for: bad path, column, value or file."""


def user_message(exc: BaseException, args: argparse.Namespace | None = None) -> str:
    """The one line the command line prints for ``exc`` (after ``PROG COMMAND: error:``).

    A :class:`~sigmoid_neuron.io.atomic.WriteError` is named by the option that gave its
    path (``--out 'm.json' cannot be written: no space left on device; ...``), found
    among ``args``; another ``OSError`` straight from the system (``[Errno 28] No space
    left on device: 'x'``) becomes ``'x': no space left on device``; any message is
    folded onto one line.
    """
    if isinstance(exc, WriteError):
        option = option_for_path(args, exc.path)
        if option is not None:
            exc = exc.for_option(option)
        message = str(exc)
    elif isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        where = exc.filename if exc.filename is not None else None
        cause = describe_os_error(exc)
        message = f"{os.fsdecode(where)!r}: {cause}" if where is not None else cause
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def option_for_path(args: argparse.Namespace | None, path: str | os.PathLike[str]) -> str | None:
    """The option (``--out``, ``--checkpoint``, ...) of ``args`` whose value is ``path``,
    or None. Positional arguments (inputs) and non-path values never match."""
    if args is None:
        return None
    wanted = _resolved(path)
    if wanted is None:
        return None
    for name, value in vars(args).items():
        if name in {"data", "model", "command", "run"} or not isinstance(value, str):
            continue
        if _resolved(value) == wanted:
            return "--" + name.replace("_", "-")
    return None


def _resolved(path: Any) -> Path | None:
    try:
        return Path(os.fspath(path)).resolve()
    except (OSError, TypeError, ValueError, RuntimeError):
        return None
