"""The one place an estimator chooses its backend: Dask collections go to
:class:`~sigmoid_neuron.distributed.DaskData` (blocks, tree reductions, never gathered),
everything else to the in-memory ``ArrayData`` (NumPy arrays or SciPy CSR matrices).

Every step that differs between the two is a function here: validating the fit's input
(:func:`fit_inputs`), the data term (:func:`_data_term`), the labels and range of the
targets (:func:`target_labels`, :func:`encode_classes`, :func:`target_range`), the
predictions (:func:`predict`) and the scores (:func:`score`). The estimators call these
and never test for Dask themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse

from sigmoid_neuron.objective.array_data import as_array_data
from sigmoid_neuron.objective.linear import DataTerm
from sigmoid_neuron.objective.links import HalfSquaredError, PointwiseLoss


def _is_dask(obj: object) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing Dask."""
    return type(obj).__module__.split(".")[0] == "dask"


def _data_term(
    X: Any, Y: Any, loss: PointwiseLoss, sample_weight: Any, offset: Any = None
) -> DataTerm:
    """The backend's data term of validated inputs: :class:`~sigmoid_neuron.distributed.
    DaskData` over the blocks of Dask arrays, else in-memory ``ArrayData`` (NumPy or
    SciPy CSR rows). ``offset`` is added to ``z`` (for the squared error it is taken off
    ``y``, which keeps exact least squares)."""
    if _is_dask(X):
        from sigmoid_neuron.distributed import DaskData

        if offset is not None:
            if not isinstance(loss, HalfSquaredError):
                raise ValueError(
                    "offset with Dask input is supported for LinearRegression only; fit on "
                    "NumPy arrays (or fold the offset into the target) for this model"
                )
            Y = Y - _dask_offset(offset, Y)
        return DaskData(X, Y, loss, sample_weight)
    return as_array_data(X, Y, loss, sample_weight, offset)


def _dask_offset(offset: Any, Y: Any) -> Any:
    """The offset shaped like the Dask target ``Y`` (``(n,)`` broadcast over outputs)."""
    import dask.array as da

    off = offset if _is_dask(offset) else da.from_array(np.asarray(offset, dtype=np.float64))
    if off.shape[0] != Y.shape[0]:
        raise ValueError(f"offset must have {Y.shape[0]} values (one per row), got {off.shape}")
    if Y.ndim == 2 and off.ndim == 1:
        off = off[:, None]
    return off.rechunk({0: Y.chunks[0]})


def fit_inputs(
    estimator: Any, X: Any, y: Any, sample_weight: Any, *, reset: bool, y_params: dict[str, Any]
) -> tuple[Any, Any, Any]:
    """The validated ``(X, y, sample_weight)`` of a fit.

    NumPy-like input (via scikit-learn): 2-D, finite, float64 or float32 (float32 is
    kept), dense or CSR/CSC, y one value per row, weights finite and >= 0. Dask input (X
    a Dask array or DataFrame): shapes, dtypes and feature names are checked without
    computing, X, y and the weights are persisted together once and stay Dask arrays;
    the data term checks finiteness and weights in one pass.
    """
    if _is_dask(X):
        from sigmoid_neuron.estimators._dask import fit_inputs as dask_fit_inputs

        return dask_fit_inputs(
            estimator,
            X,
            y,
            sample_weight,
            reset=reset,
            numeric_y=y_params["y_numeric"],
            multi_output=y_params["multi_output"],
        )
    from sklearn import get_config
    from sklearn.utils.validation import _assert_all_finite, _check_sample_weight, validate_data

    from sigmoid_neuron.objective.kernels import all_finite

    if reset and _plain_arrays(X, y):
        _fresh_fit_attributes(estimator, X, y)
    else:
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"],
            ensure_all_finite=False,  # checked below on all cores, without a temporary
            **y_params,
        )
    values = X.data if scipy.sparse.issparse(X) else X
    if not get_config()["assume_finite"] and not all_finite(values):
        _assert_all_finite(values, input_name="X", estimator_name=type(estimator).__name__)
        raise ValueError("Input X contains NaN or infinity; remove or impute those values")
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
    return X, y, sample_weight


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _plain_arrays(X: Any, y: Any) -> bool:
    """Whether ``(X, y)`` is the case scikit-learn's ``validate_data`` passes through
    unchanged: NumPy arrays (not subclasses), ``X`` 2-D float64 or float32 with at least
    one row and column, ``y`` 1-D numeric (bool, integer or float) with as many rows."""
    return (
        type(X) is np.ndarray
        and type(y) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FLOATS
        and X.shape[0] > 0
        and X.shape[1] > 0
        and y.ndim == 1
        and y.dtype.kind in "biuf"
        and y.shape[0] == X.shape[0]
    )


