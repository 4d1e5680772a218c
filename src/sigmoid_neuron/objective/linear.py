"""The training objective of a linear model: one interface for every solver and backend.

With raw predictions ``z_i = W x_i + b`` (``W`` is ``(K, d)``, ``b`` is ``(K,)``),
sample weights ``s_i`` and ``S = sum_i s_i``, the objective is

    J(W, b) = (1/S) sum_i s_i l(y_i, z_i) + (alpha/2) ||W||_F^2

(the intercept is never penalised), with gradient

    dJ/dW = (1/S) sum_i s_i (dl/dz_i) x_i^T + alpha W,    dJ/db = (1/S) sum_i s_i dl/dz_i.

With ``l1_ratio`` and ``penalty_factor`` ``f`` the penalty is the elastic net
(:class:`~sigmoid_neuron.objective.penalty.Penalty`): ``J = F + sum_kj l1_j |w_kj|`` with
the smooth part ``F = (1/S) sum_i s_i l_i + (1/2) sum_kj l2_j w_kj^2``, ``l1 = alpha
l1_ratio f`` and ``l2 = alpha (1 - l1_ratio) f``. ``loss``, ``loss_gradient`` and
``loss_gradient_hessian`` are those of ``F`` (``= J`` without an L1 part); ``value`` is
``J``, ``l1_weights`` the per-parameter L1 weights and ``optimality`` the largest
minimum-norm subgradient of ``J``, for the proximal solvers.

Parameters travel as one flat vector ``theta``: the row-major flattening of the
``(K, d + 1)`` array ``[W | b]`` (``(K, d)`` without an intercept).

The sums over rows are taken by a :class:`DataTerm`; :class:`ArrayData` takes them over
in-memory NumPy arrays, and the Dask backend takes them over blocks. Nothing else
changes between backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.array_data import ArrayData, as_array_data
from sigmoid_neuron.objective.links import PointwiseLoss
from sigmoid_neuron.objective.moments import Moments, TriangularFactor
from sigmoid_neuron.objective.penalty import Penalty, l1_norm, min_norm_subgradient
from sigmoid_neuron.objective.sums import Sums

Array = NDArray[Any]


class DataTerm(Protocol):
    """Where the rows live: anything that can take :class:`Sums` at given ``(W, b)``."""

    loss: PointwiseLoss
    n_features: int
    n_outputs: int
    total_weight: float
    dtype: np.dtype[Any]
    #: X is stored as a sparse matrix (CSR): a pass costs O(nnz), not O(n d)
    sparse: bool

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

    def qr_factor(
        self, x_shift: Array, y_shift: Array, x_scale: Array | None = None
    ) -> TriangularFactor:
        """``R`` of ``diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift]`` (``x_scale``
        None: 1): one pass over the rows."""
        ...

    def gram(self, x_shift: Array, y_shift: Array, x_scale: Array | None = None) -> Array:
        """``A^T A`` of ``A = diag(sqrt(s)) [(X - x_shift) / x_scale | y - y_shift | 1]``:
        one pass (:func:`~sigmoid_neuron.objective.moments.block_gram`; the last column
        gives the exact means, :func:`~sigmoid_neuron.objective.moments.centred_gram`)."""
        ...

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        ...

    def n_batches(self, batch_size: int) -> int:
        """Updates in one epoch of mini-batches of ``batch_size`` rows."""
        ...

    def epoch_batches(
        self, batch_size: int, shuffle: bool, rng: np.random.Generator
    ) -> Iterator[DataTerm]:
        """One epoch's mini-batches, each an in-memory data term, drawing any shuffling
        from ``rng``; batches of total weight 0 are left out."""
        ...

    def columns(self, columns: Array) -> DataTerm:
        """The same rows with only the feature ``columns`` of X (a working set)."""
        ...

    def split(self, fraction: float, rng: np.random.Generator) -> tuple[DataTerm, DataTerm]:
        """``(training, validation)`` with ``ceil(fraction * n)`` random rows held out."""
        ...


class LinearObjective:
    """J(theta) = (1/S) sum_i s_i l(y_i, W x_i + b) + (alpha/2)||W||^2 and its derivatives.

    ``l1_ratio`` and ``penalty_factor`` make the penalty an elastic net (module
    docstring); the derivatives are then those of the smooth part ``F``.
    """

    def __init__(
        self,
        data: DataTerm,
        alpha: float = 0.0,
        fit_intercept: bool = True,
        *,
        l1_ratio: float = 0.0,
        penalty_factor: Any = None,
    ) -> None:
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
        if not data.total_weight > 0:
            raise ValueError("sample_weight must have a positive sum; got total weight 0")
        self.data = data
        self.alpha = alpha
        self.penalty = Penalty(alpha, data.n_features, l1_ratio, penalty_factor)
        self.fit_intercept = bool(fit_intercept)
        self.n_features = data.n_features
        self.n_outputs = data.n_outputs
        self.n_params = self.n_outputs * (self.n_features + int(self.fit_intercept))
        #: sum_j l1_j |theta_j| over the flat parameters (0 for the intercepts)
        row = np.concatenate((self.penalty.l1, np.zeros(int(self.fit_intercept))))
        self.l1_weights: Array = np.tile(row, self.n_outputs)
        #: the smooth penalty's diagonal Hessian over [W | b] per output (0 for b)
        self._hessian_penalty: Array = np.tile(np.append(self.penalty.l2, 0.0), self.n_outputs)
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

    def with_data(self, data: DataTerm) -> LinearObjective:
        """The same penalty and intercept setting over other rows (a mini-batch)."""
        pen = self.penalty
        return LinearObjective(
            data,
            self.alpha,
            self.fit_intercept,
            l1_ratio=pen.l1_ratio,
            penalty_factor=pen.factor,
        )

    @property
    def n_samples(self) -> int:
        """Rows of the data term."""
        return int(self.data.n_samples)

    def param_features(self) -> Array:
        """The feature column of each flat parameter, ``-1`` for an intercept."""
        row = np.r_[np.arange(self.n_features), np.full(int(self.fit_intercept), -1)]
        return np.tile(row, self.n_outputs)

    def restricted(self, columns: Array) -> LinearObjective:
        """``J`` with every coefficient outside the feature ``columns`` held at 0.

        Its parameters are ``theta[np.isin(param_features(), columns) | intercept]`` in
        the same order (``columns`` sorted); the data term keeps only those columns of X
        (:meth:`DataTerm.columns`), the penalty their factors. Its value, gradient and
        Hessian are ``J``'s at the full ``theta`` that is zero off ``columns``.
        """
        columns = np.asarray(columns, dtype=np.intp)
        pen = self.penalty
        factor = None if pen.factor is None else pen.factor[columns]
        sub = LinearObjective(
            self.data.columns(columns),
            self.alpha,
            self.fit_intercept,
            l1_ratio=pen.l1_ratio,
            penalty_factor=factor,
        )
        if self.feature_names is not None:
            sub.feature_names = [self.feature_names[j] for j in columns]
        return sub

    def loss(self, theta: Array) -> float:
        """F(theta): J(theta) without its L1 part (J itself when l1_ratio = 0)."""
        W, b = self.unpack(theta)
        sums = self.data.sums(W, b, order=0)
        return sums.loss / self.data.total_weight + self.penalty.smooth_value(W)

    def penalty_value(self, theta: Array) -> float:
        """The L1 part ``sum_kj l1_j |w_kj|`` at theta (0 without one)."""
        return l1_norm(theta, self.l1_weights) if self.penalty.has_l1 else 0.0

    def value(self, theta: Array) -> float:
        """J(theta) = F(theta) + sum_kj l1_j |w_kj|: the whole objective."""
        return self.loss(theta) + self.penalty_value(theta)

    def optimality(self, theta: Array, grad: Array) -> float:
        """``max_j |min-norm subgradient of J|_j`` at theta, given ``grad = grad F(theta)``:
        ``max|grad|`` without an L1 part; 0 exactly at the optimum."""
        g = np.asarray(grad, dtype=np.float64)
        if self.penalty.has_l1:
            g = min_norm_subgradient(theta, g, self.l1_weights)
        return float(np.max(np.abs(g), initial=0.0))

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
        H.flat[:: H.shape[0] + 1] += self._hessian_penalty
        if not self.fit_intercept:
            keep = np.flatnonzero(np.tile(np.r_[np.ones(d, bool), False], K))
            H = H[np.ix_(keep, keep)]
        return self._value(sums, W), self._gradient(sums, W), H

    def hessian(self, theta: Array) -> Array:
        """Hessian of J at theta."""
        return self.loss_gradient_hessian(theta)[2]

    def _value(self, sums: Sums, W: Array) -> float:
        return sums.loss / self.data.total_weight + self.penalty.smooth_value(W)

    def _gradient(self, sums: Sums, W: Array) -> Array:
        assert sums.grad_coef is not None and sums.grad_intercept is not None
        S = self.data.total_weight
        gW = sums.grad_coef / S + self.penalty.smooth_gradient(W)
        if not self.fit_intercept:
            return gW.ravel()
        return np.hstack([gW, (sums.grad_intercept / S)[:, None]]).ravel()


def make_objective(
    X: Any,
    y: Any,
    loss: PointwiseLoss,
    sample_weight: Any = None,
    alpha: float = 0.0,
    fit_intercept: bool = True,
    *,
    l1_ratio: float = 0.0,
    penalty_factor: Any = None,
) -> LinearObjective:
    """The objective over in-memory arrays: ``LinearObjective(as_array_data(X, y, loss,
    sample_weight), alpha, fit_intercept, l1_ratio=..., penalty_factor=...)``.

    ``y`` is ``(n,)`` or ``(n, K)``; ``sample_weight`` is ``(n,)`` non-negative or None
    (:func:`~sigmoid_neuron.objective.array_data.as_array_data` says how dtypes are
    kept). Another backend builds its own data term and passes it to
    :class:`LinearObjective` (Dask arrays: :func:`sigmoid_neuron.distributed.make_objective`).
    """
    if type(X).__module__.split(".")[0] == "dask":
        raise TypeError(
            "make_objective takes in-memory arrays; for Dask arrays use "
            "sigmoid_neuron.distributed.make_objective(X, y, loss, ...)"
        )
    data = as_array_data(X, y, loss, sample_weight)
    return LinearObjective(
        data,
        alpha=alpha,
        fit_intercept=fit_intercept,
        l1_ratio=l1_ratio,
        penalty_factor=penalty_factor,
    )
