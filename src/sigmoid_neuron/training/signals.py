"""Ctrl-C during training: the first SIGINT/SIGTERM stops after the epoch and checkpoints.

:func:`stop_on_signals` installs the handlers for a block of code; the
:class:`~sigmoid_neuron.training.checkpoint.Checkpoint` it is given does the stopping
and the writing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigmoid_neuron.training.checkpoint import Checkpoint

__all__ = ["stop_on_signals"]


@contextlib.contextmanager
def stop_on_signals(
    checkpoint: Checkpoint,
    signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM),
    notice: str | None = None,
    *,
    exiting: bool = False,
) -> Iterator[list[int]]:
    """Turn the first SIGINT/SIGTERM into a graceful stop, the second into an exit.

    Inside the block, the first signal while training runs calls
    ``checkpoint.request_stop()`` (training ends after the current epoch, the checkpoint
    is written) and writes ``notice`` to stderr (unbuffered, safe in a handler); a
    signal before training started, or a second signal, calls ``checkpoint.abort()``
    and raises :class:`KeyboardInterrupt` at once (atomic writes in progress are
    abandoned, so every file stays complete). The yielded list collects the signal
    numbers received. Outside the main thread nothing is installed.

    On leaving the block the previous handlers are restored, except with
    ``exiting=True`` after a signal was received: the signals then stay ignored, for a
    program that exits right after (a late second Ctrl-C cannot then interrupt the
    interpreter's shutdown with a traceback).
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        first = len(received) == 1
        if first and checkpoint.started:
            checkpoint.request_stop()
            if notice:
                with contextlib.suppress(OSError):
                    os.write(2, notice.encode("utf-8", "replace"))
            return
        checkpoint.abort()
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, old in previous.items():
            if exiting and received:
                signal.signal(sig, signal.SIG_IGN)
            else:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
