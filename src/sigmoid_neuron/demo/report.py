"""The readable summary of a demo run: what ``sigmoid-neuron demo`` prints."""

from __future__ import annotations

from typing import Any

import numpy as np

from sigmoid_neuron.demo.data import TOY_START
from sigmoid_neuron.demo.runner import DemoResult


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
