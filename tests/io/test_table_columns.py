"""Choosing and converting table columns: the feature rule on a header, and each column
as checked numbers (oracles: the lists and frames written here, and pandas' own
conversion of clean columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron.io.table_columns import (
    feature_matrix,
    label_column,
    numeric_column,
    parse_columns,
    require_columns,
    select_features,
    unnamed_columns,
)


def test_parse_columns() -> None:
    assert parse_columns("a, b ,c") == ["a", "b", "c"]
    assert parse_columns(None) is None
    with pytest.raises(ValueError, match="--features"):
        parse_columns("a,,b")
    with pytest.raises(ValueError, match="twice"):
        parse_columns("a,b,a")


def test_the_default_features_are_every_column_but_the_target_in_order() -> None:
    assert select_features(["b", "y", "a", "c"], "y", None, "DATA") == ["b", "a", "c"]
    assert select_features(["b", "y", "a"], "y", ["a", "b"], "DATA") == ["a", "b"]


@pytest.mark.parametrize(
    ("columns", "target", "features", "match"),
    [
        (
            ["a", "b"],
            "y",
            None,
            r"--target: column\(s\) 'y' not in DATA 'd.csv'; its columns "
            r"are 'a', 'b'",
        ),
        (["a", "y"], "y", ["a", "zz"], r"--features: column\(s\) 'zz' not in DATA 'd.csv'"),
        (["a", "y"], "y", ["a", "y"], "--features includes the target column 'y'"),
        (["a", "", "y"], "y", None, "DATA 'd.csv': column 2 has no name in the header"),
        (["y"], "y", None, "DATA 'd.csv' has only the target column 'y'"),
        (["a", "a", "y"], "y", None, r"column 'a' appears 2 times \(columns 1 and 2\)"),
    ],
)
def test_a_wrong_choice_is_refused_naming_the_file(
    columns: list[str], target: str, features: list[str] | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        select_features(columns, target, features, "DATA 'd.csv'")


def test_an_unnamed_column_may_be_left_out_with_features() -> None:
    assert select_features(["", "a", "y"], "y", ["a"], "DATA") == ["a"]
    assert unnamed_columns(["", "a", " ", "y"]) == [1, 3]


def test_many_missing_columns_are_listed_briefly() -> None:
    columns = [f"c{i}" for i in range(30)]
    with pytest.raises(ValueError, match=r"its columns are 'c0', .*'c11', \.\.\. \(30 in all\)"):
        require_columns(columns, ["nope"], "DATA", "--features")


def test_columns_convert_as_pandas_does_for_clean_cells() -> None:
    frame = pd.DataFrame(
        {
            "f": [0.5, -1.25, 3.0],
            "i": [1, 2, 3],
            "b": [True, False, True],
            "s": ["1.5", "2", "-3e2"],
        }
    )
    for name in ("f", "i", "b"):
        expected = frame[name].astype(np.float64).to_numpy()
        np.testing.assert_array_equal(numeric_column(frame, name), expected)
    np.testing.assert_array_equal(numeric_column(frame, "s"), [1.5, 2.0, -300.0])
    X = feature_matrix(frame, ["i", "f"])
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, frame[["i", "f"]].to_numpy(dtype=np.float64))


def test_float32_columns_stay_float32() -> None:
    frame = pd.DataFrame({"a": np.float32([0.1, 0.2]), "b": np.float32([1.5, 2.5])})
    X = feature_matrix(frame, ["b", "a"])
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, frame[["b", "a"]].to_numpy())
    mixed = frame.assign(c=[1.0, 2.0])
    assert feature_matrix(mixed, ["a", "c"]).dtype == np.float64


def test_labels_are_numbers_when_every_cell_is_one() -> None:
    frame = pd.DataFrame({"n": ["1", "2", "1"], "t": ["ham", "spam", "ham"]})
    assert label_column(frame, "n").tolist() == [1, 2, 1]
    labels = label_column(frame, "t")
    assert labels.dtype == object and labels.tolist() == ["ham", "spam", "ham"]
