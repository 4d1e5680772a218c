"""scikit-learn's ``StandardScaler`` fitted in one pass over a Dask array.

The fitted scaler is an ordinary in-memory ``StandardScaler`` (a Pipeline step that
``save_model`` writes and ``predict`` applies to new rows); the data stay Dask arrays,
standardised lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dask_standard_scaler"]


def dask_standard_scaler(X: Any) -> tuple[Any, Any]:
    """A fitted scikit-learn ``StandardScaler`` from one pass over Dask ``X``, and the
    lazily standardised ``(X - mean_) / scale_``.

    ``mean_ = sum_i x_i / n``, ``var_ = sum_i (x_i - mean_)^2 / n`` (two-pass within
    blocks, combined by Chan's formula), ``scale_ = sqrt(var_)`` with zeros replaced by
    1, as ``StandardScaler().fit(X)`` gives in memory; the scaler goes into a Pipeline
    that ``save_model`` writes and ``predict`` applies to new rows.
    """
    import dask
    from sklearn.preprocessing import StandardScaler
    from sklearn.preprocessing._data import _handle_zeros_in_scale, _is_constant_feature

    n = int(X.shape[0])
    mean, var = dask.compute(X.mean(axis=0, dtype=np.float64), X.var(axis=0, dtype=np.float64))
    scaler = StandardScaler()
    scaler.mean_ = mean
    scaler.var_ = var
    constant = _is_constant_feature(var, mean, n)
    scaler.scale_ = _handle_zeros_in_scale(np.sqrt(var), copy=False, constant_mask=constant)
    scaler.n_samples_seen_ = n
    scaler.n_features_in_ = int(X.shape[1])
    scaled = (X - mean.astype(X.dtype)) / scaler.scale_.astype(X.dtype)
    return scaler, scaled
