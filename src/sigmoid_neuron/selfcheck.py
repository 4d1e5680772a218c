"""The package's self-check: every analytic derivative against central finite differences.

:func:`gradient_check_table` returns one :class:`GradCheck` row per derivative:

* ``functional``: sigmoid_derivative, the derivatives of squared_error,
  binary_cross_entropy and binary_cross_entropy_with_logits, and the identities
  d/dz log sigma(z) = sigma(-z), d/dz softplus(z) = sigma(z);
* ``links``: each pointwise loss on the logit z, its gradient dl/dz and its Hessian
  d^2 l/dz^2 (for the multinomial loss the full K x K block per row);
* ``objective``: :class:`~sigmoid_neuron.objective.LinearObjective` for every loss,
  with and without intercept, plain and with sample weights and an L2 penalty: its
  gradient and its Hessian in theta.

Each derivative is compared by :func:`~sigmoid_neuron.functional.check_gradient`
(step h = eps^(1/3) max(1, |x|), error |a - n| / max(|a|, |n|, floor)) at several random
points; a row reports the worst error over the points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

#: Default tolerance on the worst relative error. A correct float64 derivative gives about
#: 1e-9, at worst about 6e-6 where the derivative is small next to the function (seen over
#: 30 seeds); a wrong one gives errors of order 1.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class GradCheck:
    """One line of the table: what was checked, its worst relative error, the verdict."""

    name: str
    error: float  #: worst relative error over the points
    tolerance: float
    points: int  #: number of random points checked

    @property
    def ok(self) -> bool:
        """Whether the worst error is within the tolerance."""
        return bool(self.error <= self.tolerance)


Case = tuple[Callable[[Array], Any], Array, Any]


def _worst(cases: Iterator[Case]) -> tuple[float, int]:
    from sigmoid_neuron.functional import check_gradient

    worst, count = 0.0, 0
    for f, x, grad in cases:
        worst = max(worst, check_gradient(f, x, grad))
        count += 1
    return worst, count


def _functional_rows(rng: np.random.Generator, points: int, tol: float) -> list[GradCheck]:
    from sigmoid_neuron import functional as F

    Pair = Callable[[Array, Array], Any]  # (y, x) -> values, elementwise in x

    def logits() -> tuple[Array, Array]:
        return rng.uniform(size=25), rng.normal(scale=4.0, size=25)

    def probabilities() -> tuple[Array, Array]:
        return rng.uniform(size=25), rng.uniform(0.02, 0.98, size=25)

    def reals() -> tuple[Array, Array]:
        return rng.normal(size=25), rng.normal(size=25)

    # name -> (f(y, x), analytic df/dx (y, x), draw (y, x))
    checks: dict[str, tuple[Pair, Pair, Callable[[], tuple[Array, Array]]]] = {
        "sigmoid_derivative = d sigmoid/dz": (
            lambda y, z: F.sigmoid(z),
            lambda y, z: F.sigmoid_derivative(z),
            logits,
        ),
        "d log_sigmoid/dz = sigmoid(-z)": (
            lambda y, z: F.log_sigmoid(z),
            lambda y, z: F.sigmoid(-z),
            logits,
        ),
        "d softplus/dz = sigmoid(z)": (
            lambda y, z: F.softplus(z),
            lambda y, z: F.sigmoid(z),
            logits,
        ),
        "squared_error_derivative": (
            lambda y, p: F.squared_error(y, p, reduction="none"),
            F.squared_error_derivative,
            reals,
        ),
        "binary_cross_entropy_derivative": (
            lambda y, p: F.binary_cross_entropy(y, p, reduction="none"),
            F.binary_cross_entropy_derivative,
            probabilities,
        ),
        "binary_cross_entropy_with_logits_derivative": (
            lambda y, z: F.binary_cross_entropy_with_logits(y, z, reduction="none"),
            F.binary_cross_entropy_with_logits_derivative,
            logits,
        ),
    }
    rows = []
    for name, (f, df, draw) in checks.items():
        cases = []
        for _ in range(points):
            y, x = draw()
            cases.append((partial(f, y), x, partial(df, y)))
        error, count = _worst(iter(cases))
        rows.append(GradCheck(f"functional: {name}", error, tol, count))
    return rows


def _targets(name: str, rng: np.random.Generator, n: int, K: int) -> Array:
    if name == "multinomial_cross_entropy":
        return rng.dirichlet(np.ones(K), size=n)  # soft targets, rows sum to 1
    if name == "squared_error":
        return rng.normal(size=(n, K))
    return rng.uniform(size=(n, K))


def _total_loss(loss: Any, y: Array, z: Array) -> float:
    """sum_i l(y_i, z_i)."""
    return float(loss.loss(y, z).sum())


def _gradient(loss: Any, y: Array, z: Array) -> Array:
    """dl/dz per row, shape (n, K)."""
    return np.asarray(loss.loss_gradient(y, z)[1])


def _row_gradient(loss: Any, y: Array, i: int, k: int, zi: Array) -> float:
    """dl/dz_k of row ``i`` as a function of that row's logits ``zi``."""
    return float(loss.loss_gradient(y[i : i + 1], zi.reshape(1, -1))[1][0, k])


