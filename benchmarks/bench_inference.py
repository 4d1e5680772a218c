"""The coefficient table (standard errors, p-values) on 1,000,000 x 100 float64 (issue 14).

Data: ``x ~ N(0, I_100)``, ``y ~ Bernoulli(sigma(x . w* + 0.3))`` (``logistic_data``).
Contenders, on the same arrays in the same process:

- **ours**: ``LogisticRegression(alpha=0, tol=1e-8).fit`` (timed, for context), then
  ``coef_table`` (classical) and ``coef_table(robust=True)`` (HC0): what a user pays for
  the table of a fitted model;
- **statsmodels**: ``Logit(y, add_constant(X)).fit(method="newton")`` followed by
  ``summary()``: the usual way to get the same table in Python (statsmodels cannot give
  a table without its own fit).

Passes over X are counted, not assumed: every read of rows of ``X`` the table makes goes
through :func:`sigmoid_neuron.objective.scores._augmented` (the one pass, and the
separation probe if it ran) or the estimators' finiteness check ``all_finite`` (wrapped
here in every module that imported it); passes = rows read / n. The same table from
``X`` as a Dask array (10 blocks, threads scheduler) counts its per-block tasks with a
Dask callback: passes = block tasks / blocks. Both must be at most 2 (the input check
and the sums). statsmodels' standard errors are compared with ours as a sanity check.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from benchmarks._common import Table, logistic_data, seconds, timed

N, D = 1_000_000, 100
QUICK_N, QUICK_D = 20_000, 20
BLOCKS = 10


@contextmanager
def counted_reads(n_rows: int) -> Iterator[dict[str, float]]:
    """Count rows of X read by the table: the score pass's chunks and the finite checks."""
    from sigmoid_neuron.objective import scores
    from sigmoid_neuron.objective.kernels import all_finite

    counts = {"rows": 0.0, "finite checks": 0.0}
    real_augmented = scores._augmented

    def augmented(X: Any, rows: slice) -> Any:
        out = real_augmented(X, rows)
        counts["rows"] += out.shape[0]
        return out

    def checked(X: Any, *args: Any, **kwargs: Any) -> bool:
        counts["finite checks"] += 1
        return all_finite(X, *args, **kwargs)

    patched = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("sigmoid_neuron") and getattr(module, "all_finite", None) is all_finite
    ]
    scores._augmented = augmented  # type: ignore[assignment]
    for module in patched:
        module.all_finite = checked  # type: ignore[attr-defined]
    try:
        yield counts
    finally:
        scores._augmented = real_augmented  # type: ignore[assignment]
        for module in patched:
            module.all_finite = all_finite  # type: ignore[attr-defined]
        counts["passes"] = counts["rows"] / n_rows + counts["finite checks"]


def _dask_passes(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, float, Any]:
    """(time, passes, table) of the table from X as a Dask array, block tasks counted."""
    import dask
    import dask.array as da
    from dask.callbacks import Callback

    seen: list[str] = []

    class Count(Callback):  # type: ignore[misc]
        def _pretask(self, key: Any, dsk: Any, state: Any) -> None:
            name = key[0] if isinstance(key, tuple) else key
            if "sigmoid-neuron-block" in str(name) and "combine" not in str(name):
                seen.append(str(name))

    Xd = da.from_array(X, chunks=(-(-X.shape[0] // BLOCKS), X.shape[1]))
    with dask.config.set(scheduler="threads"), Count():
        t, table = timed(lambda: model.coef_table(Xd, y))
    return t, len(seen) / Xd.numblocks[0], table


def _statsmodels(X: np.ndarray, y: np.ndarray) -> tuple[float, float, Any]:
    """(fit time, summary time, results) of statsmodels' Logit by Newton, then summary()."""
    import statsmodels.api as sm

    exog = sm.add_constant(X, prepend=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fit, res = timed(lambda: sm.Logit(y, exog).fit(method="newton", disp=0, tol=1e-8))
        t_summary, _ = timed(lambda: str(res.summary()))
    return t_fit, t_summary, res


def run(quick: bool = False) -> tuple[list[Table], list[dict[str, Any]]]:
    """Time the table (ours, NumPy and Dask) next to statsmodels' fit + summary."""
    from sigmoid_neuron import LogisticRegression

    n, d = (QUICK_N, QUICK_D) if quick else (N, D)
    X, y = logistic_data(n, d, np.float64, seed=14)
    fit_time, model = timed(lambda: LogisticRegression(alpha=0, tol=1e-8).fit(X, y))
    with counted_reads(n) as classical:
        t_classical, table = timed(lambda: model.coef_table(X, y))
    with counted_reads(n) as robust:
        t_robust, _ = timed(lambda: model.coef_table(X, y, robust=True))
    t_dask, dask_passes, dask_table = _dask_passes(model, X, y)
    t_sm, t_summary, res = _statsmodels(X, y)
    se_gap = float(np.max(np.abs(table["se"].to_numpy() / res.bse - 1)))
    dask_gap = float(np.max(np.abs(dask_table["se"].to_numpy() / table["se"].to_numpy() - 1)))
    out = Table(
        f"Inference: the coefficient table of a logistic model, {n:,} x {d} float64",
        ["contender", "time", "passes over X", "notes"],
        notes=[
            "passes over X are counted (rows of X read / n, plus finiteness checks; on Dask "
            "per-block tasks / blocks), not assumed; the target is <= 2",
            f"statsmodels' standard errors vs ours: max relative difference {se_gap:.1e}; "
            f"Dask vs NumPy: {dask_gap:.1e}",
            f"our fit before the table (LogisticRegression(alpha=0, tol=1e-8), "
            f"{model.solver_}): {seconds(fit_time)}",
        ],
    )
    out.add(contender="ours: coef_table (classical)", time=seconds(t_classical),
            **{"passes over X": f"{classical['passes']:g}"}, notes="NumPy X")  # fmt: skip
    out.add(contender="ours: coef_table(robust=True) (HC0)", time=seconds(t_robust),
            **{"passes over X": f"{robust['passes']:g}"}, notes="NumPy X")  # fmt: skip
    out.add(contender="ours: coef_table on Dask", time=seconds(t_dask),
            **{"passes over X": f"{dask_passes:g}"},
            notes=f"{BLOCKS} blocks, threads scheduler")  # fmt: skip
    out.add(contender="statsmodels: Logit fit + summary", time=seconds(t_sm + t_summary),
            notes=f"fit {seconds(t_sm)} (Newton, {res.mle_retvals.get('iterations', '?')} "
                  f"iterations), summary {seconds(t_summary)}")  # fmt: skip
    worst = max(classical["passes"], robust["passes"], dask_passes)
    if worst > 2:
        raise AssertionError(f"the table made {worst:g} passes over X; the target is <= 2")
    return [out], [
        {
            "case": "inference",
            "table": t_classical,
            "robust": t_robust,
            "dask": t_dask,
            "statsmodels": t_sm + t_summary,
            "passes": worst,
            "se_gap": se_gap,
        }
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench_inference [--quick]``: print the table."""
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    tables, _ = run(quick=quick)
    print("\n\n".join(t.text() for t in tables))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
