"""Shared pieces of the benchmarks: timing, data, the memory-read bound, tables.

Timing rule: every number is the best of ``k`` wall-clock runs (``time.perf_counter``),
and competing implementations are run interleaved (A, B, C, A, B, C, ...) in the same
process on the same arrays, so that a burst of load from other processes hits all of
them alike. The machine this runs on may be shared: minima are the honest estimate of
what the code costs; medians would measure the neighbours.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call and its result (garbage collected before, not during)."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


def best_of_interleaved(
    fns: dict[str, Callable[[], Any]],
    repeats: int,
    warmup: bool = True,
    min_seconds: float = 0.0,
    max_rounds: int = 200,
) -> dict[str, float]:
    """Best time of each function over interleaved rounds.

    At least ``repeats`` rounds, and more until ``min_seconds`` have passed (at most
    ``max_rounds``): on a shared machine a burst of load can last seconds, and a longer
    window catches the quiet moments for every contender alike.
    """
    if warmup:
        for fn in fns.values():
            fn()
    best = dict.fromkeys(fns, math.inf)
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats or (time.perf_counter() - start < min_seconds and rounds < max_rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], timed(fn)[0])
        rounds += 1
    return best


# --------------------------------------------------------------------------- data


def logistic_data(
    n: int, d: int, dtype: Any, seed: int = 0, block: int = 100_000
) -> tuple[Array, Array]:
    """Rows x ~ N(0, I_d), y ~ Bernoulli(sigma(x . w* + b*)) with ||w*|| = 2 (z has sd 2).

    Generated in blocks straight into the target dtype (no float64 copy of a float32 X).
    """
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    w *= 2.0 / np.linalg.norm(w)
    X = np.empty((n, d), dtype=dtype)
    y = np.empty(n, dtype=dtype)
    for s in range(0, n, block):
        e = min(n, s + block)
        X[s:e] = rng.standard_normal((e - s, d), dtype=np.float64)
        z = X[s:e].astype(np.float64) @ w + 0.3
        y[s:e] = rng.random(e - s) < 1.0 / (1.0 + np.exp(-z))
    return X, y


def logistic_objective_value(
    X: Array, y: Array, coef: Array, intercept: float, alpha: float, block: int = 100_000
) -> float:
    """J = mean_i [log(1 + e^{z_i}) - y_i z_i] + alpha/2 ||w||^2, z = X w + b, in float64.

    The common yardstick for every solver's answer; plain NumPy (``np.logaddexp``),
    independent of sigmoid_neuron's kernels. float32 X is widened block by block.
    """
    w = np.asarray(coef, dtype=np.float64).ravel()
    total = 0.0
    for s in range(0, X.shape[0], block):
        z = X[s : s + block].astype(np.float64) @ w + float(intercept)
        total += math.fsum(np.logaddexp(0.0, z) - y[s : s + block].astype(np.float64) * z)
    return total / X.shape[0] + 0.5 * alpha * float(w @ w)


# --------------------------------------------------------------------------- read bound

_READ_KERNELS: dict[str, Any] = {}


def _read_kernels() -> dict[str, Any]:
    """Compiled one-pass reductions over a range of rows, GIL released ({} without numba)."""
    if not _READ_KERNELS:
        try:
            import numba
        except ImportError:
            return {}

        @numba.njit(nogil=True, fastmath={"reassoc", "contract"}, cache=False)
        def column_sums(X: Array, start: int, stop: int, out: Array) -> None:  # pragma: no cover
            d = X.shape[1]
            acc = np.zeros(d)
            for i in range(start, stop):
                for j in range(d):
                    acc[j] += X[i, j]
            out[:] = acc

        @numba.njit(nogil=True, fastmath={"reassoc", "contract"}, cache=False)
        def total_sum(X: Array, start: int, stop: int, out: Array) -> None:  # pragma: no cover
            d = X.shape[1]
            t = 0.0
            for i in range(start, stop):
                for j in range(d):
                    t += X[i, j]
            out[0] = t

        _READ_KERNELS.update({"column sums": column_sums, "sum of all elements": total_sum})
    return _READ_KERNELS


def read_once_functions(X: Array, threads: int) -> dict[str, Callable[[], Any]]:
    """Ways to read every element of X once with one add each (the memory-read bound).

    - ``np.add.reduce(X, axis=0)``: NumPy's sequential column sum, one core;
    - compiled column sums, and a compiled sum of all elements (one vector accumulator,
      the least arithmetic a pass can do), over chunks of ~1 MiB of rows pulled
      dynamically by ``threads`` threads (the scheme of our fused kernel, minus its
      arithmetic).
    The bound is the best time of the fastest of them.
    """
    fns: dict[str, Callable[[], Any]] = {"np.add.reduce(X, axis=0)": lambda: np.add.reduce(X, 0)}
    if not X.flags.c_contiguous:
        return fns
    n, d = X.shape
    rows = max(8, (1 << 20) // (d * X.itemsize))
    starts = list(range(0, n, rows))
    out = np.zeros((len(starts), d))
    pool = ThreadPoolExecutor(max(1, threads - 1))

    def threaded(kernel: Any) -> Callable[[], None]:
        def run() -> None:
            it = iter(range(len(starts)))

            def worker() -> None:
                for c in it:  # one shared iterator: dynamic scheduling
                    kernel(X, starts[c], min(n, starts[c] + rows), out[c])

            futures = [pool.submit(worker) for _ in range(threads - 1)]
            worker()
            for f in futures:
                f.result()

        return run

    for name, kernel in _read_kernels().items():
        fns[f"{name}, {threads} threads"] = threaded(kernel)
    return fns


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A titled table of rows (dicts), printed as text and written as Markdown."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, **row: Any) -> None:
        """Append one row (missing columns print as blank)."""
        self.rows.append(row)

    def _cells(self) -> list[list[str]]:
        return [[_fmt(row.get(c, "")) for c in self.columns] for row in self.rows]

    def text(self) -> str:
        """Fixed-width text for the terminal."""
        cells = self._cells()
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(self.columns)]
        lines = [
            self.title,
            "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)),
        ]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def markdown(self) -> str:
        """A GitHub-flavoured Markdown table with its title and notes."""
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in self._cells()]
        lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if math.isinf(value):
            return "not reached"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4g}"
    return str(value)


def seconds(value: float) -> str:
    """Seconds with a unit that keeps three significant digits."""
    if not math.isfinite(value):
        return "not reached"
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import scipy
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "?"
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    info = {
        "cpu": f"{cpu}, {cpus} usable cores",
        "memory": mem,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "load average at start (1, 5, 15 min)": load,
    }
    try:
        import numba

        info["numba"] = numba.__version__
    except ImportError:
        info["numba"] = "not installed"
    try:
        from threadpoolctl import threadpool_info

        blas = [
            f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        info["BLAS"] = "; ".join(blas) or "?"
    except ImportError:
        pass
    return info


def ratio(a: float, b: float) -> float:
    """a / b, NaN when either is missing."""
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return math.nan
    return a / b


def first_reaching(runs: Sequence[tuple[float, float]], target: float) -> float:
    """The smallest time among ``(time, loss)`` runs whose loss is <= target (inf if none)."""
    times = [t for t, loss in runs if loss <= target]
    return min(times) if times else math.inf


#: A search entry: (seconds, objective value, tolerance setting) of one fit.
Run = tuple[float, float, "float | None"]


def tighten_until_best(
    fits: dict[str, Callable[[float | None], Any]],
    score: Callable[[Any], float],
    tolerances: Sequence[float | None],
    rel_target: float,
    budget: float = math.inf,
) -> tuple[dict[str, list[Run]], dict[str, float | None]]:
    """Each contender's loosest setting that reaches ``rel_target`` of the best objective
    any contender reached: ``(runs, chosen)``.

    Every contender starts at ``tolerances[0]`` and tightens until its objective is
    within ``rel_target`` (relative) of the best so far, its settings run out, or one fit
    takes longer than ``budget`` seconds. Then the whole round is repeated for those that
    fell short of a better objective a later contender found, so no peer is left at a
    setting judged against a weaker best. ``fits[who](tol)`` returns what ``score`` turns
    into the objective value.
    """
    runs: dict[str, list[Run]] = {k: [] for k in fits}
    chosen: dict[str, float | None] = {}
    done: set[str] = set()  # reached the target, out of settings, or over the budget

    def best() -> float:
        return min(r[1] for rs in runs.values() for r in rs)

    for _ in range(len(tolerances)):
        for who, fit in fits.items():
            start = 0 if who not in chosen else list(tolerances).index(chosen[who]) + 1
            for tol in tolerances[start:] if who not in done else ():
                t, out = timed(lambda fit=fit, tol=tol: fit(tol))
                J = score(out)
                runs[who].append((t, J, tol))
                chosen[who] = tol
                if J <= best() + rel_target * abs(best()) or t > budget:
                    break
            if who not in done and (runs[who][-1][0] > budget or chosen[who] == tolerances[-1]):
                done.add(who)
        for who, rs in runs.items():
            if min(r[1] for r in rs) <= best() + rel_target * abs(best()):
                done.add(who)
        if done == set(fits):
            break
    return runs, chosen
