"""Each estimator's fitted state as JSON values: exact round trips (the oracle: the
bits of the original arrays, and JSON text parsed by the standard library), and refusals
that name the attribute and leave the estimator untouched."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.estimators._state import (
    decode_count,
    decode_floats,
    decode_labels,
    decode_names,
    encode_floats,
    encode_labels,
)

X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def _through_json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_arrays_round_trip_bit_for_bit(dtype: type) -> None:
    info = np.finfo(dtype)
    values = np.array(
        [[0.1, -1 / 3, info.max, info.tiny, info.smallest_subnormal, -0.0]], dtype=dtype
    )
    entry = _through_json(encode_floats(values))
    assert entry["dtype"] == np.dtype(dtype).name and entry["shape"] == [1, 6]
    back = decode_floats(entry, "coef_")
    assert back.dtype == dtype and back.shape == (1, 6)
    assert back.tobytes() == values.tobytes()


def test_other_numbers_are_saved_as_float64_and_non_finite_ones_refused() -> None:
    assert encode_floats(np.array([1, 2], dtype=np.int32))["dtype"] == "float64"
    with pytest.raises(ValueError, match="non-finite coefficients"):
        encode_floats([1.0, np.inf])


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ([1.0], "coef_ must be a JSON object"),
        ({"dtype": "float16", "shape": [1], "data": [1.0]}, "dtype 'float16'"),
        ({"dtype": "float64", "shape": [1, 1, 1], "data": [1.0]}, "malformed shape"),
        ({"dtype": "float64", "shape": [-1], "data": []}, "shape entry must be an integer >= 0"),
        ({"dtype": "float64", "shape": [3], "data": [1.0]}, r"declares shape \(3,\) but holds 1"),
        ({"dtype": "float64", "shape": [1], "data": [True]}, "numbers only"),
        ({"dtype": "float64", "shape": [1], "data": [10**400]}, "too large for a float"),
        ({"dtype": "float32", "shape": [1], "data": [1e300]}, "too large for float32"),
    ],
)
def test_malformed_float_arrays_are_refused(entry: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        decode_floats(entry, "coef_")


def test_an_array_may_not_declare_more_values_than_the_file_holds() -> None:
    entry = {"dtype": "float64", "shape": [1000, 1000], "data": [0.0]}
    with pytest.raises(ValueError, match="declares 1000000 values but the file is too short"):
        decode_floats(entry, "coef_", max_values=500)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([0, 1, 2], dtype=np.int64),
        np.array([3, 7], dtype=np.uint8),
        np.array([False, True]),
        np.array([-0.5, 2.5]),
        np.array(["ham", "spam"]),
        np.array(["ham", "spam"], dtype=object),
    ],
)
def test_labels_round_trip_with_their_dtype(labels: np.ndarray) -> None:
    back = decode_labels(_through_json(encode_labels(labels)), "classes_")
    assert back.dtype == labels.dtype
    assert back.tolist() == labels.tolist()


def test_bad_labels_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot be saved; use int, float, bool or str"):
        encode_labels(np.array([1 + 2j]))
    with pytest.raises(ValueError, match="out of range for uint8"):
        decode_labels({"kind": "uint8", "data": [300]}, "classes_")
    with pytest.raises(ValueError, match="wrong type"):
        decode_labels({"kind": "bool", "data": [0, 1]}, "classes_")
    with pytest.raises(ValueError, match="unknown kind"):
        decode_labels({"kind": "complex128", "data": [1]}, "classes_")
    with pytest.raises(ValueError, match="must hold a list of labels"):
        decode_labels({"kind": "int64", "data": [1, 2, 3]}, "classes_", max_values=2)


def test_names_and_counts() -> None:
    assert decode_names(["a", "b"], 2, "names").tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="must be a list of 3 strings"):
        decode_names(["a", "b"], 3, "names")
    with pytest.raises(ValueError, match="must name each feature once"):
        decode_names(["a", "a"], 2, "names")
    assert decode_count(4, "n_iter_") == 4
    with pytest.raises(ValueError, match=r"n_iter_ must be an integer >= 1, got True"):
        decode_count(True, "n_iter_", 1)


def _fitted() -> list[Any]:
    binary = (Y_IRIS == 2).astype(float)
    return [
        SigmoidNeuron(max_epochs=30).fit(X_IRIS.astype(np.float32), binary),
        LogisticRegression().fit(X_IRIS, np.array(["a", "b", "c"])[Y_IRIS]),
        LogisticRegression().fit(X_IRIS, Y_IRIS == 1),
        LinearRegression().fit(X_IRIS[:, 1:], X_IRIS[:, 0]),
        LinearRegression().fit(X_IRIS[:, 2:], X_IRIS[:, :2]),
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("index", range(5))
def test_each_estimator_restores_its_own_state(index: int) -> None:
    model = _fitted()[index]
    state = _through_json(model._get_fitted_state())
    fresh = type(model)(**model.get_params())
    fresh._set_fitted_state(state)
    X = X_IRIS.astype(np.float32) if index == 0 else X_IRIS[:, -model.n_features_in_ :]
    for method in ("predict", "predict_proba", "decision_function", "predict_logit"):
        if hasattr(model, method):
            assert getattr(fresh, method)(X).tobytes() == getattr(model, method)(X).tobytes()
    assert fresh.n_iter_ == model.n_iter_ and fresh.history_.loss == model.history_.loss
    if isinstance(model, LogisticRegression):
        assert fresh.classes_.tolist() == model.classes_.tolist()
    if isinstance(model, LinearRegression):
        assert fresh._multi_output == (np.ndim(model.coef_) == 2)


def test_a_refused_state_sets_nothing() -> None:
    model = LogisticRegression().fit(X_IRIS, Y_IRIS)
    state = _through_json(model._get_fitted_state())
    state["coef_"]["shape"] = [2, 4]
    state["coef_"]["data"] = state["coef_"]["data"][:8]
    fresh = LogisticRegression()
    with pytest.raises(ValueError, match=r"coef_ has shape \(2, 4\).*needs \(3, 4\)"):
        fresh._set_fitted_state(state)
    assert not hasattr(fresh, "coef_") and not hasattr(fresh, "classes_")
    with pytest.raises(ValueError, match="at least two distinct labels"):
        LogisticRegression()._set_fitted_state({**state, "classes_": encode_labels([1, 1])})
    with pytest.raises(ValueError, match="attributes must be a JSON object"):
        SigmoidNeuron()._set_fitted_state([1, 2])


def test_an_unfitted_estimator_has_no_state() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SigmoidNeuron()._get_fitted_state()
