"""The demo's numbers against independent computations: the notes' loop transcribed,
SciPy's expit and entropy, scikit-learn's LogisticRegression."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import entropy as scipy_entropy
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.demo import (
    FIGURES,
    DemoResult,
    five_point_experiment,
    format_report,
    gradient_descent_path,
    run_demo,
    sigmoid_table,
    toy_experiment,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def notes_loop(X, Y, loss, w, b, eta, max_epochs):  # type: ignore[no-untyped-def]
    """The notes' do_gradient_descent (seed 002), transcribed; returns (w, b, errors).

    ``errors[t]`` is the notes' error(w, b) (a sum over the points) before epoch t and
    after the last one. Cross-entropy uses the notes' updated grad_w/grad_b.
    """

    def f(w, b, x):  # type: ignore[no-untyped-def]
        return 1.0 / (1.0 + math.exp(-(w * x + b)))

    def error(w, b):  # type: ignore[no-untyped-def]
        err = 0.0
        for x, y in zip(X, Y, strict=True):
            fx = f(w, b, x)
            if loss == "squared_error":
                err += 0.5 * (fx - y) ** 2
            else:
                err += -((1 - y) * math.log(1 - fx) + y * math.log(fx))
        return err

    def grad_b(w, b, x, y):  # type: ignore[no-untyped-def]
        fx = f(w, b, x)
        return (fx - y) * fx * (1 - fx) if loss == "squared_error" else (fx - y)

    def grad_w(w, b, x, y):  # type: ignore[no-untyped-def]
        return grad_b(w, b, x, y) * x

    errors = []
    for _ in range(max_epochs):
        errors.append(error(w, b))
        dw, db = 0, 0
        for x, y in zip(X, Y, strict=True):
            dw += grad_w(w, b, x, y)
            db += grad_b(w, b, x, y)
        w = w - eta * dw
        b = b - eta * db
    errors.append(error(w, b))
    return w, b, errors


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "figures")


@pytest.fixture(scope="module")
def sklearn_fit() -> dict[str, float]:
    """An independent scikit-learn fit on the demo's split: C = 1, lbfgs at a tight tol.

    Made here, not taken from the demo: the demo's own scikit-learn numbers are only
    compared with it.
    """
    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    sk = SkLogisticRegression(C=1.0, solver="lbfgs", max_iter=10_000, tol=1e-12)
    sk.fit(X_train, y_train)
    return {
        "n_train": float(len(X_train)),
        "n_test": float(len(X_test)),
        "accuracy": float(accuracy_score(y_test, sk.predict(X_test))),
        "log_loss": float(log_loss(y_test, sk.predict_proba(X_test))),
    }


def test_sigmoid_table_matches_scipy_and_the_notes_truncation() -> None:
    rows = sigmoid_table()
    assert [r.x for r in rows] == [-5.5, 6.5, 0.4]
    for row, printed in zip(rows, ["0.0040", "0.9984", "0.5986"], strict=True):
        assert row.value == pytest.approx(expit(row.x), rel=1e-15)
        assert row.notes == printed
        assert row.truncated == f"{math.floor(expit(row.x) * 1e4) / 1e4:.4f}" == printed
        assert row.rounded == f"{expit(row.x):.4f}"
        assert row.rounded != row.notes  # the notes did not round


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_toy_runs_equal_the_notes_loop(demo: DemoResult, loss: str) -> None:
    w, b, errors = notes_loop([0.5, 2.5], [0.2, 0.9], loss, -2.0, -2.0, 1.0, 1000)
    run = demo.toy.runs[loss]
    assert demo.toy.learning_rate == 2.0
    assert run.w == pytest.approx(w, abs=1e-9)
    assert run.b == pytest.approx(b, abs=1e-9)
    assert run.path.shape == (1001, 2)
    np.testing.assert_array_equal(run.path[0], [-2.0, -2.0])
    # our loss is the mean, the notes' error the sum over the 2 points
    n_checked = 1001 if loss == "squared_error" else 150  # math.log(1 - fx) degrades later
    np.testing.assert_allclose(
        run.losses[:n_checked], np.array(errors[:n_checked]) / 2, rtol=1e-9, atol=1e-15
    )
    np.testing.assert_allclose(run.predictions, expit(w * np.array([0.5, 2.5]) + b), atol=1e-9)


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
def test_toy_estimator_reproduces_the_notes_loop(demo: DemoResult, loss: str) -> None:
    """SigmoidNeuron(optimizer='gd') against the notes' loop, not against the demo's run."""
    w, b, _ = notes_loop([0.5, 2.5], [0.2, 0.9], loss, -2.0, -2.0, 1.0, 1000)
    assert set(demo.toy.estimator) == {"squared_error", "cross_entropy"}
    assert demo.toy.estimator[loss][0] == pytest.approx(w, abs=1e-9)
    assert demo.toy.estimator[loss][1] == pytest.approx(b, abs=1e-9)


def test_cross_entropy_ends_at_the_entropy_of_the_targets(demo: DemoResult) -> None:
    toy = demo.toy
    h = np.mean([scipy_entropy([y, 1 - y]) for y in (0.2, 0.9)])
    assert toy.target_entropy == pytest.approx(h, rel=1e-14)
    ce = toy.runs["cross_entropy"]
    kl = np.mean(
        [
            scipy_entropy([y, 1 - y], [p, 1 - p])
            for y, p in zip((0.2, 0.9), ce.predictions, strict=True)
        ]
    )
    assert toy.kl == pytest.approx(kl, abs=1e-15)
    assert toy.kl < 1e-12
    assert ce.final_loss == pytest.approx(h + kl, rel=1e-12)
    # both losses are minimised by the exact fit sigma(w x_i + b) = y_i
    zl = np.log([0.2 / 0.8, 0.9 / 0.1])
    w_exact = (zl[1] - zl[0]) / 2.0
    assert toy.exact_w == pytest.approx(w_exact, rel=1e-14)
    assert toy.exact_b == pytest.approx(zl[0] - 0.5 * w_exact, rel=1e-14)
    assert ce.w == pytest.approx(w_exact, abs=1e-7)
    assert toy.runs["squared_error"].w == pytest.approx(w_exact, abs=1e-3)


def test_five_point_table_equals_the_notes_loop(demo: DemoResult) -> None:
    five = demo.five_point
    X = [1.2, -2.1, 3.2, -0.5, 0.6]
    Y = [0, 1, 0, 1, 1]
    assert five.learning_rate == 1.0
    w, b, errors = notes_loop(X, Y, "cross_entropy", 0.0, 0.0, 1.0 / 5, 1000)
    assert five.run.w == pytest.approx(w, rel=1e-9)
    assert five.run.b == pytest.approx(b, rel=1e-9)
    np.testing.assert_allclose(five.run.losses[:200], np.array(errors[:200]) / 5, rtol=1e-9)
    assert five.accuracy == 1.0
    assert five.boundary == pytest.approx(-b / w, rel=1e-9)
    assert 0.6 < five.boundary < 1.2  # between the classes


def test_five_point_loss_keeps_falling_on_separable_data() -> None:
    short = five_point_experiment(epochs=200)
    long = five_point_experiment(epochs=400)
    assert long.run.final_loss < short.run.final_loss
    assert abs(long.run.w) > abs(short.run.w)


def test_real_data_matches_an_independent_scikit_learn_fit(
    demo: DemoResult, sklearn_fit: dict[str, float]
) -> None:
    real = demo.real
    assert (real.n_train, real.n_test, real.n_features) == (426, 143, 30)
    assert (real.n_train, real.n_test) == (sklearn_fit["n_train"], sklearn_fit["n_test"])
    assert real.alpha == pytest.approx(1 / 426, rel=1e-15)  # C = 1 on the summed loss
    # the demo's scikit-learn column is the same fit as ours made here
    assert real.sklearn_accuracy == sklearn_fit["accuracy"]
    assert real.sklearn_log_loss == pytest.approx(sklearn_fit["log_loss"], rel=1e-7)
    # our model reaches scikit-learn's optimum: same predictions, same test log loss
    assert real.accuracy == sklearn_fit["accuracy"]
    assert real.accuracy > 0.93
    assert real.log_loss == pytest.approx(sklearn_fit["log_loss"], rel=1e-7)
    assert real.prediction_agreement == 1.0
    assert 0 <= real.max_coef_difference < 1e-6
    assert real.n_iter >= 1


def test_figures_are_valid_pngs(demo: DemoResult) -> None:
    assert [p.name for p in demo.figures] == list(FIGURES)
    for path in demo.figures:
        data = Path(path).read_bytes()
        assert data.startswith(PNG_SIGNATURE), path
        image = mpimg.imread(path)
        assert image.shape[0] > 400 and image.shape[1] > 600, path
        assert image[..., :3].std() > 0.05, path  # something is drawn


def test_report_shows_the_numbers(demo: DemoResult, sklearn_fit: dict[str, float]) -> None:
    """The printed numbers against independent values: SciPy, the notes' loop, scikit-learn."""
    text = format_report(demo)
    for x in (-5.5, 6.5, 0.4):
        assert f"{expit(x):.10f}" in text and f"{math.floor(expit(x) * 1e4) / 1e4:.4f}" in text
    w, b, _ = notes_loop([0.5, 2.5], [0.2, 0.9], "cross_entropy", -2.0, -2.0, 1.0, 1000)
    assert f"{w:>9.5f} {b:>9.5f}" in text
    h = np.mean([scipy_entropy([y, 1 - y]) for y in (0.2, 0.9)])
    assert f"H(targets) {h:.8f}" in text
    expected = [f"{sklearn_fit['accuracy']:.4f}", f"{sklearn_fit['log_loss']:.4f}"]
    rows = {
        line.split()[0]: line.split()[1:]
        for line in text.splitlines()
        if line.strip().startswith(("sigmoid-neuron ", "scikit-learn "))
    }
    assert rows == {"sigmoid-neuron": expected, "scikit-learn": expected}
    for name in FIGURES:
        assert name in text


def test_gradient_descent_path_validates() -> None:
    with pytest.raises(ValueError, match="loss must be one of"):
        gradient_descent_path([1.0], [0.5], "hinge", (0.0, 0.0), 1.0, 3)
    with pytest.raises(ValueError, match="epochs"):
        gradient_descent_path([1.0], [0.5], "cross_entropy", (0.0, 0.0), 1.0, -1)


def test_toy_without_estimator_runs_the_same_loop() -> None:
    toy = toy_experiment(epochs=50, use_estimator=False)
    assert toy.estimator == {}
    w, b, _ = notes_loop([0.5, 2.5], [0.2, 0.9], "squared_error", -2.0, -2.0, 1.0, 50)
    assert toy.runs["squared_error"].w == pytest.approx(w, abs=1e-12)
    assert toy.runs["squared_error"].b == pytest.approx(b, abs=1e-12)
