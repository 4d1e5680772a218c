"""Pointwise losses and their derivatives: half squared error and binary cross-entropy.

Conventions shared by every loss here:

* ``y_true`` and the prediction must have the same shape (no silent broadcasting).
* The result dtype is the common floating dtype of the floating inputs (float32 stays
  float32); integer inputs such as 0/1 labels do not widen it.
* ``reduction``: ``"none"`` returns the per-element losses :math:`l_i`; ``"sum"``
  returns :math:`\\sum_i s_i l_i`; ``"mean"`` returns :math:`\\sum_i s_i l_i / \\sum_i s_i`,
  with :math:`s_i = 1` when ``sample_weight`` is None. For arrays with more than one
  axis the weight :math:`s_i` of sample ``i`` (first axis) applies to every element of
  row ``i``, and ``"mean"`` is the weighted mean over all elements. With ``"none"`` and
  weights the weighted losses :math:`s_i l_i` are returned. A sample of weight 0 adds
  exactly 0, even where its loss is infinite.
* Derivatives are elementwise: the derivative of the ``"none"`` loss with respect to the
  prediction (divide by :math:`\\sum_i s_i` and multiply by :math:`s_i` for ``"mean"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sigmoid_neuron.functional._checks import (
    FloatArray,
    FloatResult,
    as_common_float_arrays,
    check_finite,
    check_no_nan,
    check_reduction,
    check_same_shape,
    check_sample_weight,
    check_unit_interval,
    finish,
)
from sigmoid_neuron.functional.activations import _exp_neg_abs

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_derivative",
    "squared_error",
    "squared_error_derivative",
]


# --------------------------------------------------------------------------- helpers


def _prepare(
    y_true: ArrayLike, pred: ArrayLike, pred_name: str, sample_weight: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    y, p, s = as_common_float_arrays(
        (y_true, "y_true"), (pred, pred_name), (sample_weight, "sample_weight")
    )
    assert y is not None and p is not None
    check_same_shape(y, p, "y_true", pred_name)
    return y, p, s


def _reduce(losses: FloatArray, reduction: str, sample_weight: FloatArray | None) -> FloatResult:
    """Apply ``reduction`` (already validated) with optional validated weights."""
    if reduction == "mean" and losses.size == 0:
        raise ValueError(
            "y_true is empty: the mean of no losses is undefined; pass at least one "
            "sample or use reduction='sum'"
        )
    # Losses are >= 0 (or +inf): sums can only overflow to +inf, which is the right answer.
    with np.errstate(over="ignore", under="ignore"):
        if sample_weight is None:
            if reduction == "none":
                return finish(losses)
            if reduction == "sum":
                return losses.sum()
            mean = losses.mean()
            if np.isinf(mean) and np.isfinite(losses).all():  # the sum overflowed
                mean = (losses / losses.size).sum()
            return mean
        s = sample_weight.astype(losses.dtype, copy=False)
        if reduction == "mean":  # scale-free: weights in [0, 1] cannot overflow the sums
            s = s / s.max()
        s_b = s.reshape(s.shape + (1,) * (losses.ndim - 1))
        weighted = np.multiply(
            losses, s_b, out=np.zeros_like(losses), where=np.broadcast_to(s_b != 0, losses.shape)
        )
        if reduction == "none":
            return finish(weighted)
        total = weighted.sum()
        if reduction == "sum":
            return total
        per_sample = losses.size // losses.shape[0]
        return total / (s.sum() * per_sample)


def _bce_with_logits(y: FloatArray, z: FloatArray, e: FloatArray | None = None) -> FloatArray:
    """softplus(z) - y z = [(1-y) z if z >= 0 else -y z] + log1p(e^{-|z|}); all terms >= 0.

    The one pointwise formula of the binary cross-entropy on logits: this function, the
    objective's :class:`~sigmoid_neuron.objective.links.BinaryCrossEntropy` and the
    estimators all use it (``e = e^{-|z|}`` may be passed in when already computed; it
    is not modified). ``1 - y`` is taken in the precision of ``z``.
    """
    return _bce_with_logits_and_derivative(y, z, e, derivative=False)[0]


def _bce_with_logits_derivative(
    y: FloatArray, z: FloatArray, e: FloatArray | None = None
) -> FloatArray:
    """sigma(z) - y, as (1 - y) - sigma(-z) for z >= 0 (exact where sigma(z) rounds to 1);
    ``e = e^{-|z|}`` may be passed in (not modified)."""
    return _bce_with_logits_and_derivative(y, z, e, loss=False)[1]


def _bce_with_logits_and_derivative(
    y: FloatArray,
    z: FloatArray,
    e: FloatArray | None = None,
    *,
    loss: bool = True,
    derivative: bool = True,
) -> tuple[Any, Any]:
    """``(l, dl/dz)`` of the binary cross-entropy on logits (either None when not asked
    for), sharing ``e = e^{-|z|}`` and ``c = [z >= 0] - y`` (``1 - y`` or ``-y``, exact):

        l = c z + log1p(e)                 (0 where c = 0 and z is infinite)
        dl/dz = c - sigma(-|z|) if z >= 0 else c + sigma(-|z|)

    i.e. ``(1 - y) - sigma(-z)`` for ``z >= 0`` and ``sigma(z) - y`` otherwise.
    """
    t = _exp_neg_abs(z) if e is None else e
    upper = z >= 0
    coef = np.subtract(upper, y, dtype=np.result_type(y, z))
    value = slope = None
    if loss:
        if np.isinf(z).any():  # 0 * inf (y at the matching end): the term is 0
            zeros = np.zeros(coef.shape, coef.dtype)
            value = np.multiply(coef, z, out=zeros, where=coef != 0)
        else:
            value = coef * z
        value += np.log1p(t)
    if derivative:
        small = t / (t + 1)  # sigma(-|z|)
        slope = np.where(upper, coef - small, coef + small)
    return value, slope


# --------------------------------------------------------------------------- squared error


def squared_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    reduction: str = "mean",
    sample_weight: ArrayLike | None = None,
) -> FloatResult:
    r"""The half squared error.

    .. math:: l(y, \hat y) = \tfrac12 (\hat y - y)^2

    reduced by ``reduction`` (``"mean"``: :math:`\sum_i s_i l_i / \sum_i s_i`,
    ``"sum"``: :math:`\sum_i s_i l_i`, ``"none"``: per element). The factor 1/2 makes
    the derivative the clean :math:`\hat y - y`, as in the notes (seed 000 writes the
    mean version :math:`J = \frac{1}{2m}\sum_i (h_\theta(x^{(i)}) - y^{(i)})^2`; seed 002's
    code uses the sum ``err += 0.5 * (fx - y) ** 2``, i.e. ``reduction="sum"``).

    Both arguments must be finite and have the same shape. A difference so large that
    its square exceeds the float range gives ``inf`` (no warning).
    """
    red = check_reduction(reduction)
    y, p, s = _prepare(y_true, y_pred, "y_pred", sample_weight)
    check_finite(y, "y_true")
    check_finite(p, "y_pred")
    if s is not None:
        s = check_sample_weight(s, y.shape)
    with np.errstate(over="ignore", under="ignore"):
        d = np.subtract(p, y, out=np.empty_like(p))
        half = np.multiply(d, 0.5, out=np.empty_like(p))  # (0.5 d) d: no spurious overflow
        np.multiply(half, d, out=half)
    return _reduce(half, red, s)


def squared_error_derivative(y_true: ArrayLike, y_pred: ArrayLike) -> FloatResult:
    r"""Derivative of the half squared error with respect to the prediction, elementwise.

    .. math:: \frac{\partial}{\partial \hat y}\,\tfrac12(\hat y - y)^2 = \hat y - y
    """
    y, p, _ = _prepare(y_true, y_pred, "y_pred")
    check_finite(y, "y_true")
    check_finite(p, "y_pred")
    with np.errstate(over="ignore"):
        return finish(np.subtract(p, y, out=np.empty_like(p)))


# --------------------------------------------------------------------------- cross-entropy


def binary_cross_entropy(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    reduction: str = "mean",
    sample_weight: ArrayLike | None = None,
) -> FloatResult:
    r"""Binary cross-entropy of predicted probabilities.

    .. math:: l(y, \hat y) = -\left[\, y \log \hat y + (1 - y) \log(1 - \hat y) \,\right]

    with :math:`0 \log 0 = 0` (SciPy's ``xlogy`` / ``xlog1py`` semantics), so a hard
    label contributes only its own term, and ``y_prob`` of exactly 0 or 1 on the wrong
    side gives ``+inf`` (no warning). ``y_true`` may be soft (any value in [0, 1]).
    :math:`\log(1 - \hat y)` is taken as ``log1p(-y_prob)``.

    Prefer :func:`binary_cross_entropy_with_logits` when the probabilities come from a
    sigmoid: a probability rounded to 1.0 has lost the information the loss needs.

    Differs from the notes only in notation: seed 000 writes
    :math:`E_b = -[t_n \ln(\bar y) + (1-t)\ln(1-\hat y)]` (``t_n`` and :math:`\bar y` are
    typos for ``t`` and :math:`\hat y`); seed 002's code writes ``-[...]``, which in
    Python negates a list (a ``TypeError``), for ``-(...)``, and calls ``math.log(1 - fx)``
    which fails once ``fx`` rounds to 1.
    """
    red = check_reduction(reduction)
    y, p, s = _prepare(y_true, y_prob, "y_prob", sample_weight)
    check_unit_interval(y, "y_true")
    check_unit_interval(p, "y_prob")
    if s is not None:
        s = check_sample_weight(s, y.shape)
    with np.errstate(divide="ignore", under="ignore"):  # log(0) = -inf is intended
        pos = np.zeros_like(p)
        np.log(p, out=pos, where=y > 0)
        np.multiply(pos, y, out=pos)  # y log p, 0 where y = 0
        c = 1 - y
        neg = np.zeros_like(p)
        np.log1p(-p, out=neg, where=c > 0)
        np.multiply(neg, c, out=neg)  # (1 - y) log(1 - p), 0 where y = 1
        np.add(pos, neg, out=pos)  # both <= 0: no inf - inf
        np.subtract(0, pos, out=pos)  # 0 - x rather than -x: a zero loss is +0.0
    return _reduce(pos, red, s)


def binary_cross_entropy_derivative(y_true: ArrayLike, y_prob: ArrayLike) -> FloatResult:
    r"""Derivative of the binary cross-entropy with respect to the probability, elementwise.

    .. math:: \frac{\partial l}{\partial \hat y}
              = -\frac{y}{\hat y} + \frac{1 - y}{1 - \hat y}
              = \frac{\hat y - y}{\hat y\,(1 - \hat y)}

    computed as the right-hand quotient (no cancellation when :math:`\hat y \approx y`).
    At the ends: :math:`\hat y = 0` gives ``-inf`` if ``y > 0`` else ``1``;
    :math:`\hat y = 1` gives ``+inf`` if ``y < 1`` else ``-1`` (the one-sided limits of
    the terms that survive).

    **The notes (seed 000) get the sign wrong** in their last line: from the correct
    :math:`-\left(\frac{t}{\hat y} - \frac{1-t}{1-\hat y}\right)` they write
    :math:`\frac{t}{\hat y} + \frac{1-t}{1-\hat y}`, which is positive for every
    :math:`\hat y` and would make gradient descent move away from the target.
    Seed 002 gets it right: :math:`(\hat y - y) / ((1 - \hat y)\hat y)`.
    """
    y, p, _ = _prepare(y_true, y_prob, "y_prob")
    check_unit_interval(y, "y_true")
    check_unit_interval(p, "y_prob")
    num = np.subtract(p, y, out=np.empty_like(p))
    den = np.subtract(1, p, out=np.empty_like(p))
    np.multiply(den, p, out=den)  # p (1 - p): 0 only at p in {0, 1}
    with np.errstate(over="ignore", under="ignore"):  # |result| beyond the range is +-inf
        np.divide(num, den, out=num, where=den != 0)
    at0 = p == 0
    at1 = p == 1
    np.copyto(num, -np.inf, where=at0 & (y > 0))
    np.copyto(num, 1, where=at0 & (y == 0))
    np.copyto(num, np.inf, where=at1 & (y < 1))
    np.copyto(num, -1, where=at1 & (y == 1))
    return finish(num)


def binary_cross_entropy_with_logits(
    y_true: ArrayLike,
    logits: ArrayLike,
    reduction: str = "mean",
    sample_weight: ArrayLike | None = None,
) -> FloatResult:
    r"""Binary cross-entropy of :math:`\hat y = \sigma(z)`, written on the logit ``z``.

    .. math:: l(y, z) = -\left[ y \log\sigma(z) + (1 - y)\log(1 - \sigma(z)) \right]
              = \operatorname{softplus}(z) - y z
              = \max(z, 0) - y z + \operatorname{log1p}(e^{-|z|})

    computed as ``(1 - y) z`` (for ``z >= 0``) or ``-y z`` (for ``z < 0``) plus
    ``log1p(exp(-|z|))``, a sum of non-negative terms: no cancellation, no overflow,
    and the log of a rounded probability is never taken. Finite and accurate for
    every finite ``z`` (up to ±1.8e308 in float64, ±3.4e38 in float32); ``z = ±inf``
    gives the limits (0 on the right side, +inf on the wrong side). This is the
    notes' simplified logistic cost (seed 000, "Combine first and third terms":
    :math:`\log(1 + e^{-z}) + (1 - y) z`, the same function).
    """
    red = check_reduction(reduction)
    y, z, s = _prepare(y_true, logits, "logits", sample_weight)
    check_unit_interval(y, "y_true")
    check_no_nan(z, "logits")
    if s is not None:
        s = check_sample_weight(s, y.shape)
    with np.errstate(under="ignore"):
        losses = _bce_with_logits(y, z)
    return _reduce(losses, red, s)


def binary_cross_entropy_with_logits_derivative(
    y_true: ArrayLike, logits: ArrayLike
) -> FloatResult:
    r"""Derivative of the binary cross-entropy with respect to the logit, elementwise.

    .. math:: \frac{\partial l}{\partial z} = \sigma(z) - y

    (the chain rule :math:`\frac{\hat y - y}{\hat y(1-\hat y)} \cdot \hat y(1 - \hat y)`,
    the notes' :math:`\Delta b = \hat y - y`). For ``z >= 0`` it is computed as
    :math:`(1 - y) - \sigma(-z)`, so it stays accurate where :math:`\sigma(z)` rounds to 1.
    """
    y, z, _ = _prepare(y_true, logits, "logits")
    check_unit_interval(y, "y_true")
    check_no_nan(z, "logits")
    with np.errstate(under="ignore"):
        return finish(_bce_with_logits_derivative(y, z))
