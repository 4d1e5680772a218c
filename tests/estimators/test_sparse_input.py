"""SciPy sparse X (CSR and CSC) in fit and predict of the three estimators.

Oracle: the same estimator on the densified matrix must give the same coefficients to
1e-8 on every optimizer (the sparse and dense passes are separate implementations:
sparse products and the CSR loop against the dense kernels), and scikit-learn's
LogisticRegression / LinearRegression fitted on the sparse matrix must agree at the
optimum. The data: a realistic table's one-hot blocks (sigmoid_neuron.datasets) as CSR.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LinearRegression as SkLinear
from sklearn.linear_model import LogisticRegression as SkLogistic

from sigmoid_neuron.datasets import make_tabular
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron


def _one_hot_table(kind: str, n: int = 1500) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    X, y, _ = make_tabular(n, n_numeric=2, levels=(4, 9, 17), kind=kind, random_state=3)
    # the one-hot columns (0/1, about a third of them stored) plus one numeric column
    dense = np.hstack([X[:, 2:], X[:, :1] / X[:, :1].std()])
    return scipy.sparse.csr_matrix(dense), y


def _targets(kind: str, y: np.ndarray) -> np.ndarray:
    if kind == "neuron":
        return 0.1 + 0.8 * (y > np.median(y))
    return y


CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("binary", LogisticRegression, {"optimizer": "auto"}),
    ("binary", LogisticRegression, {"optimizer": "lbfgs"}),
    ("binary", LogisticRegression, {"optimizer": "newton"}),
    ("binary", LogisticRegression, {"optimizer": "gd", "learning_rate": 1.0, "tol": None,
                                    "max_epochs": 30}),
    ("binary", LogisticRegression, {"optimizer": "sgd", "learning_rate": 0.05, "tol": None,
                                    "max_epochs": 3, "random_state": 0}),
    ("multinomial", LogisticRegression, {"optimizer": "auto"}),
    ("multinomial", LogisticRegression, {"optimizer": "lbfgs"}),
    ("linear", LinearRegression, {"optimizer": "auto"}),
    ("linear", LinearRegression, {"optimizer": "newton"}),
    ("linear", LinearRegression, {"optimizer": "adam", "learning_rate": 0.01, "tol": None,
                                  "max_epochs": 5, "batch_size": 64, "random_state": 1}),
    ("binary", LogisticRegression, {"optimizer": "working_set", "alpha": 0.02, "l1_ratio": 0.7}),
    ("multinomial", LogisticRegression, {"optimizer": "working_set", "alpha": 0.02,
                                         "l1_ratio": 1.0}),
    ("linear", LinearRegression, {"optimizer": "working_set", "alpha": 0.05, "l1_ratio": 0.5}),
    ("binary", LogisticRegression, {"optimizer": "owlqn", "alpha": 0.02, "l1_ratio": 0.7}),
    ("binary", LogisticRegression, {"optimizer": "prox_newton", "alpha": 0.02, "l1_ratio": 0.7}),
    ("binary", LogisticRegression, {"optimizer": "nesterov", "learning_rate": 0.5, "tol": None,
                                    "max_epochs": 30}),
    ("multinomial", LogisticRegression, {"optimizer": "newton"}),
    ("multinomial", LogisticRegression, {"optimizer": "lbfgs_newton"}),
    ("linear", LinearRegression, {"optimizer": "lstsq"}),
    ("linear", LinearRegression, {"optimizer": "lbfgs"}),
    ("neuron", SigmoidNeuron, {"optimizer": "auto"}),
    ("neuron", SigmoidNeuron, {"optimizer": "lbfgs"}),
    ("neuron", SigmoidNeuron, {"optimizer": "newton"}),
    ("neuron", SigmoidNeuron, {"optimizer": "momentum", "learning_rate": 0.5, "tol": None,
                               "max_epochs": 20}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "cls", "params"), CASES)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_and_dense_input_give_the_same_coefficients(
    kind: str, cls: Any, params: dict[str, Any], fmt: str
) -> None:
    X, y = _one_hot_table("linear" if kind in ("linear", "neuron") else kind)
    y = _targets(kind, y)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.shape[0])
    tight = {"tol": 1e-10, "max_epochs": 1000}
    settings = {"alpha": 1e-3, **tight, **params}
    sparse = cls(**settings).fit(X.asformat(fmt), y, sample_weight=sw)
    dense = cls(**settings).fit(X.toarray(), y, sample_weight=sw)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(
        sparse.predict(X.asformat(fmt)), dense.predict(X.toarray()), rtol=1e-8, atol=1e-8
    )


def test_logistic_regression_on_csr_reaches_scikit_learns_optimum() -> None:
    X, y = _one_hot_table("binary")
    alpha = 1e-3
    ours = LogisticRegression(alpha=alpha, tol=1e-10).fit(X, y)
    C = 1 / (alpha * X.shape[0])
    theirs = SkLogistic(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-7)


def test_linear_regression_on_csr_is_exact_least_squares() -> None:
    X, y = _one_hot_table("linear")
    # the one-hot blocks are collinear with the intercept: the minimum-norm answer
    ours = LinearRegression().fit(X[:, 3:], y)
    theirs = SkLinear().fit(X[:, 3:].toarray(), y)
    np.testing.assert_allclose(ours.predict(X[:, 3:]), theirs.predict(X[:, 3:].toarray()),
                               rtol=1e-9, atol=1e-9)  # fmt: skip
    assert ours.solver_ == "lstsq"


def test_sparse_input_with_nan_is_refused_naming_x() -> None:
    X, y = _one_hot_table("binary", n=200)
    X = X.copy()
    X.data[3] = np.nan
    with pytest.raises(ValueError, match="X"):
        LogisticRegression().fit(X, y)
