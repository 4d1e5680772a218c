"""The notes' experiments on built-in data, as library functions that return results.

``run_demo()`` runs all four; ``format_report(result)`` renders the summary the
``sigmoid-neuron demo`` command prints, and ``write_figures(result, out_dir)`` draws the
figures. Nothing here prints.

1. The sigmoid table: g(-5.5), g(6.5), g(0.4). The notes print 0.0040, 0.9984, 0.5986:
   the true values 0.0040701, 0.9984988, 0.5986877 *truncated* (not rounded) to 4 places.
2. The toy neuron of the notes: X = [0.5, 2.5], Y = [0.2, 0.9], w = b = -2, eta = 1,
   1000 epochs of full-batch gradient descent, with squared error and with
   cross-entropy. The notes' loop *sums* the gradients of the 2 points; our objective is
   the mean, so the same iterates come from learning_rate = n * eta = 2. Cross-entropy
   on soft targets ends at the entropy of the targets:
   CE = (1/n) sum_i H(y_i) + (1/n) sum_i KL(y_i || y_hat_i), with KL -> 0.
3. The notes' five-point table (I/P 1.2, -2.1, 3.2, -0.5, 0.6; O/P 0, 1, 0, 1, 1)
   learned with cross-entropy. The classes are separable (every x < 0.9 is class 1), so
   the loss keeps falling towards 0 while |w| keeps growing.
4. Logistic regression on a real data set (scikit-learn's breast cancer, standardised,
   stratified train/test split) next to scikit-learn's ``LogisticRegression`` fitted to
   the same penalised objective (C = 1 is alpha = 1 / n_train on the mean loss).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

#: The notes' sigmoid table: the points and the values the notes print.
NOTES_SIGMOID: dict[float, str] = {-5.5: "0.0040", 6.5: "0.9984", 0.4: "0.5986"}

#: The notes' toy data (seed 002) and starting point.
TOY_X: tuple[float, ...] = (0.5, 2.5)
TOY_Y: tuple[float, ...] = (0.2, 0.9)
TOY_START: tuple[float, float] = (-2.0, -2.0)

#: The notes' five-point table (seed 002).
FIVE_X: tuple[float, ...] = (1.2, -2.1, 3.2, -0.5, 0.6)
FIVE_Y: tuple[float, ...] = (0.0, 1.0, 0.0, 1.0, 1.0)

#: Neuron loss name -> pointwise loss on the logit in :mod:`sigmoid_neuron.objective.links`.
NEURON_LOSSES: dict[str, str] = {
    "squared_error": "sigmoid_squared_error",
    "cross_entropy": "cross_entropy",
}

#: Figure file names written by :func:`write_figures`.
FIGURES: tuple[str, ...] = (
    "sigmoid.png",
    "loss_curves.png",
    "error_surface_squared_error.png",
    "error_surface_cross_entropy.png",
    "decision_boundary.png",
)


# --------------------------------------------------------------------------- 1. table


@dataclass(frozen=True)
class SigmoidRow:
    """One line of the sigmoid table: g(x) exactly, as the notes print it, and rounded."""

    x: float
    value: float  #: g(x) = 1 / (1 + e^-x) in float64
    truncated: str  #: g(x) truncated to 4 decimals (what the notes print)
    rounded: str  #: g(x) rounded to 4 decimals
    notes: str  #: the value printed in the notes


def _decimals(value: float, places: int, rounding: str) -> str:
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(value).quantize(quantum, rounding=rounding))


def sigmoid_table(points: dict[float, str] | None = None) -> list[SigmoidRow]:
    """g(x) = 1 / (1 + e^-x) at the notes' points, truncated and rounded to 4 places.

    The decimal conversions are exact (``decimal`` on the float64 value), so truncation
    is never confused by binary rounding.
    """
    from sigmoid_neuron.functional.activations import sigmoid

    points = NOTES_SIGMOID if points is None else points
    rows = []
    for x, printed in points.items():
        g = float(np.asarray(sigmoid(np.float64(x))))
        rows.append(
            SigmoidRow(
                x=float(x),
                value=g,
                truncated=_decimals(g, 4, ROUND_DOWN),
                rounded=_decimals(g, 4, ROUND_HALF_EVEN),
                notes=printed,
            )
        )
    return rows


# ----------------------------------------------------------------- 2. toy neuron


@dataclass
class DescentRun:
    """Full-batch gradient descent on one loss: the path of (w, b) and the loss along it.

    ``path[t]`` is (w, b) after t epochs (``path[0]`` the start) and ``losses[t]`` the mean
    loss J(w, b) there, so both have ``epochs + 1`` rows.
    """

    loss: str
    path: Array
    losses: Array
    predictions: Array  #: y_hat = sigma(w x + b) at the end

    @property
    def w(self) -> float:
        """Final weight."""
        return float(self.path[-1, 0])

    @property
    def b(self) -> float:
        """Final bias."""
        return float(self.path[-1, 1])

    @property
    def final_loss(self) -> float:
        """Mean loss at the end."""
        return float(self.losses[-1])


def gradient_descent_path(
    x: Any,
    y: Any,
    loss: str,
    start: tuple[float, float],
    learning_rate: float,
    epochs: int,
) -> DescentRun:
    """Run theta_{t+1} = theta_t - learning_rate * grad J(theta_t) for ``epochs`` epochs.

    J(w, b) = (1/n) sum_i l(y_i, w x_i + b) is the one-input neuron's mean loss from
    :func:`~sigmoid_neuron.objective.make_objective`, the step is
    :func:`sigmoid_neuron.optim.rules.gd`. With ``learning_rate = n * eta`` this is
    exactly the notes' loop, which sums the per-point gradients and steps by eta.
    """
    from sigmoid_neuron.objective import LOSSES, make_objective
    from sigmoid_neuron.optim.rules import gd

    if loss not in NEURON_LOSSES:
        raise ValueError(f"loss must be one of {sorted(NEURON_LOSSES)}, got {loss!r}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    X = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    pointwise = LOSSES[NEURON_LOSSES[loss]]()
    objective = make_objective(X, np.asarray(y, dtype=np.float64), pointwise)
    rule = gd(learning_rate)
    theta = np.array(start, dtype=np.float64)
    state = rule.init(theta)
    path = np.empty((epochs + 1, 2))
    losses = np.empty(epochs + 1)
    for t in range(epochs + 1):
        value, grad = objective.loss_gradient(theta)
        path[t], losses[t] = theta, value
        if t == epochs:
            break
        step, state = rule.update(grad, state, theta)
        theta = theta + step
    z = X[:, 0] * theta[0] + theta[1]
    predictions = np.asarray(pointwise.predict(z.reshape(-1, 1)), dtype=np.float64)[:, 0]
    return DescentRun(loss, path, losses, predictions)


@dataclass
class ToyResult:
    """The notes' toy neuron trained with both losses, side by side."""

    x: Array
    y: Array
    eta: float  #: the notes' step size (on the summed gradient)
    learning_rate: float  #: n * eta, on our mean objective
    epochs: int
    runs: dict[str, DescentRun]
    target_entropy: float  #: (1/n) sum_i H(y_i): the minimum of the cross-entropy
    kl: float  #: (1/n) sum_i KL(y_i || y_hat_i) at the end of the cross-entropy run
    exact_w: float  #: the exact fit sigma(w x_i + b) = y_i (both points, two parameters)
    exact_b: float
    estimator: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: (w, b) from SigmoidNeuron(optimizer="gd", learning_rate=2, tol=None) per loss


