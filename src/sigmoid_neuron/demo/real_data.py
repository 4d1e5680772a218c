"""4. Logistic regression on the breast-cancer data next to scikit-learn's, and the
two-feature model of the decision-boundary figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sigmoid_neuron.demo.data import BOUNDARY_FEATURES, Array


@dataclass
class RealDataResult:
    """Our LogisticRegression next to scikit-learn's on the same split and objective."""

    dataset: str
    n_train: int
    n_test: int
    n_features: int
    alpha: float  #: our penalty on the mean loss; scikit-learn's C = 1 / (alpha n_train)
    accuracy: float
    sklearn_accuracy: float
    log_loss: float
    sklearn_log_loss: float
    max_coef_difference: float  #: max |w_ours - w_sklearn| (standardised features)
    prediction_agreement: float  #: share of test rows where both predict the same class
    n_iter: int


def breast_cancer_experiment(test_size: float = 0.25, random_state: int = 0) -> RealDataResult:
    """Fit L2-penalised logistic regression on the standardised breast-cancer data.

    Both models minimise (1/n) sum_i log(1 + e^{z_i}) - y_i z_i + (alpha/2) ||w||^2
    with alpha = 1/n_train, which is scikit-learn's C = 1 objective divided by n_train,
    both by Newton's method to a tight tolerance, so their coefficients agree to ~1e-10;
    the test accuracies and log losses are reported side by side.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sigmoid_neuron.estimators import LogisticRegression

    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data,
        data.target,
        test_size=test_size,
        random_state=random_state,
        stratify=data.target,
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    n_train = len(X_train)
    alpha = 1.0 / n_train
    ours = LogisticRegression(alpha=alpha, optimizer="newton", tol=1e-10).fit(X_train, y_train)
    theirs = SkLogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    theirs.fit(X_train, y_train)
    p_ours = ours.predict_proba(X_test)
    p_theirs = theirs.predict_proba(X_test)
    return RealDataResult(
        dataset="breast cancer (scikit-learn)",
        n_train=n_train,
        n_test=len(X_test),
        n_features=X_train.shape[1],
        alpha=alpha,
        accuracy=float(accuracy_score(y_test, ours.predict(X_test))),
        sklearn_accuracy=float(accuracy_score(y_test, theirs.predict(X_test))),
        log_loss=float(log_loss(y_test, p_ours)),
        sklearn_log_loss=float(log_loss(y_test, p_theirs)),
        max_coef_difference=float(np.max(np.abs(np.ravel(ours.coef_) - np.ravel(theirs.coef_)))),
        prediction_agreement=float(np.mean(ours.predict(X_test) == theirs.predict(X_test))),
        n_iter=int(np.max(ours.n_iter_)),
    )


def boundary_model(features: tuple[str, str] = BOUNDARY_FEATURES) -> tuple[Any, Array, Array]:
    """``(model, X, y)``: a scaler + LogisticRegression pipeline on two breast-cancer features.

    The pipeline takes raw feature values, so the figure's axes are in the data's units.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sigmoid_neuron.estimators import LogisticRegression

    data = load_breast_cancer()
    names = list(data.feature_names)
    missing = [f for f in features if f not in names]
    if missing:
        raise ValueError(f"features {missing} are not breast-cancer features; pick from {names}")
    X = data.data[:, [names.index(f) for f in features]]
    y = data.target
    model = Pipeline([("scaler", StandardScaler()), ("model", LogisticRegression())])
    model.fit(X, y)
    return model, X, y
