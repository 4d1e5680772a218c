"""The regularisation path: every coefficient against the penalty strength alpha.

:func:`coef_path` fits an estimator at a decreasing grid of ``alpha`` values, each fit
warm-started from the previous answer (glmnet's scheme: near each other, consecutive
optima are a few iterations apart); :func:`coef_path_figure` draws the path, one line per
coefficient, with the number of non-zero coefficients along the top.

The default grid runs down from ``alpha_max``, the smallest ``alpha`` at which the lasso
part sets every coefficient to zero. With the intercept-only fit ``b0`` and the
derivative ``r_ik = dl/dz_k`` of the loss there (the "residual"),

    alpha_max = max_{j, k: f_j > 0} |(1/S) sum_i s_i r_ik x_ij| / (l1_ratio f_j),

the point where the KKT condition ``|grad_j| <= alpha l1_ratio f_j`` first fails for some
feature (``f`` the penalty factors; ``l1_ratio`` is taken as 1 for a ridge path, which
has no such point). The grid has ``n_alphas`` values log-spaced from ``alpha_max`` (times
``1 + 1e-9``) down to ``eps * alpha_max``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.plotting._style import COLORS, new_figure, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Array = NDArray[Any]

#: Lines labelled in the legend at most (the largest coefficients at the smallest alpha).
MAX_LABELLED = 10
#: Their colours (Okabe-Ito without yellow and grey, then three more); the rest are grey.
_LINE_COLORS = (
    *(COLORS[c] for c in ("blue", "orange", "green", "red", "purple", "sky", "black")),
    "#8C564B",
    "#17BECF",
    "#B8860B",
)


@dataclass
class CoefPath:
    """A regularisation path: ``alphas`` (decreasing, ``(m,)``), ``coefs`` (``(m, K, d)``:
    the coefficients fitted at each alpha, ``K`` = 1 for one output), ``n_iter`` (the
    iterations each warm-started fit took), ``l1_ratio`` and ``classes`` (a classifier's
    ``classes_``, else None)."""

    alphas: Array
    coefs: Array
    n_iter: Array
    l1_ratio: float
    classes: Array | None = None


def _residuals(model: Any, X: Array, y: Array) -> Array:
    """``dl/dz`` of a fitted model's loss at each row, ``(n, K)``."""
    if hasattr(model, "classes_"):  # LogisticRegression: P - one-hot
        proba = model.predict_proba(X)
        onehot = (np.asarray(y)[:, None] == model.classes_[None, :]).astype(float)
        r = proba - onehot
        return r[:, 1:] if r.shape[1] == 2 else r
    pred = np.asarray(model.predict(X), dtype=float).reshape(len(X), -1)
    target = np.asarray(y, dtype=float).reshape(len(X), -1)
    if getattr(model, "loss", "") == "squared_error":  # the neuron's (sigma - y) sigma (1 - sigma)
        r_neuron: Array = (pred - target) * pred * (1.0 - pred)
        return r_neuron
    return pred - target  # linear regression, and cross-entropy on the sigmoid's output


