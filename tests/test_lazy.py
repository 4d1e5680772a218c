"""Lazy exports' helper for heavy imports: the collector paused, then restored."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from sigmoid_neuron._lazy import collector_paused


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _gc_restored():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_nothing_is_collected_inside_and_garbage_is_collected_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a reference cycle: only the collector frees it
        ref = weakref.ref(a)
        del a, b
        gc.collect(0)  # explicit collections still run; the young generation holds it
    assert gc.isenabled()
    gc.collect()
    assert ref() is None  # handed to an older generation, not kept alive


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_collector_is_back_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("import failed")
    assert gc.isenabled()


def test_importing_the_estimators_runs_no_collection_and_leaves_gc_on() -> None:
    """In a fresh process with NumPy loaded: no collection during the estimators' import
    (scikit-learn, SciPy, pandas load there), the collector on afterwards."""
    script = (
        "import gc\n"
        "import numpy, sigmoid_neuron\n"
        "seen = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append(1))\n"
        "import sigmoid_neuron.estimators\n"
        "n = len(seen)\n"
        "gc.collect()\n"
        "print(n, gc.isenabled(), len(seen) > n)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    n, enabled, collects = out.stdout.split()
    assert (int(n), enabled, collects) == (0, "True", "True")