def _link_rows(rng: np.random.Generator, points: int, tol: float) -> list[GradCheck]:
    from sigmoid_neuron.objective import LOSSES

    rows = []
    for name in sorted(LOSSES):
        loss = LOSSES[name]()
        K = 3 if name == "multinomial_cross_entropy" else 1
        grad_cases: list[Case] = []
        hess_cases: list[Case] = []
        for _ in range(points):
            y = _targets(name, rng, 20, K)
            z = rng.normal(scale=3.0, size=(20, K))
            grad_cases.append((partial(_total_loss, loss, y), z, loss.loss_gradient(y, z)[1]))
            h = loss.hessian(y, z)
            if h.ndim == 2:  # (n, K=1): dl/dz_i depends on z_i only, an elementwise check
                hess_cases.append((partial(_gradient, loss, y), z, h))
                continue
            for i in range(len(z)):  # (n, K, K): row i's gradient as a function of z_i
                for k in range(K):
                    hess_cases.append((partial(_row_gradient, loss, y, i, k), z[i], h[i, k]))
        error, count = _worst(iter(grad_cases))
        rows.append(GradCheck(f"links: {name} dl/dz", error, tol, count))
        error, _ = _worst(iter(hess_cases))
        rows.append(GradCheck(f"links: {name} d2l/dz2", error, tol, count))
    return rows


def _gradient_entry(objective: Any, j: int, theta: Array) -> float:
    """Entry ``j`` of grad J(theta): its gradient is row ``j`` of the Hessian."""
    return float(objective.gradient(theta)[j])


def _objective_rows(rng: np.random.Generator, points: int, tol: float) -> list[GradCheck]:
    from sigmoid_neuron.objective import LOSSES, make_objective

    rows = []
    n, d = 30, 3
    for name in sorted(LOSSES):
        K = 3 if name == "multinomial_cross_entropy" else 1
        for fit_intercept in (True, False):
            for weighted in (False, True):
                grad_cases: list[Case] = []
                hess_cases: list[Case] = []
                for _ in range(points):
                    X = rng.normal(size=(n, d))
                    y = _targets(name, rng, n, K)
                    sw = rng.uniform(0.0, 2.0, size=n) if weighted else None
                    alpha = 0.3 if weighted else 0.0
                    obj = make_objective(
                        X,
                        y,
                        LOSSES[name](),
                        sample_weight=sw,
                        alpha=alpha,
                        fit_intercept=fit_intercept,
                    )
                    theta = rng.normal(scale=0.7, size=obj.n_params)
                    grad_cases.append((obj.loss, theta, obj.gradient))
                    H = obj.hessian(theta)
                    for j in range(obj.n_params):
                        hess_cases.append((partial(_gradient_entry, obj, j), theta, H[j]))
                variant = ("intercept" if fit_intercept else "no intercept") + (
                    ", weights + alpha" if weighted else ""
                )
                error, count = _worst(iter(grad_cases))
                rows.append(GradCheck(f"objective: {name} ({variant}) gradient", error, tol, count))
                error, _ = _worst(iter(hess_cases))
                rows.append(GradCheck(f"objective: {name} ({variant}) Hessian", error, tol, count))
    return rows


def gradient_check_table(
    points: int = 3, seed: int = 0, tolerance: float = TOLERANCE
) -> list[GradCheck]:
    """Check every analytic derivative of the package at ``points`` random points each.

    Returns one :class:`GradCheck` per derivative; ``row.ok`` is
    ``worst |a - n| / max(|a|, |n|, floor) <= tolerance`` with ``a`` the analytic and
    ``n`` the central-difference derivative.
    """
    if points < 1:
        raise ValueError(f"points must be >= 1, got {points}")
    if not tolerance > 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    rng = np.random.default_rng(seed)
    with np.errstate(under="ignore"):
        return (
            _functional_rows(rng, points, tolerance)
            + _link_rows(rng, points, tolerance)
            + _objective_rows(rng, points, tolerance)
        )


def format_table(rows: list[GradCheck]) -> str:
    """The table as text: name, worst relative error, tolerance, ok."""
    width = max([len("derivative")] + [len(r.name) for r in rows])
    lines = [f"{'derivative':<{width}}  {'worst rel err':>13}  {'tolerance':>9}  ok"]
    lines.append("-" * len(lines[0]))
    for r in rows:
        lines.append(
            f"{r.name:<{width}}  {r.error:>13.2e}  {r.tolerance:>9.0e}  {'yes' if r.ok else 'NO'}"
        )
    failed = sum(not r.ok for r in rows)
    lines.append("")
    lines.append(
        f"{len(rows)} derivatives checked, "
        + ("all within tolerance" if not failed else f"{failed} FAILED")
    )
    return "\n".join(lines)
