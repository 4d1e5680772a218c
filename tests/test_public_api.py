"""Every public name of the design is importable from the package root."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sigmoid_neuron

DESIGN_NAMES = [
    "sigmoid",
    "sigmoid_derivative",
    "log_sigmoid",
    "softmax",
    "squared_error",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_derivative",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "differential_entropy",
    "check_gradient",
    "SigmoidNeuron",
    "LogisticRegression",
    "LinearRegression",
    "save_model",
    "load_model",
]


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_design_name_is_exported(name: str) -> None:
    assert name in sigmoid_neuron.__all__
    assert callable(getattr(sigmoid_neuron, name))


@pytest.mark.parametrize("name", sigmoid_neuron.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(sigmoid_neuron, name) is not None


def test_unknown_name_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = sigmoid_neuron.no_such_name  # type: ignore[attr-defined]


def test_import_does_not_pull_heavy_dependencies() -> None:
    code = (
        "import sys, sigmoid_neuron; "
        "heavy = [m for m in ('sklearn', 'matplotlib', 'sympy', 'dask', 'pandas') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_all_matches_the_lazy_export_table() -> None:
    assert set(sigmoid_neuron.__all__) == {"__version__", *sigmoid_neuron._EXPORTS}
