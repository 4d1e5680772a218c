"""The fit's input validation (``estimators/_backend.fit_inputs``): plain NumPy arrays take
a shortcut past scikit-learn's ``validate_data``; what the estimator ends up with must be
what ``validate_data`` gives (scikit-learn's own estimators and ``validate_data`` are the
oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.utils.validation import validate_data

from sigmoid_neuron import LinearRegression, LogisticRegression
from sigmoid_neuron.estimators._backend import _plain_arrays, fit_inputs

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y_CLASS = (X[:, 0] > 0).astype(int)
Y_REAL = X @ [1.0, -2.0, 0.5]


@pytest.mark.parametrize(
    ("X_in", "y_in", "plain"),
    [
        (X, Y_CLASS, True),
        (X.astype(np.float32), Y_REAL, True),
        (np.asfortranarray(X), Y_CLASS.astype(bool), True),
        (X[:, ::2], Y_REAL, True),  # a strided view is passed through as well
        (X.astype(int), Y_CLASS, False),  # converted to float64 by scikit-learn
        (X, Y_CLASS[:, None], False),  # a column vector: scikit-learn warns and ravels
        (X, Y_CLASS.astype(str), False),
        (X, Y_CLASS[:-1], False),  # inconsistent lengths: scikit-learn's error
        (X[:0], Y_CLASS[:0], False),  # no rows: scikit-learn's error
        (X[:, 0], Y_CLASS, False),  # 1-D X: scikit-learn's error
        (pd.DataFrame(X), Y_CLASS, False),
        (np.ma.masked_array(X), Y_CLASS, False),  # a subclass
    ],
)
def test_the_shortcut_takes_only_what_validate_data_passes_through(
    X_in: object, y_in: object, plain: bool
) -> None:
    assert _plain_arrays(X_in, y_in) is plain
    if plain:
        model = LogisticRegression()
        X_out, y_out, _ = fit_inputs(model, X_in, y_in, None, reset=True, y_params={})
        X_sk, y_sk = validate_data(
            SkLogisticRegression(), X_in, y_in, dtype=[np.float64, np.float32]
        )
        assert X_out is X_in and y_out is y_in
        assert X_sk.dtype == X_out.dtype and np.array_equal(X_sk, X_out)
        assert np.array_equal(y_sk, y_out)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_float_target_is_refused_as_scikit_learn_refuses_it(bad: float) -> None:
    y = Y_REAL.copy()
    y[3] = bad
    with pytest.raises(ValueError) as ours:
        LinearRegression().fit(X, y)
    with pytest.raises(ValueError) as theirs:
        SkLinearRegression().fit(X, y)
    first_line = str(theirs.value).splitlines()[0]
    assert first_line.replace("SkLinearRegression", "LinearRegression") in str(ours.value)


def test_a_refit_on_arrays_forgets_the_dataframe_names_like_scikit_learn() -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    ours, theirs = LogisticRegression(), SkLogisticRegression()
    for model in (ours, theirs):
        model.fit(frame, Y_CLASS)
        assert list(model.feature_names_in_) == ["a", "b", "c"]
        model.fit(X[:, :2], Y_CLASS)
    assert hasattr(ours, "feature_names_in_") == hasattr(theirs, "feature_names_in_") is False
    assert ours.n_features_in_ == theirs.n_features_in_ == 2
