"""How many passes inference makes, and the in-memory cluster labels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sigmoid_neuron import LogisticRegression
from sigmoid_neuron.inference import passes
from sigmoid_neuron.inference.passes import cluster_codes


def _counting(monkeypatch):
    calls = {"scores": 0, "probe": 0}
    real_scores, real_probe = passes.block_score_sums, passes.block_separation

    def scores(*args, **kwargs):
        calls["scores"] += 1
        return real_scores(*args, **kwargs)

    def probe(*args, **kwargs):
        calls["probe"] += 1
        return real_probe(*args, **kwargs)

    monkeypatch.setattr(passes, "block_score_sums", scores)
    monkeypatch.setattr(passes, "block_separation", probe)
    return calls


def test_a_well_posed_fit_takes_one_pass(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = (rng.uniform(size=500) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    model = LogisticRegression(alpha=0, tol=1e-10).fit(X, y)
    calls = _counting(monkeypatch)
    model.coef_table(X, y, robust=True)
    assert calls == {"scores": 1, "probe": 0}


def test_a_flat_direction_costs_one_more_pass(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3))
    X[:, 2] = (rng.uniform(size=500) < 0.1).astype(float)
    y = np.where(X[:, 2] == 1, 1, (rng.uniform(size=500) < 0.5).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(alpha=0, tol=1e-10).fit(X, y)
        calls = _counting(monkeypatch)
        model.coef_table(X, y)
    assert calls == {"scores": 1, "probe": 1}


def test_cluster_codes_accept_any_labels_and_refuse_missing_ones():
    codes = cluster_codes(pd.Series(["b", "a", "b", "c"]), 4)
    assert codes.tolist() == [0, 1, 0, 2]  # order of appearance
    assert cluster_codes(np.array([2.5, 2.5, -1.0]), 3).tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match=r"clusters has a missing label .* row 1"):
        cluster_codes(np.array([1.0, np.nan, 2.0]), 3)
    with pytest.raises(ValueError, match="clusters has 3 labels but X has 4 rows"):
        cluster_codes([1, 2, 3], 4)
    with pytest.raises(ValueError, match="clusters must be 1-D"):
        cluster_codes(np.zeros((4, 2)), 4)
