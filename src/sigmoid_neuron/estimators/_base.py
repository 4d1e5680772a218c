"""What the three estimators share: parameters, input validation, the call into training.

An estimator is thin: it validates the input (in one place, :meth:`_LinearModel.
_validate_fit_data`; Dask collections go to :mod:`sigmoid_neuron.estimators._dask`, which
persists them once and never converts them to NumPy), encodes the targets (subclass
hook), builds the objective

    J(W, b) = sum_i s_i l(y_i, W x_i + b) / sum_i s_i + (alpha / 2) ||W||_F^2

over the backend's data term (:func:`_data_term`, the one place it is chosen: NumPy rows
or Dask blocks), and runs :func:`sigmoid_neuron.training.train`. The penalty never touches
the intercept. Compared with scikit-learn's ``C`` (objective ``C sum_i s_i l_i +
||W||^2 / 2``) this is the same minimiser for ``C = 1 / (alpha sum_i s_i)``, i.e.
``C = 1 / (alpha n)`` without weights.
"""

from __future__ import annotations

import math
import warnings
import weakref
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from sigmoid_neuron.estimators._backend import _data_term, fit_inputs
from sigmoid_neuron.estimators._prediction import PredictionMixin
from sigmoid_neuron.estimators._state import FittedStateMixin
from sigmoid_neuron.objective.array_data import ArrayData
from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.links import HalfSquaredError, PointwiseLoss
from sigmoid_neuron.optim.schedules import SCHEDULES
from sigmoid_neuron.training.config import (
    OPTIMIZERS,
    UPDATE_RULES,
    TrainConfig,
    resolve_learning_rate,
)
from sigmoid_neuron.training.loop import train
from sigmoid_neuron.training.state import DivergenceError, TrainerState
from sigmoid_neuron.training.stopping import StopReason

Array = NDArray[Any]

_HOOKS = ("on_train_begin", "on_epoch_end", "on_train_end")


class SeparationWarning(ConvergenceWarning):
    """An unpenalised fit ended with the classes separated: the maximum-likelihood
    estimate does not exist (a :class:`~sklearn.exceptions.ConvergenceWarning`)."""


def _separated(objective: LinearObjective, theta: Array) -> bool:
    """Whether an unpenalised fit (no ridge or L1 on any coefficient) of a model whose link
    saturates (sigmoid, softmax), on labels 0/1 in memory, ended at parameters ``theta``
    whose linear predictor separates the classes: every row of positive weight strictly on
    the side of its own label (binary), its own class's score strictly the largest
    (multinomial). Then ``J(c theta)`` falls towards 0 as ``c`` grows: the
    maximum-likelihood estimate does not exist."""
    data, penalty = objective.data, objective.penalty
    if isinstance(data.loss, HalfSquaredError) or penalty.has_l1 or np.any(penalty.l2 > 0):
        return False
    if not isinstance(data, ArrayData):
        return False  # (Dask rows: not checked, it would cost a pass)
    Y = np.asarray(data.y, dtype=np.float64).reshape(data.n_samples, -1)
    if not np.isin(Y, (0.0, 1.0)).all():
        return False  # soft targets: an optimum exists
    W, b = objective.unpack(theta)
    Z = np.asarray(data.X @ W.T) + b
    if data.offset is not None:
        Z = Z + np.asarray(data.offset).reshape(Z.shape[0], -1)
    if Z.shape[1] == 1:
        margin = np.where(Y[:, 0] == 1.0, Z[:, 0], -Z[:, 0])
    else:
        own = Y.argmax(axis=1)
        rows = np.arange(Z.shape[0])
        others = Z.copy()
        others[rows, own] = -np.inf
        margin = Z[rows, own] - others.max(axis=1)
    if data.sample_weight is not None:
        margin = margin[np.asarray(data.sample_weight) > 0]
    return bool(margin.size and (margin > 0).all())


