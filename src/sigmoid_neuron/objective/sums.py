"""Weighted sums over rows, the one thing a backend computes: :class:`Sums` and
:func:`block_sums` (the pure function of one block of rows that every backend calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

from sigmoid_neuron.objective.links import PointwiseLoss

Array = NDArray[Any]


@dataclass
class Sums:
    """Weighted sums over rows: ``sum s_i l_i``, its gradient and Hessian in ``(W, b)``.

    ``hessian`` is ``(K(d+1), K(d+1))`` in the augmented ``[W | b]`` ordering.
    """

    loss: float
    grad_coef: Array | None = None
    grad_intercept: Array | None = None
    hessian: Array | None = None

    def __add__(self, other: Sums) -> Sums:
        def add(a: Array | None, b: Array | None) -> Array | None:
            return None if a is None or b is None else a + b

        return Sums(
            self.loss + other.loss,
            add(self.grad_coef, other.grad_coef),
            add(self.grad_intercept, other.grad_intercept),
            add(self.hessian, other.hessian),
        )


def block_sums(
    X: Array,
    y: Array,
    sample_weight: Array | None,
    coef: Array,
    intercept: Array,
    loss: PointwiseLoss,
    order: int,
    *,
    method: str = "auto",
    n_threads: int | None = None,
    offset: Array | None = None,
) -> Sums:
    """Sums of one block of rows: order 0 the loss, 1 adds the gradient, 2 the Hessian.

    ``z = X W^T + b (+ offset)``; ``sum_i s_i l(y_i, z_i)``; ``G = sum_i s_i (dl/dz_i) x_i^T``;
    Hessian blocks ``sum_i s_i h_i^{kl} [x_i; 1][x_i; 1]^T``.

    A pure function of its arguments. Orders 0 and 1 read ``X`` once, fused (see
    :func:`sigmoid_neuron.objective.kernels.fused_sums`; ``method`` and ``n_threads`` are
    passed on), and ``X`` is never copied; float32 ``X`` stays float32, the sums come back
    in float64.
    """
    from sigmoid_neuron.objective.kernels import fused_sums

    out = fused_sums(
        X, y, sample_weight, coef, intercept, loss, order,
        method=method, n_threads=n_threads, offset=offset,
    )  # fmt: skip
    return Sums(out.loss, out.grad_coef, out.grad_intercept, out.hessian)