def toy_experiment(epochs: int = 1000, eta: float = 1.0, use_estimator: bool = True) -> ToyResult:
    """The notes' toy neuron: w = b = -2, ``eta`` on summed gradients, ``epochs`` epochs.

    Runs :func:`gradient_descent_path` with learning_rate = n * eta for squared error and
    cross-entropy; reports H(targets) and KL(targets || predictions), whose sum is the
    final cross-entropy; and (``use_estimator``) refits with ``SigmoidNeuron`` to show the
    estimator reproduces the loop.
    """
    from sigmoid_neuron.functional.information import entropy, kl_divergence

    x = np.array(TOY_X)
    y = np.array(TOY_Y)
    n = len(x)
    learning_rate = n * eta
    runs = {
        loss: gradient_descent_path(x, y, loss, TOY_START, learning_rate, epochs)
        for loss in NEURON_LOSSES
    }
    targets = np.column_stack([y, 1.0 - y])
    ce = runs["cross_entropy"]
    predicted = np.column_stack([ce.predictions, 1.0 - ce.predictions])
    target_entropy = float(np.mean(entropy(targets, axis=1)))
    kl = float(np.mean(kl_divergence(targets, predicted, axis=1)))
    zl = np.log(y) - np.log1p(-y)  # logit(y): the exact fit has sigma(w x_i + b) = y_i
    exact_w = float((zl[1] - zl[0]) / (x[1] - x[0]))
    exact_b = float(zl[0] - exact_w * x[0])
    result = ToyResult(x, y, eta, learning_rate, epochs, runs, target_entropy, kl, exact_w, exact_b)
    if use_estimator:
        from sigmoid_neuron.estimators import SigmoidNeuron

        for loss in NEURON_LOSSES:
            model = SigmoidNeuron(
                loss=loss,
                optimizer="gd",
                learning_rate=learning_rate,
                max_epochs=epochs,
                tol=None,
                batch_size=None,
            )
            model.fit(
                x.reshape(-1, 1),
                y,
                coef_init=np.array([TOY_START[0]]),
                intercept_init=TOY_START[1],
            )
            w = float(np.ravel(model.coef_)[0])
            b = float(np.ravel(model.intercept_)[0])
            result.estimator[loss] = (w, b)
    return result


