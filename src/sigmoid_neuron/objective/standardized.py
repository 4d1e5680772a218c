"""The objective seen in standardised coordinates, without touching X.

Solvers converge fastest when the columns of ``X`` are centred and of unit spread, and a
gradient test means the same on every column. Rather than copy ``X``, the change of
variables is folded into the parameters: with column shifts ``m`` and scales ``c > 0``,

    w_k = w'_k / c,      b_k = b'_k - sum_j m_j w'_kj / c_j

(elementwise division), so ``W x + b = W' ((x - m) / c) + b'`` for every row. Per output
``theta_k = A theta'_k`` with ``A = [[diag(1/c), 0], [-(m/c)^T, 1]]``; hence

    J'(theta') = J(T theta'),   grad J' = T^T grad J,   Hess J' = T^T (Hess J) T,

with ``T = I_K (x) A``. ``J`` is evaluated as it is (one pass over ``X``, the penalty on
the original ``W``), so the minimiser is unchanged: only the solver's view is better
conditioned. Without an intercept ``m = 0`` (a shift would need one).

An L1 part ``sum_kj l1_j |w_kj|`` maps the same way: ``|w_kj| = |w'_kj| / c_j``, so in
these coordinates its weights are ``l1_j / c_j`` (:attr:`StandardizedObjective.l1_weights`),
and a coefficient is zero in one set of coordinates exactly when it is in the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.moments import extreme_column_scales

Array = NDArray[Any]

#: Rows sampled (evenly) for the shifts and scales, at most SAMPLE_ROWS and at most
#: SAMPLE_ELEMENTS values: the change of variables is exact for any m and c, they only
#: need to be about right, and wide data must not pay a pass over a large sample
SAMPLE_ROWS = 20_000
SAMPLE_ELEMENTS = 1_000_000


def usable_shift_scale(mean: Array, scale: Array) -> tuple[Array, Array]:
    """The shifts and scales to standardise by, from the columns' (estimated) means and
    spreads: a column whose estimate is not finite (X unchecked, scikit-learn's
    ``assume_finite``, may hold NaN or inf) is left as it is, and the objective reports
    the non-finite loss; columns already within a factor 2 of unit spread and half a
    spread of 0 everywhere are all left as they are (nothing to gain, and sampled
    estimates would only perturb a problem that is well conditioned as it is)."""
    finite = np.isfinite(mean) & np.isfinite(scale)
    shift, scale = np.where(finite, mean, 0.0), np.where(finite, scale, 1.0)
    if np.all((scale > 0.5) & (scale < 2.0) & (np.abs(shift) < 0.5 * scale)):
        return np.zeros_like(shift), np.ones_like(scale)
    return shift, scale


class ExtremeColumnError(ValueError):
    """A column of X is of extreme size for the folded coordinates
    (:func:`refuse_extreme_columns`)."""


def refuse_extreme_columns(X: Any, shift: Array) -> None:
    """:class:`ExtremeColumnError` naming the first column of ``X`` (a sample of the rows)
    whose values are of extreme size
    (:func:`~sigmoid_neuron.objective.moments.extreme_column_scales`): the folded
    coordinates take the Hessian of the original columns, whose squares float64 cannot
    hold. (Dense rows in memory are standardised in a copy instead.)"""
    scale = extreme_column_scales(X, shift)
    if scale is None:
        return
    j = int(np.flatnonzero(scale != 1.0)[0])
    raise ExtremeColumnError(
        f"column {j} of X holds values of size ~{scale[j]:.0e}, too large or too small for "
        "the squares this solver sums in float64 over sparse or Dask rows; rescale that "
        "column (e.g. divide it by a power of 10), or fit dense NumPy rows"
    )


class StandardizedObjective:
    """``J'(theta') = J(T theta')`` for a :class:`LinearObjective` ``J`` (module docstring).

    ``shift`` and ``scale`` are ``(d,)``; ``scale`` must be positive and finite.
    """

    def __init__(self, objective: LinearObjective, shift: Array, scale: Array) -> None:
        d = objective.n_features
        shift = np.asarray(shift, dtype=np.float64).reshape(d)
        scale = np.asarray(scale, dtype=np.float64).reshape(d)
        if not (np.all(np.isfinite(scale)) and np.all(scale > 0) and np.all(np.isfinite(shift))):
            raise ValueError("scale must be finite and > 0 and shift finite, one per feature")
        self.objective = objective
        self.shift = shift if objective.fit_intercept else np.zeros(d)
        self.scale = scale
        self.n_params = objective.n_params
        self._width = d + int(objective.fit_intercept)
        #: the L1 weights of the standardised parameters: l1_j / c_j (0 for intercepts)
        weights = self._rows(objective.l1_weights).copy()
        weights[:, :d] /= scale
        self.l1_weights: Array = weights.ravel()
        self._A: Array | None = None  # built by the first Hessian (dense, (d + 1)^2)

    @classmethod
    def of(cls, objective: LinearObjective) -> StandardizedObjective:
        """Standardise by the data's weighted column means and standard deviations (of a
        sample of rows); columns already within a factor 2 of unit spread and half a
        spread of 0 everywhere are left as they are."""
        rows = max(100, min(SAMPLE_ROWS, SAMPLE_ELEMENTS // max(1, objective.n_features)))
        sample = objective.data.sample(rows)
        with np.errstate(over="ignore", invalid="ignore"):  # refused below if it matters
            moments = sample.moments()
        refuse_extreme_columns(sample.X, moments.mean_x)
        return cls(objective, *usable_shift_scale(moments.mean_x, moments.scale_x))

    @property
    def n_samples(self) -> int:
        """Rows of the data term."""
        return self.objective.n_samples

    def param_features(self) -> Array:
        """The feature column of each flat parameter, ``-1`` for an intercept."""
        return self.objective.param_features()

    def restricted(self, columns: Array) -> StandardizedObjective:
        """The objective restricted to the feature ``columns``
        (:meth:`LinearObjective.restricted`) in the same standardised coordinates: with
        the coefficients off ``columns`` at 0, ``b' = b + m . w`` is the same number in
        both, so the restricted parameters are the full ones' entries."""
        columns = np.asarray(columns, dtype=np.intp)
        return StandardizedObjective(
            self.objective.restricted(columns), self.shift[columns], self.scale[columns]
        )

    # ------------------------------------------------------------ the change of variables

    def _rows(self, theta: Array) -> Array:
        return np.asarray(theta, dtype=np.float64).reshape(-1, self._width)

    def to_outer(self, inner: Array) -> Array:
        """``theta = T theta'``: the original parameters from the standardised ones."""
        M = self._rows(inner).copy()
        d = self.objective.n_features
        M[:, :d] /= self.scale
        if self.objective.fit_intercept:
            M[:, d] -= M[:, :d] @ self.shift
        return M.ravel()

    def to_inner(self, outer: Array) -> Array:
        """``theta' = T^{-1} theta``: ``w' = c w``, ``b' = b + m . w``."""
        M = self._rows(outer).copy()
        d = self.objective.n_features
        if self.objective.fit_intercept:
            M[:, d] += M[:, :d] @ self.shift
        M[:, :d] *= self.scale
        return M.ravel()

    def _pull_gradient(self, grad: Array) -> Array:
        """``T^T g``: ``g'_w = (g_w - m g_b) / c``, ``g'_b = g_b``."""
        G = self._rows(grad).copy()
        d = self.objective.n_features
        if self.objective.fit_intercept:
            G[:, :d] -= np.outer(G[:, d], self.shift)
        G[:, :d] /= self.scale
        return G.ravel()

    def _pull_hessian(self, H: Array) -> Array:
        """``T^T H T`` with ``T = I_K (x) A`` (block by block, O(p^2) work)."""
        w = self._width
        if self._A is None:  # A of theta_k = A theta'_k (module docstring)
            d = self.objective.n_features
            A = np.zeros((w, w))
            A[np.arange(d), np.arange(d)] = 1.0 / self.scale
            if self.objective.fit_intercept:
                A[d, :d] = -self.shift / self.scale
                A[d, d] = 1.0
            self._A = A
        A = self._A
        K = H.shape[0] // w
        if K == 1:
            pulled: Array = A.T @ H @ A
            return pulled
        blocks = H.reshape(K, w, K, w).transpose(0, 2, 1, 3)  # (k, l, a, b)
        out = A.T @ blocks @ A  # A^T H_kl A for every pair of outputs
        return np.ascontiguousarray(out.transpose(0, 2, 1, 3)).reshape(H.shape)

    # ------------------------------------------------------------ the objective interface

    def unpack(self, theta: Array) -> tuple[Array, Array]:
        """``(coef, intercept)`` of the original problem at the standardised ``theta'``."""
        return self.objective.unpack(self.to_outer(theta))

    def loss(self, theta: Array) -> float:
        """J'(theta') = J(T theta')."""
        return self.objective.loss(self.to_outer(theta))

    def loss_gradient(self, theta: Array) -> tuple[float, Array]:
        """``(J', T^T grad J)``: one pass over X."""
        value, grad = self.objective.loss_gradient(self.to_outer(theta))
        return value, self._pull_gradient(grad)

    def gradient(self, theta: Array) -> Array:
        """grad J'(theta')."""
        return self.loss_gradient(theta)[1]

    def loss_gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]:
        """``(J', T^T grad J, T^T H T)``: one pass over X."""
        value, grad, H = self.objective.loss_gradient_hessian(self.to_outer(theta))
        return value, self._pull_gradient(grad), self._pull_hessian(H)

    def hessian(self, theta: Array) -> Array:
        """Hessian of J' at theta'."""
        return self.loss_gradient_hessian(theta)[2]

    def penalty_value(self, theta: Array) -> float:
        """The L1 part at theta': ``sum_j (l1_j / c_j) |theta'_j|``, the original's L1 part
        at ``T theta'``."""
        return self.objective.penalty_value(self.to_outer(theta))