def _rng_from(random_state: Any) -> np.random.Generator:
    """A NumPy Generator from scikit-learn's ``random_state`` (None, int or RandomState)."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(None if random_state is None else int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(np.iinfo(np.int32).max)))
    raise ValueError(
        f"random_state must be None, an int or a numpy RandomState, got {random_state!r}"
    )


#: scikit-learn's parameter names per estimator class (read from ``__init__`` once)
_PARAM_NAMES: weakref.WeakKeyDictionary[type, tuple[str, ...]] = weakref.WeakKeyDictionary()


def _uses_updates(estimator: Any) -> bool:
    """``partial_fit`` exists only for the step-based optimizers (not lbfgs / newton)."""
    if estimator.optimizer in UPDATE_RULES:
        return True
    raise AttributeError(
        f"partial_fit is only available for optimizer in {UPDATE_RULES}, "
        f"not {estimator.optimizer!r}"
    )


class _LinearModel(PredictionMixin, FittedStateMixin, BaseEstimator):
    """Shared machinery; subclasses define ``__init__`` and the target hooks."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """scikit-learn's parameter names, read from the signature once per class (every
        ``fit`` validates its parameters through ``get_params``)."""
        names = _PARAM_NAMES.get(cls)
        if names is None:
            names = _PARAM_NAMES[cls] = tuple(super()._get_param_names())
        return list(names)

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions(set(SCHEDULES)),
            callable,
            None,
        ],
        "eta0": [Interval(Real, 0, None, closed="neither"), None],
        "schedule_params": [dict, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_factor": ["array-like", None],
        "fit_intercept": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, tuple, None],
    }

    # attributes every subclass sets in __init__ (declared for the type checker)
    optimizer: str
    learning_rate: Any
    eta0: float | None
    schedule_params: dict[str, Any] | None
    alpha: float
    l1_ratio: float
    penalty_factor: Any
    fit_intercept: bool
    batch_size: int | None
    max_epochs: int
    tol: float | None
    n_iter_no_change: int
    validation_fraction: float | None
    shuffle: bool
    random_state: Any
    verbose: bool | int
    warm_start: bool
    callbacks: list[Any] | tuple[Any, ...] | None

    # ------------------------------------------------------------ subclass hooks

    def _prepare_targets(
        self, y: Any, *, first: bool, classes: Any = None
    ) -> tuple[PointwiseLoss, Any]:
        """(loss, Y) with Y ``(n,)`` or ``(n, K)`` floats; sets ``classes_`` etc."""
        raise NotImplementedError

    def _set_coefficients(self, coef: Array, intercept: Array) -> None:
        """Store ``coef`` ``(K, d)`` and ``intercept`` ``(K,)`` in scikit-learn's shapes."""
        raise NotImplementedError

    def _coefficients(self) -> tuple[Array, Array]:
        """The fitted ``(coef (K, d), intercept (K,))``, inverse of _set_coefficients."""
        raise NotImplementedError

    def _weighted_by_target(self, Y: Any, sample_weight: Any, *, partial: bool) -> Any:
        """The sample weights the objective uses, from the encoded targets ``Y`` (the
        classifier's class weights); by default ``sample_weight`` itself."""
        return sample_weight

    def _y_validation_params(self) -> dict[str, Any]:
        """Keyword arguments for ``validate_data`` about y."""
        return {"y_numeric": True, "multi_output": False}

    # ------------------------------------------------------------ validation

    def _validate_fit_data(
        self, X: Any, y: Any, sample_weight: Any = None, *, reset: bool
    ) -> tuple[Any, Any, Any]:
        """The one place fit-time input is validated: ``(X, y, sample_weight)``.

        NumPy-like input (via scikit-learn): 2-D, finite, float64 or float32 (float32 is
        kept), y one value per row, weights finite and >= 0. Dask input (X a Dask array
        or DataFrame): shapes, dtypes and feature names are checked without computing,
        X, y and the weights are persisted together once and stay Dask arrays; the
        objective's construction checks finiteness and weights in one pass.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        return fit_inputs(
            self, X, y, sample_weight, reset=reset, y_params=self._y_validation_params()
        )

    def _check_callbacks(self) -> list[Any]:
        callbacks = list(self.callbacks or [])
        for i, cb in enumerate(callbacks):
            if not any(callable(getattr(cb, hook, None)) for hook in _HOOKS):
                raise TypeError(
                    f"callbacks[{i}] ({type(cb).__name__}) has none of the hooks {_HOOKS}; "
                    "pass objects such as sigmoid_neuron.training.Callback subclasses"
                )
        return callbacks

    # ------------------------------------------------------------ fitting

    def _config(
        self, n_train: int, *, partial: bool, updates_per_epoch: int | None = None
    ) -> TrainConfig:
        """The run's configuration; ``updates_per_epoch`` (default ``ceil(n / batch)``)
        sizes a schedule that needs the run's update budget (cosine)."""
        batch = TrainConfig(self.optimizer, batch_size=self.batch_size).effective_batch_size(
            max(n_train, 1)
        )
        epochs = 1 if partial else self.max_epochs
        if updates_per_epoch is None:
            updates_per_epoch = max(1, math.ceil(n_train / batch))
        schedule = None
        if self.optimizer in UPDATE_RULES:
            schedule = resolve_learning_rate(
                self.learning_rate,
                self.optimizer,
                eta0=self.eta0,
                schedule_params=self.schedule_params,
                total_steps=epochs * updates_per_epoch,
            )
        callbacks = self._check_callbacks()
        if self.verbose:
            from sigmoid_neuron.training.callbacks import ProgressBar

            callbacks.append(ProgressBar(total=epochs, desc=type(self).__name__))
        return TrainConfig(
            optimizer=self.optimizer,
            learning_rate=schedule,
            batch_size=self.batch_size,
            max_epochs=epochs,
            tol=None if partial else self.tol,
            n_iter_no_change=self.n_iter_no_change,
            shuffle=bool(self.shuffle),
            callbacks=tuple(callbacks),
        )

    def _initial_theta(
        self, objective: LinearObjective, coef_init: Any, intercept_init: Any, reuse: bool
    ) -> Array:
        """theta0: ``coef_init``/``intercept_init``, else the fitted values when ``reuse``
        (warm start, or a first partial_fit on a fitted or loaded model), else zeros."""
        K, d = objective.n_outputs, objective.n_features
        coef = np.zeros((K, d))
        intercept = np.zeros(K)
        if reuse and hasattr(self, "coef_"):
            old_coef, old_intercept = self._coefficients()
            if old_coef.shape != (K, d):
                raise ValueError(
                    f"cannot continue from the fitted coefficients of shape {old_coef.shape}: "
                    f"this data needs {(K, d)}; set warm_start=False (or refit) to start afresh"
                )
            coef, intercept = old_coef.astype(np.float64), old_intercept.astype(np.float64)
        if coef_init is not None:
            c = np.asarray(coef_init, dtype=np.float64)
            if c.size != K * d:
                raise ValueError(
                    f"coef_init must hold {K * d} values (shape {(K, d)} or like coef_), got "
                    f"shape {c.shape}"
                )
            coef = c.reshape(K, d)
        if intercept_init is not None:
            b = np.asarray(intercept_init, dtype=np.float64)
            if b.size != K:
                raise ValueError(
                    f"intercept_init must hold {K} value(s) (like intercept_), got shape {b.shape}"
                )
            if not self.fit_intercept and np.any(b != 0):
                raise ValueError(
                    "intercept_init is non-zero but fit_intercept=False; drop intercept_init"
                )
            intercept = b.reshape(K)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise ValueError("coef_init and intercept_init must be finite")
        return objective.pack(coef, intercept)

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        coef_init: Any = None,
        intercept_init: Any = None,
        *,
        partial: bool = False,
        classes: Any = None,
        offset: Any = None,
    ) -> Any:
        first = not partial or not hasattr(self, "_trainer_state")
        if first:
            self._validate_params()
            self._check_step_options(partial)
        X, y, sw = self._validate_fit_data(X, y, sample_weight, reset=first)
        loss, Y = self._prepare_targets(y, first=first, classes=classes)
        state: TrainerState | None = None if first else self._trainer_state
        rng = _rng_from(self.random_state) if state is None else state.rng
        validation = None
        sw = self._weighted_by_target(Y, sw, partial=partial)
        data = _data_term(X, Y, loss, sw, offset)  # the one place the backend is chosen
        # the data term holds what training needs: drop our references to the inputs
        # (on Dask, the cluster can then free any persisted copy not in use)
        X = y = Y = sw = None
        if self.validation_fraction is not None and not partial:
            data, held = data.split(self.validation_fraction, rng)
            validation = LinearObjective(held, 0.0, self.fit_intercept)
        objective = LinearObjective(
            data,
            self.alpha,
            self.fit_intercept,
            l1_ratio=self.l1_ratio,
            penalty_factor=self.penalty_factor,
        )
        objective.feature_names = getattr(self, "feature_names_in_", None)
        if state is None:
            reuse = self.warm_start or partial
            theta0 = self._initial_theta(objective, coef_init, intercept_init, reuse)
            state = TrainerState(params=theta0, optimizer=self.optimizer, rng=rng)
        n_train = int(data.n_samples)
        steps = None
        if self.optimizer in UPDATE_RULES:
            batch = TrainConfig(self.optimizer, batch_size=self.batch_size).effective_batch_size(
                n_train
            )
            steps = data.n_batches(batch)
        config = self._config(n_train, partial=partial, updates_per_epoch=steps)
        try:
            train(objective, state, config, validation=validation)
        except DivergenceError:
            self._store(objective, state, data.dtype)  # the last good parameters stay
            raise
        self._store(objective, state, data.dtype)
        if (
            not partial
            and self.tol is not None
            and not state.converged
            and state.stop is not StopReason.CALLBACK
        ):
            warnings.warn(
                f"{type(self).__name__} did not converge with optimizer={self.optimizer!r} "
                f"after {state.n_iter} epoch(s): {state.stop_reason}. Increase max_epochs, "
                "adjust the learning rate, or set tol=None to run exactly max_epochs epochs.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if not partial and _separated(objective, state.params):
            warnings.warn(
                f"the classes are separated: {type(self).__name__} with alpha=0 ended with a "
                "linear predictor that puts every training row on the side of its own label, "
                "so the maximum-likelihood estimate does not exist and the coefficients grow "
                "without bound as the fit tightens (these are where it stopped). Set "
                "alpha > 0 for a unique, finite answer",
                SeparationWarning,
                stacklevel=3,
            )
        return self

    def _check_step_options(self, partial: bool) -> None:
        """Refuse or flag step-size options that the chosen optimizer would ignore."""
        if self.optimizer not in UPDATE_RULES:
            ignored = [
                name
                for name in ("learning_rate", "eta0", "batch_size")
                if getattr(self, name) is not None
            ]
            if ignored:
                warnings.warn(
                    f"{', '.join(ignored)} only apply to the step-based optimizers "
                    f"{tuple(UPDATE_RULES)}; optimizer={self.optimizer!r} ignores them",
                    UserWarning,
                    stacklevel=4,
                )
        needs_budget = self.learning_rate == "cosine" and "total_steps" not in (
            self.schedule_params or {}
        )
        if partial and needs_budget:
            raise ValueError(
                "learning_rate='cosine' decays over the run's total number of updates, which "
                "partial_fit cannot know: pass schedule_params={'total_steps': N} or use "
                "another schedule"
            )

    def _store(self, objective: LinearObjective, state: TrainerState, dtype: Any) -> None:
        coef, intercept = objective.unpack(state.params)
        out = np.dtype(dtype) if np.issubdtype(np.dtype(dtype), np.floating) else np.float64
        self._set_coefficients(coef.astype(out), intercept.astype(out))
        self.n_iter_ = int(state.epoch)
        self.history_ = state.history
        self.solver_ = state.solver or self.optimizer
        self._trainer_state = state

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags: sparse (CSR/CSC) input is accepted."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
