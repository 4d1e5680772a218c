"""The coefficient table: estimate, standard error, test statistic, p-value, interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from sigmoid_neuron.inference.covariance import Inference

Array = NDArray[Any]

COLUMNS = ("coef", "se", "z", "p_value", "ci_lower", "ci_upper")


def check_confidence_level(confidence_level: Any) -> float:
    """``confidence_level`` as a float in (0, 1), else a ValueError naming it."""
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"confidence_level must be a number strictly between 0 and 1 (e.g. 0.95), got "
            f"{confidence_level!r}"
        )
    return level


def distribution(inference: Inference) -> Any:
    """The reference distribution of ``coef / se``: Student's t with ``df``, else N(0, 1)."""
    if inference.statistic == "t":
        assert inference.df is not None
        return stats.t(inference.df)
    return stats.norm()


def coef_table(
    inference: Inference, index: pd.Index, confidence_level: float = 0.95
) -> pd.DataFrame:
    """One row per parameter (``index``): ``coef``, ``se``, ``z`` (``t`` for least squares),
    ``p_value`` = ``2 P(|T| >= |coef / se|)``, ``ci_lower``/``ci_upper`` =
    ``coef -/+ q se`` with ``q`` the ``(1 + confidence_level)/2`` quantile of T
    (``T``: Student's t with ``df`` degrees of freedom, or the standard normal).

    An infinite standard error gives statistic 0, p-value 1 and the interval
    ``(-inf, inf)``.
    """
    level = check_confidence_level(confidence_level)
    dist = distribution(inference)
    coef = np.asarray(inference.theta, dtype=np.float64)
    se = np.asarray(inference.se, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(np.isinf(se), 0.0, coef / se)
    p_value = np.where(np.isinf(se), 1.0, 2.0 * dist.sf(np.abs(statistic)))
    crit = float(dist.ppf(0.5 + level / 2.0))
    half = np.where(np.isinf(se), np.inf, crit * se)
    return pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            inference.statistic: statistic,
            "p_value": p_value,
            "ci_lower": coef - half,
            "ci_upper": coef + half,
        },
        index=index,
    )


def parameter_index(
    features: Sequence[str], fit_intercept: bool, outputs: Sequence[str] | None, level: str
) -> pd.Index:
    """Row labels: the features (then ``"intercept"``), for each output ``(output, feature)``
    pairs (a two-level index named ``(level, "feature")``) when there are several."""
    names = [str(f) for f in features] + (["intercept"] if fit_intercept else [])
    if outputs is None:
        return pd.Index(names, name="feature")
    return pd.MultiIndex.from_product([[str(o) for o in outputs], names], names=[level, "feature"])


def flat_names(index: pd.Index) -> list[str]:
    """``feature`` or ``output:feature`` for each row (for messages)."""
    if isinstance(index, pd.MultiIndex):
        return [f"{a}:{b}" for a, b in index]
    return [str(v) for v in index]
