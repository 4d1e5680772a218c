"""A fitted scikit-learn ``StandardScaler`` as a model-file pipeline step, and back.

::

    {"class": "StandardScaler", "params": {"copy": true, "with_mean": true, "with_std": true},
     "attributes": {"n_features_in_": 30, "mean_": {"dtype": "float64", "shape": [30],
                    "data": [...]}, "scale_": {...}, "var_": {...} (or null),
                    "n_samples_seen_": 569 (or one count per feature),
                    "feature_names_in_": [...] (when fitted on a DataFrame)}}

The scaler transforms ``x -> (x - mean_) / scale_``; reading checks the shapes against
``n_features_in_``, ``scale_ > 0``, ``var_ >= 0`` and that ``with_mean``/``with_std``
have the arrays they need.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sigmoid_neuron.estimators._state import (
    decode_count,
    decode_floats,
    decode_names,
    encode_floats,
)

__all__ = ["scaler_entry", "set_scaler_state"]


def scaler_entry(scaler: Any) -> dict[str, Any]:
    """The pipeline step entry of a fitted ``StandardScaler`` (NotFittedError before fit)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(scaler)
    attrs: dict[str, Any] = {"n_features_in_": int(scaler.n_features_in_)}
    for key in ("mean_", "scale_", "var_"):
        value = getattr(scaler, key, None)
        attrs[key] = None if value is None else encode_floats(value)
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


def set_scaler_state(scaler: Any, attrs: Any, *, max_values: int | None = None) -> None:
    """Check the ``attributes`` of a scaler entry and set them on ``scaler`` (built from
    the entry's params); ``ValueError`` naming the attribute otherwise."""
    if not isinstance(attrs, dict):
        raise ValueError(f"attributes must be a JSON object, got {type(attrs).__name__}")
    d = decode_count(attrs.get("n_features_in_"), "n_features_in_", 1)
    arrays: dict[str, Any] = {}
    for key in ("mean_", "scale_", "var_"):
        value = attrs.get(key)
        arr = None if value is None else decode_floats(value, key, max_values=max_values)
        if arr is not None and arr.shape != (d,):
            raise ValueError(f"{key} must have shape ({d},), got {arr.shape}")
        if key == "scale_" and arr is not None and not np.all(arr > 0):
            raise ValueError("scale_ must be positive")
        if key == "var_" and arr is not None and not np.all(arr >= 0):
            raise ValueError("var_ must be >= 0")
        arrays[key] = arr
    if scaler.with_mean and arrays["mean_"] is None:
        raise ValueError("has with_mean=True but no mean_")
    if scaler.with_std and arrays["scale_"] is None:
        raise ValueError("has with_std=True but no scale_")
    seen = attrs.get("n_samples_seen_", 0)
    if isinstance(seen, list):
        if len(seen) != d:
            raise ValueError(f"n_samples_seen_ must hold {d} counts")
        counts: Any = np.array([decode_count(v, "n_samples_seen_") for v in seen], dtype=np.int64)
    else:
        counts = decode_count(seen, "n_samples_seen_")
    if "feature_names_in_" in attrs:
        arrays["feature_names_in_"] = decode_names(
            attrs["feature_names_in_"], d, "feature_names_in_"
        )
    for key, value in {**arrays, "n_samples_seen_": counts, "n_features_in_": d}.items():
        setattr(scaler, key, value)
