"""Standard errors, confidence intervals and p-values for the fitted coefficients.

:class:`InferenceMixin` gives every estimator glum's three methods,
``covariance_matrix``, ``coef_table`` and ``summary``, computed from one pass over
``(X, y)`` (NumPy or Dask) at the fitted coefficients; see
:mod:`sigmoid_neuron.inference.covariance` for the formulas and ``docs/inference.md``
for how to read the table.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_is_fitted

from sigmoid_neuron.estimators._backend import _data_term

if TYPE_CHECKING:  # the inference package loads when a table is first asked for
    import pandas as pd

    from sigmoid_neuron.inference.covariance import Inference
    from sigmoid_neuron.inference.summary import InferenceSummary
from sigmoid_neuron.objective.links import MultinomialCrossEntropy

Array = NDArray[Any]

_ARGS_DOC = """
        X : array-like or Dask array/DataFrame (n_samples, n_features)
            The rows the model was fitted on (the table assumes the fit is the optimum
            of the objective on them; it warns when it is not).
        y : array-like (n_samples,) or (n_samples, n_targets), or Dask
        sample_weight : array-like (n_samples,) or None
            Frequency weights: row i stands for s_i observations (the covariance is that
            of the data set with row i repeated s_i times; ``S = sum s_i``).
        robust : bool
            The HC0 sandwich ``H^-1 M H^-1`` instead of the classical covariance.
        clusters : array-like (n_samples,), Dask array/Series, or None
            Cluster labels (any values): the cluster-robust (CRV1) sandwich, with the
            small-sample factor ``G/(G-1) (S-1)/(S-p)``; implies ``robust``.
        offset : array-like (n_samples,) or (n_samples, K), or None
            The offset the model was fitted with (added to ``z``; NumPy and SciPy input).
