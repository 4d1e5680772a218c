"""The time budget of one check: :func:`time_limit` raises :class:`CheckTimeout`."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["CheckTimeout", "time_limit"]


class CheckTimeout(BaseException):
    """Raised inside a :func:`time_limit` block when its time is up.

    A ``BaseException`` so that SymPy's internal ``except Exception`` clauses cannot
    swallow it.
    """


@contextmanager
def time_limit(seconds: float | None) -> Iterator[bool]:
    """Raise :class:`CheckTimeout` in the block after ``seconds`` of wall time.

    Uses ``SIGALRM``, so it only works in the main thread on POSIX; elsewhere (and with
    ``seconds=None``) the block runs unbounded. Yields whether the limit is armed.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable or seconds is None:
        yield False
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise CheckTimeout(f"time budget of {seconds:g} s spent")

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, _raise)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # an outer limit was running: re-arm what is left of it
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
