"""L-BFGS logistic regression on Dask blocks against the same fit in memory, and dask-ml.

Run from the repository root::

    python -m benchmarks.bench_dask                 # 2e6 x 50 float64, 20 blocks
    python -m benchmarks.bench_dask --rows 200000   # quicker

It also times ``LogisticRegression.fit`` on the same data in memory and on Dask (the
estimator's whole ``fit``: validation, labels, persist, check pass and its own L-BFGS),
and one epoch of mini-batch ``sgd`` in memory and streamed from the Dask blocks.

A real ``distributed.LocalCluster`` (2 worker processes, 1 thread each) generates the
data lazily with ``dask.array.random`` and persists it; the in-memory fit gets the same
numbers as one NumPy array. Both of our fits minimise the same objective,
``J = mean_i log-loss_i + alpha/2 ||w||^2``, with SciPy's L-BFGS-B on
``make_objective(...).loss_gradient``. A scheduler plugin counts, independently of our
own ``n_passes`` counter, how many task inputs were blocks of ``X`` ("block reads");
``passes = block reads / number of blocks``. dask-ml's ``LogisticRegression(solver=
"lbfgs")`` is run on the same persisted arrays when it is installed, with
``C = 1 / (n alpha)`` (its objective is the *sum* of the losses plus
``||beta||^2 / (2C)``, intercept included); its accuracy is reported as our ``J`` at its
coefficients.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.core import flatten
from distributed.diagnostics.plugin import SchedulerPlugin
from scipy.optimize import minimize
from scipy.special import expit

import distributed
from distributed import Client, LocalCluster
from sigmoid_neuron.distributed import make_objective
from sigmoid_neuron.objective import BinaryCrossEntropy


class _Counter(SchedulerPlugin):
    """Counts graphs submitted, tasks run, and task inputs that are blocks of ``X``."""

    name = "sigmoid-neuron-bench-counter"

    def __init__(self, scheduler: Any, watch: set[Any]) -> None:
        self.scheduler = scheduler
        self.watch = watch
        self.graphs = self.tasks = self.reads = 0

    def update_graph(self, scheduler: Any, **kwargs: Any) -> None:
        self.graphs += 1

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish == "processing":
            self.tasks += 1
            ts = self.scheduler.tasks.get(key)
            if ts is not None:
                self.reads += sum(dts.key in self.watch for dts in ts.dependencies)

    def snapshot(self) -> tuple[int, int, int]:
        return self.graphs, self.tasks, self.reads


def _make_block(j: int, rows: int, w_true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block ``j``: ``X ~ N(0, 1)``, ``y ~ Bernoulli(sigma(X w - 0.5))``, seeded by ``j``."""
    rng = np.random.default_rng([2026, j])
    X = rng.normal(size=(rows, w_true.size))
    y = (rng.uniform(size=rows) < expit(X @ w_true - 0.5)).astype(np.float64)
    return X, y


