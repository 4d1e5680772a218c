"""Where Dask work runs, and how per-block results are summed.

``tree_reduce`` combines per-block partial results in a tree of fan-in ``split_every``
(the shape of Spark's ``treeAggregate``): with ``B`` blocks there are
``ceil(B / s) + ceil(B / s^2) + ... `` combine tasks, all on the workers, and only the
single final result travels to the client.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import reduce
from typing import Any

import dask
from dask.base import get_scheduler
from dask.delayed import Delayed


def active_client() -> Any | None:
    """The ``distributed.Client`` that ``dask.compute`` would use right now, or None.

    None when ``distributed`` is not installed, when no client exists, or when the
    Dask configuration selects another scheduler (``dask.config.set(scheduler="threads")``).
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask without distributed
        return None
    owner = getattr(get_scheduler(), "__self__", None)
    return owner if isinstance(owner, Client) else None


def local_scheduler() -> Any:
    """The local scheduler ``dask.compute`` would use now (threads when none is configured)."""
    scheduler = get_scheduler()
    return "threads" if scheduler is None else scheduler


def add_all(*parts: Any) -> Any:
    """``parts[0] + parts[1] + ...`` (the combine step of a tree sum)."""
    return reduce(operator.add, parts)


def tree_reduce(
    parts: Sequence[Delayed],
    combine: Callable[..., Any] = add_all,
    split_every: int = 8,
    name: str = "sigmoid-neuron-combine",
) -> Delayed:
    """Combine ``parts`` level by level, ``split_every`` at a time, into one Delayed.

    Level ``l`` has ``ceil(n_{l-1} / split_every)`` tasks keyed ``(name, l, j)``; the
    depth is ``ceil(log_{split_every} len(parts))``.
    """
    if split_every < 2:
        raise ValueError(f"split_every must be an integer >= 2, got {split_every!r}")
    if not parts:
        raise ValueError("tree_reduce needs at least one part; the data has no blocks")
    level = list(parts)
    depth = 0
    while len(level) > 1:
        depth += 1
        level = [
            dask.delayed(combine, pure=True)(
                *level[i : i + split_every], dask_key_name=(name, depth, j)
            )
            for j, i in enumerate(range(0, len(level), split_every))
        ]
    return level[0]
