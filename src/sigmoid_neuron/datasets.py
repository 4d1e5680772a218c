"""Realistic tables for tests, benchmarks and teaching: the data that nobody tuned.

:func:`make_tabular` draws what practitioners actually feed a linear model: numeric
columns that are correlated with each other and whose scales span several orders of
magnitude (amounts in cents next to ratios), with shifted means, plus one-hot encoded
categorical columns whose levels have skewed (Zipf) frequencies, all levels kept (so,
with an intercept, every categorical block is collinear with it: rank-deficient
unless penalised). Targets come from a linear predictor ``z = X w + b``: Bernoulli
labels ``sigma(z)`` (``kind="binary"``), ``K``-class softmax labels (``"multinomial"``)
or ``z`` plus Gaussian noise (``"linear"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

KINDS = ("binary", "multinomial", "linear")


def make_tabular(
    n_samples: int = 10_000,
    *,
    n_numeric: int = 12,
    levels: tuple[int, ...] = (5, 12, 30),
    scale_decades: float = 5.0,
    correlation: float = 0.8,
    kind: str = "binary",
    n_classes: int = 3,
    dtype: Any = np.float64,
    random_state: int | None = 0,
) -> tuple[Array, Array, list[str]]:
    """``(X, y, feature_names)`` of an unscaled, correlated, one-hot table.

    Numeric column ``j``: ``x_j = mu_j + sigma_j * u_j`` where ``u`` is Gaussian with
    ``corr(u_j, u_k) = correlation`` for ``j != k``, ``sigma_j = 10^(scale_decades * t_j)``
    for ``t_j`` evenly spaced in ``[-1/2, 1/2]`` and ``mu_j = 3 sigma_j``. Each
    categorical with ``L`` levels draws level ``l`` with probability proportional to
    ``1 / (l + 1)^1.5`` and is one-hot encoded (all ``L`` columns). The true weights
    give every numeric column and every level an effect of order 1 on the logit.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if n_samples < 2 or n_numeric < 1:
        raise ValueError("n_samples must be >= 2 and n_numeric >= 1")
    if not 0 <= correlation < 1:
        raise ValueError(f"correlation must be in [0, 1), got {correlation!r}")
    rng = np.random.default_rng(random_state)
    common = rng.standard_normal((n_samples, 1))
    u = np.sqrt(correlation) * common + np.sqrt(1 - correlation) * rng.standard_normal(
        (n_samples, n_numeric)
    )
    sigma = 10.0 ** (scale_decades * (np.linspace(-0.5, 0.5, n_numeric)))
    numeric = 3 * sigma + sigma * u
    blocks = [numeric]
    names = [f"x{j}" for j in range(n_numeric)]
    for c, n_levels in enumerate(levels):
        p = 1.0 / np.arange(1, n_levels + 1) ** 1.5
        codes = rng.choice(n_levels, size=n_samples, p=p / p.sum())
        blocks.append((codes[:, None] == np.arange(n_levels)[None, :]).astype(np.float64))
        names += [f"c{c}_{level}" for level in range(n_levels)]
    X = np.hstack(blocks)
    outputs = n_classes if kind == "multinomial" else 1
    w = np.vstack(
        [
            rng.normal(0, 1.0 / np.sqrt(n_numeric), (n_numeric, outputs)) / sigma[:, None],
            rng.normal(0, 0.5, (X.shape[1] - n_numeric, outputs)),
        ]
    )
    z = (numeric - 3 * sigma) @ w[:n_numeric] + X[:, n_numeric:] @ w[n_numeric:]
    if kind == "binary":
        y: Array = (rng.random(n_samples) < 1 / (1 + np.exp(-z[:, 0]))).astype(np.int64)
    elif kind == "multinomial":
        gumbel = -np.log(-np.log(rng.random((n_samples, outputs))))
        y = np.argmax(z + gumbel, axis=1)
    else:
        y = 100.0 + 10.0 * z[:, 0] + rng.standard_normal(n_samples)
    return X.astype(dtype), y, names