def alpha_max(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
    """The smallest ``alpha`` whose lasso part zeroes every coefficient (module docstring).

    One fit at a large ``alpha`` gives the intercept-only model; its residuals give the
    gradient at zero coefficients. ``ValueError`` when no feature is penalised.
    """
    from sklearn.base import clone

    X = np.asarray(X, dtype=float)
    n, d = X.shape
    f = estimator.penalty_factor
    factor = np.ones(d) if f is None else np.asarray(f, dtype=float)
    if not np.any(factor > 0):
        raise ValueError("penalty_factor leaves every feature unpenalised: the path is flat")
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    # the intercept-only model: the lasso at a huge alpha, unpenalised features still free
    null = clone(estimator).set_params(
        alpha=1e12, l1_ratio=1.0, warm_start=False, tol=1e-10, optimizer="auto", callbacks=None
    )
    null.fit(X, y, sample_weight=sample_weight)
    grad = (s[:, None] * _residuals(null, X, y)).T @ X / s.sum()  # (K, d)
    l1_ratio = float(estimator.l1_ratio) or 1.0
    penalised = factor > 0
    ratios = np.abs(grad[:, penalised]) / (l1_ratio * factor[penalised])
    return float(np.max(ratios))


def coef_path(
    estimator: Any,
    X: Any,
    y: Any,
    alphas: Sequence[float] | None = None,
    *,
    n_alphas: int = 30,
    eps: float = 1e-3,
    sample_weight: Any = None,
) -> CoefPath:
    """Fit ``estimator`` (a clone, ``warm_start=True``) at each alpha from largest to
    smallest, every fit starting from the previous coefficients; return the path.

    ``alphas`` default: ``n_alphas`` values log-spaced from :func:`alpha_max` down to
    ``eps * alpha_max``. The estimator's ``l1_ratio`` and ``penalty_factor`` are kept.
    """
    from sklearn.base import clone

    if alphas is None:
        if isinstance(n_alphas, bool) or not isinstance(n_alphas, int) or n_alphas < 2:
            raise ValueError(f"n_alphas must be an integer >= 2, got {n_alphas!r}")
        if not 0 < eps < 1:
            raise ValueError(f"eps must be in (0, 1) (the smallest alpha / alpha_max), got {eps}")
        # (a hair above alpha_max: rounding cannot leave a coefficient of 1e-17 there)
        top = alpha_max(estimator, X, y, sample_weight) * (1 + 1e-9)
        grid = np.geomspace(top, eps * top, n_alphas)
    else:
        grid = np.sort(np.asarray(alphas, dtype=float))[::-1]
        if grid.ndim != 1 or grid.size < 1 or not np.all(np.isfinite(grid)) or grid[-1] < 0:
            raise ValueError("alphas must be a non-empty list of finite numbers >= 0")
    model = clone(estimator).set_params(warm_start=True)
    coefs, n_iter = [], []
    for alpha in grid:
        model.set_params(alpha=float(alpha))
        model.fit(X, y, sample_weight=sample_weight)
        coefs.append(np.atleast_2d(np.asarray(model.coef_, dtype=float)).copy())
        n_iter.append(int(model.n_iter_))
    classes = getattr(model, "classes_", None)
    return CoefPath(grid, np.stack(coefs), np.asarray(n_iter), float(estimator.l1_ratio), classes)


def coef_path_figure(
    path: CoefPath,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Each coefficient ``w_kj(alpha)`` against ``alpha`` (log scale, decreasing to the
    right: the model grows), the number of non-zero coefficients along the top axis.

    The :data:`MAX_LABELLED` largest coefficients at the smallest alpha are named in the
    legend (``feature_names``, for several outputs prefixed by ``class_names``, by default
    the path's ``classes``).
    """
    alphas, coefs = path.alphas, path.coefs
    m, K, d = coefs.shape
    names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(d)]
    if len(names) != d:
        raise ValueError(f"feature_names must name {d} features, got {len(names)}")
    if class_names is None and path.classes is not None and len(path.classes) == K:
        class_names = [str(c) for c in path.classes]
    classes = list(class_names) if class_names is not None else [str(k) for k in range(K)]
    if m < 1:
        raise ValueError("the path is empty: give at least one alpha")
    flat = coefs.reshape(m, K * d)
    order = np.argsort(-np.abs(flat[-1]))
    ranked = order[: min(MAX_LABELLED, int(np.sum(flat[-1] != 0)))].tolist()
    colour = {i: _LINE_COLORS[r % len(_LINE_COLORS)] for r, i in enumerate(ranked)}
    labelled = set(ranked)
    with style():
        fig = new_figure(9.0, 5.5)
        ax = fig.add_subplot()
        ax.axhline(0.0, color=COLORS["grey"], lw=1)
        for i in range(K * d):
            k, j = divmod(i, d)
            name = names[j] if K == 1 else f"{classes[k]}: {names[j]}"
            ax.plot(
                alphas,
                flat[:, i],
                color=colour.get(i, COLORS["grey"]),
                lw=1.8 if i in labelled else 1.0,
                alpha=1.0 if i in labelled else 0.55,
                label=name if i in labelled else None,
                marker="." if m < 40 else None,
                ms=4,
            )
        if m > 1:
            ax.set_xscale("log")
            ax.set_xlim(alphas.max(), alphas.min())  # decreasing penalty to the right
        ax.set_xlabel(r"penalty strength $\alpha$ (log scale; smaller to the right)")
        ax.set_ylabel("coefficient")
        kind = (
            "lasso"
            if path.l1_ratio == 1
            else ("ridge" if path.l1_ratio == 0 else f"elastic net, l1_ratio = {path.l1_ratio:g}")
        )
        ax.set_title(title or f"Regularisation path ({kind}, warm-started fits)")
        if labelled:
            ax.legend(loc="upper left", fontsize=9, ncols=2 if len(labelled) > 5 else 1)
        if m > 1:
            top = ax.secondary_xaxis("top")
            ticks = alphas[:: max(1, m // 6)]
            top.set_xticks(ticks)
            top.set_xticklabels(
                [str(int(np.sum(flat[i] != 0))) for i in range(0, m, max(1, m // 6))]
            )
            top.set_xlabel("non-zero coefficients")
    return fig
