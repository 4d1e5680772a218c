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

The code is split by experiment: :mod:`~sigmoid_neuron.demo.data` (the notes' numbers),
:mod:`~sigmoid_neuron.demo.sigmoid_values` (1),
:mod:`~sigmoid_neuron.demo.descent` and :mod:`~sigmoid_neuron.demo.notes_experiments`
(2, 3), :mod:`~sigmoid_neuron.demo.real_data` (4), :mod:`~sigmoid_neuron.demo.runner`
(all four, figures) and :mod:`~sigmoid_neuron.demo.report` (the printed summary).
"""

from sigmoid_neuron.demo.data import (
    BOUNDARY_FEATURES,
    FIGURES,
    FIVE_X,
    FIVE_Y,
    NEURON_LOSSES,
    NOTES_SIGMOID,
    TOY_START,
    TOY_X,
    TOY_Y,
    Array,
)
from sigmoid_neuron.demo.descent import DescentRun, gradient_descent_path
from sigmoid_neuron.demo.notes_experiments import (
    FivePointResult,
    ToyResult,
    five_point_experiment,
    toy_experiment,
)
from sigmoid_neuron.demo.real_data import RealDataResult, boundary_model, breast_cancer_experiment
from sigmoid_neuron.demo.report import format_report
from sigmoid_neuron.demo.runner import DemoResult, run_demo, write_figures
from sigmoid_neuron.demo.sigmoid_values import SigmoidRow, sigmoid_table

__all__ = [
    "BOUNDARY_FEATURES",
    "FIGURES",
    "FIVE_X",
    "FIVE_Y",
    "NEURON_LOSSES",
    "NOTES_SIGMOID",
    "TOY_START",
    "TOY_X",
    "TOY_Y",
    "Array",
    "DemoResult",
    "DescentRun",
    "FivePointResult",
    "RealDataResult",
    "SigmoidRow",
    "ToyResult",
    "boundary_model",
    "breast_cancer_experiment",
    "five_point_experiment",
    "format_report",
    "gradient_descent_path",
    "run_demo",
    "sigmoid_table",
    "toy_experiment",
    "write_figures",
]
