"""An estimator's fitted state as plain JSON values, and back: what a model file stores.

Each estimator exports and imports its own fitted attributes
(:meth:`FittedStateMixin._get_fitted_state`, :meth:`FittedStateMixin._set_fitted_state`),
so the model file (:mod:`sigmoid_neuron.io.model_file`) never needs to know them::

    {"coef_": {"dtype": "float64", "shape": [1, 30], "data": [...]},
     "intercept_": {"dtype": "float64", "shape": [1], "data": [...]},
     "classes_": {"kind": "int64", "data": [0, 1]},      # LogisticRegression only
     "n_features_in_": 30, "n_iter_": 27,
     "feature_names_in_": ["a", ...],                    # when fitted on a DataFrame
     "history_": {"loss": [...], "val_loss": [], "learning_rate": []}}

Floats are written as Python floats (JSON's shortest round-trip ``repr``) and read back
bit for bit, float32 arrays as float32, so a loaded model predicts exactly what the
saved one did. Importing checks everything before setting anything: dtypes, every
array's declared size against ``max_values`` (a file cannot make us allocate more
numbers than it holds), the shapes against each other and the number of features, and
that every number is finite. Every defect is a ``ValueError`` naming the attribute;
the model file prefixes the file's name.

The codecs (:func:`encode_floats`, :func:`decode_floats`, :func:`encode_labels`,
:func:`decode_labels`, :func:`decode_names`, :func:`decode_count`) serve any fitted
object, e.g. the ``StandardScaler`` of a saved pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

#: dtypes a coefficient array may have.
FLOAT_DTYPES = ("float64", "float32")
#: dtypes class labels may have besides strings.
LABEL_DTYPES = (
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
    "bool",
)

#: ``(coef_ shape, intercept_ shape)`` a model with the decoded ``coef_`` and
#: ``n_features`` must have.
Shapes = Callable[[Array, int], tuple[tuple[int, ...], tuple[int, ...]]]


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: messages never quote a whole file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def decode_count(value: Any, what: str, low: int = 0) -> int:
    """``value`` if it is an integer >= ``low`` (not a bool), else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{what} must be an integer >= {low}, got {_short(value)}")
    return value


def encode_floats(a: Any) -> dict[str, Any]:
    """``{"dtype", "shape", "data"}`` of a float array (float32 kept, anything else as
    float64); ``ValueError`` for a non-finite entry (a model that cannot be saved)."""
    arr = np.asarray(a)
    dtype = arr.dtype.name if arr.dtype.name in FLOAT_DTYPES else "float64"
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("the model has non-finite coefficients and cannot be saved; refit it")
    return {"dtype": dtype, "shape": list(arr.shape), "data": arr.ravel().tolist()}


def decode_floats(entry: Any, what: str, *, max_values: int | None = None) -> Array:
    """Inverse of :func:`encode_floats`: an array of at most 2 dimensions whose declared
    size is at most ``max_values`` and matches its data, of finite numbers that fit its
    dtype. ``ValueError`` naming ``what`` otherwise."""
    entry = _mapping(entry, what)
    dtype = entry.get("dtype")
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"{what} has dtype {_short(dtype)}; expected one of {FLOAT_DTYPES}")
    shape = entry.get("shape")
    if not isinstance(shape, list) or len(shape) > 2:
        raise ValueError(f"{what} has a malformed shape {_short(shape)}")
    dims = [decode_count(n, f"{what} shape entry") for n in shape]
    size = math.prod(dims)
    if max_values is not None and size > max_values:
        raise ValueError(
            f"{what} declares {size} values but the file is too short to hold them; "
            "the file is corrupt or truncated"
        )
    data = entry.get("data")
    if not isinstance(data, list) or len(data) != size:
        got = len(data) if isinstance(data, list) else type(data).__name__
        raise ValueError(f"{what} declares shape {tuple(dims)} but holds {got} values")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
        raise ValueError(f"{what} must hold numbers only")
    try:
        arr = np.asarray(data, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{what} holds a number too large for a float") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} holds non-finite values; the file is corrupt")
    with np.errstate(over="ignore"):
        out = arr.astype(dtype)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what} holds values too large for {dtype}; the file is corrupt")
    return out.reshape(dims)


def encode_labels(a: Any) -> dict[str, Any]:
    """``{"kind", "data"}`` of class labels: numbers and bools by dtype, strings as
    ``"str"`` (a NumPy string array) or ``"object_str"`` (an object array of str)."""
    arr = np.asarray(a)
    if arr.dtype.name in LABEL_DTYPES:
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError("classes_ holds non-finite labels and cannot be saved")
        return {"kind": arr.dtype.name, "data": arr.tolist()}
    if arr.dtype.kind == "U" or (
        arr.dtype.kind == "O" and all(isinstance(v, str) for v in arr.tolist())
    ):
        return {"kind": "str" if arr.dtype.kind == "U" else "object_str", "data": arr.tolist()}
    raise TypeError(
        f"class labels of dtype {arr.dtype} cannot be saved; use int, float, bool or str labels"
    )


