"""Benchmarks of sigmoid-neuron against its peers (``python -m benchmarks``, ``make bench``).

Importing this package sets ``OPENBLAS_THREAD_TIMEOUT=4`` (unless already set) before
NumPy loads OpenBLAS: by default OpenBLAS's idle threads spin for about 2^28 cycles
(~0.1 s) after each multithreaded call, taking a core from whichever contender is timed
next in the same process. With the short timeout they sleep at once; each contender's
own speed is unchanged (a sleeping thread is woken in microseconds).
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
