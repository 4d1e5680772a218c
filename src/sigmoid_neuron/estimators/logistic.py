"""LogisticRegression: binary (sigmoid) and multinomial (softmax) classification."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from sigmoid_neuron.estimators._base import _is_dask, _LinearModel, _uses_updates, document
from sigmoid_neuron.functional.activations import _log_sigmoid, _log_softmax, _sigmoid, _softmax
from sigmoid_neuron.objective import BinaryCrossEntropy, MultinomialCrossEntropy, PointwiseLoss

Array = NDArray[Any]


class LogisticRegression(ClassifierMixin, _LinearModel):
    """Logistic regression for any labels: binary with the sigmoid, K > 2 classes softmax.

    Binary (classes_[1] is the positive class): z = X w + b, P(classes_[1] | x) =
    sigma(z), loss l = log(1 + e^z) - y z. Multinomial: z_k = X w_k + b_k,
    P(k | x) = softmax(z)_k = e^{z_k} / sum_j e^{z_j}, loss l = logsumexp(z) - z_{y}.
    The objective is the weighted mean loss + (alpha/2) ||W||^2, scikit-learn's with
    C = 1 / (alpha n). Log-probabilities come from the logits (log-sigmoid,
    log-softmax), never from the log of a rounded probability.
    """

    def __init__(
        self,
        *,
        optimizer: str = "lbfgs",
        learning_rate: Any = None,
        eta0: float | None = None,
        schedule_params: dict[str, Any] | None = None,
        alpha: float = 1e-4,
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
        return {"y_numeric": False, "multi_output": False}

    def _prepare_targets(
        self, y: Any, *, first: bool, classes: Any = None
    ) -> tuple[PointwiseLoss, Any]:
        labels = np.asarray(y.compute() if _is_dask(y) else y)
        check_classification_targets(labels)
        if first:
            found = np.unique(labels if classes is None else np.asarray(classes))
            if found.size < 2:
                shown = repr(found[0]) if found.size else "none"
                raise ValueError(
                    f"y has only one class ({shown}); LogisticRegression needs at least two "
                    "classes: check the labels, or pass classes=[...] to partial_fit"
                )
            self.classes_ = found
        unknown = np.setdiff1d(np.unique(labels), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} not in classes_ {self.classes_.tolist()}; "
                "pass every label in classes= on the first partial_fit call"
            )
        if self.classes_.size == 2:
            return BinaryCrossEntropy(), (y == self.classes_[1]).astype(np.float64)
        onehot = y[:, None] == self.classes_[None, :]
        return MultinomialCrossEntropy(), onehot.astype(np.float64)

    def _set_coefficients(self, coef: Array, intercept: Array) -> None:
        self.coef_ = coef.copy()
        self.intercept_ = intercept.copy()
        if intercept.size > 2:
            # softmax is unchanged by adding one constant to every intercept, so the
            # multinomial objective does not pin their sum: report the canonical
            # sum-zero intercepts (what gradient methods started at 0 keep anyway)
            self.intercept_ -= intercept.mean(dtype=np.float64).astype(intercept.dtype)

    def _coefficients(self) -> tuple[Array, Array]:
        return np.asarray(self.coef_), np.asarray(self.intercept_)

    # ------------------------------------------------------------ public API

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        coef_init: ArrayLike | None = None,
        intercept_init: ArrayLike | None = None,
    ) -> LogisticRegression:
        """Fit the coefficients from ``coef_init``/``intercept_init`` (shapes of coef_ and
        intercept_; default 0, or the fitted values with ``warm_start``). Returns self."""
        return self._fit(X, y, sample_weight, coef_init, intercept_init)

    @available_if(_uses_updates)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> LogisticRegression:
        """One epoch of the update rule over (X, y), continuing the optimizer state.

        ``classes`` (every label) is required on the first call. Only for the step-based
        optimizers (gd, sgd, momentum, nesterov, adam).
        """
        if not hasattr(self, "_trainer_state") and classes is None:
            if hasattr(self, "classes_"):  # a loaded model: continue with its classes
                return self._fit(X, y, sample_weight, partial=True, classes=self.classes_)
            raise ValueError(
                "classes must be passed on the first call to partial_fit, e.g. "
                "classes=np.unique(y_all)"
            )
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def decision_function(self, X: ArrayLike) -> Array:
        """Logits: z = X w + b, shape (n_samples,) for two classes, else (n_samples, K)."""
        z = self._decision(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities (n_samples, K): [sigma(-z), sigma(z)] or softmax(z)."""
        z = self._decision(X)
        if z.shape[1] == 1:
            return np.hstack([_sigmoid(-z), _sigmoid(z)])
        return _softmax(z, 1)

    def predict_log_proba(self, X: ArrayLike) -> Array:
        """log P from the logits: [log sigma(-z), log sigma(z)] or log_softmax(z)."""
        z = self._decision(X)
        if z.shape[1] == 1:
            return np.hstack([_log_sigmoid(-z), _log_sigmoid(z)])
        return _log_softmax(z, 1)

    def predict(self, X: ArrayLike) -> Array:
        """The most probable class: classes_[z > 0] (binary) or classes_[argmax_k z_k]."""
        z = self._decision(X)
        index = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
        return self.classes_[index]


document(
    LogisticRegression,
    """
    classes_ : ndarray of shape (K,)
        The labels, sorted.
    coef_ : ndarray of shape (1, n_features) for two classes, else (K, n_features)
    intercept_ : ndarray of shape (1,) or (K,)""",
)
