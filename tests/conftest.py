"""Suite-wide settings: property tests are reproducible (derandomised, no deadline)."""

from hypothesis import settings

settings.register_profile("sigmoid-neuron", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("sigmoid-neuron")
