"""The training objective of a linear model: one interface for every solver and backend.

With raw predictions ``z_i = W x_i + b`` (``W`` is ``(K, d)``, ``b`` is ``(K,)``),
sample weights ``s_i`` and ``S = sum_i s_i``, the objective is

    J(W, b) = (1/S) sum_i s_i l(y_i, z_i) + (alpha/2) ||W||_F^2

(the intercept is never penalised), with gradient

    dJ/dW = (1/S) sum_i s_i (dl/dz_i) x_i^T + alpha W,    dJ/db = (1/S) sum_i s_i dl/dz_i.

Parameters travel as one flat vector ``theta``: the row-major flattening of the
``(K, d + 1)`` array ``[W | b]`` (``(K, d)`` without an intercept).

The sums over rows are taken by a :class:`DataTerm`; :class:`ArrayData` takes them over
in-memory NumPy arrays, and the Dask backend takes them over blocks. Nothing else
changes between backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import PointwiseLoss
from sigmoid_neuron.objective.moments import (
    Moments,
    TriangularFactor,
    block_gram,
    block_moments,
    block_qr,
)

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
) -> Sums:
    """Sums of one block of rows: order 0 the loss, 1 adds the gradient, 2 the Hessian.

    ``z = X W^T + b``; ``sum_i s_i l(y_i, z_i)``; ``G = sum_i s_i (dl/dz_i) x_i^T``;
    Hessian blocks ``sum_i s_i h_i^{kl} [x_i; 1][x_i; 1]^T``.

    A pure function of its arguments. Orders 0 and 1 read ``X`` once, fused (see
    :func:`sigmoid_neuron.objective.kernels.fused_sums`; ``method`` and ``n_threads`` are
    passed on), and ``X`` is never copied; float32 ``X`` stays float32, the sums come back
    in float64.
    """
    from sigmoid_neuron.objective.kernels import fused_sums

    out = fused_sums(
        X, y, sample_weight, coef, intercept, loss, order, method=method, n_threads=n_threads
    )
    return Sums(out.loss, out.grad_coef, out.grad_intercept, out.hessian)


class DataTerm(Protocol):
    """Where the rows live: anything that can take :class:`Sums` at given ``(W, b)``."""

    loss: PointwiseLoss
    n_features: int
    n_outputs: int
    total_weight: float
    dtype: np.dtype[Any]

    def sums(self, coef: Array, intercept: Array, order: int) -> Sums:
        """Weighted sums over all rows at ``(coef, intercept)``."""
        ...

    def moments(self) -> Moments:
        """Weighted column means and spreads of every row: one pass."""
        ...

    def sample(self, max_rows: int) -> ArrayData:
        """At most about ``max_rows`` rows spread over the data, in memory (for cheap
        estimates: column scales, conditioning)."""
        ...

    def qr_factor(self, x_shift: Array, y_shift: Array) -> TriangularFactor:
        """``R`` of ``diag(sqrt(s)) [X - x_shift | y - y_shift]``: one pass over the rows."""
        ...

    def gram(self, x_shift: Array, y_shift: Array) -> Array:
        """``A^T A`` of ``A = diag(sqrt(s)) [X - x_shift | y - y_shift]``: one pass."""
        ...


class ArrayData:
    """Rows held in memory as NumPy arrays (``X`` is ``(n, d)``, ``y`` is ``(n, K)``)."""

    def __init__(
        self,
        X: Array,
        y: Array,
        loss: PointwiseLoss,
        sample_weight: Array | None = None,
    ) -> None:
        self.X = X
        self.y = y
        self.loss = loss
        self.sample_weight = sample_weight
        self.n_features = X.shape[1]
        self.n_outputs = y.shape[1]
        self.dtype = X.dtype
        self.total_weight = (
            float(X.shape[0])
            if sample_weight is None
            else float(sample_weight.sum(dtype=np.float64))
        )

    def sums(self, coef: Array, intercept: Array, order: int) -> Sums:
        """Sums over all rows, one pass over ``X`` for the loss and gradient."""
        return block_sums(self.X, self.y, self.sample_weight, coef, intercept, self.loss, order)

    def moments(self) -> Moments:
        """:class:`Moments` of all rows."""
        return block_moments(self.X, self.y, self.sample_weight)

    def sample(self, max_rows: int) -> ArrayData:
        """Every k-th row, ``k = ceil(n / max_rows)`` (views, no copy)."""
        step = max(1, -(-self.n_samples // max(1, int(max_rows))))
        if step == 1:
            return self
        sw = None if self.sample_weight is None else self.sample_weight[::step]
        return ArrayData(self.X[::step], self.y[::step], self.loss, sw)

    def qr_factor(self, x_shift: Array, y_shift: Array) -> TriangularFactor:
        """The triangular factor of the weighted, shifted ``[X | y]`` (chunks of rows)."""
        return block_qr(self.X, self.y, self.sample_weight, x_shift, y_shift)

    def gram(self, x_shift: Array, y_shift: Array) -> Array:
        """The Gram matrix of the weighted, shifted ``[X | y]`` (chunks of rows)."""
        return block_gram(self.X, self.y, self.sample_weight, x_shift, y_shift)

    def subset(self, rows: Array) -> ArrayData:
        """The same data restricted to ``rows`` (a mini-batch)."""
        sw = None if self.sample_weight is None else self.sample_weight[rows]
        return ArrayData(self.X[rows], self.y[rows], self.loss, sw)

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])


class LinearObjective:
    """J(theta) = (1/S) sum_i s_i l(y_i, W x_i + b) + (alpha/2)||W||^2 and its derivatives."""

    def __init__(self, data: DataTerm, alpha: float = 0.0, fit_intercept: bool = True) -> None:
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
        if not data.total_weight > 0:
            raise ValueError("sample_weight must have a positive sum; got total weight 0")
        self.data = data
        self.alpha = alpha
        self.fit_intercept = bool(fit_intercept)
        self.n_features = data.n_features
        self.n_outputs = data.n_outputs
        self.n_params = self.n_outputs * (self.n_features + int(self.fit_intercept))
        #: column names (for messages such as a collinearity warning), when known
        self.feature_names: Any = None

    def unpack(self, theta: Array) -> tuple[Array, Array]:
        """Split ``theta`` into ``coef`` ``(K, d)`` and ``intercept`` ``(K,)``."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(
                f"theta must have shape ({self.n_params},) for {self.n_outputs} output(s) and "
                f"{self.n_features} feature(s), got {theta.shape}"
            )
        d = self.n_features
        if self.fit_intercept:
            M = theta.reshape(self.n_outputs, d + 1)
            return M[:, :d], M[:, d].copy()
        return theta.reshape(self.n_outputs, d), np.zeros(self.n_outputs)

    def pack(self, coef: Array, intercept: Array | None = None) -> Array:
        """Inverse of :meth:`unpack`: ``[W | b]`` flattened row-major."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.n_outputs, self.n_features)
        if not self.fit_intercept:
            return coef.ravel().copy()
        b = np.zeros(self.n_outputs) if intercept is None else np.asarray(intercept, float)
        return np.hstack([coef, b.reshape(self.n_outputs, 1)]).ravel()

    def loss(self, theta: Array) -> float:
        """J(theta)."""
        W, b = self.unpack(theta)
        sums = self.data.sums(W, b, order=0)
        return sums.loss / self.data.total_weight + 0.5 * self.alpha * float(np.vdot(W, W))

    def loss_gradient(self, theta: Array) -> tuple[float, Array]:
        """``(J(theta), grad J(theta))`` from one evaluation of the data sums."""
        W, b = self.unpack(theta)
        sums = self.data.sums(W, b, order=1)
        return self._value(sums, W), self._gradient(sums, W)

    def gradient(self, theta: Array) -> Array:
        """grad J(theta)."""
        return self.loss_gradient(theta)[1]

    def loss_gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]:
        """``(J, grad J, Hessian of J)``; the Hessian is ``(p, p)`` in theta's ordering."""
        W, b = self.unpack(theta)
        sums = self.data.sums(W, b, order=2)
        assert sums.hessian is not None
        H = sums.hessian / self.data.total_weight
        d, K = self.n_features, self.n_outputs
        penalised = np.tile(np.r_[np.ones(d), 0.0], K)
        H[np.diag_indices_from(H)] += self.alpha * penalised
        if not self.fit_intercept:
            keep = np.flatnonzero(np.tile(np.r_[np.ones(d, bool), False], K))
            H = H[np.ix_(keep, keep)]
        return self._value(sums, W), self._gradient(sums, W), H

    def hessian(self, theta: Array) -> Array:
        """Hessian of J at theta."""
        return self.loss_gradient_hessian(theta)[2]

    def _value(self, sums: Sums, W: Array) -> float:
        return sums.loss / self.data.total_weight + 0.5 * self.alpha * float(np.vdot(W, W))

    def _gradient(self, sums: Sums, W: Array) -> Array:
        assert sums.grad_coef is not None and sums.grad_intercept is not None
        S = self.data.total_weight
        gW = sums.grad_coef / S + self.alpha * W
        if not self.fit_intercept:
            return gW.ravel()
        return np.hstack([gW, (sums.grad_intercept / S)[:, None]]).ravel()


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.split(".")[0] == "dask"


