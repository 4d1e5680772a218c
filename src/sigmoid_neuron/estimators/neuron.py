"""SigmoidNeuron: the notes' single neuron y_hat = sigma(w . x + b), a regressor onto [0, 1]."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils._tags import Tags
from sklearn.utils.metaestimators import available_if

from sigmoid_neuron.estimators._backend import score, target_range
from sigmoid_neuron.estimators._base import _LinearModel, _uses_updates
from sigmoid_neuron.estimators._docs import document
from sigmoid_neuron.estimators.inference import InferenceMixin
from sigmoid_neuron.functional.activations import _sigmoid
from sigmoid_neuron.objective import BinaryCrossEntropy, PointwiseLoss, SigmoidHalfSquaredError

Array = NDArray[Any]

_LOSSES: dict[str, type[PointwiseLoss]] = {
    "cross_entropy": BinaryCrossEntropy,
    "squared_error": SigmoidHalfSquaredError,
}


class SigmoidNeuron(RegressorMixin, InferenceMixin, _LinearModel):
    """The sigmoid neuron y_hat = sigma(w . x + b) = 1 / (1 + e^-(w . x + b)).

    A regressor whose targets are probabilities or soft targets in [0, 1]; ``predict``
    returns y_hat in (0, 1). It minimises

        J(w, b) = sum_i s_i l(y_i, z_i) / sum_i s_i + (alpha/2) ||w||^2,  z_i = w . x_i + b,

    with ``loss="cross_entropy"``: l = -[y log y_hat + (1 - y) log(1 - y_hat)]
    = log(1 + e^z) - y z (computed on z, never from a rounded y_hat), gradient
    (y_hat - y) x; or ``loss="squared_error"``: l = (y_hat - y)^2 / 2, gradient
    (y_hat - y) y_hat (1 - y_hat) x (the notes' neuron; not convex).

    Parameters
    ----------
    loss : {"cross_entropy", "squared_error"}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_LinearModel._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
    }

    def __init__(
        self,
        loss: str = "cross_entropy",
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
        self.loss = loss
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

    def __sklearn_tags__(self) -> Tags:
        """Targets are required, single-output, and must lie in [0, 1]."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        # scikit-learn's generic regression data (arbitrary real targets) is outside
        # the neuron's range: the checks that feed it are declared expected failures.
        assert tags.regressor_tags is not None
        tags.regressor_tags.poor_score = True
        return tags

    # ------------------------------------------------------------ hooks

    def _prepare_targets(
        self, y: Any, *, first: bool, classes: Any = None
    ) -> tuple[PointwiseLoss, Any]:
        low, high = target_range(y)  # Dask: non-finite targets are reported by the check pass
        if not (0.0 <= low and high <= 1.0):
            raise ValueError(
                f"y must lie in [0, 1] for SigmoidNeuron (probabilities or soft targets such "
                f"as the notes' 0.2 and 0.9), got values in [{low:g}, {high:g}]; rescale the "
                "targets to [0, 1], or use LinearRegression for unbounded targets"
            )
        return _LOSSES[self.loss](), y

    def _set_coefficients(self, coef: Array, intercept: Array) -> None:
        self.coef_ = coef[0].copy()
        self.intercept_ = intercept[0]

    def _coefficients(self) -> tuple[Array, Array]:
        coef = np.asarray(self.coef_)
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
    ) -> SigmoidNeuron:
        """Fit w and b by minimising J (see the class docstring) from ``coef_init``,
        ``intercept_init`` (default 0, or the fitted values with ``warm_start``).

        ``y`` in [0, 1], shape (n_samples,); ``X`` a NumPy array, a SciPy CSR/CSC matrix
        or a Dask collection. ``offset`` (n_samples,): a known term of the pre-activation,
        y_hat = sigma(X w + b + offset). Returns self.
        """
        return self._fit(X, y, sample_weight, coef_init, intercept_init, offset=offset)

    @available_if(_uses_updates)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> SigmoidNeuron:
        """One epoch of the update rule over (X, y), continuing the optimizer state.

        Only for the step-based optimizers (gd, sgd, momentum, nesterov, adam).
        """
        return self._fit(X, y, sample_weight, partial=True, offset=offset)

    def predict_logit(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """The raw prediction z = X w + b (+ offset), shape (n_samples,) (Dask input: lazy
        Dask array)."""
        return self._output(X, _first_column, offset=offset)

    def predict(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """y_hat = sigma(z) = 1 / (1 + e^-z), z = X w + b (+ offset), in (0, 1), shape
        (n_samples,).

        Dask input (array or DataFrame) gives a lazy Dask array, one task per row block.
        """
        return self._output(X, _sigmoid_output, offset=offset)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """R^2 = 1 - sum_i s_i (y_i - y_hat_i)^2 / sum_i s_i (y_i - y_bar)^2 (y_bar: weighted mean).

        On Dask input the predictions, y and the weights are computed in one graph.
        """
        return score(self, X, y, sample_weight, "r2_score", super().score)


def _first_column(z: Array) -> Array:
    """z[:, 0]: the single logit column as a vector."""
    return z[:, 0]


def _sigmoid_output(z: Array) -> Array:
    """sigma(z)[:, 0] = 1 / (1 + e^-z), computed stably."""
    return _sigmoid(z)[:, 0]


document(
    SigmoidNeuron,
    """
    coef_ : ndarray of shape (n_features,)
        w (float32 when X is float32).
    intercept_ : float
        b.""",
)
