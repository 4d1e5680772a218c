"""sigmoid-neuron: the sigmoid neuron, its math and its models."""

__version__ = "0.1.0"
