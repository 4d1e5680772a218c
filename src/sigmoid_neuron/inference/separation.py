"""Singular and (quasi-)separated fits: which directions of the Hessian carry no information.

The Hessian ``H`` of the summed (penalised) objective is judged in standardised units:
``C = D^-1 H D^-1`` with ``D_j = sqrt(c sum_i s_i x~_ij^2 + S r_j)`` (``r_j`` the ridge weight),
where ``c`` is the largest curvature the loss can have (1/4 for the logistic and softmax
losses, 1 for the squared error, 1/16 for the sigmoid's squared error). So ``C_jj`` is
the share of the largest possible curvature that column ``j`` gets, and an eigenvalue of
``C`` near 0 is a direction ``u`` (standardised units) along which the data say nothing:

- ``lambda < SINGULAR max(1, lambda_max)``: the Hessian is singular there (collinear columns, a
  constant column next to the intercept, a column that is 0 on every row, or a fit so
  far along a separating direction that its curvature rounds to 0): the direction is
  dropped;
- ``lambda < WEAK`` (only unpenalised fits of a loss with a sigmoid or
  softmax link): the direction is *probed* with one more pass over the rows; when no
  row contradicts it (:func:`sigmoid_neuron.objective.scores.block_separation`) the
  classes are (quasi-)separated, the maximum-likelihood estimate does not exist, and the
  direction is dropped too, and with it every other nearly flat direction (the separated
  rows, fitted to probabilities of 0 or 1, carry no information; under complete
  separation no row is left to identify anything).

Parameters taking part in a dropped direction (``|u_j| >= FLAG_SHARE * max |u|``) get
infinite standard errors; the others are computed on the remaining directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.links import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    PointwiseLoss,
    SigmoidHalfSquaredError,
)
from sigmoid_neuron.objective.scores import SeparationSums

Array = NDArray[Any]

#: Eigenvalue of the standardised Hessian (times max(1, the largest)) below which it is singular.
SINGULAR = 1e-12
#: Eigenvalue of the standardised Hessian below which a direction is probed for separation
#: (its curvature is below 1e-4 of the largest the loss can give).
WEAK = 1e-4
#: A parameter takes part in a direction ``u`` when ``|u_j| >= FLAG_SHARE * max_k |u_k|``.
FLAG_SHARE = 0.01
#: A direction separates when its largest contradicting margin is at most this share of
#: its largest agreeing one (the direction is an eigenvector of a fit stopped at a finite
#: point, so rows it leaves exactly on the boundary get small margins of either sign).
SEPARATION_TOL = 1e-3
#: Margins below this share of their bound (``sum_j |x~_ij| |v_j|``) are rounding: a
#: direction along which the rows are exactly collinear is not a separating one.
ROUNDING = 1e-8


class InferenceWarning(UserWarning):
    """Standard errors that cannot be trusted (singular or separated fit, not at the optimum)."""


def curvature_cap(loss: PointwiseLoss) -> float:
    """The largest second derivative ``c`` of the loss in ``z``: ``max p(1 - p) = 1/4`` for the
    logistic and softmax losses, 1 for the squared error, ``max sigma'(z)^2 = 1/16`` for the
    sigmoid's squared error (its Gauss-Newton part), 1 for any other loss."""
    if isinstance(loss, (BinaryCrossEntropy, MultinomialCrossEntropy)):
        return 0.25
    if isinstance(loss, SigmoidHalfSquaredError):
        return 1.0 / 16.0
    return 1.0


def can_separate(loss: PointwiseLoss) -> bool:
    """Whether labels can be separated (a sigmoid or softmax link: the fit then diverges)."""
    return not isinstance(loss, HalfSquaredError)


def separates(found: SeparationSums) -> Array:
    """``(m, 2)`` bool: direction ``m`` with sign ``+``/``-`` separates the labels: its
    largest contradicting margin is at most ``SEPARATION_TOL`` of its largest agreeing one,
    and that one exceeds rounding (``ROUNDING`` of the margins' bound)."""
    real = found.agree > ROUNDING * found.bound[:, None]
    return np.asarray((found.against <= SEPARATION_TOL * found.agree) & real)


@dataclass
class Directions:
    """The eigen-analysis of the standardised Hessian ``C = D^-1 H D^-1``.

    ``values`` ``(m,)`` and ``vectors`` ``(m, m)`` (columns, standardised units);
    ``dropped`` marks the directions left out of the inverse (singular or separating),
    ``separating`` those the probe found separating, ``scale`` is ``D``.
    """

    values: Array
    vectors: Array
    scale: Array
    dropped: Array
    separating: Array

    def inverse(self) -> Array:
        """``H^+`` on the kept directions: ``D^-1 U_k diag(1 / lambda_k) U_k^T D^-1``."""
        keep = ~self.dropped
        U = self.vectors[:, keep]
        inner = (U / self.values[keep]) @ U.T
        return inner / np.outer(self.scale, self.scale)

    def weak(self) -> Array:
        """Directions worth probing: not singular, ``lambda < WEAK``."""
        return ~self.dropped & (self.values < WEAK)


