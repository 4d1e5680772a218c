"""Coverage-guided fuzzing with atheris (libFuzzer) of the four readers of untrusted input.

    python tests/fuzz/atheris_harness.py TARGET [libFuzzer options]

TARGET is ``model`` (``load_model``), ``checkpoint`` (``load_checkpoint``), ``table``
(``read_xy`` on CSV text) or ``derivation`` (``parse_derivation``). Each input may only
end in the reader's documented error (``ValueError``; ``ParseError`` is one); anything
else is a crash that libFuzzer reports with the input that caused it. Examples::

    python tests/fuzz/atheris_harness.py model -runs=100000 corpus_dir/
    python tests/fuzz/atheris_harness.py derivation -max_total_time=600

The tests run each target for a fixed number of inputs (``-runs``, ``-seed``) when
atheris is installed (``pip install atheris``); hypothesis covers the same properties
everywhere else. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["sigmoid_neuron"]):
    from sigmoid_neuron.derivations.parser import ParseError, parse_derivation
    from sigmoid_neuron.io.model_file import load_model
    from sigmoid_neuron.io.tables import read_xy
    from sigmoid_neuron.training.checkpoint import load_checkpoint

_DIR = Path(tempfile.mkdtemp(prefix="atheris-"))


def _file(name: str, data: bytes) -> Path:
    path = _DIR / name
    path.write_bytes(data)
    return path


def fuzz_model(data: bytes) -> None:
    """Any bytes as a model file: a ValueError or a model."""
    try:
        load_model(_file("model.json", data))
    except ValueError:
        pass


def fuzz_checkpoint(data: bytes) -> None:
    """Any bytes as a checkpoint: a ValueError or a checkpoint."""
    try:
        load_checkpoint(_file("checkpoint.json", data))
    except ValueError:
        pass


def fuzz_table(data: bytes) -> None:
    """Any bytes after a header as a CSV file: a ValueError or finite data."""
    try:
        X, y, _ = read_xy(_file("table.csv", b"y,a,b\n" + data), "y")
    except ValueError:
        return
    assert X.shape[0] == y.shape[0]


def fuzz_derivation(data: bytes) -> None:
    """Any text as a derivation file: a ParseError or parsed claims."""
    text = data.decode("utf-8", "replace")
    try:
        parse_derivation(text)
    except ParseError:
        pass


TARGETS: dict[str, Any] = {
    "model": fuzz_model,
    "checkpoint": fuzz_checkpoint,
    "table": fuzz_table,
    "derivation": fuzz_derivation,
}


def main() -> None:
    """``atheris_harness.py TARGET [libFuzzer options]``."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv[1]]
    warnings.simplefilter("error", RuntimeWarning)  # an overflow warning is a finding too
    os.environ.setdefault("PYTHONHASHSEED", "0")
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
