"""LinearRegression: half squared error by the same machinery (ridge when alpha > 0)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from sigmoid_neuron.estimators._backend import score
from sigmoid_neuron.estimators._base import _LinearModel, _uses_updates
from sigmoid_neuron.estimators._docs import document
from sigmoid_neuron.estimators.inference import InferenceMixin
from sigmoid_neuron.objective import HalfSquaredError, PointwiseLoss

Array = NDArray[Any]


class LinearRegression(MultiOutputMixin, RegressorMixin, InferenceMixin, _LinearModel):
    """Least squares y_hat = X w + b, one or several targets.

    J(W, b) = sum_i s_i ||y_i - W x_i - b||^2 / (2 sum_i s_i) + (alpha/2) ||W||^2,
    gradient (1/S) sum_i s_i (y_hat_i - y_i) x_i^T + alpha W. With alpha > 0 it is
    scikit-learn's ``Ridge(alpha=alpha * n)`` (``alpha * sum of weights`` with weights).
    """

    def __init__(
        self,
        *,
        optimizer: str = "auto",
        learning_rate: Any = None,
        eta0: float | None = None,
        schedule_params: dict[str, Any] | None = None,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        penalty_factor: ArrayLike | None = None,
        fit_intercept: bool = True,
        batch_size: int | None = None,
        max_epochs: int = 1000,
        tol: float | None = 1e-4,
        n_iter_no_change: int = 5,
        validation_fraction: float | None = None,
        shuffle: bool = True,
        random_state: Any = None,
        verbose: bool | int = False,
        warm_start: bool = False,
        callbacks: list[Any] | None = None,
    ) -> None:
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.schedule_params = schedule_params
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    # ------------------------------------------------------------ hooks

    def _y_validation_params(self) -> dict[str, Any]:
        return {"y_numeric": True, "multi_output": True}

    def _prepare_targets(
        self, y: Any, *, first: bool, classes: Any = None
    ) -> tuple[PointwiseLoss, Any]:
        if first:
            self._multi_output = y.ndim == 2
        elif (y.ndim == 2) != self._multi_output:
            raise ValueError(
                f"y is {y.ndim}-D but the model was fitted with "
                f"{'2' if self._multi_output else '1'}-D targets; pass y in the same shape"
            )
        return HalfSquaredError(), y

    def _set_coefficients(self, coef: Array, intercept: Array) -> None:
        if self._multi_output:
            self.coef_ = coef.copy()
            self.intercept_ = intercept.copy()
        else:
            self.coef_ = coef[0].copy()
            self.intercept_ = intercept[0]

    def _coefficients(self) -> tuple[Array, Array]:
        coef = np.asarray(self.coef_)
        if coef.ndim == 2:
            return coef, np.asarray(self.intercept_, dtype=coef.dtype).reshape(-1)
        return coef.reshape(1, -1), np.asarray(self.intercept_, dtype=coef.dtype).reshape(1)

    # ------------------------------------------------------------ public API

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        coef_init: ArrayLike | None = None,
        intercept_init: float | ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> LinearRegression:
        """Fit W and b from ``coef_init``/``intercept_init`` (default 0, or the fitted
        values with ``warm_start``). ``y`` is (n_samples,) or (n_samples, n_targets);
        ``X`` may be a NumPy array, a SciPy CSR/CSC matrix or a Dask collection.
        ``offset`` (n_samples,) or (n_samples, n_targets): a known term of the
        prediction, y_hat = X w + b + offset (fitted as least squares on y - offset)."""
        return self._fit(X, y, sample_weight, coef_init, intercept_init, offset=offset)

    @available_if(_uses_updates)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> LinearRegression:
        """One epoch of the update rule over (X, y), continuing the optimizer state.

        Only for the step-based optimizers (gd, sgd, momentum, nesterov, adam).
        """
        return self._fit(X, y, sample_weight, partial=True, offset=offset)

    def predict(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """y_hat = X w + b (+ offset): (n_samples,) or (n_samples, n_targets) like the
        fitted y.

        Dask input (array or DataFrame) gives a lazy Dask array, one task per row block.
        """
        check_is_fitted(self)
        if np.ndim(self.coef_) == 2:
            K = int(np.shape(self.coef_)[0])
            return self._output(X, _identity, n_outputs=K, offset=offset)
        return self._output(X, _first_column, offset=offset)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """R^2 = 1 - sum_i s_i (y_i - y_hat_i)^2 / sum_i s_i (y_i - y_bar)^2 (y_bar: weighted mean).

        On Dask input the predictions, y and the weights are computed in one graph.
        """
        return score(self, X, y, sample_weight, "r2_score", super().score)

    # ------------------------------------------------------------ fitted state

    def _set_fitted_state(self, state: Any, *, max_values: int | None = None) -> None:
        """One target: ``coef_`` ``(d,)``, a scalar ``intercept_``; ``k`` targets:
        ``coef_`` ``(k, d)``, ``intercept_`` ``(k,)``. ``ValueError`` naming the
        attribute; nothing is set then."""
        self._set_linear_state(state, self._target_shapes, max_values=max_values)
        self._multi_output = np.ndim(self.coef_) == 2

    @staticmethod
    def _target_shapes(coef: Array, d: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The shapes a model with ``d`` features and the saved ``coef_`` must have."""
        if coef.ndim < 2:
            return (d,), ()
        if coef.shape[0] < 1:
            raise ValueError("coef_ of a multi-target LinearRegression needs at least one row")
        return (coef.shape[0], d), (coef.shape[0],)


def _identity(z: Array) -> Array:
    """z itself: one column per target."""
    return z


def _first_column(z: Array) -> Array:
    """z[:, 0]: the single target's predictions as a vector."""
    return z[:, 0]


document(
    LinearRegression,
    """
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)""",
)