def make_objective(
    X: Any,
    y: Any,
    loss: PointwiseLoss,
    sample_weight: Any = None,
    alpha: float = 0.0,
    fit_intercept: bool = True,
) -> LinearObjective:
    """Build the objective over NumPy arrays, or over Dask arrays (blocks of rows).

    ``y`` is ``(n,)`` or ``(n, K)``; ``sample_weight`` is ``(n,)`` non-negative or None.
    A float32 or float64 ``X`` is used as it is, never copied (C-ordered arrays take the
    fastest kernel, any other layout a blocked BLAS one); other dtypes are converted
    once (float16 to float32, integers and the rest to float64).
    """
    if _is_dask(X):
        from sigmoid_neuron.distributed import DaskData

        data: DataTerm = DaskData(X, y, loss, sample_weight)
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
        if X.dtype == np.float16:
            X = X.astype(np.float32)
        elif X.dtype not in (np.float32, np.float64) or not X.dtype.isnative:
            X = X.astype(np.float64)
        y = np.asarray(y, dtype=X.dtype)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}; pass one per row")
        sw = None
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=X.dtype)
            if sw.shape != (X.shape[0],):
                raise ValueError(f"sample_weight must have shape ({X.shape[0]},), got {sw.shape}")
            if not np.all(np.isfinite(sw)) or np.any(sw < 0):
                raise ValueError("sample_weight must be finite and >= 0")
        data = ArrayData(X, y, loss, sw)
    return LinearObjective(data, alpha=alpha, fit_intercept=fit_intercept)