def _lbfgs(obj: Any, max_iter: int, gtol: float) -> Any:
    return minimize(
        obj.loss_gradient,
        np.zeros(obj.n_params),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": gtol},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_dask", description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty (default 1e-4)")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--gtol", type=float, default=1e-6)
    parser.add_argument("--no-dask-ml", action="store_true", help="skip the dask-ml fit")
    parser.add_argument(
        "--no-estimator",
        action="store_true",
        help="skip the LogisticRegression.fit and streamed-sgd timings",
    )
    args = parser.parse_args(argv)
    n, d, alpha = args.rows, args.features, args.alpha
    loss = BinaryCrossEntropy()

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="4GiB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        w_true = np.random.default_rng(1).normal(size=d) / np.sqrt(d) * 2
        sizes = [min(args.chunk_rows, n - start) for start in range(0, n, args.chunk_rows)]
        t0 = time.perf_counter()
        client.wait_for_workers(2)
        blocks = [dask.delayed(_make_block, nout=2)(j, m, w_true) for j, m in enumerate(sizes)]
        X = da.concatenate(
            [
                da.from_delayed(b[0], shape=(m, d), dtype=np.float64)
                for b, m in zip(blocks, sizes, strict=True)
            ]
        )
        y = da.concatenate(
            [
                da.from_delayed(b[1], shape=(m,), dtype=np.float64)
                for b, m in zip(blocks, sizes, strict=True)
            ]
        )
        X, y = client.persist([X, y])
        distributed.wait([X, y])
        t_gen = time.perf_counter() - t0
        n_blocks = X.numblocks[0]
        counter = _Counter(cluster.scheduler, set(flatten(X.__dask_keys__())))
        cluster.scheduler.add_plugin(counter)

        # the same numbers in memory, generated here rather than fetched from the cluster
        t0 = time.perf_counter()
        parts = [_make_block(j, m, w_true) for j, m in enumerate(sizes)]
        Xn = np.concatenate([p[0] for p in parts])
        yn = np.concatenate([p[1] for p in parts])
        del parts
        t_local = time.perf_counter() - t0
        print(
            f"data: {n} x {d} float64 ({X.nbytes / 2**30:.2f} GiB) in {n_blocks} blocks of "
            f"{args.chunk_rows} rows; alpha={alpha}; cluster: 2 worker processes x 1 thread "
            f"(generate+persist on the cluster {t_gen:.1f} s, in memory {t_local:.1f} s)"
        )

        rows: list[dict[str, Any]] = []

        # in memory (after one warm-up evaluation on a slice, so no fit pays first-call costs)
        make_objective(Xn[:1000], yn[:1000], loss).loss_gradient(np.zeros(d + 1))
        t0 = time.perf_counter()
        ref = make_objective(Xn, yn, loss, alpha=alpha)
        res0 = _lbfgs(ref, args.max_iter, args.gtol)
        t_mem = time.perf_counter() - t0
        rows.append(
            {
                "fit": "in-memory NumPy",
                "seconds": t_mem,
                "iters": res0.nit,
                "evals": res0.nfev,
                "passes": res0.nfev,
                "tasks": None,
                "J": res0.fun,
                "diff": 0.0,
            }
        )

        # ours, on the cluster
        t0 = time.perf_counter()
        obj = make_objective(X, y, loss, alpha=alpha)
        t_setup = time.perf_counter() - t0
        before = counter.snapshot()
        passes_before = obj.data.n_passes
        t0 = time.perf_counter()
        res = _lbfgs(obj, args.max_iter, args.gtol)
        t_dask = time.perf_counter() - t0
        graphs, tasks, reads = (a - b for a, b in zip(counter.snapshot(), before, strict=True))
        own = obj.data.n_passes - passes_before
        assert own == res.nfev == graphs, (own, res.nfev, graphs)
        rows.append(
            {
                "fit": "sigmoid-neuron on Dask",
                "seconds": t_dask,
                "iters": res.nit,
                "evals": res.nfev,
                "passes": reads / n_blocks,
                "tasks": tasks / max(graphs, 1),
                "J": res.fun,
                "diff": _rel(res.x, res0.x),
            }
        )
        extra = f"setup (persist + check pass) {t_setup:.2f} s"
        if not args.no_estimator:
            extra += "\n" + _estimator_rows(rows, counter, X, y, Xn, yn, ref, res0.x, args)

        # dask-ml
        note = ""
        if args.no_dask_ml:
            note = "dask-ml: skipped (--no-dask-ml)"
        else:
            try:
                from dask_ml import __version__ as dml_version
                from dask_ml.linear_model import LogisticRegression as DaskMLLogistic
            except ImportError as exc:
                note = f"dask-ml: not available ({exc}); pip install dask-ml to compare"
            else:
                before = counter.snapshot()
                t0 = time.perf_counter()
                try:
                    model = DaskMLLogistic(
                        solver="lbfgs",
                        C=1.0 / (n * alpha),
                        max_iter=args.max_iter,
                        tol=args.gtol * n,
                    ).fit(X, y)
                except Exception as exc:  # report, whatever dask-ml raises on current Dask
                    note = f"dask-ml {dml_version}: fit failed: {type(exc).__name__}: {exc}"
                else:
                    t_dml = time.perf_counter() - t0
                    graphs, tasks, reads = (
                        a - b for a, b in zip(counter.snapshot(), before, strict=True)
                    )
                    theta = np.r_[np.ravel(model.coef_), model.intercept_]
                    rows.append(
                        {
                            "fit": f"dask-ml {dml_version} lbfgs",
                            "seconds": t_dml,
                            "iters": None,
                            "evals": graphs,
                            "passes": reads / n_blocks,
                            "tasks": tasks / max(graphs, 1),
                            "J": ref.loss(theta),
                            "diff": _rel(theta, res0.x),
                        }
                    )
                    note = (
                        f"dask-ml {dml_version}: evals = graphs submitted (incl. its setup); "
                        f"its intercept is penalised, so its optimum differs slightly"
                    )

    _print_table(rows, t_mem)
    print(extra)
    if note:
        print(note)
    return 0


