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

The file itself (header, size limit, strict parsing, atomic write) is a
:mod:`sigmoid_neuron.io.document`; each estimator writes and reads its own
``attributes`` (:mod:`sigmoid_neuron.estimators._state`), the scaler's are in
:mod:`sigmoid_neuron.io.scaler_state`. Floats are read back bit for bit (float32 arrays
stay float32), so a loaded model predicts exactly what the saved one did. Loading
checks everything before building anything: the format tag and version, the class
names, the parameters (through the estimator's own validation), every array's declared
size against the file length, the shapes against each other, and that all numbers are
finite.
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any

from sigmoid_neuron.io.document import (
    MODEL_FILE,
    Document,
    parse_document,
    read_document,
    write_document,
)

FORMAT = MODEL_FILE.name
VERSION = MODEL_FILE.version
#: Largest model file ``load_model`` reads (1 GiB).
MAX_FILE_BYTES = MODEL_FILE.max_bytes

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


def _estimator_classes() -> dict[str, type]:
    """The estimators a model file may hold, by class name."""
    from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron

    return {cls.__name__: cls for cls in (SigmoidNeuron, LogisticRegression, LinearRegression)}


def _clip(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters: messages never quote a whole file."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# =========================================================================== writing


def _is_json_value(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _round_trips(value: Any) -> bool:
    """``value`` comes back equal from JSON (a dict with int keys, a tuple would not)."""
    return _is_json_value(value) and json.loads(json.dumps(value)) == value


def _params(estimator: Any) -> tuple[dict[str, Any], list[str]]:
    """Constructor arguments that come back equal from JSON; the others (callbacks,
    callables, dicts keyed by class labels, ...) fall back to the default and are listed."""
    defaults = {
        name: p.default
        for name, p in inspect.signature(type(estimator).__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    params: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in estimator.get_params(deep=False).items():
        if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
            value = value.tolist()  # a NumPy array or scalar (penalty_factor) as JSON
        if name == "callbacks" and value:
            params[name], dropped = None, [*dropped, name]
        elif _round_trips(value):
            params[name] = value
        else:
            params[name] = defaults.get(name)
            dropped.append(name)
    return params, dropped


def _estimator_entry(model: Any) -> dict[str, Any]:
    name = type(model).__name__
    if type(model) not in _estimator_classes().values():
        raise TypeError(
            "model must be a fitted SigmoidNeuron, LogisticRegression or LinearRegression, or "
            f"a Pipeline of StandardScaler steps ending in one; got {type(model).__name__}"
        )
    attributes = model._get_fitted_state()  # NotFittedError before fit
    params, dropped = _params(model)
    entry = {"class": name, "params": params, "attributes": attributes}
    if dropped:
        entry["params_not_saved"] = dropped
    return entry


def _pipeline_entry(model: Any) -> dict[str, Any]:
    from sigmoid_neuron.io.scaler_state import scaler_entry

    steps = []
    for i, (step_name, step) in enumerate(model.steps):
        last = i == len(model.steps) - 1
        kind = type(step).__name__
        if not last and kind == "StandardScaler":
            entry = scaler_entry(step)
        elif last:
            entry = _estimator_entry(step)
        else:
            raise TypeError(
                f"pipeline step {step_name!r} is a {kind}; only StandardScaler steps "
                "followed by a sigmoid-neuron estimator can be saved"
            )
        steps.append({"name": str(step_name), **entry})
    return {"class": "Pipeline", "steps": steps}


def _payload(model: Any, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Everything but the header: the model's entry and the metadata, checked."""
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    if metadata is not None and not _is_json_value(metadata):
        raise TypeError(
            "metadata must be JSON-serialisable (dicts, lists, strings, finite numbers, "
            "booleans, None); convert other values (e.g. numpy arrays with .tolist())"
        )
    if type(model).__name__ == "Pipeline" and type(model).__module__.startswith("sklearn."):
        body = _pipeline_entry(model)
    else:
        body = _estimator_entry(model)
    return {**body, "metadata": metadata}


def model_to_dict(model: Any, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document of a fitted model (see the module docstring); ``metadata`` is
    stored as given and must be a JSON-serialisable dict."""
    from sigmoid_neuron.io.document import document_dict

    return document_dict(MODEL_FILE, _payload(model, metadata))


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
    write_document(path, MODEL_FILE, _payload(model, metadata))


# =========================================================================== reading


def _build(doc: Document, cls: type, entry: dict[str, Any], what: str) -> Any:
    """``cls(**entry["params"])``, validated by the class itself; ``ValueError`` naming
    the file for parameters it does not accept or refuses."""
    params = doc.check(entry.get("params", {}), "object", f"{what} params")
    if params.get("callbacks") is not None:
        raise doc.fail(
            f"{what} stores callbacks, which a model file cannot hold (save_model writes "
            "null); the file was edited or is corrupt"
        )
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise doc.fail(
            f"{what} has parameters {cls.__name__} does not accept: {_clip(str(exc))}"
        ) from None
    if hasattr(estimator, "_validate_params"):
        try:
            estimator._validate_params()
        except (TypeError, ValueError) as exc:
            raise doc.fail(f"{what} has an invalid parameter: {_clip(str(exc))}") from None
    return estimator


def _estimator(doc: Document, entry: Any, what: str) -> Any:
    entry = doc.check(entry, "object", what)
    name = entry.get("class")
    classes = _estimator_classes()
    if not isinstance(name, str) or name not in classes:
        shown = repr(name) if isinstance(name, str) and len(name) <= 60 else "(not a name)"
        raise doc.fail(
            f"{what} is of class {shown}; this library reads {sorted(classes)} (and Pipeline)"
        )
    estimator = _build(doc, classes[name], entry, what)
    attributes = doc.check(entry.get("attributes"), "object", f"{what} attributes")
    try:
        estimator._set_fitted_state(attributes, max_values=doc.max_values)
    except ValueError as exc:
        raise doc.fail(str(exc)) from None
    return estimator


def _scaler(doc: Document, entry: dict[str, Any], what: str) -> Any:
    from sklearn.preprocessing import StandardScaler

    from sigmoid_neuron.io.scaler_state import set_scaler_state

    scaler = _build(doc, StandardScaler, entry, what)
    attributes = doc.check(entry.get("attributes"), "object", f"{what} attributes")
    try:
        set_scaler_state(scaler, attributes, max_values=doc.max_values)
    except ValueError as exc:
        raise doc.fail(f"{what} {exc}") from None
    return scaler


def _pipeline(doc: Document) -> Any:
    from sklearn.pipeline import Pipeline

    steps = doc.body.get("steps")
    if not isinstance(steps, list) or not steps:
        raise doc.fail("a Pipeline needs a non-empty list 'steps'")
    built = []
    n_features = None
    for i, step in enumerate(steps):
        step = doc.check(step, "object", f"step {i}")
        name = step.get("name")
        if not isinstance(name, str) or not name or "__" in name or len(name) > 200:
            raise doc.fail(f"step {i} needs a name (a string without '__')")
        if i == len(steps) - 1:
            obj = _estimator(doc, step, f"step {name!r}")
        elif step.get("class") == "StandardScaler":
            obj = _scaler(doc, step, f"step {name!r}")
        else:
            shown = str(step.get("class"))[:60]
            raise doc.fail(
                f"step {name!r} is of class {shown!r}; only StandardScaler steps may "
                "precede the model"
            )
        if n_features is not None and obj.n_features_in_ != n_features:
            raise doc.fail(
                f"step {name!r} expects {obj.n_features_in_} features but the previous "
                f"step produces {n_features}"
            )
        n_features = obj.n_features_in_
        built.append((name, obj))
    names = [n for n, _ in built]
    if len(set(names)) != len(names):
        raise doc.fail(f"pipeline step names must be unique, got {_clip(repr(names), 60)}")
    return Pipeline(built)


def _model(doc: Document) -> Any:
    if doc.body.get("class") == "Pipeline":
        return _pipeline(doc)
    return _estimator(doc, doc.body, "the model")


def model_from_dict(doc: Any, *, where: str = "model", file_size: int | None = None) -> Any:
    """Rebuild the model of a parsed document, validating it (see :func:`read_model_file`).

    ``file_size`` bounds the number of values arrays may declare (default: about the
    size of the document's JSON text).
    """
    return _model(parse_document(doc, MODEL_FILE, where=where, n_bytes=file_size))


def read_model_file(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any] | None]:
    """Load ``(model, metadata)`` from a file written by :func:`save_model`.

    ValueError (naming the file) for a file that is too large (more than
    :data:`MAX_FILE_BYTES`), not UTF-8 JSON, another kind of JSON, from a newer format
    version, of an unknown class, with arrays of the wrong shape or length or more
    values than the file could hold, or with non-finite numbers. Never unpickles
    anything.
    """
    doc = read_document(path, MODEL_FILE, max_bytes=MAX_FILE_BYTES)
    model = _model(doc)
    metadata = doc.entry("metadata", "object", required=False, nullable=True)
    return model, metadata


def load_model(path: str | os.PathLike[str]) -> Any:
    """The model saved in ``path`` by :func:`save_model` (see :func:`read_model_file`)."""
    return read_model_file(path)[0]
