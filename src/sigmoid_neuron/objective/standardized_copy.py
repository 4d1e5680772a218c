"""The standardised objective over a standardised copy of data that fit in the cache.

:class:`~sigmoid_neuron.objective.standardized.StandardizedObjective` folds the change of
variables into the parameters so that a large ``X`` is never copied: every evaluation maps
``theta'`` out, takes the sums over the original rows, and pulls the gradient and Hessian
back. For a small dense ``X`` (at most :data:`COPY_MAX_ELEMENTS` values) that bookkeeping
costs more than the arithmetic, so :class:`StandardizedCopy` makes the copy once,

    X' = (X - m) / c          (float64; X itself where m = 0, c = 1 and X is float64)

and evaluates the same ``J'(theta') = J(T theta')`` on it directly. With ``(W', b')`` the
standardised parameters, ``z_i = W' x'_i + b' + o_i`` (``o`` the offset) and the smooth
penalty written in these coordinates, ``(1/2) sum_kj l2_j w_kj^2 = (1/2) sum_kj q_j
w'_kj^2`` with ``q_j = l2_j / c_j^2`` (0 for the intercepts):

    J'      = (1/S) sum_i s_i l(y_i, z_i) + (1/2) sum q theta'^2
    grad    = (1/S) [G^T X' | G^T 1] + q theta'          G_ik = s_i dl/dz_ik
    Hess    = (1/S) sum_i s_i h_i^{km} [x'_i; 1][x'_i; 1]^T + diag(q)

(the Hessian by the same block functions as the passes over a large ``X``,
:mod:`sigmoid_neuron.objective.hessian`). Everything else (the change of variables, the
L1 weights ``l1_j / c_j``, the working set's restriction) is
:class:`StandardizedObjective`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.array_data import ArrayData
from sigmoid_neuron.objective.hessian import (
    _add_hessian_block,
    _add_softmax_hessian_block,
    mirror_class_pairs,
)
from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.links import MultinomialCrossEntropy
from sigmoid_neuron.objective.standardized import (
    ExtremeColumnError,
    StandardizedObjective,
    usable_shift_scale,
)

Array = NDArray[Any]

#: Dense in-memory X of at most this many values (4 MiB of float64, the size below which
#: the sums take the plain two-pass path) is standardised into a copy.
COPY_MAX_ELEMENTS = 1 << 19


def _dense_rows(objective: LinearObjective) -> ArrayData | None:
    """``objective``'s data term when it holds a dense in-memory ``X``, else None."""
    data = objective.data
    if isinstance(data, ArrayData) and isinstance(data.X, np.ndarray):
        return data
    return None


def fits_in_copy(objective: LinearObjective) -> bool:
    """Whether ``objective``'s rows are a dense in-memory ``X`` of at most
    :data:`COPY_MAX_ELEMENTS` values."""
    data = _dense_rows(objective)
    return data is not None and data.X.size <= COPY_MAX_ELEMENTS


def _checked_rows(objective: LinearObjective) -> ArrayData:
    data = _dense_rows(objective)
    if data is None:
        raise TypeError("StandardizedCopy needs in-memory dense rows (ArrayData over NumPy X)")
    return data


#: A sum of squares below this may have lost terms to underflow (or be all zero).
_TINY_SQUARES = 1e-280


def _spreads(dev: Array, sw: Array | None, S: float) -> Array:
    """Weighted root mean squares of the columns of ``dev``: ``sqrt(sum_i s_i dev_ij^2 / S)``.

    Squares of values beyond ~1e154 overflow and below ~1e-154 underflow; such columns
    are summed again divided by their largest magnitude ``t_j`` (``t_j sqrt(sum_i s_i
    (dev_ij / t_j)^2 / S)``), so columns of any finite size are standardised.
    """
    m2 = np.einsum("ij,ij->j", dev, dev) if sw is None else sw @ (dev * dev)
    std: Array = np.sqrt(m2 / S)
    redo = np.flatnonzero(np.isinf(m2) | (m2 < _TINY_SQUARES))
    if redo.size:
        top = np.abs(dev[:, redo]).max(axis=0)
        top = np.where(top > 0, top, 1.0)
        u = dev[:, redo] / top
        std[redo] = top * np.sqrt((np.einsum("ij,ij->j", u, u) if sw is None else sw @ (u * u)) / S)
    return std


