"""One loss-and-gradient evaluation of logistic regression against the time to read X once.

For ``J(w, b) = mean_i [log(1 + e^{z_i}) - y_i z_i] + alpha/2 ||w||^2`` with
``z = X w + b``, one evaluation of ``(J, grad J)`` must read every element of ``X`` at
least once, so no implementation can beat the time of the fastest single pass over ``X``
(see :func:`benchmarks._common.read_once_functions`). Rows:

- ours: ``make_objective(X, y, BinaryCrossEntropy()).loss_gradient(theta)`` (fused kernel);
- ours, BLAS blocks: the same sums with ``method="blas"`` (the path used without numba);
- NumPy two-pass: ``z = X @ w + b``, then ``X.T @ (sigma(z) - y)``;
- scikit-learn: ``LinearModelLoss(HalfBinomialLoss()).loss_gradient`` (private API, the
  function its lbfgs solver calls), with ``n_threads`` = the usable cores.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import expit

from benchmarks._common import Table, best_of_interleaved, logistic_data, ratio, read_once_functions
from sigmoid_neuron.objective import BinaryCrossEntropy, make_objective
from sigmoid_neuron.objective.kernels import default_threads, fused_sums

FULL_SHAPES = [
    (1_000_000, 100, np.float64),
    (1_000_000, 100, np.float32),
    (100_000, 1000, np.float64),
]
QUICK_SHAPES = [(100_000, 100, np.float64), (100_000, 100, np.float32)]


def _sklearn_loss_gradient(X: Any, y: Any, alpha: float, threads: int) -> Any:
    try:
        from sklearn._loss.loss import HalfBinomialLoss
        from sklearn.linear_model._linear_loss import LinearModelLoss
    except ImportError:  # private API moved
        return None
    lml = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    coef = np.full(X.shape[1] + 1, 0.01, dtype=X.dtype)
    sw = np.ones(X.shape[0], dtype=X.dtype)  # scikit-learn's fit always passes weights

    def call() -> Any:
        return lml.loss_gradient(
            coef, X, y, sample_weight=sw, l2_reg_strength=alpha, n_threads=threads
        )

    try:
        call()
    except Exception:  # signature changed
        return None
    return call


def _one_shape(
    n: int, d: int, dtype: Any, repeats: int, threads: int, min_seconds: float
) -> tuple[Table, dict[str, Any]]:
    name = f"{n:.0e} x {d} {np.dtype(dtype).name}".replace("e+0", "e")
    X, y = logistic_data(n, d, dtype, seed=1)
    alpha = 1.0 / n
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=alpha)
    data: Any = obj.data
    assert np.shares_memory(data.X, X)  # no copy of X
    theta = np.full(obj.n_params, 0.01)
    W, b = obj.unpack(theta)
    Y = data.y
    Wx = np.ascontiguousarray(W.ravel().astype(dtype))

    def two_pass() -> Any:
        z = X @ Wx + dtype(b[0])
        g = expit(z) - y
        loss = float(np.mean(np.logaddexp(0, z) - y * z))
        return loss, X.T @ g / n

    fns: dict[str, Any] = dict(read_once_functions(X, threads))
    read_names = list(fns)
    fns["ours"] = lambda: obj.loss_gradient(theta)
    fns["ours, BLAS blocks"] = lambda: fused_sums(X, Y, None, W, b, data.loss, 1, method="blas")
    fns["NumPy two-pass"] = two_pass
    sk = _sklearn_loss_gradient(X, y, alpha, threads)
    if sk is not None:
        fns["scikit-learn LinearModelLoss"] = sk
    best = best_of_interleaved(fns, repeats, min_seconds=min_seconds)
    bound = min(best[k] for k in read_names)
    table = Table(
        f"Gradient, {name} ({X.nbytes / 1e6:.0f} MB)",
        ["implementation", "time", "x read bound", "GB/s"],
    )
    for key, t in best.items():
        table.add(
            **{
                "implementation": key,
                "time": f"{t * 1e3:.1f} ms",
                "x read bound": ratio(t, bound),
                "GB/s": X.nbytes / t / 1e9,
            }
        )
    print(table.text(), flush=True)
    result = {
        "data": name,
        "nbytes": X.nbytes,
        "bound": bound,
        "best": best,
        "ratio": ratio(best["ours"], bound),
    }
    return table, result


def run(
    quick: bool = False, repeats: int | None = None
) -> tuple[list[Table], list[dict[str, Any]]]:
    """Measure every shape: tables (a summary first) and the raw best times per shape."""
    shapes = QUICK_SHAPES if quick else FULL_SHAPES
    repeats = repeats or (5 if quick else 15)
    threads = default_threads()
    summary = Table(
        "One loss-and-gradient evaluation vs one read of X (best of >= "
        f"{repeats} interleaved rounds, >= {2 if quick else 12} s per shape)",
        [
            "data",
            "X size",
            "read X once",
            "ours",
            "ours / read",
            "NumPy 2-pass",
            "scikit-learn",
            "sklearn / ours",
            "ours GB/s",
        ],
    )
    tables = []
    results: list[dict[str, Any]] = []
    for n, d, dtype in shapes:
        table, r = _one_shape(n, d, dtype, repeats, threads, 2.0 if quick else 12.0)
        tables.append(table)
        results.append(r)
        best = r["best"]
        sk_t = best.get("scikit-learn LinearModelLoss", math.nan)
        summary.add(
            **{
                "data": r["data"],
                "X size": f"{r['nbytes'] / 1e6:.0f} MB",
                "read X once": f"{r['bound'] * 1e3:.1f} ms",
                "ours": f"{best['ours'] * 1e3:.1f} ms",
                "ours / read": r["ratio"],
                "NumPy 2-pass": f"{best['NumPy two-pass'] * 1e3:.1f} ms",
                "scikit-learn": f"{sk_t * 1e3:.1f} ms" if math.isfinite(sk_t) else "-",
                "sklearn / ours": ratio(sk_t, best["ours"]),
                "ours GB/s": r["nbytes"] / best["ours"] / 1e9,
            }
        )
    summary.notes.append(
        "read X once = the best time of the fastest of np.add.reduce(X, axis=0) (one core) and "
        f"two compiled reductions (column sums, sum of all elements) over ~1 MiB row chunks on "
        f"{threads} threads: one add per element."
    )
    return [summary, *tables], results


if __name__ == "__main__":  # pragma: no cover
    for t in run(quick=True)[0]:
        print(t.text())