def _fresh_fit_attributes(estimator: Any, X: Any, y: Any) -> None:
    """What ``validate_data(reset=True)`` does besides converting, for plain arrays
    (:func:`_plain_arrays`): a float ``y`` must be finite (scikit-learn's error), the
    estimator learns ``n_features_in_`` and forgets the ``feature_names_in_`` of an
    earlier fit on a DataFrame."""
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        from sklearn.utils.validation import _assert_all_finite

        _assert_all_finite(y, input_name="y", estimator_name=type(estimator).__name__)
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def target_labels(y: Any, check: Callable[[Any], None]) -> Any:
    """The sorted distinct labels of ``y``, after ``check`` (e.g. scikit-learn's
    ``check_classification_targets``) has seen the targets: all of an in-memory ``y``, the
    labels of a Dask ``y`` (found in one pass)."""
    if _is_dask(y):
        from sigmoid_neuron.estimators._dask import class_labels

        labels = class_labels(y)
        check(labels)
        return labels
    values = np.asarray(y)
    if values.ndim == 1 and values.dtype.kind in "biu":
        # integer or boolean labels are class labels by construction: the type checks
        # (scikit-learn's type_of_target, ~0.2 ms a fit) cannot refuse them
        return np.unique(values)
    check(values)
    return np.unique(values)


def encode_classes(y: Any, classes: Any) -> Any:
    """``[y == classes[1]]`` (two classes) or the one-hot ``(n, K)`` encoding, float64;
    lazy, block by block, on Dask (where two classes give one ``(n, 1)`` column)."""
    if _is_dask(y):
        from sigmoid_neuron.estimators._dask import one_hot

        return one_hot(y, classes)
    if classes.size == 2:
        return (y == classes[1]).astype(np.float64)
    return (y[:, None] == classes[None, :]).astype(np.float64)


def target_range(y: Any) -> tuple[float, float]:
    """``(min, max)`` of the targets (of the finite ones, in one pass, on Dask)."""
    if _is_dask(y):
        from sigmoid_neuron.estimators._dask import finite_range

        return finite_range(y)
    return float(y.min()), float(y.max())


def predict(
    estimator: Any,
    X: Any,
    post: Callable[..., Any],
    *extra: Any,
    n_outputs: int | None = None,
    dtype: Any = None,
    offset: Any = None,
) -> Any:
    """``post(z, *extra)`` of ``z = X W^T + b (+ offset)``: a NumPy array, or for Dask input
    a lazy Dask array, one task per row block (``n_outputs``: its columns, None for 1-D;
    ``dtype``: its dtype, default that of ``z``)."""
    if _is_dask(X):
        if offset is not None:
            raise ValueError(
                "offset in predictions is supported for NumPy and SciPy input; for Dask "
                "input add the offset to decision_function's output"
            )
        from sigmoid_neuron.estimators._dask import predict_lazy

        return predict_lazy(estimator, X, post, *extra, n_outputs=n_outputs, dtype=dtype)
    return post(estimator._decision(X, offset), *extra)


def score(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    metric: str,
    in_memory: Callable[[Any, Any, Any], float],
) -> float:
    """``in_memory(X, y, sample_weight)`` (scikit-learn's mixin score), or on Dask input
    ``sklearn.metrics.<metric>(y, predict(X), sample_weight)`` with the Dask parts computed
    in one graph."""
    if not _is_dask(X):
        return float(in_memory(X, y, sample_weight))
    import sklearn.metrics  # only here: a fit never needs it

    from sigmoid_neuron.estimators._dask import score_inputs

    pred, y, sample_weight = score_inputs(estimator, X, y, sample_weight)
    return float(getattr(sklearn.metrics, metric)(y, pred, sample_weight=sample_weight))
