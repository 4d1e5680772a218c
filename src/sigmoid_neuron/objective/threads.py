"""Threads for one pass over the rows, and BLAS held to one thread meanwhile.

Used by every layer that splits rows over threads (the fused kernels, the Hessian, the
finite check, the solvers): a process-wide pool, dynamic sharing of work items
(:func:`share`), the default thread count, and :func:`single_threaded_blas`, which keeps
OpenBLAS's own threads from competing with ours. A forked child starts afresh.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = ["default_threads", "share", "single_threaded_blas"]


def default_threads() -> int:
    """Threads for one data pass: ``$SIGMOID_NEURON_NUM_THREADS``, else the usable CPUs."""
    value = os.environ.get("SIGMOID_NEURON_NUM_THREADS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(
                f"SIGMOID_NEURON_NUM_THREADS must be a positive integer, got {value!r}"
            ) from None
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()
_CONTROLLER: Any = None


def _pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool that grows to ``workers`` threads (never shrinks).

    A forked child gets a new pool: the parent's worker threads do not exist there.
    """
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        forked = _POOL_PID != os.getpid()
        if _POOL is None or forked or _POOL._max_workers < workers:
            old, _POOL = _POOL, ThreadPoolExecutor(workers, thread_name_prefix="sigmoid-neuron")
            if old is not None and not forked:
                old.shutdown(wait=False)
            _POOL_PID = os.getpid()
        return _POOL


def share(run: Callable[[int, int], None], n_items: int, threads: int) -> None:
    """Call ``run(c0, c1)`` over ``range(n_items)`` with ``threads`` workers pulling work.

    Each worker (the calling thread is one of them) takes the next group of items from a
    shared counter until none is left: dynamic scheduling, so a core that another
    process is using simply takes fewer groups. ``run`` must release the GIL (BLAS
    and the compiled kernels do) for the workers to overlap.
    """
    threads = max(1, min(threads, n_items))
    if threads == 1:
        run(0, n_items)
        return
    group = max(1, n_items // (8 * threads))
    counter = itertools.count()  # next() is atomic under the GIL
    n_groups = -(-n_items // group)

    def worker() -> None:
        while (k := next(counter)) < n_groups:
            run(k * group, min(n_items, (k + 1) * group))

    futures = [_pool(threads - 1).submit(worker) for _ in range(threads - 1)]
    try:
        worker()
    finally:
        for future in futures:
            future.result()


def share_holding_blas(run: Callable[[int, int], None], n_items: int, threads: int) -> None:
    """:func:`share` with BLAS held to one thread while several threads run (each worker's
    NumPy products then keep to their own core); one thread or one item: ``run(0, n)``."""
    if min(threads, n_items) > 1:
        with single_threaded_blas():
            share(run, n_items, threads)
    else:
        run(0, n_items)


_BLAS_LOCK = threading.Lock()
_BLAS_USERS = 0
_BLAS_LIMIT: Any = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS held to one thread while our own threads split the rows.

    Also for a whole solver run: OpenBLAS's idle threads spin for a while after each
    multithreaded call, and on a small machine they then compete with our threads for
    the cores (measured here: an L-BFGS run 1.6x slower). The limit is process-wide:
    the first caller sets it, the last one to leave restores the previous thread counts,
    so concurrent or nested callers cannot leave BLAS limited.
    """
    global _CONTROLLER, _BLAS_USERS, _BLAS_LIMIT
    with _BLAS_LOCK:
        if _BLAS_USERS == 0:
            if _CONTROLLER is None:
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            _BLAS_LIMIT = _CONTROLLER.limit(limits=1, user_api="blas")
        _BLAS_USERS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS -= 1
            if _BLAS_USERS == 0:
                _BLAS_LIMIT.restore_original_limits()
                _BLAS_LIMIT = None


def _after_fork_in_child() -> None:
    """A forked child starts with fresh locks, no pool (its parent's threads are gone) and
    BLAS at its original thread counts."""
    global _POOL, _POOL_LOCK, _BLAS_LOCK, _BLAS_USERS, _BLAS_LIMIT
    if _BLAS_LIMIT is not None:  # forked inside a limited section: the child is not in it
        _BLAS_LIMIT.restore_original_limits()
    _POOL = None
    _POOL_LOCK = threading.Lock()
    _BLAS_LOCK = threading.Lock()
    _BLAS_USERS = 0
    _BLAS_LIMIT = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
