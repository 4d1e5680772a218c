"""A StandardScaler as a pipeline step: the restored scaler transforms exactly as the
fitted one (scikit-learn's own transform is the oracle), and bad entries are refused."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.io.scaler_state import scaler_entry, set_scaler_state

X = np.random.default_rng(5).normal(loc=[1.0, -2.0, 30.0], scale=[0.5, 3.0, 0.1], size=(40, 3))


def _restored(fitted: StandardScaler) -> tuple[dict[str, Any], StandardScaler]:
    entry = json.loads(json.dumps(scaler_entry(fitted), allow_nan=False))
    scaler = StandardScaler(**entry["params"])
    set_scaler_state(scaler, entry["attributes"])
    return entry, scaler


@pytest.mark.parametrize(
    "params",
    [{}, {"with_mean": False}, {"with_std": False}, {"with_mean": False, "with_std": False}],
)
def test_the_restored_scaler_transforms_bit_for_bit(params: dict[str, bool]) -> None:
    fitted = StandardScaler(**params).fit(X)
    entry, scaler = _restored(fitted)
    assert entry["class"] == "StandardScaler"
    assert entry["attributes"]["n_samples_seen_"] == 40
    assert scaler.transform(X).tobytes() == fitted.transform(X).tobytes()
    assert scaler.inverse_transform(X).tobytes() == fitted.inverse_transform(X).tobytes()


def test_feature_names_survive() -> None:
    frame = pd.DataFrame(X, columns=["u", "v", "w"])
    _, scaler = _restored(StandardScaler().fit(frame))
    assert list(scaler.feature_names_in_) == ["u", "v", "w"]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda a: a.update(mean_=None), "has with_mean=True but no mean_"),
        (lambda a: a.update(scale_=None), "has with_std=True but no scale_"),
        (lambda a: a["scale_"].update(data=[1.0, 0.0, 1.0]), "scale_ must be positive"),
        (lambda a: a["var_"].update(data=[1.0, -1.0, 1.0]), "var_ must be >= 0"),
        (
            lambda a: a.update(mean_={"dtype": "float64", "shape": [2], "data": [0.0, 0.0]}),
            r"mean_ must have shape \(3,\), got \(2,\)",
        ),
        (lambda a: a.update(n_samples_seen_=[1, 2]), "n_samples_seen_ must hold 3 counts"),
        (lambda a: a.update(n_samples_seen_=-1), "n_samples_seen_ must be an integer >= 0"),
        (lambda a: a.update(n_features_in_=0), "n_features_in_ must be an integer >= 1"),
        (lambda a: a.update(feature_names_in_=["a", "a", "b"]), "name each feature once"),
    ],
)
def test_bad_attributes_are_refused_and_nothing_is_set(edit: Any, match: str) -> None:
    attrs = scaler_entry(StandardScaler().fit(X))["attributes"]
    edit(attrs)
    scaler = StandardScaler()
    with pytest.raises(ValueError, match=match):
        set_scaler_state(scaler, attrs)
    assert not hasattr(scaler, "n_features_in_") and not hasattr(scaler, "scale_")