def decode_labels(entry: Any, what: str, *, max_values: int | None = None) -> Array:
    """Inverse of :func:`encode_labels`; ``ValueError`` naming ``what`` for an unknown
    kind, values of the wrong type or out of its range, or more than ``max_values``."""
    entry = _mapping(entry, what)
    kind, data = entry.get("kind"), entry.get("data")
    if not isinstance(data, list) or (max_values is not None and len(data) > max_values):
        raise ValueError(f"{what} must hold a list of labels")
    if kind in ("str", "object_str"):
        if not all(isinstance(v, str) for v in data):
            raise ValueError(f"{what} of kind {kind!r} must hold strings")
        return np.array(data, dtype=object if kind == "object_str" else None)
    if kind not in LABEL_DTYPES:
        raise ValueError(f"{what} has unknown kind {_short(kind)}")
    if kind == "bool":
        ok = all(isinstance(v, bool) for v in data)
    elif kind.startswith(("int", "uint")):
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in data)
    else:
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data)
    if not ok or (kind.startswith("float") and not all(math.isfinite(v) for v in data)):
        raise ValueError(f"{what} of kind {kind!r} holds values of the wrong type")
    try:
        with np.errstate(over="ignore"):
            arr = np.array(data, dtype=kind)
    except OverflowError:
        raise ValueError(f"{what} holds labels out of range for {kind}") from None
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} holds labels too large for {kind}")
    return arr


def decode_names(value: Any, n: int, what: str) -> Array:
    """``n`` distinct feature names (an object array of str); ``ValueError`` otherwise."""
    if not isinstance(value, list) or len(value) != n or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of {n} strings")
    if len(set(value)) != n:
        raise ValueError(f"{what} must name each feature once")
    return np.array(value, dtype=object)


def single_output_shapes(coef: Array, n_features: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """One output: ``coef_`` ``(d,)`` and a scalar ``intercept_``."""
    return (n_features,), ()


class FittedStateMixin:
    """``_get_fitted_state`` / ``_set_fitted_state``: the fitted linear model as plain
    JSON values (see the module docstring) and back.

    The shared part is ``coef_``, ``intercept_``, ``n_features_in_``, ``n_iter_``,
    ``feature_names_in_`` and ``history_``; a class with more (``classes_``) or other
    shapes (several outputs) overrides both methods, calling :meth:`_set_linear_state`
    with its own shape rule.
    """

    def _get_fitted_state(self) -> dict[str, Any]:
        """The fitted attributes as JSON-ready values (NotFittedError before ``fit``)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        model: Any = self
        state: dict[str, Any] = {
            "coef_": encode_floats(model.coef_),
            "intercept_": encode_floats(model.intercept_),
            "n_features_in_": int(model.n_features_in_),
            "n_iter_": int(getattr(model, "n_iter_", 0)),
        }
        if hasattr(model, "feature_names_in_"):
            state["feature_names_in_"] = [str(v) for v in model.feature_names_in_]
        history = getattr(model, "history_", None)
        if history is not None:
            values = history.to_dict()
            if all(math.isfinite(v) for column in values.values() for v in column):
                state["history_"] = values
        return state

    def _set_fitted_state(self, state: Any, *, max_values: int | None = None) -> None:
        """Set the attributes exported by :meth:`_get_fitted_state`, checked first
        (``ValueError`` naming the attribute; nothing is set then). ``max_values``
        bounds the size any array may declare."""
        self._set_linear_state(state, single_output_shapes, max_values=max_values)

    def _set_linear_state(
        self, state: Any, shapes: Shapes, *, max_values: int | None = None
    ) -> None:
        """Check and set the shared attributes; ``shapes(coef, d)`` gives the
        ``(coef_, intercept_)`` shapes a model with ``d`` features must have."""
        from sigmoid_neuron.training.history import History

        state = _mapping(state, "attributes")
        d = decode_count(state.get("n_features_in_"), "n_features_in_", 1)
        coef = decode_floats(state.get("coef_"), "coef_", max_values=max_values)
        intercept = decode_floats(state.get("intercept_"), "intercept_", max_values=max_values)
        expected = shapes(coef, d)
        if coef.shape != expected[0] or intercept.shape != expected[1]:
            raise ValueError(
                f"coef_ has shape {coef.shape} and intercept_ {intercept.shape}; a "
                f"{type(self).__name__} with {d} feature(s) needs {expected[0]} and "
                f"{expected[1]}"
            )
        if coef.dtype != intercept.dtype:
            raise ValueError("coef_ and intercept_ must have the same dtype")
        values: dict[str, Any] = {
            "coef_": coef,
            "intercept_": intercept[()] if intercept.ndim == 0 else intercept,
            "n_features_in_": d,
            "n_iter_": decode_count(state.get("n_iter_", 0), "n_iter_"),
        }
        if "feature_names_in_" in state:
            values["feature_names_in_"] = decode_names(
                state["feature_names_in_"], d, "feature_names_in_"
            )
        if "history_" in state:
            values["history_"] = History.from_dict(state["history_"])
        for name, value in values.items():
            setattr(self, name, value)