def analyse(H: Array, scale: Array) -> Directions:
    """Eigenvalues of ``C = D^-1 H D^-1`` (``D = diag(scale)``); singular ones dropped.

    A zero ``scale`` (an all-zero column with no penalty) is taken as 1: its direction
    then has curvature 0 and is dropped as singular.
    """
    scale = np.where(scale > 0, scale, 1.0)
    C = H / np.outer(scale, scale)
    values, vectors = np.linalg.eigh(0.5 * (C + C.T))
    dropped = values < SINGULAR * max(1.0, float(values.max(initial=0.0)))
    return Directions(values, vectors, scale, dropped, np.zeros_like(dropped))


def taking_part(direction: Array) -> Array:
    """The parameters that take part in ``direction``: ``|u_j| >= FLAG_SHARE max |u|``."""
    size = np.abs(direction)
    top = float(size.max(initial=0.0))
    return size >= FLAG_SHARE * top if top > 0 else np.zeros(size.shape, bool)


def describe(direction: Array, names: Sequence[str], limit: int = 6) -> str:
    """A direction as ``0.71*[x1] - 0.71*[x2]`` (standardised units, largest terms first)."""
    u = direction / max(float(np.abs(direction).max(initial=0.0)), np.finfo(float).tiny)
    order = [j for j in np.argsort(-np.abs(u), kind="stable") if taking_part(u)[j]]
    terms = []
    for j in order[:limit]:
        sign = "-" if u[j] < 0 else "+"
        terms.append(f"{sign} {abs(u[j]):.2g}*[{names[j]}]")
    text = " ".join(terms).lstrip("+ ")
    if terms and terms[0].startswith("-"):
        text = "-" + text[2:]
    if len(order) > limit:
        text += f" + ... ({len(order)} terms)"
    return text


def message(kind: str, where: str, flagged: Sequence[str]) -> str:
    """The warning for a dropped direction ``where`` (``kind``: ``"singular"``,
    ``"negative"``, ``"separated"``, or ``"unidentified"``: flat directions left once the
    separated rows are set aside), naming the parameters ``flagged``."""
    shown = ", ".join(repr(n) for n in flagged[:8]) + (" ..." if len(flagged) > 8 else "")
    if kind == "separated":
        return (
            f"the labels are (quasi-)separated along {where} (standardised units): no row "
            f"contradicts that direction, so the maximum-likelihood estimate does not exist "
            f"and the coefficients grow without bound as the fit tightens; the standard "
            f"errors of {shown} are reported as inf. Drop or merge those columns, or fit "
            f"with alpha > 0 (a penalised fit has finite standard errors)"
        )
    if kind == "unidentified":
        return (
            f"with the separated rows fitted to probabilities of 0 or 1, the remaining rows "
            f"do not identify {shown} either (the Hessian is flat along {where}); their "
            f"standard errors are reported as inf"
        )
    if kind == "negative":
        return (
            f"the Hessian is not positive definite along {where} (standardised units): the "
            f"model is not at a minimum of the objective on these data; the standard errors "
            f"of {shown} are reported as inf. Refit to convergence (a tighter tol)"
        )
    return (
        f"the Hessian is singular along {where} (standardised units): those columns are "
        f"collinear (or constant next to the intercept, or fitted to probabilities of "
        f"exactly 0 or 1), so the data cannot tell their coefficients apart; the standard "
        f"errors of {shown} are reported as inf. Drop one of the columns, or fit with alpha > 0"
    )


def flag(found: Directions, T: Array, names: Sequence[str]) -> tuple[Array, list[str]]:
    """``(flagged, messages)``: the parameters taking part in a dropped direction (mapped to
    the full parameters by ``T``), and one warning per kind of dropped direction (singular,
    not positive definite, separating, left flat beside a separation), naming the first
    direction of each kind and every parameter concerned."""
    flagged = np.zeros(T.shape[0], bool)
    separated = bool(found.separating.any())
    top = max(1.0, float(found.values.max(initial=0.0)))
    groups: dict[str, list[Array]] = {}
    for j in np.flatnonzero(found.dropped):
        u = T @ found.vectors[:, j]
        flagged |= taking_part(u)
        if found.separating[j]:
            kind = "separated"
        elif separated:
            kind = "unidentified"
        else:
            kind = "negative" if found.values[j] < -SINGULAR * top else "singular"
        groups.setdefault(kind, []).append(u)
    messages = []
    shown = np.zeros(T.shape[0], bool)
    for kind in ("separated", "singular", "negative", "unidentified"):
        if kind not in groups:
            continue
        part = np.any([taking_part(u) for u in groups[kind]], axis=0) & ~shown
        shown |= part
        more = len(groups[kind]) - 1
        where = describe(groups[kind][0], names) + (
            f" (and {more} more direction{'s' if more > 1 else ''})" if more else ""
        )
        named = [names[int(i)] for i in np.flatnonzero(part)]
        if named:
            messages.append(message(kind, where, named))
    return flagged, messages


def complete_message(n_params: int) -> str:
    """The warning when the fitted linear predictor itself separates the labels."""
    return (
        "the labels are completely separated: the fitted model puts every row of positive "
        "weight on the side of its own label (no row contradicts it), so the "
        "maximum-likelihood estimate does not exist and the coefficients grow without bound "
        f"as the fit tightens; all {n_params} standard errors are reported as inf. Fit with "
        "alpha > 0 (a penalised fit has finite standard errors), or drop the separating "
        "columns"
    )
