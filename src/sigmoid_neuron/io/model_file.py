"""Model files: versioned JSON, written atomically, validated on load, never pickle.

A file holds one fitted estimator, or a scikit-learn ``Pipeline`` of ``StandardScaler``
steps ending in one (the command line stores standardisation that way)::

    {"format": "sigmoid-neuron-model", "version": 1, "library_version": "0.1.0",
     "class": "LogisticRegression",
     "params": {...constructor arguments...},
     "params_not_saved": ["callbacks"],
     "attributes": {"coef_": {"dtype": "float64", "shape": [1, 30], "data": [...]},
                    "intercept_": {...}, "classes_": {"kind": "int64", "data": [0, 1]},
                    "n_features_in_": 30, "n_iter_": 27, "history_": {...}},
     "metadata": {...any JSON...}}

A pipeline is ``{"format": ..., "version": 1, "class": "Pipeline", "steps": [{"name":
"scaler", "class": "StandardScaler", "params": {...}, "attributes": {"mean_": ...,
"scale_": ..., "var_": ..., ...}}, {"name": "model", "class": ..., ...}], "metadata": ...}``.

Floats are written with Python's shortest round-trip ``repr`` and read back bit for bit
(float32 arrays stay float32), so a loaded model predicts exactly what the saved one did.
Loading checks everything before building anything: the format tag and version, the
class names, the parameters (through the estimator's own validation), every array's
declared size against the file length (a file cannot make us allocate more numbers than
it holds), the shapes against each other, and that all numbers are finite.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.io.atomic import WriteError, atomic_write

Array = NDArray[Any]

FORMAT = "sigmoid-neuron-model"
VERSION = 1
#: Largest model file ``load_model`` reads (1 GiB).
MAX_FILE_BYTES = 1 << 30

_FLOAT_DTYPES = ("float64", "float32")
_LABEL_DTYPES = (
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
_ESTIMATORS = ("SigmoidNeuron", "LogisticRegression", "LinearRegression")

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "VERSION",
    "load_model",
    "model_from_dict",
    "model_to_dict",
    "read_model_file",
    "save_model",
]


# =========================================================================== writing


def _estimator_classes() -> dict[str, type]:
    from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron

    return {
        "SigmoidNeuron": SigmoidNeuron,
        "LogisticRegression": LogisticRegression,
        "LinearRegression": LinearRegression,
    }


def _is_json_value(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _float_array(a: Any) -> dict[str, Any]:
    arr = np.asarray(a)
    dtype = arr.dtype.name if arr.dtype.name in _FLOAT_DTYPES else "float64"
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("the model has non-finite coefficients and cannot be saved; refit it")
    return {"dtype": dtype, "shape": list(arr.shape), "data": arr.ravel().tolist()}


def _labels(a: Any) -> dict[str, Any]:
    arr = np.asarray(a)
    if arr.dtype.name in _LABEL_DTYPES:
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


def _params(estimator: Any) -> tuple[dict[str, Any], list[str]]:
    """JSON-able constructor arguments; the others (callbacks, callables) fall back to the
    default and are listed."""
    import inspect

    defaults = {
        name: p.default
        for name, p in inspect.signature(type(estimator).__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    params: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks" and value:
            params[name], dropped = None, [*dropped, name]
        elif _is_json_value(value):
            params[name] = value
        else:
            params[name] = defaults.get(name)
            dropped.append(name)
    return params, dropped


def _estimator_entry(model: Any) -> dict[str, Any]:
    from sklearn.utils.validation import check_is_fitted

    name = type(model).__name__
    known: dict[str, Any] = _estimator_classes()
    if name not in _ESTIMATORS or type(model) is not known[name]:
        raise TypeError(
            "model must be a fitted SigmoidNeuron, LogisticRegression or LinearRegression, or "
            f"a Pipeline of StandardScaler steps ending in one; got {type(model).__name__}"
        )
    check_is_fitted(model)
    params, dropped = _params(model)
    attrs: dict[str, Any] = {
        "coef_": _float_array(model.coef_),
        "intercept_": _float_array(model.intercept_),
        "n_features_in_": int(model.n_features_in_),
        "n_iter_": int(getattr(model, "n_iter_", 0)),
    }
    if name == "LogisticRegression":
        attrs["classes_"] = _labels(model.classes_)
    if hasattr(model, "feature_names_in_"):
        attrs["feature_names_in_"] = [str(v) for v in model.feature_names_in_]
    history = getattr(model, "history_", None)
    if history is not None:
        hist = history.to_dict()
        if all(math.isfinite(v) for values in hist.values() for v in values):
            attrs["history_"] = hist
    entry = {"class": name, "params": params, "attributes": attrs}
    if dropped:
        entry["params_not_saved"] = dropped
    return entry


def _scaler_entry(scaler: Any) -> dict[str, Any]:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(scaler)
    attrs: dict[str, Any] = {"n_features_in_": int(scaler.n_features_in_)}
    for key in ("mean_", "scale_", "var_"):
        value = getattr(scaler, key, None)
        attrs[key] = None if value is None else _float_array(value)
    seen = scaler.n_samples_seen_
    attrs["n_samples_seen_"] = (
        int(seen) if np.ndim(seen) == 0 else [int(v) for v in np.asarray(seen).ravel()]
    )
    if hasattr(scaler, "feature_names_in_"):
        attrs["feature_names_in_"] = [str(v) for v in scaler.feature_names_in_]
    params = {
        "copy": bool(scaler.copy),
        "with_mean": bool(scaler.with_mean),
        "with_std": bool(scaler.with_std),
    }
    return {"class": "StandardScaler", "params": params, "attributes": attrs}


def model_to_dict(model: Any, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document of a fitted model (see the module docstring); ``metadata`` is
    stored as given and must be a JSON-serialisable dict."""
    from sigmoid_neuron import __version__

    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    if metadata is not None and not _is_json_value(metadata):
        raise TypeError(
            "metadata must be JSON-serialisable (dicts, lists, strings, finite numbers, "
            "booleans, None); convert other values (e.g. numpy arrays with .tolist())"
        )
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "library_version": __version__}
    if type(model).__name__ == "Pipeline" and type(model).__module__.startswith("sklearn."):
        steps = []
        for i, (step_name, step) in enumerate(model.steps):
            last = i == len(model.steps) - 1
            kind = type(step).__name__
            if not last and kind == "StandardScaler":
                entry = _scaler_entry(step)
            elif last:
                entry = _estimator_entry(step)
            else:
                raise TypeError(
                    f"pipeline step {step_name!r} is a {kind}; only StandardScaler steps "
                    "followed by a sigmoid-neuron estimator can be saved"
                )
            steps.append({"name": str(step_name), **entry})
        doc.update({"class": "Pipeline", "steps": steps})
    else:
        doc.update(_estimator_entry(model))
    doc["metadata"] = metadata
    return doc