# ------------------------------------------------------------- 3. five-point table


@dataclass
class FivePointResult:
    """The notes' five-point table learned with cross-entropy by gradient descent."""

    x: Array
    y: Array
    learning_rate: float
    epochs: int
    run: DescentRun

    @property
    def accuracy(self) -> float:
        """Share of points with (y_hat >= 1/2) == y."""
        return float(np.mean((self.run.predictions >= 0.5) == (self.y == 1)))

    @property
    def boundary(self) -> float:
        """The x where y_hat = 1/2, i.e. w x + b = 0: x = -b / w."""
        return -self.run.b / self.run.w


def five_point_experiment(
    epochs: int = 1000, learning_rate: float = 1.0, start: tuple[float, float] = (0.0, 0.0)
) -> FivePointResult:
    """Cross-entropy gradient descent on the notes' table, from ``start``.

    J(w, b) = (1/5) sum_i [log(1 + e^{z_i}) - y_i z_i] with z_i = w x_i + b; the step on
    the mean is ``learning_rate`` (the notes' summed step eta is learning_rate / 5).
    """
    x = np.array(FIVE_X)
    y = np.array(FIVE_Y)
    run = gradient_descent_path(x, y, "cross_entropy", start, learning_rate, epochs)
    return FivePointResult(x, y, learning_rate, epochs, run)


# ----------------------------------------------------------------- 4. real data


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


#: The two breast-cancer features of the decision-boundary figure.
BOUNDARY_FEATURES: tuple[str, str] = ("mean radius", "mean texture")


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


# --------------------------------------------------------------------- together


@dataclass
class DemoResult:
    """Everything :func:`run_demo` computed."""

    sigmoid: list[SigmoidRow]
    toy: ToyResult
    five_point: FivePointResult
    real: RealDataResult
    figures: list[Path] = field(default_factory=list)


def run_demo(out_dir: str | os.PathLike[str] | None = None) -> DemoResult:
    """Run the four experiments; with ``out_dir``, also write the figures there."""
    result = DemoResult(
        sigmoid=sigmoid_table(),
        toy=toy_experiment(),
        five_point=five_point_experiment(),
        real=breast_cancer_experiment(),
    )
    if out_dir is not None:
        result.figures = write_figures(result, out_dir)
    return result


