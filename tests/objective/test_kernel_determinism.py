"""The fused kernel gives the same bits whether freshly compiled or loaded from cache.

numba's fastmath reassociation once made a cold-compiled kernel and the cached one
disagree in the last bit, so a resumed run in a new process was not bit for bit the
uninterrupted one. Two processes, one compiling into an empty cache and one loading from
it, must agree exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sigmoid_neuron.objective import kernels

SCRIPT = """
import sys
import numpy as np
from sigmoid_neuron.objective import BinaryCrossEntropy, make_objective
rng = np.random.default_rng(0)
for dtype in (np.float64, np.float32):
    X = rng.normal(size=(20000, 37)).astype(dtype)
    y = (rng.random(20000) < 0.5).astype(float)
    obj = make_objective(X, y, BinaryCrossEntropy())
    theta = rng.normal(size=38) * 0.1
    for _ in range(3):
        value, grad = obj.loss_gradient(theta)
        theta = theta - 0.5 * grad
        sys.stdout.write(value.hex() + " " + " ".join(g.hex() for g in grad) + "\\n")
"""


@pytest.mark.slow
@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="numba not installed")
def test_cold_and_cached_kernels_agree_bit_for_bit(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}

    def run() -> str:
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        return out.stdout

    cold = run()  # compiles into the empty cache
    assert any((tmp_path / "cache").rglob("*.nbi"))
    warm = run()  # loads the cached machine code
    assert cold == warm
    assert np.isfinite(float.fromhex(cold.split()[0]))