"""


def _n_rows(obj: Any) -> int | None:
    """Rows of an in-memory array-like (None for Dask or unknown)."""
    if obj is None or type(obj).__module__.split(".")[0] == "dask":
        return None
    shape = getattr(obj, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(obj)
    except TypeError:
        return None


class InferenceMixin:
    """``covariance_matrix``, ``coef_table`` and ``summary`` for a fitted linear model.

    Parameters are ordered as ``theta``: for each class (multinomial) or target (several
    outputs) the features, then the intercept. The multinomial coefficients are reported
    in the sum-zero parameterisation the estimator keeps (``sum_k W_k = 0``).
    """

    # provided by _LinearModel
    alpha: float
    fit_intercept: bool
    _validate_fit_data: Any
    _prepare_targets: Any
    _coefficients: Any

    def covariance_matrix(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        robust: bool = False,
        clusters: ArrayLike | None = None,
        offset: ArrayLike | None = None,
    ) -> Array:
        """Covariance ``(p, p)`` of the fitted parameters (in ``coef_table``'s row order).

        Classical: ``Phi (x) H^-1``, ``H`` the Hessian of the summed, penalised objective
        ``sum_i s_i l_i + (S/2) sum_kj r_j w_kj^2`` (``r_j = alpha f_j``, ``f`` the
        ``penalty_factor``; ``X~^T diag(s p (1 - p)) X~ + S diag(r)`` for logistic
        regression; an L1 penalty is refused), ``Phi`` the residual (co)variance
        ``sum s e e^T / (S - q)`` for the squared errors, 1 otherwise; ``robust``:
        ``H^-1 M H^-1``, ``M = sum_i s_i (g_i (x) x~_i)(g_i (x) x~_i)^T``; ``clusters``:
        ``G/(G-1) (S-1)/(S-p) H^-1 (sum_c u_c u_c^T) H^-1``. Infinite variances (with NaN
        covariances) where the data do not identify a parameter (a warning says why).

        Parameters
        ----------"""
        inference, _ = self._inference(X, y, sample_weight, robust, clusters, offset)
        return inference.covariance

    def coef_table(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        robust: bool = False,
        clusters: ArrayLike | None = None,
        confidence_level: float = 0.95,
        offset: ArrayLike | None = None,
    ) -> pd.DataFrame:
        """The coefficient table, one row per parameter (feature names when fitted on a
        DataFrame, then ``intercept``; ``(class, feature)`` or ``(target, feature)`` rows
        for several outputs): ``coef``, ``se = sqrt(diag V)``, ``z = coef / se`` (``t``
        for least squares, Student's t with ``S - q`` degrees of freedom, ``G - 1`` when
        clustered), ``p_value = 2 P(|T| >= |z|)`` and the ``confidence_level`` interval
        ``coef -/+ q_{(1+level)/2} se``.

        Parameters
        ----------
        confidence_level : float in (0, 1)"""
        from sigmoid_neuron.inference.table import check_confidence_level, coef_table

        check_confidence_level(confidence_level)
        inference, index = self._inference(X, y, sample_weight, robust, clusters, offset)
        return coef_table(inference, index, confidence_level)

    def summary(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        robust: bool = False,
        clusters: ArrayLike | None = None,
        confidence_level: float = 0.95,
        offset: ArrayLike | None = None,
    ) -> InferenceSummary:
        """The coefficient table as text, laid out as statsmodels prints it: ``print(
        model.summary(X, y))``. The returned object also holds ``table`` (the
        ``coef_table`` DataFrame) and ``inference`` (covariance and standard errors).

        Parameters
        ----------
        confidence_level : float in (0, 1)"""
        from sigmoid_neuron.inference.summary import InferenceSummary, header
        from sigmoid_neuron.inference.table import check_confidence_level, coef_table

        level = check_confidence_level(confidence_level)
        inference, index = self._inference(X, y, sample_weight, robust, clusters, offset)
        table = coef_table(inference, index, level)
        name = type(self).__name__
        loss = getattr(self, "loss", None)
        model = f"{name}({loss})" if isinstance(loss, str) else name
        classes = getattr(self, "classes_", None)
        target = "y" if classes is None else f"y in {{{', '.join(map(str, classes))}}}"
        if classes is not None and len(classes) == 2:
            target = f"P(y = {classes[1]})"
        return InferenceSummary(
            title=f"{name}: coefficients and their standard errors",
            table=table,
            inference=inference,
            header=header(inference, model, target, float(self.alpha)),
            confidence_level=level,
        )

    # ------------------------------------------------------------------ the pass

    def _ridge_weights(self, d: int) -> Array:
        """``r_j = alpha (1 - l1_ratio) f_j`` (``f``: ``penalty_factor``, default 1).

        An L1 penalty (``alpha > 0`` and ``l1_ratio > 0``) is refused: the lasso's
        coefficients are selected by the data, and the curvature of ``|w|`` says nothing
        about their sampling variance.
        """
        alpha = float(self.alpha)
        l1_ratio = float(getattr(self, "l1_ratio", 0.0) or 0.0)
        if alpha > 0 and l1_ratio > 0:
            raise ValueError(
                f"standard errors of an L1-penalised fit (alpha={alpha:g}, "
                f"l1_ratio={l1_ratio:g}) are not available: the lasso selects its "
                "coefficients from the data; refit with l1_ratio=0 (ridge) or alpha=0, e.g. "
                "on the columns the lasso kept"
            )
        factor = getattr(self, "penalty_factor", None)
        f = np.ones(d) if factor is None else np.asarray(factor, dtype=np.float64).reshape(-1)
        if f.shape != (d,):
            raise ValueError(
                f"penalty_factor must hold one factor per feature ({d}), got shape {f.shape}"
            )
        return alpha * (1.0 - l1_ratio) * f

    def _inference(
        self, X: Any, y: Any, sample_weight: Any, robust: Any, clusters: Any, offset: Any = None
    ) -> tuple[Inference, pd.Index]:
        from sigmoid_neuron.inference.covariance import ModelInfo, covariance
        from sigmoid_neuron.inference.passes import score_sums, separation_probe
        from sigmoid_neuron.inference.separation import InferenceWarning
        from sigmoid_neuron.inference.table import flat_names, parameter_index

        check_is_fitted(self)
        if not isinstance(robust, (bool, np.bool_)):
            raise ValueError(f"robust must be True or False, got {robust!r}")
        n = _n_rows(X)
        for name, value in (("y", y), ("sample_weight", sample_weight), ("clusters", clusters)):
            rows = _n_rows(value) if np.ndim(value) > 0 or name == "y" else None
            if n is not None and rows is not None and rows != n:
                raise ValueError(
                    f"{name} has {rows} rows but X has {n}; pass one value per row of X"
                )
        X, y, sw = self._validate_fit_data(X, y, sample_weight, reset=False)
        loss, Y = self._prepare_targets(y, first=False)
        reweigh = getattr(self, "_weighted_by_target", None)
        if callable(reweigh):  # the weights the fit used (a classifier's class weights)
            sw = reweigh(Y, sw, partial=False)
        data: Any = _data_term(X, Y, loss, sw, offset)  # the estimators' one dispatch
        coef, intercept = (np.asarray(a, dtype=np.float64) for a in self._coefficients())
        multinomial = isinstance(loss, MultinomialCrossEntropy)
        if multinomial:  # the sum-zero representative (same predictions)
            coef = coef - coef.mean(axis=0)
            intercept = intercept - intercept.mean()
        K, d = coef.shape
        features = getattr(self, "feature_names_in_", None)
        if features is None:
            features = [f"x{j}" for j in range(d)]
        outputs: list[Any] | None = None
        level = "target"
        if multinomial:
            outputs, level = list(getattr(self, "classes_", range(K))), "class"
        elif K > 1:
            outputs = [f"y{k}" for k in range(K)]
        index = parameter_index(list(features), self.fit_intercept, outputs, level)
        theta = np.hstack([coef, intercept[:, None]]) if self.fit_intercept else coef
        info = ModelInfo(
            loss=loss,
            n_features=d,
            n_outputs=K,
            fit_intercept=self.fit_intercept,
            ridge=self._ridge_weights(d),
            theta=theta.ravel(),
            names=flat_names(index),
        )
        kind = "cluster" if clusters is not None else ("HC0" if robust else "nonrobust")
        sums = score_sums(data, coef, intercept, robust=kind == "HC0", clusters=clusters)
        inference = covariance(sums, info, kind=kind, probe=separation_probe(data))
        for text in inference.messages:
            warnings.warn(text, InferenceWarning, stacklevel=3)
        return inference, index


for _method in (
    InferenceMixin.covariance_matrix,
    InferenceMixin.coef_table,
    InferenceMixin.summary,
):
    _doc = _method.__doc__ or ""
    _head, _, _tail = _doc.partition("----------")
    _method.__doc__ = _head + "----------" + _ARGS_DOC.rstrip() + _tail.rstrip() + "\n"