def write_figures(result: DemoResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the demo's figures (PNG) into ``out_dir`` (created if missing); return the paths.

    sigmoid.png: g and g'; loss_curves.png: both toy runs; error_surface_*.png: the
    surface of each loss over (w, b) with the descent path; decision_boundary.png:
    logistic regression on two breast-cancer features.
    """
    from sigmoid_neuron.plotting import (
        decision_boundary_figure,
        loss_curves_figure,
        save_figure,
        sigmoid_figure,
        surface_figure,
    )

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; pass a directory for the figures")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"--out {str(out)!r} cannot be created: {exc.strerror or exc}") from None
    toy = result.toy
    written = [save_figure(sigmoid_figure(), out / "sigmoid.png")]
    histories = {name: run.losses for name, run in toy.runs.items()}
    minima = {"squared_error": 0.0, "cross_entropy": toy.target_entropy}
    fig = loss_curves_figure(
        histories,
        minima,
        title=f"Toy neuron: {toy.epochs} epochs of gradient descent from w = b = -2",
        first_epoch=0,
    )
    written.append(save_figure(fig, out / "loss_curves.png"))
    for name, run in toy.runs.items():
        fig = surface_figure(toy.x, toy.y, name, run.path, w_range=(-4, 6), b_range=(-6, 4))
        written.append(save_figure(fig, out / f"error_surface_{name}.png"))
    model, X, y = boundary_model()
    fig = decision_boundary_figure(
        model,
        X,
        y,
        feature_names=BOUNDARY_FEATURES,
        class_names=("malignant", "benign"),
        title="Logistic regression on two breast-cancer features",
    )
    written.append(save_figure(fig, out / "decision_boundary.png"))
    return written


# ------------------------------------------------------------------------ report


def _vector(values: Any, fmt: str = ".4f") -> str:
    return "[" + ", ".join(format(float(v), fmt) for v in np.ravel(values)) + "]"


def format_report(result: DemoResult) -> str:
    """The readable summary of a :class:`DemoResult` (what ``sigmoid-neuron demo`` prints)."""
    lines: list[str] = []
    add = lines.append
    add("1. The sigmoid g(x) = 1 / (1 + e^-x), notes seed 000")
    add(f"   {'x':>5}  {'g(x)':>12}  {'notes':>6}  {'truncated':>9}  {'rounded':>7}")
    for row in result.sigmoid:
        add(
            f"   {row.x:>5g}  {row.value:>12.10f}  {row.notes:>6}  {row.truncated:>9}  "
            f"{row.rounded:>7}"
        )
    same = all(row.notes == row.truncated for row in result.sigmoid)
    add(
        "   The notes' values are g(x) truncated to 4 places, not rounded."
        if same
        else "   The notes' values differ from g(x) truncated to 4 places."
    )
    add("")

    toy = result.toy
    add(f"2. Toy neuron, notes seed 002: X = {_vector(toy.x, 'g')}, Y = {_vector(toy.y, 'g')}")
    add(
        f"   gradient descent from w = b = {TOY_START[0]:g}, eta = {toy.eta:g}, "
        f"{toy.epochs} epochs, both losses"
    )
    add(f"   The notes' loop sums the gradients of the {len(toy.x)} points; on the mean loss")
    add(f"   the same steps take learning_rate = n * eta = {toy.learning_rate:g}.")
    add(f"   {'loss':<15} {'w':>9} {'b':>9}  {'mean loss':>12}  y_hat")
    for name, run in toy.runs.items():
        label = {"squared_error": "squared error", "cross_entropy": "cross-entropy"}[name]
        add(
            f"   {label:<15} {run.w:>9.5f} {run.b:>9.5f}  {run.final_loss:>12.8f}  "
            f"{_vector(run.predictions)}"
        )
    add(
        f"   exact fit (g(w x_i + b) = y_i for both points): w = {toy.exact_w:.5f}, "
        f"b = {toy.exact_b:.5f}"
    )
    ce = toy.runs["cross_entropy"].final_loss
    add(
        f"   cross-entropy {ce:.8f} = H(targets) {toy.target_entropy:.8f} "
        f"+ KL(targets || y_hat) {toy.kl:.2e}"
    )
    add("   so the cross-entropy run ends at the entropy of the targets: KL ~ 0.")
    if toy.estimator:
        worst = max(
            max(abs(w - toy.runs[n].w), abs(b - toy.runs[n].b))
            for n, (w, b) in toy.estimator.items()
        )
        add(
            f"   SigmoidNeuron(optimizer='gd', learning_rate={toy.learning_rate:g}, tol=None) "
            "reproduces both runs:"
        )
        add(f"   max |difference| in (w, b) = {worst:.1e}")
    add("")

    five = result.five_point
    run = five.run
    add("3. The notes' five-point table, seed 002, learned with cross-entropy:")
    add(
        f"   gradient descent from w = b = 0, learning rate {five.learning_rate:g}, "
        f"{five.epochs} epochs"
    )
    add(f"   {'I/P':>5}  {'O/P':>3}  {'y_hat':>8}")
    for xi, yi, pi in zip(five.x, five.y, run.predictions, strict=True):
        add(f"   {xi:>5g}  {yi:>3g}  {pi:>8.4f}")
    add(
        f"   w = {run.w:.4f}, b = {run.b:.4f}, mean loss {run.final_loss:.5f} "
        f"(summed as in the notes {run.final_loss * len(five.x):.5f})"
    )
    add(f"   accuracy {five.accuracy:.0%}, decision boundary at x = -b/w = {five.boundary:.3f}")
    add("   The classes are separable, so the loss keeps falling towards 0 and |w| keeps")
    add("   growing: there is no finite minimiser without a penalty.")
    add("")

    real = result.real
    add(
        f"4. Logistic regression on {real.dataset}: {real.n_train} train / {real.n_test} test rows,"
    )
    add(
        f"   {real.n_features} standardised features, alpha = 1/n_train (scikit-learn's C = 1), "
        "Newton for both"
    )
    add(f"   {'':<22} {'accuracy':>9} {'log loss':>9}")
    add(f"   {'sigmoid-neuron':<22} {real.accuracy:>9.4f} {real.log_loss:>9.4f}")
    add(f"   {'scikit-learn':<22} {real.sklearn_accuracy:>9.4f} {real.sklearn_log_loss:>9.4f}")
    add(
        f"   same test predictions on {real.prediction_agreement:.1%} of rows; "
        f"max |coef difference| = {real.max_coef_difference:.1e}"
    )
    if result.figures:
        add("")
        add(f"Figures written to {result.figures[0].parent}/:")
        for path in result.figures:
            add(f"   {path.name}")
    return "\n".join(lines)
