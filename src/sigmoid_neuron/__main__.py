"""``python -m sigmoid_neuron`` runs the command line."""

import sys

from sigmoid_neuron.cli.main import main

sys.exit(main())
