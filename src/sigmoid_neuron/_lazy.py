"""Package namespaces whose names load on first use (PEP 562 ``__getattr__``).

A fresh process that fits one model should not import every solver, update rule and
checkpoint module the package has: a package ``__init__`` lists its public names and
the module each lives in, and :func:`lazy_exports` returns the ``__getattr__`` and
``__dir__`` that import that module when a name is first asked for (and cache it).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a block runs, for imports.

    Importing scikit-learn, SciPy and pandas creates some 10^5 long-lived objects and
    next to no garbage, yet the allocations trigger collections that walk them again and
    again: measured here, 80-130 ms of a ~1.2 s fresh import. Inside this block nothing
    is collected; after it, the objects it created are handed to the oldest generation
    (``gc.freeze()`` then ``gc.unfreeze()``: two list splices), where the next full
    collection examines them like any others (nothing is kept alive), and the collector
    is switched back on. Where it was off before, it is left as it was.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps each public name to the
    module that defines it; an unknown name raises ``AttributeError`` as usual."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