class StandardizedCopy(StandardizedObjective):
    """``J'(theta') = J(T theta')`` evaluated on the copy ``X'`` (module docstring).

    ``objective.data`` must be an :class:`ArrayData` over a dense NumPy ``X``;
    ``centred``, when given, is ``X - shift`` in float64 (a fresh array, scaled in place).
    """

    def __init__(
        self,
        objective: LinearObjective,
        shift: Array,
        scale: Array,
        centred: Array | None = None,
    ) -> None:
        super().__init__(objective, shift, scale)
        data = _checked_rows(objective)
        X = data.X
        if not (self.shift.any() or (self.scale != 1.0).any()) and X.dtype == np.float64:
            Xs = X  # standard already: no copy
        else:
            Xs = np.subtract(X, self.shift, dtype=np.float64) if centred is None else centred
            Xs /= self.scale
        self._X = Xs
        self._y = np.asarray(data.y, dtype=np.float64)
        self._sw = None if data.sample_weight is None else data.sample_weight.astype(np.float64)
        self._offset = data.offset
        self._loss = data.loss
        self._S = data.total_weight
        d, K = objective.n_features, objective.n_outputs
        self._single = K == 1
        row = np.zeros(self._width)
        row[:d] = objective.penalty.l2 / self.scale / self.scale
        #: the smooth penalty's (diagonal) Hessian in these coordinates
        self._q: Array = np.tile(row, K)
        #: ``(theta, (J', grad J', z))`` of the last gradient evaluation: a Newton solver
        #: asks for the Hessian where its line search has just taken the gradient
        self._last: tuple[Array, tuple[float, Array, Array]] | None = None

    @classmethod
    def of(cls, objective: LinearObjective) -> StandardizedCopy:
        """Standardise by the weighted means and standard deviations of all the columns'
        values (:func:`usable_shift_scale` says which are left as they are)."""
        data = _checked_rows(objective)
        X, S = data.X, data.total_weight
        sw = None if data.sample_weight is None else data.sample_weight.astype(np.float64)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            mean = X.mean(axis=0, dtype=np.float64) if sw is None else (sw @ X) / S
            dev = np.subtract(X, mean, dtype=np.float64)
            std = _spreads(dev, sw, S)
            shift, scale = usable_shift_scale(mean, np.where(std > 0, std, 1.0))
            # a ridge curvature l2 / c^2 beyond float range (a tiny column, penalised):
            # the column stays as it is, its coefficient held near 0 by the penalty
            scale = np.where(np.isfinite(objective.penalty.l2 / scale / scale), scale, 1.0)
        fits = objective.fit_intercept and np.array_equal(shift, mean)
        return cls(objective, shift, scale, dev if fits else None)

    def restricted(self, columns: Array) -> StandardizedCopy:
        """The restriction (:meth:`StandardizedObjective.restricted`), copied the same way."""
        columns = np.asarray(columns, dtype=np.intp)
        return StandardizedCopy(
            self.objective.restricted(columns), self.shift[columns], self.scale[columns]
        )

    # ------------------------------------------------------------ the evaluations

    def _z(self, theta: Array) -> Array:
        """``z = X' W'^T + b' (+ offset)``, ``(n, K)``."""
        M = self._rows(theta)
        d = self.objective.n_features
        if self._single:
            z: Array = (self._X @ M[0, :d])[:, None]
        else:
            z = self._X @ M[:, :d].T
        if self._width > d:
            z += M[:, d]
        if self._offset is not None:
            z += self._offset
        return z

    def _value(self, values: Array, theta: Array) -> float:
        """``(1/S) sum_i s_i l_i + (1/2) sum q theta'^2``."""
        sw = self._sw
        total = values.sum() if sw is None else values @ sw
        return float(total / self._S + 0.5 * (self._q @ (theta * theta)))

    def loss(self, theta: Array) -> float:
        """J'(theta') without its L1 part."""
        theta = np.asarray(theta, dtype=np.float64)
        return self._value(self._loss.loss(self._y, self._z(theta)), theta)

    def _value_gradient(self, theta: Array) -> tuple[float, Array, Array]:
        last = self._last
        if last is not None and (last[0] == theta).all():
            return last[1]
        z = self._z(theta)
        values, g = self._loss.loss_gradient(self._y, z)
        if self._sw is not None:
            g *= self._sw[:, None]
        d = self.objective.n_features
        G = np.empty((g.shape[1], self._width))
        np.matmul(g.T, self._X, out=G[:, :d])
        if self._width > d:
            G[:, d] = g.sum(axis=0)
        grad = G.ravel()
        grad /= self._S
        grad += self._q * theta
        out = (self._value(values, theta), grad, z)
        self._last = (theta.copy(), out)
        return out

    def loss_gradient(self, theta: Array) -> tuple[float, Array]:
        """``(J', grad J')``."""
        value, grad, _ = self._value_gradient(np.asarray(theta, dtype=np.float64))
        return value, grad.copy()

    def loss_gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]:
        """``(J', grad J', Hess J')``."""
        theta = np.asarray(theta, dtype=np.float64)
        value, grad, z = self._value_gradient(theta)
        loss, X, sw = self._loss, self._X, self._sw
        d, K = self.objective.n_features, self.objective.n_outputs
        H = np.zeros((K * (d + 1), K * (d + 1)))
        if isinstance(loss, MultinomialCrossEntropy):
            _add_softmax_hessian_block(X, loss.predict(z), sw, H)
        else:
            _add_hessian_block(X, loss.hessian(self._y, z), sw, loss.convex, H)
        if K > 1:
            mirror_class_pairs(H, K)
        if self._width == d:  # no intercepts: drop their rows and columns
            keep = np.flatnonzero(np.tile(np.r_[np.ones(d, bool), False], K))
            H = H[np.ix_(keep, keep)]
        H /= self._S
        H.flat[:: H.shape[0] + 1] += self._q
        return value, grad.copy(), H


def standardize(objective: LinearObjective) -> StandardizedObjective:
    """The objective in standardised coordinates (:meth:`StandardizedObjective.of`'s shifts
    and scales): over a copy (:class:`StandardizedCopy`) when the rows fit in one
    (:func:`fits_in_copy`), or when they are dense rows in memory with a column of
    extreme size (whose squares the folded Hessian of the original columns could not
    hold: :class:`~sigmoid_neuron.objective.standardized.ExtremeColumnError`), else
    folded into the parameters."""
    if fits_in_copy(objective):
        return StandardizedCopy.of(objective)
    try:
        return StandardizedObjective.of(objective)
    except ExtremeColumnError:
        if _dense_rows(objective) is None:
            raise
        return StandardizedCopy.of(objective)
