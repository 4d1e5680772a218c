"""scikit-learn estimators: SigmoidNeuron, LogisticRegression, LinearRegression.

All three minimise ``weighted mean loss + elastic-net penalty`` (intercept unpenalised)
through :mod:`sigmoid_neuron.training`, with any optimizer of
:data:`sigmoid_neuron.training.OPTIMIZERS`.
"""

from sigmoid_neuron._lazy import collector_paused

with collector_paused():  # scikit-learn, SciPy and pandas load here: no GC passes over them
    from sigmoid_neuron.estimators._base import SeparationWarning
    from sigmoid_neuron.estimators.linear import LinearRegression
    from sigmoid_neuron.estimators.logistic import LogisticRegression
    from sigmoid_neuron.estimators.neuron import SigmoidNeuron
    from sigmoid_neuron.training.state import DivergenceError

__all__ = [
    "DivergenceError",
    "LinearRegression",
    "LogisticRegression",
    "SeparationWarning",
    "SigmoidNeuron",
]
