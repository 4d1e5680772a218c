"""One epoch of full-batch gradient descent of the sigmoid neuron, four ways.

The notes' neuron: ``y_hat = sigma(w . x + b)``, squared error ``l = (y_hat - y)^2 / 2``,
one epoch = the gradient over all rows, then ``w <- w - eta dw``, ``b <- b - eta db``.

- the notes' loop (seed 002, ``do_gradient_descent``), with ``x`` a vector: per row,
  ``grad_w`` and ``grad_b`` each evaluate ``f(w, b, x)`` (Python and ``math.exp``,
  NumPy ``dot`` for the row);
- NumPy, vectorised: ``s = 1 / (1 + exp(-(X w + b)))``, ``r = (s - y) s (1 - s)``,
  ``dw = X^T r``, ``db = sum r`` (two passes over X);
- PyTorch on the CPU (when importable; never installed by this project): the same
  formula with ``torch`` tensors, autograd off;
- ours: ``SigmoidNeuron(optimizer="gd", batch_size=None, tol=None, max_epochs=E).fit``,
  time / E (mean loss, so ``learning_rate = n eta``), and the objective alone:
  ``make_objective(X, y, SigmoidHalfSquaredError()).loss_gradient`` + the update.

The notes' loop costs microseconds per row, so it runs on the first ``NOTES_ROWS`` rows
and its time is scaled by ``n / NOTES_ROWS`` (marked as such).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from benchmarks._common import Table, best_of_interleaved, logistic_data, seconds, timed

FULL_SHAPES = [(100_000, 100), (1_000_000, 100)]
QUICK_SHAPES = [(20_000, 100)]
NOTES_ROWS = 5_000
EPOCHS = 5


def notes_epoch(X: Any, Y: Any, w: Any, b: float, eta: float) -> tuple[Any, float]:
    """The notes' loop, one epoch: per-row gradients summed, then one step."""

    def f(w: Any, b: float, x: Any) -> float:
        return 1.0 / (1.0 + math.exp(-(float(np.dot(w, x)) + b)))

    def grad_b(w: Any, b: float, x: Any, y: float) -> float:
        fx = f(w, b, x)
        return (fx - y) * fx * (1 - fx)

    def grad_w(w: Any, b: float, x: Any, y: float) -> Any:
        fx = f(w, b, x)
        return (fx - y) * fx * (1 - fx) * x

    dw, db = 0.0, 0.0
    for x, y in zip(X, Y, strict=True):
        dw += grad_w(w, b, x, y)
        db += grad_b(w, b, x, y)
    return w - eta * dw, b - eta * db


def numpy_epoch(X: Any, y: Any, w: Any, b: float, eta: float) -> tuple[Any, float]:
    """Vectorised NumPy, one epoch (summed gradient as in the notes)."""
    s = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    r = (s - y) * s * (1.0 - s)
    return w - eta * (X.T @ r), b - eta * float(r.sum())


def _torch_epoch(X: Any, y: Any) -> Any:
    try:
        import torch
    except ImportError:
        return None
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    w = torch.zeros(X.shape[1], dtype=Xt.dtype)

    def epoch() -> Any:
        with torch.no_grad():
            s = torch.sigmoid(Xt @ w + 0.1)
            r = (s - yt) * s * (1 - s)
            return w - 1e-5 * (Xt.T @ r), 0.1 - 1e-5 * float(r.sum())

    return epoch


def _one_shape(n: int, d: int, repeats: int) -> tuple[Table, dict[str, Any]]:
    from sigmoid_neuron.estimators import SigmoidNeuron
    from sigmoid_neuron.objective import SigmoidHalfSquaredError, make_objective

    X, y01 = logistic_data(n, d, np.float64, seed=3)
    y = 0.1 + 0.8 * y01  # targets in [0, 1], as the notes' neuron uses
    eta = 1.0 / n  # summed gradient with rate 1/n == mean gradient with rate 1
    w0, b0 = np.zeros(d), 0.0
    obj = make_objective(X, y, SigmoidHalfSquaredError())
    theta0 = np.zeros(obj.n_params)

    def ours_objective() -> Any:
        _, grad = obj.loss_gradient(theta0)
        return theta0 - 1.0 * grad

    def ours_estimator() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = SigmoidNeuron(
                loss="squared_error",
                optimizer="gd",
                learning_rate=1.0,
                batch_size=None,
                tol=None,
                max_epochs=EPOCHS,
            )
            return m.fit(X, y)

    # every variant takes the same step (checked, not assumed)
    w_np, _ = numpy_epoch(X, y, w0, b0, eta)
    np.testing.assert_allclose(ours_objective()[:d], w_np, rtol=1e-9, atol=1e-12)
    w_notes, _ = notes_epoch(X[:200], y[:200], w0, b0, 1.0 / 200)
    np.testing.assert_allclose(
        w_notes, numpy_epoch(X[:200], y[:200], w0, b0, 1.0 / 200)[0], rtol=1e-9, atol=1e-12
    )
    fns: dict[str, Any] = {
        "NumPy vectorised (two passes)": lambda: numpy_epoch(X, y, w0, b0, eta),
        "ours: objective.loss_gradient + step": ours_objective,
    }
    torch_epoch = _torch_epoch(X, y)
    if torch_epoch is not None:
        fns["PyTorch CPU"] = torch_epoch
    best = best_of_interleaved(fns, repeats, min_seconds=5.0)
    t_est = min(timed(ours_estimator)[0] for _ in range(max(2, repeats // 2))) / EPOCHS
    rows = min(n, NOTES_ROWS)
    t_notes = timed(lambda: notes_epoch(X[:rows], y[:rows], w0, b0, eta))[0] * n / rows
    table = Table(
        f"Full-batch gradient descent, one epoch of the sigmoid neuron (squared error), "
        f"{n:,} x {d} float64",
        ["implementation", "time per epoch", "vs ours"],
    )
    ours_t = best["ours: objective.loss_gradient + step"]
    entries = [
        (f"the notes' loop (Python, timed on {rows:,} rows, scaled)", t_notes),
        *best.items(),
        (f"ours: SigmoidNeuron(optimizer='gd').fit, {EPOCHS} epochs / {EPOCHS}", t_est),
    ]
    for name, t in entries:
        table.add(**{"implementation": name, "time per epoch": seconds(t), "vs ours": t / ours_t})
    if torch_epoch is None:
        table.notes.append(
            "PyTorch is not importable here: its row is left out (a CPU build, e.g. "
            "`.venv/bin/pip install torch==2.13.0` where that wheel is at hand, adds it; it "
            "is never part of the `make test` install)."
        )
    else:
        import torch

        table.notes.append(
            f"PyTorch {torch.__version__} on the CPU, {torch.get_num_threads()} threads, "
            "autograd off: the same formula as the NumPy row."
        )
    print(table.text(), flush=True)
    return table, {"data": f"{n:,} x {d}", "times": dict(entries)}


def run(
    quick: bool = False, repeats: int | None = None
) -> tuple[list[Table], list[dict[str, Any]]]:
    """Epoch times per shape (tables and raw times); all variants take the same step."""
    shapes = QUICK_SHAPES if quick else FULL_SHAPES
    repeats = repeats or (3 if quick else 5)
    tables, results = [], []
    for n, d in shapes:
        table, result = _one_shape(n, d, repeats)
        tables.append(table)
        results.append(result)
    return tables, results


if __name__ == "__main__":  # pragma: no cover
    for t in run(quick=True)[0]:
        print(t.text())
