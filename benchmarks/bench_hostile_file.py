"""The cost of refusing a hostile table: time and peak memory, each case in a fresh process.

Run from the repository root::

    python -m benchmarks.bench_hostile_file            # 1 000 000-column headers
    python -m benchmarks --only hostile                # the same, as part of the suite

Cases (CSV files written to a temporary directory):

- ``1e6 columns, no rows``: a header of 1 000 000 names (``c0,c1,...``, 7.9 MB) and
  nothing else; refused with "has no data rows" (issue 19: 89 s and 3 GB before the
  header was checked on its own);
- ``1e6 columns, one row``: the same header and one row of numbers; refused by the
  column limit (``MAX_COLUMNS``, ``--max-columns``);
- ``64 MB line, no line break``: one endless header line; refused when the header's
  character budget runs out;
- ``3 columns, no rows``: the reference, the same refusal on a tiny file.

Each case runs in a new Python process that first imports pandas and
``sigmoid_neuron.io.tables`` (so imports are not counted), then calls
``read_xy(file, "c0")`` once: **time** is that call's wall time (``time.perf_counter``),
**memory** the growth of the process's peak resident set over the call (Linux
``VmHWM``, reset just before the call). The whole command ``sigmoid-neuron train FILE
--target c0 --out m.json`` is also run once per case: wall time, and the peak resident
set of the process from interpreter start (imports included) to exit; compare it with
the 3-column reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import Table

#: The columns of the wide headers.
WIDE = 1_000_000
QUICK_WIDE = 200_000

#: Peak memory of this process from now on: ``/proc/self/clear_refs`` (``5``) resets the
#: high-water mark ``VmHWM`` to the current resident set, so neither the parent's memory
#: (which a forked child's ``ru_maxrss`` inherits) nor earlier work counts. Linux only;
#: elsewhere ``ru_maxrss``.
_MEMORY = r"""
import resource

def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass

def _peak_kib():
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

_PROBE = (
    _MEMORY
    + r"""
import json, sys, time
import pandas
import sigmoid_neuron.io.tables as tables
_reset_peak()
before = _peak_kib()
start = time.perf_counter()
try:
    tables.read_xy(sys.argv[1], "c0")
    message = "accepted"
except ValueError as exc:
    message = str(exc)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "growth_kib": _peak_kib() - before, "base_kib": before,
                  "message": message}))
"""
)

#: ``python -c _COMMAND PEAK_FILE ARGS...`` runs ``sigmoid-neuron ARGS...`` and writes the
#: process's peak resident set (KiB, from interpreter start, imports included) at exit.
_COMMAND = (
    _MEMORY
    + r"""
import atexit, runpy, sys
_reset_peak()
peak_file = sys.argv[1]
sys.argv = ["sigmoid-neuron", *sys.argv[2:]]

def _write_peak():
    with open(peak_file, "w") as handle:
        handle.write(str(_peak_kib()))

atexit.register(_write_peak)
runpy.run_module("sigmoid_neuron", run_name="__main__", alter_sys=True)
"""
)


def _write_cases(directory: Path, wide: int) -> dict[str, Path]:
    """The hostile files (and the small reference), written once."""
    header = ",".join(f"c{i}" for i in range(wide))
    cases = {
        f"{wide:,} columns, no rows": (header + "\n", "no_rows.csv"),
        f"{wide:,} columns, one row": (
            header + "\n" + ",".join("1" for _ in range(wide)) + "\n",
            "one_row.csv",
        ),
        "64 MB line, no line break": ("c0," + "x" * (64 << 20), "long_line.csv"),
        "3 columns, no rows (reference)": ("c0,c1,c2\n", "small.csv"),
    }
    paths = {}
    for label, (text, name) in cases.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths[label] = path
    return paths


def _probe(path: Path) -> dict[str, Any]:
    """``read_xy`` on ``path`` in a fresh process: time, peak-RSS growth, message."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _command(path: Path, directory: Path) -> tuple[float, float, int]:
    """``sigmoid-neuron train`` on ``path``: (wall seconds, peak RSS in MiB, exit status)."""
    peak = directory / "peak.txt"
    argv = [sys.executable, "-c", _COMMAND, str(peak), "train", str(path), "--target", "c0"]
    argv += ["--out", str(directory / "m.json"), "--quiet"]
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
    seconds = time.perf_counter() - start
    return seconds, int(peak.read_text()) / 1024, result.returncode


def run(quick: bool = False) -> tuple[list[Table], list[dict[str, Any]]]:
    """Each hostile file refused once by ``read_xy`` and once by the command (tables, rows)."""
    wide = QUICK_WIDE if quick else WIDE
    table = Table(
        "Refusing a hostile table (each case in a fresh process)",
        [
            "file",
            "read_xy s",
            "read_xy peak RSS growth MiB",
            "command s",
            "command peak RSS MiB",
            "exit",
            "refused with",
        ],
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        directory = Path(tmp)
        for label, path in _write_cases(directory, wide).items():
            probe = _probe(path)
            seconds, rss, status = _command(path, directory)
            text = probe["message"]
            message = text[text.index(str(path)) + len(str(path)) + 1 :].lstrip(":' ")
            row = {
                "file": label,
                "read_xy s": probe["seconds"],
                "read_xy peak RSS growth MiB": probe["growth_kib"] / 1024,
                "command s": seconds,
                "command peak RSS MiB": rss,
                "exit": status,
                "refused with": message[:70],
            }
            table.add(**row)
            rows.append({**row, "message": probe["message"], "base_kib": probe["base_kib"]})
    table.notes.append(
        "read_xy: the call alone, after pandas and sigmoid_neuron.io.tables were imported; "
        "growth of the peak resident set over the call. The command: the whole "
        "`sigmoid-neuron train FILE --target c0 --out m.json` process, interpreter start "
        "and imports included (the reference row shows what those cost)."
    )
    table.notes.append(
        "Before the header was checked on its own (issue 19), the 1e6-column header "
        "without rows took read_xy 89 s and 3 GB of peak RSS growth, and the command "
        "100 s and 3.4 GB, on the 2-core machine the benchmarks run on."
    )
    return [table], rows


if __name__ == "__main__":  # pragma: no cover
    for t in run(quick="--quick" in sys.argv)[0]:
        print(t.text())
