"""The ``sigmoid-neuron`` command line."""