def _estimator_rows(
    rows: list[dict[str, Any]],
    counter: _Counter,
    X: Any,
    y: Any,
    Xn: np.ndarray,
    yn: np.ndarray,
    ref: Any,
    theta0: np.ndarray,
    args: argparse.Namespace,
) -> str:
    """The estimator on the same data: ``LogisticRegression.fit`` in memory and on Dask
    (validation, labels pass, persist of the already persisted arrays, check pass, and
    the library's own L-BFGS), and one epoch of streamed mini-batch ``sgd``."""
    from sigmoid_neuron.estimators import LogisticRegression

    n_blocks = X.numblocks[0]
    params = {"alpha": args.alpha, "tol": args.gtol, "max_epochs": args.max_iter}
    for name, data in (("NumPy", (Xn, yn)), ("Dask", (X, y))):
        before = counter.snapshot()
        t0 = time.perf_counter()
        model = LogisticRegression(optimizer="lbfgs", **params).fit(*data)
        seconds = time.perf_counter() - t0
        graphs, tasks, reads = (a - b for a, b in zip(counter.snapshot(), before, strict=True))
        theta = np.r_[np.ravel(model.coef_), model.intercept_]
        rows.append(
            {
                "fit": f"LogisticRegression {name}",
                "seconds": seconds,
                "iters": model.n_iter_,
                "evals": None,
                "passes": None if name == "NumPy" else reads / n_blocks,
                "tasks": None if name == "NumPy" else tasks / max(graphs, 1),
                "J": ref.loss(theta),
                "diff": _rel(theta, theta0),
            }
        )
    timings = []
    sgd = {"optimizer": "sgd", "batch_size": 1000, "max_epochs": 1, "tol": None}
    for data in ((Xn, yn), (X, y)):
        t0 = time.perf_counter()
        LogisticRegression(**sgd, random_state=0).fit(*data)
        timings.append(time.perf_counter() - t0)
    return (
        f"sgd, one epoch of batches of 1000 rows ({len(yn) // 1000} updates): in memory "
        f"{timings[0]:.2f} s, streamed from {n_blocks} Dask blocks {timings[1]:.2f} s "
        "(both include fit's validation and setup)"
    )


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def _print_table(rows: list[dict[str, Any]], t_mem: float) -> None:
    header = (
        f"{'fit':<26} {'seconds':>8} {'ratio':>6} {'iters':>6} {'evals':>6} "
        f"{'passes':>7} {'passes/iter':>11} {'tasks/eval':>10} {'J at solution':>17} "
        f"{'coef rel diff':>13}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        iters = "-" if r["iters"] is None else str(r["iters"])
        evals = "-" if r["evals"] is None else str(r["evals"])
        passes = "-" if r["passes"] is None else f"{r['passes']:.0f}"
        per_iter = (
            "-"
            if r["iters"] is None or r["passes"] is None
            else f"{r['passes'] / max(r['iters'], 1):.2f}"
        )
        tasks = "-" if r["tasks"] is None else f"{r['tasks']:.1f}"
        print(
            f"{r['fit']:<26} {r['seconds']:>8.2f} {r['seconds'] / t_mem:>6.2f} {iters:>6} "
            f"{evals:>6} {passes:>7} {per_iter:>11} {tasks:>10} "
            f"{r['J']:>17.12f} {r['diff']:>13.2e}"
        )


if __name__ == "__main__":
    sys.exit(main())
