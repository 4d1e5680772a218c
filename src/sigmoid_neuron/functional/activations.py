"""The sigmoid, its derivative and logarithm, softplus, and the softmax.

Public functions validate their argument and call the private kernels below. The
kernels (``_sigmoid``, ``_sigmoid_derivative``, ``_log_sigmoid``, ``_softplus``,
``_softmax``, ``_log_softmax``) take floating ndarrays, validate nothing, keep the
dtype, allocate as little as they can and never overflow, divide by zero or take an
invalid operation for any input (including +-inf; NaN propagates quietly). They only
ever exponentiate non-positive numbers, so the one floating-point event they can raise
is underflow of ``exp`` to zero, which NumPy ignores by default and which is the
correctly rounded answer; the public functions additionally run them under
``np.errstate(under="ignore")``. (The softmax kernels suppress, locally, the overflow of
``z - max(z)`` below -max_float, whose rounding to -inf is again the right answer.)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sigmoid_neuron.functional._checks import FloatArray, FloatResult, as_float_array, finish

__all__ = [
    "log_sigmoid",
    "log_softmax",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softplus",
]

Axis = int | tuple[int, ...] | None


# --------------------------------------------------------------------------- kernels


def _exp_neg_abs(z: FloatArray) -> FloatArray:
    """A fresh array holding e^{-|z|}, in [0, 1] (NaN stays NaN)."""
    e = np.abs(z, out=np.empty_like(z))
    np.negative(e, out=e)
    np.exp(e, out=e)
    return e


def _sigmoid(z: FloatArray) -> FloatArray:
    """sigma(z) = 1 / (1 + e^{-z}), as 1/(1+e^{-|z|}) for z >= 0, e^{-|z|}/(1+e^{-|z|}) else."""
    e = _exp_neg_abs(z)
    d = np.add(e, 1, out=np.empty_like(z))
    np.copyto(e, 1, where=z >= 0)
    np.divide(e, d, out=e)
    return e


def _sigmoid_derivative(z: FloatArray) -> FloatArray:
    """sigma'(z) = sigma(z) (1 - sigma(z)) = e^{-|z|} / (1 + e^{-|z|})^2 (even in z)."""
    e = _exp_neg_abs(z)
    d = np.add(e, 1, out=np.empty_like(z))
    np.multiply(d, d, out=d)
    np.divide(e, d, out=e)
    np.minimum(e, 0.25, out=e)  # rounding near z = 0 could exceed the true maximum 1/4
    return e


def _log_sigmoid(z: FloatArray) -> FloatArray:
    """log sigma(z) = -log(1 + e^{-z}) = min(z, 0) - log1p(e^{-|z|})."""
    e = _exp_neg_abs(z)
    np.log1p(e, out=e)
    out = np.minimum(z, 0, out=np.empty_like(z))
    np.subtract(out, e, out=out)
    return out


def _softplus(z: FloatArray) -> FloatArray:
    """softplus(z) = log(1 + e^{z}) = max(z, 0) + log1p(e^{-|z|})."""
    e = _exp_neg_abs(z)
    np.log1p(e, out=e)
    out = np.maximum(z, 0, out=np.empty_like(z))
    np.add(out, e, out=out)
    return out


def _subtract_max(z: FloatArray, m: FloatArray) -> FloatArray:
    """z - m for finite m; a difference below -max_float rounds to -inf, which is right."""
    with np.errstate(over="ignore"):
        return np.subtract(z, m, out=np.empty_like(z))


def _shifted_nonfinite(z: FloatArray, axis: Axis, m: FloatArray) -> FloatArray:
    """z - max(z) for slices whose maximum is not finite, taking the limits.

    A slice holding +inf puts all its mass, shared equally, on its +inf entries; a
    slice that is all -inf, or holds a NaN, has no softmax and comes out NaN.
    """
    posinf = np.broadcast_to(m == np.inf, z.shape)
    m_safe = np.where(np.isfinite(m), m, 0).astype(z.dtype, copy=False)
    shifted = np.subtract(z, m_safe, out=np.empty_like(z))
    shifted[posinf] = -np.inf
    shifted[posinf & (z == np.inf)] = 0
    return shifted


def _log_softmax(z: FloatArray, axis: Axis) -> FloatArray:
    """log softmax(z)_k = (z_k - m) - log sum_j e^{z_j - m}, m = max_j z_j."""
    m = np.max(z, axis=axis, keepdims=True)
    if np.isfinite(m).all():
        shifted = _subtract_max(z, m)
        e = np.exp(shifted)
        s = np.log(np.sum(e, axis=axis, keepdims=True))  # sum >= 1: log is safe
        np.subtract(shifted, s, out=shifted)
        return shifted
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shifted = _shifted_nonfinite(z, axis, m)
        s = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        np.subtract(shifted, s, out=shifted)
    return shifted


def _softmax(z: FloatArray, axis: Axis) -> FloatArray:
    """softmax(z)_k = e^{z_k - m} / sum_j e^{z_j - m}, m = max_j z_j."""
    m = np.max(z, axis=axis, keepdims=True)
    if np.isfinite(m).all():
        e = _subtract_max(z, m)
        np.exp(e, out=e)
        s = np.sum(e, axis=axis, keepdims=True)  # >= 1
        np.divide(e, s, out=e)
        return e
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        e = _shifted_nonfinite(z, axis, m)
        np.exp(e, out=e)
        s = np.sum(e, axis=axis, keepdims=True)
        np.divide(e, s, out=e)
    return e


# --------------------------------------------------------------------------- public


