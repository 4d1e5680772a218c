"""The covariance of the fitted coefficients, from the one-pass sums of
:func:`sigmoid_neuron.objective.scores.block_score_sums`.

The estimators minimise the *mean* ``J = (1/S) sum_i s_i l_i + (1/2) sum_kj r_j w_kj^2``
(the ridge weights ``r_j = alpha (1 - l1_ratio) f_j``, ``f`` the ``penalty_factor``;
``r_j = alpha`` by default); the statistical objective is the *sum*
``S J = sum_i s_i l_i + (S / 2) sum_kj r_j w_kj^2`` (the negative log-likelihood, weights
read as frequencies: row ``i`` stands for ``s_i`` observations, ``S = sum_i s_i`` of them
in all). With ``H`` its Hessian (the observed information,
``X~^T diag(s p (1 - p)) X~ + S diag(r)`` for the logistic loss),
``g_i = dl/dz_i`` and ``x~_i = [x_i; 1]``:

- classical: ``V = Phi (x) H^-1``, with ``Phi = 1`` for the logistic and softmax losses,
  ``Phi = sum_i s_i e_i e_i^T / (S - q)`` (residuals ``e``, ``q`` identified
  coefficients per output: the rank) for the squared errors, as OLS and a Gaussian GLM
  estimate their scale;
- HC0 (``robust``): ``V = H^-1 M H^-1``, ``M = sum_i s_i (g_i (x) x~_i)(g_i (x) x~_i)^T``;
- cluster-robust (CRV1): ``V = c H^-1 (sum_c u_c u_c^T) H^-1``,
  ``u_c = sum_{i in c} s_i g_i (x) x~_i``, ``c = G/(G - 1) (S - 1)/(S - p)`` for ``G``
  clusters and ``p`` parameters (Stata's and statsmodels' small-sample factor).

The softmax model's ``K`` coefficient vectors are fixed only up to a common shift; the
estimators keep them summing to 0 over the classes, and so does the covariance: ``H`` is
taken on that subspace, ``V = T (T^T H T)^-1 T^T`` with ``T`` an orthonormal basis of it.
Statistics use the normal distribution, except least squares (``t``, ``S - q`` degrees
of freedom, ``G - 1`` when clustered), as OLS does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.inference import separation
from sigmoid_neuron.objective.links import (
    HalfSquaredError,
    MultinomialCrossEntropy,
    PointwiseLoss,
    SigmoidHalfSquaredError,
)
from sigmoid_neuron.objective.scores import ScoreSums

Array = NDArray[Any]

#: Warn when the Newton step ``H^-1 grad`` is this many standard errors long or more.
OFF_OPTIMUM = 0.1

#: ``probe(directions (m, K, d + 1)) -> separating (m,) bool``: one more pass over the rows.
Probe = Callable[[Array], Array]


@dataclass(frozen=True)
class ModelInfo:
    """What the covariance needs to know of the model: its loss, shapes, the ridge weights
    ``ridge`` (``(d,)``: ``r_j = alpha (1 - l1_ratio) f_j``, all 0 for an unpenalised fit),
    the fitted parameters ``theta`` (row-major ``[W | b]``) and their names."""

    loss: PointwiseLoss
    n_features: int
    n_outputs: int
    fit_intercept: bool
    ridge: Array
    theta: Array
    names: Sequence[str]


@dataclass
class Inference:
    """Covariance ``(p, p)`` and standard errors of ``theta``, and how they were obtained.

    ``kind`` is ``"nonrobust"``, ``"HC0"`` or ``"cluster"``; ``statistic`` ``"t"`` (with
    ``df`` degrees of freedom) or ``"z"``; ``flagged`` marks infinite standard errors.
    """

    theta: Array
    names: Sequence[str]
    covariance: Array
    se: Array
    kind: str
    statistic: str
    df: float | None
    n_clusters: int | None
    total_weight: float
    n_rows: int
    loss_sum: float
    flagged: Array
    messages: list[str]


def _kept(K: int, d: int, fit_intercept: bool) -> Array:
    """Indices of ``theta`` in the augmented ``K (d + 1)`` ordering."""
    mask = np.tile(np.r_[np.ones(d, bool), fit_intercept], K)
    return np.flatnonzero(mask)


def _basis(K: int, q: int, multinomial: bool) -> Array:
    """``T``: identity, or ``Q (x) I_q`` with ``Q`` ``(K, K - 1)`` orthonormal, ``1^T Q = 0``."""
    if not multinomial:
        return np.eye(K * q)
    centred = np.eye(K) - 1.0 / K
    Q = np.linalg.svd(centred)[0][:, : K - 1]
    return np.kron(Q, np.eye(q))


def _dispersion(loss: PointwiseLoss, sums: ScoreSums, q: float) -> Array | None:
    """``Phi = sum_i s_i e_i e_i^T / (S - q)`` for the squared errors, else None (``Phi = 1``)."""
    if not isinstance(loss, (HalfSquaredError, SigmoidHalfSquaredError)):
        return None
    S = sums.total_weight
    if not S - q > 0:
        raise ValueError(
            f"the residual variance needs more observations than coefficients, but there "
            f"are {S:g} observations (rows, or the sum of sample_weight: weights are "
            f"frequencies) for {q:g} coefficients per output; pass more rows"
        )
    return np.asarray(sums.residual_cross / (S - q))


def _meat(sums: ScoreSums, keep: Array, n_params: float) -> tuple[Array, int | None]:
    """``(M, G)``: the HC0 meat, or the corrected sum of cluster score outer products."""
    if sums.clusters is None:
        assert sums.meat is not None
        return sums.meat[np.ix_(keep, keep)], None
    U = sums.clusters.sums[:, keep]
    G = int(U.shape[0])
    S = sums.total_weight
    if G < 2:
        raise ValueError(
            f"clusters holds {G} distinct label(s) among the rows of positive weight; "
            "cluster-robust standard errors need at least 2 clusters"
        )
    if not S - n_params > 0:
        raise ValueError(
            f"the cluster correction (S - 1)/(S - p) needs more observations than "
            f"parameters, but there are S = {S:g} (rows, or the sum of sample_weight: "
            f"weights are frequencies) for p = {n_params:g}; pass more rows"
        )
    factor = G / (G - 1.0) * (S - 1.0) / (S - n_params)
    return factor * (U.T @ U), G


def covariance(
    sums: ScoreSums, info: ModelInfo, *, kind: str, probe: Probe | None = None
) -> Inference:
    """:class:`Inference` from the one-pass sums (see the module docstring).

    ``kind``: ``"nonrobust"``, ``"HC0"`` (``sums.meat`` needed) or ``"cluster"``
    (``sums.clusters`` needed). ``probe`` (None: no separation check) is called with the
    nearly flat directions of an unpenalised fit. ``messages`` says why parameters have
    infinite standard errors, and whether the fit is not at the optimum of these data
    (the caller warns with them).
    """
    loss, K, d = info.loss, info.n_outputs, info.n_features
    multinomial = isinstance(loss, MultinomialCrossEntropy)
    q = d + int(info.fit_intercept)
    keep = _kept(K, d, info.fit_intercept)
    S = sums.total_weight
    ridge = np.asarray(info.ridge, dtype=np.float64)
    penalised = np.tile(np.r_[ridge, np.zeros(int(info.fit_intercept))], K)  # r per theta
    H = sums.hessian[np.ix_(keep, keep)] + np.diag(S * penalised)
    grad = sums.gradient[keep] + S * penalised * info.theta
    T = _basis(K, q, multinomial)
    col_sq = sums.column_squares[np.r_[np.arange(d), [d] if info.fit_intercept else []].astype(int)]
    scale_q = np.sqrt(separation.curvature_cap(loss) * col_sq + S * penalised[:q])
    scale = np.tile(scale_q, T.shape[1] // q)
    found = separation.analyse(T.T @ H @ T, scale)
    weak = found.weak()
    flat = weak | found.dropped
    check = not np.any(ridge > 0) and separation.can_separate(loss)
    complete = check and bool(separation.separates(sums.fitted)[0, 0])
    if complete:  # the fitted predictor itself separates: nothing is identified
        found.dropped[:] = True
    elif probe is not None and check and flat.any():
        directions = T @ (found.vectors[:, flat] / scale[:, None])
        aug = np.zeros((K, d + 1, directions.shape[1]))
        aug.reshape(K * (d + 1), -1)[keep] = directions
        separating = np.asarray(probe(np.moveaxis(aug, 2, 0)), bool)
        found.separating[np.flatnonzero(flat)[separating]] = True
        if separating.any():  # the separated rows carry no information: drop all flat ones
            found.dropped |= flat
    Hinv = T @ found.inverse() @ T.T
    G = None
    rank = float(np.count_nonzero(~found.dropped))  # identified parameters
    q_rank = rank / (T.shape[1] // q)  # per output
    if kind == "nonrobust":
        phi = _dispersion(loss, sums, q_rank)
        cov = Hinv if phi is None else np.kron(phi, np.eye(q)) @ Hinv
    else:
        M, G = _meat(sums, keep, rank)
        cov = Hinv @ M @ Hinv
    cov = 0.5 * (cov + cov.T)
    flagged, messages = separation.flag(found, T, info.names)
    if complete:
        flagged[:] = True
        messages = [separation.complete_message(keep.size)]
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se[flagged] = np.inf
    cov[flagged, :] = np.nan
    cov[:, flagged] = np.nan
    cov[flagged, flagged] = np.inf
    step = np.abs(Hinv @ grad)
    finite = ~flagged
    # a standard error of 0 (a perfect least-squares fit) leaves rounding as the yardstick
    yardstick = se[finite] + 1e-10 * (1.0 + np.abs(info.theta[finite]))
    off = float(np.max(step[finite] / yardstick, initial=0.0))
    if off >= OFF_OPTIMUM:
        messages.append(
            f"the coefficients are up to {off:.3g} standard errors away from the optimum of "
            f"the objective on these data: the table assumes the model was fitted to these "
            f"X, y and sample_weight to convergence; refit on them with a tighter tol"
        )
    least_squares = isinstance(loss, HalfSquaredError)
    df = None
    if least_squares:
        df = float(G - 1) if G is not None else S - q_rank
    return Inference(
        theta=info.theta,
        names=info.names,
        covariance=cov,
        se=se,
        kind=kind,
        statistic="t" if least_squares else "z",
        df=df,
        n_clusters=G,
        total_weight=S,
        n_rows=sums.n_rows,
        loss_sum=sums.loss,
        flagged=flagged,
        messages=messages,
    )
