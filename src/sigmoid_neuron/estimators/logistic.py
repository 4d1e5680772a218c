"""LogisticRegression: binary (sigmoid) and multinomial (softmax) classification."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from sigmoid_neuron.estimators._backend import encode_classes, score, target_labels
from sigmoid_neuron.estimators._base import _LinearModel, _uses_updates
from sigmoid_neuron.estimators._docs import document
from sigmoid_neuron.estimators.inference import InferenceMixin
from sigmoid_neuron.functional.activations import _log_sigmoid, _log_softmax, _sigmoid, _softmax
from sigmoid_neuron.objective import BinaryCrossEntropy, MultinomialCrossEntropy, PointwiseLoss

Array = NDArray[Any]


class LogisticRegression(ClassifierMixin, InferenceMixin, _LinearModel):
    """Logistic regression for any labels: binary with the sigmoid, K > 2 classes softmax.

    Binary (classes_[1] is the positive class): z = X w + b, P(classes_[1] | x) =
    sigma(z), loss l = log(1 + e^z) - y z. Multinomial: z_k = X w_k + b_k,
    P(k | x) = softmax(z)_k = e^{z_k} / sum_j e^{z_j}, loss l = logsumexp(z) - z_{y}.
    The objective is the weighted mean loss + (alpha/2) ||W||^2, scikit-learn's with
    C = 1 / (alpha n). Log-probabilities come from the logits (log-sigmoid,
    log-softmax), never from the log of a rounded probability.

    ``class_weight`` (dict ``label -> weight``, ``"balanced"`` or None) multiplies each
    row's sample weight by its class's weight, scikit-learn's semantics: ``"balanced"``
    is ``n / (K n_c)``; a class a dict leaves out weighs 1.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_LinearModel._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        optimizer: str = "auto",
        learning_rate: Any = None,
        eta0: float | None = None,
        schedule_params: dict[str, Any] | None = None,
        alpha: float = 1e-4,
        l1_ratio: float = 0.0,
        penalty_factor: ArrayLike | None = None,
        fit_intercept: bool = True,
        class_weight: dict[Any, float] | str | None = None,
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
        self.class_weight = class_weight
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

    def _weighted_by_target(self, Y: Any, sample_weight: Any, *, partial: bool) -> Any:
        """``s_i c_{y_i}``: the class weights (:func:`class_weights`) times the sample
        weights, from the encoded targets (indicator or one-hot ``Y``)."""
        if self.class_weight is None:
            return sample_weight
        if partial and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is computed from all of y, which partial_fit never "
                "sees; pass a dict of class weights instead"
            )
        if self.classes_.size == 2 and Y.ndim == 2:  # the indicator as one column (Dask)
            Y = Y[:, 0]
        per_class = class_weights(self.class_weight, self.classes_, Y, sample_weight)
        if Y.ndim == 1:  # two classes: Y = [y == classes_[1]]
            weights = per_class[0] + (per_class[1] - per_class[0]) * Y
        else:
            weights = Y @ per_class
        return weights if sample_weight is None else weights * sample_weight

    def _prepare_targets(
        self, y: Any, *, first: bool, classes: Any = None
    ) -> tuple[PointwiseLoss, Any]:
        # one pass over a Dask y for its labels; the encoding stays lazy (one-hot per block)
        present = target_labels(y, check_classification_targets)
        if first:
            found = present if classes is None else np.unique(np.asarray(classes))
            if found.size < 2:
                shown = repr(found[0].item()) if found.size else "none"
                raise ValueError(
                    f"y has only one class ({shown}); LogisticRegression needs at least two "
                    "classes: check the labels, or pass classes=[...] to partial_fit"
                )
            self.classes_ = found
        unknown = present[:0] if present is self.classes_ else np.setdiff1d(present, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} not in classes_ {self.classes_.tolist()}; "
                "pass every label in classes= on the first partial_fit call"
            )
        loss = BinaryCrossEntropy() if self.classes_.size == 2 else MultinomialCrossEntropy()
        return loss, encode_classes(y, self.classes_)

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
        offset: ArrayLike | None = None,
    ) -> LogisticRegression:
        """Fit the coefficients from ``coef_init``/``intercept_init`` (shapes of coef_ and
        intercept_; default 0, or the fitted values with ``warm_start``). ``X`` may be a
        NumPy array, a SciPy CSR/CSC matrix or a Dask collection. ``offset`` (n_samples,)
        or (n_samples, K): a known term of the logits, z = X w + b + offset. Returns
        self."""
        return self._fit(X, y, sample_weight, coef_init, intercept_init, offset=offset)

    @available_if(_uses_updates)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> LogisticRegression:
        """One epoch of the update rule over (X, y), continuing the optimizer state.

        ``classes`` (every label) is required on the first call. Only for the step-based
        optimizers (gd, sgd, momentum, nesterov, adam).
        """
        if not hasattr(self, "_trainer_state") and classes is None:
            if hasattr(self, "classes_"):  # a loaded model: continue with its classes
                return self._fit(
                    X, y, sample_weight, partial=True, classes=self.classes_, offset=offset
                )
            raise ValueError(
                "classes must be passed on the first call to partial_fit, e.g. "
                "classes=np.unique(y_all)"
            )
        return self._fit(X, y, sample_weight, partial=True, classes=classes, offset=offset)

    def decision_function(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """Logits: z = X w + b (+ offset), shape (n_samples,) for two classes, else
        (n_samples, K).

        Dask input (array or DataFrame) gives a lazy Dask array, as do the other
        prediction methods; nothing is computed until ``.compute()``.
        """
        check_is_fitted(self)
        K = self.classes_.size
        n_outputs = None if K == 2 else K
        return self._output(X, _decision_values, n_outputs=n_outputs, offset=offset)

    def predict_proba(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """Class probabilities (n_samples, K): [sigma(-z), sigma(z)] or softmax(z)."""
        check_is_fitted(self)
        return self._output(X, _proba, n_outputs=self.classes_.size, offset=offset)

    def predict_log_proba(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """log P from the logits: [log sigma(-z), log sigma(z)] or log_softmax(z)."""
        check_is_fitted(self)
        return self._output(X, _log_proba, n_outputs=self.classes_.size, offset=offset)

    def predict(self, X: ArrayLike, offset: ArrayLike | None = None) -> Array:
        """The most probable class: classes_[z > 0] (binary) or classes_[argmax_k z_k]."""
        check_is_fitted(self)
        dtype = self.classes_.dtype
        return self._output(X, _labels, self.classes_, dtype=dtype, offset=offset)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Mean accuracy sum_i s_i [predict(x_i) = y_i] / sum_i s_i.

        On Dask input the predictions, y and the weights are computed in one graph.
        """
        return score(self, X, y, sample_weight, "accuracy_score", super().score)

    # ------------------------------------------------------------ fitted state

    def _get_fitted_state(self) -> dict[str, Any]:
        """The shared fitted attributes (``sigmoid_neuron.estimators._state``) and
        ``classes_``."""
        from sigmoid_neuron.estimators._state import encode_labels

        return {**super()._get_fitted_state(), "classes_": encode_labels(self.classes_)}

    def _set_fitted_state(self, state: Any, *, max_values: int | None = None) -> None:
        """``classes_`` (at least two distinct labels), then the coefficients: ``coef_``
        ``(K, d)`` and ``intercept_`` ``(K,)`` with K = 1 for two classes, else the number
        of classes. ``ValueError`` naming the attribute; nothing is set then."""
        from sigmoid_neuron.estimators._state import decode_labels

        entry = state.get("classes_") if isinstance(state, dict) else None
        labels = decode_labels(entry, "classes_", max_values=max_values)
        if labels.size < 2 or np.unique(labels).size != labels.size:
            raise ValueError("classes_ must hold at least two distinct labels")
        K = 1 if labels.size == 2 else labels.size
        self._set_linear_state(state, lambda coef, d: ((K, d), (K,)), max_values=max_values)
        self.classes_ = labels


def class_weights(class_weight: Any, classes: Array, Y: Any, sample_weight: Any = None) -> Array:
    """One weight per class, in the order of ``classes``: ``class_weight[c]`` (1 for a
    class the dict leaves out), or for ``"balanced"`` scikit-learn's ``S / (K S_c)`` with
    ``S_c = sum_{i in c} s_i`` the (sample-)weighted rows of class ``c`` and ``S`` their
    total (``n / (K n_c)`` without weights; counted from the encoded ``Y``, one pass on
    Dask).

    ValueError for a key that is not a class, a weight that is negative or not finite,
    or anything else than a dict, ``"balanced"`` or None.
    """
    K = classes.size
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be a dict, 'balanced' or None, got {class_weight!r}"
            )
        Yw = Y if sample_weight is None else (Y.T * sample_weight).T
        counts = Yw.sum(axis=0) if Y.ndim == 2 else Yw.sum()
        total = Y.shape[0] if sample_weight is None else sample_weight.sum()
        if hasattr(counts, "compute"):  # Dask: counts and total in one pass over y
            import dask

            counts, total = dask.compute(counts, total)
        counts = np.array([total - counts, counts]) if Y.ndim == 1 else np.asarray(counts)
        with np.errstate(divide="ignore"):
            return np.where(counts > 0, total / (K * counts.astype(np.float64)), 0.0)
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"class_weight must be a dict, 'balanced' or None, got {type(class_weight).__name__}"
        )
    known = {
        label.item() if hasattr(label, "item") else label: k for k, label in enumerate(classes)
    }
    weights = np.ones(K)
    for label, value in class_weight.items():
        key = label.item() if hasattr(label, "item") else label
        if key not in known:
            raise ValueError(
                f"class_weight has the class {label!r}, which is not in y's classes "
                f"{classes.tolist()}; use the labels of y as keys"
            )
        w = float(value)
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"class_weight[{label!r}] must be a finite number >= 0, got {value!r}")
        weights[known[key]] = w
    return weights


def _decision_values(z: Array) -> Array:
    """The logits as returned: (n,) for one column, else (n, K)."""
    return z[:, 0] if z.shape[1] == 1 else z


def _proba(z: Array) -> Array:
    """[sigma(-z), sigma(z)] for one logit column, else softmax(z) along the classes."""
    if z.shape[1] == 1:
        return np.hstack([_sigmoid(-z), _sigmoid(z)])
    return _softmax(z, 1)


def _log_proba(z: Array) -> Array:
    """[log sigma(-z), log sigma(z)] or log_softmax(z), from the logits."""
    if z.shape[1] == 1:
        return np.hstack([_log_sigmoid(-z), _log_sigmoid(z)])
    return _log_softmax(z, 1)


def _labels(z: Array, classes: Array) -> Array:
    """classes[z > 0] for one logit column, else classes[argmax_k z_k]."""
    index = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
    return classes[index]


document(
    LogisticRegression,
    """
    classes_ : ndarray of shape (K,)
        The labels, sorted.
    coef_ : ndarray of shape (1, n_features) for two classes, else (K, n_features)
    intercept_ : ndarray of shape (1,) or (K,)""",
)