def sigmoid(z: ArrayLike) -> FloatResult:
    r"""The logistic sigmoid, elementwise.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}} \in (0, 1)

    Computed stably by branching on the sign: :math:`1/(1+e^{-z})` for :math:`z \ge 0`
    and :math:`e^{z}/(1+e^{z})` for :math:`z < 0`, so ``e`` is never raised to a positive
    power and nothing overflows for any finite or infinite ``z``. Limits:
    ``sigmoid(-inf) = 0``, ``sigmoid(inf) = 1``; NaN propagates.

    Differs from the notes (seed 000) only in printing: the notes give
    g(-5.5) = 0.0040, g(6.5) = 0.9984, g(0.4) = 0.5986, which are the true values
    0.0040701..., 0.99849..., 0.59868... *truncated* to four places (rounded they are
    0.0041, 0.9985, 0.5987).

    Parameters
    ----------
    z : array_like
        Real input. float32 stays float32, ints become float64.

    Returns
    -------
    ndarray or NumPy scalar, same shape and dtype as ``z``.
    """
    x = as_float_array(z, "z")
    with np.errstate(under="ignore"):
        return finish(_sigmoid(x))


def sigmoid_derivative(z: ArrayLike) -> FloatResult:
    r"""The derivative of the sigmoid with respect to its input, elementwise.

    .. math:: \sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = \frac{e^{-|z|}}{(1 + e^{-|z|})^2}

    The right-hand form is even in ``z`` and only exponentiates ``-|z|``, so it is
    exact to a few ulps everywhere and simply underflows to 0 for huge ``|z|``
    (e.g. 1e3, 1e308) instead of forming ``1 - 1``. Its maximum is 1/4 at ``z = 0``.

    Differs from the notes (seed 000), whose first derivation step writes the
    quotient-rule denominator as :math:`(1 - e^{-x})^2`; the right one is
    :math:`(1 + e^{-x})^2`. The notes' final result :math:`g(x)(1 - g(x))` is right.
    """
    x = as_float_array(z, "z")
    with np.errstate(under="ignore"):
        return finish(_sigmoid_derivative(x))


def log_sigmoid(z: ArrayLike) -> FloatResult:
    r"""The logarithm of the sigmoid, elementwise, without forming the sigmoid.

    .. math:: \log\sigma(z) = -\log(1 + e^{-z}) = \min(z, 0) - \operatorname{log1p}(e^{-|z|})

    Accurate for large negative ``z`` (where :math:`\log\sigma(z) \approx z`, e.g.
    ``log_sigmoid(-1e308) = -1e308``) and for large positive ``z`` (where it is
    :math:`\approx -e^{-z}`, not 0 from ``log(1.0)``).
    """
    x = as_float_array(z, "z")
    with np.errstate(under="ignore"):
        return finish(_log_sigmoid(x))


def softplus(z: ArrayLike) -> FloatResult:
    r"""The softplus, elementwise: the negative log-sigmoid of ``-z``.

    .. math:: \operatorname{softplus}(z) = \log(1 + e^{z}) = \max(z, 0)
              + \operatorname{log1p}(e^{-|z|}) = -\log\sigma(-z)
    """
    x = as_float_array(z, "z")
    with np.errstate(under="ignore"):
        return finish(_softplus(x))


def _check_axis_input(x: FloatArray, axis: Axis) -> None:
    if axis is not None and x.ndim == 0:
        raise ValueError(
            "z is a scalar, but softmax normalises along an axis; pass an array of "
            "scores (e.g. [z0, z1]) or axis=None"
        )
    raw = tuple(range(x.ndim)) if axis is None else axis
    raw = raw if isinstance(raw, tuple) else (raw,)
    if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in raw):
        raise TypeError(f"axis must be an int, a tuple of ints or None, got {axis!r}")
    axes = [int(a) % x.ndim if -x.ndim <= a < x.ndim else None for a in raw]
    if None in axes or len(set(axes)) != len(axes):
        raise ValueError(
            f"axis={axis!r} is invalid for z of shape {x.shape}; pass distinct axes in "
            f"[-{x.ndim}, {x.ndim - 1}] or None"
        )
    if any(x.shape[a] == 0 for a in axes if a is not None):
        raise ValueError(
            f"z has no entries along axis={axis!r} (shape {x.shape}); softmax needs at "
            f"least one score per slice"
        )


def softmax(z: ArrayLike, axis: Axis = -1) -> FloatResult:
    r"""The softmax along ``axis``: scores to a probability distribution.

    .. math:: \operatorname{softmax}(z)_k = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},
              \quad m = \max_j z_j

    Shifting by the maximum changes nothing mathematically and keeps every
    exponential in (0, 1]. For two classes ``softmax([0, z])[1] == sigmoid(z)``.
    A slice containing +inf puts its mass equally on its +inf entries; a slice that
    is all -inf, or contains NaN, gives NaN.

    Parameters
    ----------
    z : array_like
        Real scores.
    axis : int, tuple of int or None
        Axis (axes) to normalise over; None means all entries.
    """
    x = as_float_array(z, "z")
    _check_axis_input(x, axis)
    with np.errstate(under="ignore"):
        return finish(_softmax(x, axis))


def log_softmax(z: ArrayLike, axis: Axis = -1) -> FloatResult:
    r"""The logarithm of the softmax along ``axis``, without forming the softmax.

    .. math:: \log\operatorname{softmax}(z)_k = (z_k - m) - \log\sum_j e^{z_j - m},
              \quad m = \max_j z_j

    Equals ``z - logsumexp(z, axis, keepdims=True)``; accurate where the softmax
    itself underflows to 0.
    """
    x = as_float_array(z, "z")
    _check_axis_input(x, axis)
    with np.errstate(under="ignore"):
        return finish(_log_softmax(x, axis))
