"""``class_weight`` on LogisticRegression: scikit-learn's semantics.

Oracles: scikit-learn's LogisticRegression with the same ``class_weight`` (and ``C = 1 /
(alpha sum_i s_i c_{y_i})``, the same minimiser; "balanced" counts the classes with the
sample weights, as scikit-learn >= 1.7 does) on the breast-cancer and wine data, and
the identity "class weights = sample weights c_{y_i}".
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from sigmoid_neuron.estimators import LogisticRegression

ALPHA = 1e-2


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    loader = load_breast_cancer if name == "breast_cancer" else load_wine
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sklearn(X: np.ndarray, y: np.ndarray, class_weight: object, sw: np.ndarray | None):
    classes = np.unique(y)
    per_class = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sw)
    total = per_class[np.searchsorted(classes, y)] * (1.0 if sw is None else sw)
    C = 1.0 / (ALPHA * total.sum())
    model = SkLogistic(
        C=C, class_weight=class_weight, solver="newton-cholesky", tol=1e-12, max_iter=1000
    )
    return model.fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("name", ["breast_cancer", "wine"])
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_weight_equals_scikit_learn(name: str, class_weight: str, weighted: bool) -> None:
    X, y = _data(name)
    spec: object = class_weight
    if class_weight == "dict":
        spec = {int(c): 1.0 + 0.75 * k for k, c in enumerate(np.unique(y))}
    sw = np.random.default_rng(2).uniform(0.3, 3.0, size=y.size) if weighted else None
    ours = LogisticRegression(alpha=ALPHA, class_weight=spec, tol=1e-10).fit(X, y, sw)
    theirs = _sklearn(X, y, spec, sw)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-7)


def test_class_weights_are_sample_weights_per_class() -> None:
    X, y = _data("wine")
    weights = {0: 0.5, 2: 3.0}  # class 1 left out: weight 1
    by_class = LogisticRegression(alpha=ALPHA, class_weight=weights, tol=1e-10).fit(X, y)
    per_row = np.array([weights.get(int(label), 1.0) for label in y])
    by_row = LogisticRegression(alpha=ALPHA, tol=1e-10).fit(X, y, sample_weight=per_row)
    np.testing.assert_allclose(by_class.coef_, by_row.coef_, rtol=1e-9, atol=1e-10)


def test_string_labels_and_partial_fit_with_a_dict() -> None:
    X, y = _data("breast_cancer")
    labels = np.where(y == 1, "benign", "malignant")
    weights = {"benign": 1.0, "malignant": 4.0}
    model = LogisticRegression(optimizer="sgd", class_weight=weights, random_state=0)
    model.partial_fit(X, labels, classes=["benign", "malignant"])
    per_row = np.where(labels == "malignant", 4.0, 1.0)
    same = LogisticRegression(optimizer="sgd", random_state=0)
    same.partial_fit(X, labels, classes=["benign", "malignant"], sample_weight=per_row)
    np.testing.assert_allclose(model.coef_, same.coef_, rtol=1e-12)


@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        ({0: 1.0, 7: 2.0}, "class_weight has the class 7"),
        ({0: -1.0}, r"class_weight\[0\] must be a finite number >= 0"),
        ({1: float("nan")}, r"class_weight\[1\] must be a finite number >= 0"),
        ("bogus", "class_weight"),
    ],
)
def test_bad_class_weights_are_refused_naming_the_argument(
    class_weight: object, message: str
) -> None:
    X, y = _data("breast_cancer")
    with pytest.raises(ValueError, match=message):
        LogisticRegression(class_weight=class_weight).fit(X, y)


def test_balanced_weights_need_all_of_y_so_partial_fit_refuses_them() -> None:
    X, y = _data("breast_cancer")
    model = LogisticRegression(optimizer="sgd", class_weight="balanced")
    with pytest.raises(ValueError, match="partial_fit"):
        model.partial_fit(X, y, classes=[0, 1])
