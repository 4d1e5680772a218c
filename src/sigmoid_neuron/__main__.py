"""``python -m sigmoid_neuron`` runs the command line."""

from sigmoid_neuron.cli.main import run

run()