def save_model(
    model: Any, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None
) -> None:
    """Write ``model`` (and ``metadata``) to ``path`` as versioned JSON, atomically.

    The document is checked completely before the file is touched; the bytes go to a
    temporary file that replaces ``path`` only once fully written, so a failure leaves
    any previous file intact. A failed write (a full disk, ...) raises
    :class:`~sigmoid_neuron.io.atomic.WriteError`: ``model file 'm.json' cannot be
    written: no space left on device; ...``.
    """
    doc = model_to_dict(model, metadata)
    try:
        with atomic_write(path, "w") as handle:
            json.dump(doc, handle, allow_nan=False, separators=(",", ":"))
            handle.write("\n")
    except WriteError as exc:
        raise exc.for_option("model file") from None


# =========================================================================== reading


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: messages never quote a whole file."""
    return _clip(repr(value), limit)


def _clip(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Reader:
    """Validates a parsed document; ``where`` prefixes every message with the file name."""

    def __init__(self, where: str, file_size: int) -> None:
        self.where = where
        self.budget = file_size // 2 + 1  # a JSON number needs a digit and a separator

    def fail(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}")

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a JSON object, got {type(value).__name__}")
        return value

    def integer(self, value: Any, what: str, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(f"{what} must be an integer >= {low}, got {_short(value)}")
        return value

    def float_array(self, entry: Any, what: str) -> Array:
        entry = self.mapping(entry, what)
        dtype = entry.get("dtype")
        if dtype not in _FLOAT_DTYPES:
            raise self.fail(f"{what} has dtype {_short(dtype)}; expected one of {_FLOAT_DTYPES}")
        shape = entry.get("shape")
        if not isinstance(shape, list) or len(shape) > 2:
            raise self.fail(f"{what} has a malformed shape {_short(shape)}")
        dims = [self.integer(n, f"{what} shape entry") for n in shape]
        size = math.prod(dims)
        if size > self.budget:
            raise self.fail(
                f"{what} declares {size} values but the file is too short to hold them; "
                "the file is corrupt or truncated"
            )
        data = entry.get("data")
        if not isinstance(data, list) or len(data) != size:
            got = len(data) if isinstance(data, list) else type(data).__name__
            raise self.fail(f"{what} declares shape {tuple(dims)} but holds {got} values")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
            raise self.fail(f"{what} must hold numbers only")
        try:
            arr = np.asarray(data, dtype=np.float64)
        except OverflowError:
            raise self.fail(f"{what} holds a number too large for a float") from None
        if not np.all(np.isfinite(arr)):
            raise self.fail(f"{what} holds non-finite values; the file is corrupt")
        with np.errstate(over="ignore"):
            out = arr.astype(dtype)
        if not np.all(np.isfinite(out)):
            raise self.fail(f"{what} holds values too large for {dtype}; the file is corrupt")
        return out.reshape(dims)

    def labels(self, entry: Any, what: str) -> Array:
        entry = self.mapping(entry, what)
        kind, data = entry.get("kind"), entry.get("data")
        if not isinstance(data, list) or len(data) > self.budget:
            raise self.fail(f"{what} must hold a list of labels")
        if kind in ("str", "object_str"):
            if not all(isinstance(v, str) for v in data):
                raise self.fail(f"{what} of kind {kind!r} must hold strings")
            return np.array(data, dtype=object if kind == "object_str" else None)
        if kind not in _LABEL_DTYPES:
            raise self.fail(f"{what} has unknown kind {_short(kind)}")
        if kind == "bool":
            ok = all(isinstance(v, bool) for v in data)
        elif kind.startswith(("int", "uint")):
            ok = all(isinstance(v, int) and not isinstance(v, bool) for v in data)
        else:
            ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data)
        if not ok or (kind.startswith("float") and not all(math.isfinite(v) for v in data)):
            raise self.fail(f"{what} of kind {kind!r} holds values of the wrong type")
        try:
            with np.errstate(over="ignore"):
                arr = np.array(data, dtype=kind)
        except OverflowError:
            raise self.fail(f"{what} holds labels out of range for {kind}") from None
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise self.fail(f"{what} holds labels too large for {kind}")
        return arr

    def names(self, value: Any, n: int, what: str) -> Array:
        if (
            not isinstance(value, list)
            or len(value) != n
            or not all(isinstance(v, str) for v in value)
        ):
            raise self.fail(f"{what} must be a list of {n} strings")
        if len(set(value)) != n:
            raise self.fail(f"{what} must name each feature once")
        return np.array(value, dtype=object)

    def params(self, cls: type, entry: dict[str, Any], what: str) -> Any:
        params = self.mapping(entry.get("params", {}), f"{what} params")
        if params.get("callbacks") is not None:
            raise self.fail(
                f"{what} stores callbacks, which a model file cannot hold (save_model writes "
                "null); the file was edited or is corrupt"
            )
        try:
            estimator = cls(**params)
        except TypeError as exc:
            raise self.fail(
                f"{what} has parameters {cls.__name__} does not accept: {_clip(str(exc))}"
            ) from None
        if hasattr(estimator, "_validate_params"):
            try:
                estimator._validate_params()
            except (TypeError, ValueError) as exc:
                raise self.fail(f"{what} has an invalid parameter: {_clip(str(exc))}") from None
        return estimator

    def estimator(self, entry: Any, what: str) -> Any:
        from sigmoid_neuron.training.history import History

        entry = self.mapping(entry, what)
        name = entry.get("class")
        classes = _estimator_classes()
        if not isinstance(name, str) or name not in classes:
            raise self.fail(
                f"{what} is of class {_short(name)}; this library reads {sorted(classes)} "
                "(and Pipeline)"
            )
        est = self.params(classes[name], entry, what)
        attrs = self.mapping(entry.get("attributes"), f"{what} attributes")
        d = self.integer(attrs.get("n_features_in_"), "n_features_in_", 1)
        coef = self.float_array(attrs.get("coef_"), "coef_")
        intercept = self.float_array(attrs.get("intercept_"), "intercept_")
        if name == "LogisticRegression":
            labels = self.labels(attrs.get("classes_"), "classes_")
            if labels.size < 2 or np.unique(labels).size != labels.size:
                raise self.fail("classes_ must hold at least two distinct labels")
            K = 1 if labels.size == 2 else labels.size
            expected = [(K, d), (K,)]
            est.classes_ = labels
        elif name == "LinearRegression" and coef.ndim == 2:
            if coef.shape[0] < 1:
                raise self.fail("coef_ of a multi-target LinearRegression needs at least one row")
            expected = [(coef.shape[0], d), (coef.shape[0],)]
        else:
            expected = [(d,), ()]
        if coef.shape != expected[0] or intercept.shape != expected[1]:
            raise self.fail(
                f"coef_ has shape {coef.shape} and intercept_ {intercept.shape}; a {name} with "
                f"{d} feature(s) needs {expected[0]} and {expected[1]}"
            )
        if coef.dtype != intercept.dtype:
            raise self.fail("coef_ and intercept_ must have the same dtype")
        if name == "LinearRegression":
            est._multi_output = coef.ndim == 2
        est.coef_ = coef
        est.intercept_ = intercept[()] if intercept.ndim == 0 else intercept
        est.n_features_in_ = d
        est.n_iter_ = self.integer(attrs.get("n_iter_", 0), "n_iter_")
        if "feature_names_in_" in attrs:
            est.feature_names_in_ = self.names(attrs["feature_names_in_"], d, "feature_names_in_")
        if "history_" in attrs:
            try:
                est.history_ = History.from_dict(attrs["history_"])
            except ValueError as exc:
                raise self.fail(str(exc)) from None
        return est

    def scaler(self, entry: dict[str, Any], what: str) -> Any:
        from sklearn.preprocessing import StandardScaler

        scaler = self.params(StandardScaler, entry, what)
        attrs = self.mapping(entry.get("attributes"), f"{what} attributes")
        d = self.integer(attrs.get("n_features_in_"), f"{what} n_features_in_", 1)
        for key in ("mean_", "scale_", "var_"):
            value = attrs.get(key)
            arr = None if value is None else self.float_array(value, f"{what} {key}")
            if arr is not None and arr.shape != (d,):
                raise self.fail(f"{what} {key} must have shape ({d},), got {arr.shape}")
            if key == "scale_" and arr is not None and not np.all(arr > 0):
                raise self.fail(f"{what} scale_ must be positive")
            if key == "var_" and arr is not None and not np.all(arr >= 0):
                raise self.fail(f"{what} var_ must be >= 0")
            setattr(scaler, key, arr)
        if scaler.with_mean and scaler.mean_ is None:
            raise self.fail(f"{what} has with_mean=True but no mean_")
        if scaler.with_std and scaler.scale_ is None:
            raise self.fail(f"{what} has with_std=True but no scale_")
        seen = attrs.get("n_samples_seen_", 0)
        if isinstance(seen, list):
            if len(seen) != d:
                raise self.fail(f"{what} n_samples_seen_ must hold {d} counts")
            scaler.n_samples_seen_ = np.array(
                [self.integer(v, f"{what} n_samples_seen_") for v in seen], dtype=np.int64
            )
        else:
            scaler.n_samples_seen_ = self.integer(seen, f"{what} n_samples_seen_")
        scaler.n_features_in_ = d
        if "feature_names_in_" in attrs:
            scaler.feature_names_in_ = self.names(
                attrs["feature_names_in_"], d, f"{what} feature_names_in_"
            )
        return scaler

    def pipeline(self, doc: dict[str, Any]) -> Any:
        from sklearn.pipeline import Pipeline

        steps = doc.get("steps")
        if not isinstance(steps, list) or not steps:
            raise self.fail("a Pipeline needs a non-empty list 'steps'")
        built = []
        n_features = None
        for i, step in enumerate(steps):
            step = self.mapping(step, f"step {i}")
            name = step.get("name")
            if not isinstance(name, str) or not name or "__" in name or len(name) > 200:
                raise self.fail(f"step {i} needs a name (a string without '__')")
            last = i == len(steps) - 1
            if last:
                obj = self.estimator(step, f"step {name!r}")
            elif step.get("class") == "StandardScaler":
                obj = self.scaler(step, f"step {name!r}")
            else:
                raise self.fail(
                    f"step {name!r} is of class {_short(step.get('class'))}; only "
                    "StandardScaler steps may precede the model"
                )
            if n_features is not None and obj.n_features_in_ != n_features:
                raise self.fail(
                    f"step {name!r} expects {obj.n_features_in_} features but the previous "
                    f"step produces {n_features}"
                )
            n_features = obj.n_features_in_
            built.append((name, obj))
        names = [n for n, _ in built]
        if len(set(names)) != len(names):
            raise self.fail(f"pipeline step names must be unique, got {_short(names)}")
        return Pipeline(built)


class _NonFiniteConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteConstant(f"non-finite number {name}")


def model_from_dict(doc: Any, *, where: str = "model", file_size: int | None = None) -> Any:
    """Rebuild the model of a parsed document, validating it (see :func:`read_model_file`).

    ``file_size`` bounds the number of values arrays may declare (default: unbounded
    beyond the data actually present).
    """
    budget = file_size if file_size is not None else 2 * len(json.dumps(doc))
    reader = _Reader(where, budget)
    if isinstance(doc, dict) and doc.get("format") == "sigmoid-neuron-checkpoint":
        raise ValueError(
            f"{where} is a training checkpoint, not a model file; resume it with "
            "`sigmoid-neuron train ... --resume FILE`, or pass the model written by --out"
        )
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise reader.fail(
            f'not a sigmoid-neuron model file (no "format": "{FORMAT}" entry); it may be '
            "another JSON file: pass a file written by save_model or `sigmoid-neuron train`"
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise reader.fail(f"has an invalid format version {_short(version)}; the file is corrupt")
    if version > VERSION:
        raise reader.fail(
            f"was written in model format version {version}, newer than this library reads "
            f"(up to {VERSION}); upgrade sigmoid-neuron to load it"
        )
    if doc.get("class") == "Pipeline":
        return reader.pipeline(doc)
    return reader.estimator(doc, "the model")


def read_model_file(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any] | None]:
    """Load ``(model, metadata)`` from a file written by :func:`save_model`.

    ValueError (naming the file) for a file that is too large, not UTF-8 JSON, another
    kind of JSON, from a newer format version, of an unknown class, with arrays of the
    wrong shape or length or more values than the file could hold, or with non-finite
    numbers. Never unpickles anything.
    """
    target = Path(path)
    where = f"model file {str(target)!r}"
    size = target.stat().st_size  # OSError (missing file) propagates as is
    if size > MAX_FILE_BYTES:
        raise ValueError(
            f"{where} is {size} bytes, more than the {MAX_FILE_BYTES} bytes a model file may "
            "have; it is not a model file"
        )
    raw = target.read_bytes()
    try:
        text = raw.decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not UTF-8 text; it is corrupt or not a model file") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it is corrupt or truncated"
        ) from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply; it is not a model file") from None
    except _NonFiniteConstant as exc:  # NaN / Infinity
        raise ValueError(f"{where} holds a {exc}; the file is corrupt") from None
    except ValueError as exc:  # e.g. an integer literal with too many digits
        raise ValueError(f"{where} could not be parsed ({exc}); it is corrupt") from None
    model = model_from_dict(doc, where=where, file_size=len(raw))
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"{where}: metadata must be a JSON object or null")
    return model, metadata


def load_model(path: str | os.PathLike[str]) -> Any:
    """The model saved in ``path`` by :func:`save_model` (see :func:`read_model_file`)."""
    return read_model_file(path)[0]
