"""Entropy, cross-entropy and Kullback-Leibler divergence of discrete distributions,
and the differential entropy of a density.

Discrete distributions are arrays of non-negative numbers that sum to 1 along ``axis``
(to within 1e-6 in float64, looser in narrower dtypes); anything else is a
``ValueError`` that says how to normalise. Results are in nats (natural log) unless
``base`` is given (``base=2``: bits). The convention :math:`0 \\log 0 = 0` holds
throughout, and an event that ``p`` allows but ``q`` rules out (:math:`q_k = 0 < p_k`)
makes the cross-entropy and the divergence ``+inf``, without a warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from sigmoid_neuron.functional._checks import (
    FloatArray,
    FloatResult,
    as_common_float_arrays,
    as_float_array,
    check_base,
    check_distribution,
    check_same_shape,
    finish,
)

__all__ = ["cross_entropy", "differential_entropy", "entropy", "kl_divergence"]

Axis = int | tuple[int, ...] | None

#: how far ``integral of pdf`` may be from 1 before differential_entropy refuses
DENSITY_TOLERANCE = 1e-6


# --------------------------------------------------------------------------- kernels


def _xlogx(p: FloatArray) -> FloatArray:
    """p log p, with 0 log 0 = 0 (p >= 0)."""
    out = np.zeros_like(p)
    np.log(p, out=out, where=p > 0)
    np.multiply(out, p, out=out)
    return out


def _xlogy(x: FloatArray, y: FloatArray) -> FloatArray:
    """x log y with 0 log y = 0 and x log 0 = -inf for x > 0 (x, y >= 0)."""
    out = np.zeros_like(y)
    live = x != 0
    np.log(y, out=out, where=live & (y > 0))
    np.copyto(out, -np.inf, where=live & (y == 0))
    np.multiply(out, x, out=out, where=live)
    return out


def _rel_entr(x: FloatArray, y: FloatArray) -> FloatArray:
    """x log(x / y), with 0 where x = 0 and +inf where y = 0 < x (x, y >= 0).

    Near x = y the log is taken as log1p((x - y) / y), where x - y is exact; elsewhere
    as log x - log y, which cannot overflow the way x / y can for a tiny y.
    """
    out = np.zeros_like(y)
    both = (x > 0) & (y > 0)
    near = both & (x <= 2 * y) & (y <= 2 * x)
    far = both & ~near
    diff = np.subtract(x, y, out=np.zeros_like(y), where=near)
    np.divide(diff, y, out=diff, where=near)
    np.log1p(diff, out=out, where=near)
    logx = np.log(x, out=np.zeros_like(y), where=far)
    logy = np.log(y, out=np.zeros_like(y), where=far)
    np.subtract(logx, logy, out=out, where=far)
    np.multiply(out, x, out=out)
    np.copyto(out, np.inf, where=(x > 0) & (y == 0))
    return out


def _in_base(values: FloatArray, base: float | None) -> FloatArray:
    if base is None:
        return values
    return np.asarray(values / values.dtype.type(math.log(base)))


def _sum(terms: FloatArray, axis: Axis) -> FloatArray:
    """Sum along ``axis`` as an array (0-d for a full reduction)."""
    with np.errstate(over="ignore"):  # the terms share one sign where they are infinite
        return np.asarray(np.sum(terms, axis=axis))


def _prepare_pair(p: ArrayLike, q: ArrayLike, axis: Axis) -> tuple[FloatArray, FloatArray]:
    pa, qa = as_common_float_arrays((p, "p"), (q, "q"))
    assert pa is not None and qa is not None
    check_same_shape(pa, qa, "p", "q")
    check_distribution(pa, "p", axis)
    check_distribution(qa, "q", axis)
    return pa, qa


# --------------------------------------------------------------------------- public


def entropy(p: ArrayLike, base: float | None = None, axis: Axis = -1) -> FloatResult:
    r"""Shannon entropy of the distribution(s) ``p`` along ``axis``.

    .. math:: H(p) = -\sum_k p_k \log p_k, \qquad 0 \log 0 = 0

    divided by :math:`\log(\text{base})` when ``base`` is given. :math:`H \ge 0`, and
    :math:`H = 0` exactly for a one-hot ``p`` (a hard label).

    The notes (seed 000) give the discrete and continuous cases together; the continuous
    one is :func:`differential_entropy`.

    Raises
    ------
    ValueError
        If ``p`` has NaN/inf or negative entries, or does not sum to 1 along ``axis``
        (normalise with ``p / p.sum(axis=axis, keepdims=True)``), or ``base`` is not a
        positive number other than 1.
    """
    b = check_base(base)
    pa = as_float_array(p, "p")
    check_distribution(pa, "p", axis)
    h = np.subtract(0, _sum(_xlogx(pa), axis))  # +0.0, not -0.0, for a one-hot p
    return finish(_in_base(h, b))


def cross_entropy(
    p: ArrayLike, q: ArrayLike, base: float | None = None, axis: Axis = -1
) -> FloatResult:
    r"""Cross-entropy of ``q`` relative to ``p`` along ``axis``.

    .. math:: H(p, q) = -\sum_k p_k \log q_k = H(p) + D_{KL}(p \,\|\, q)

    with :math:`0 \log q = 0` and ``+inf`` where :math:`q_k = 0 < p_k`. For a one-hot
    ``p`` (the true class ``c``) it is :math:`-\log q_c`, e.g. ``-log 0.7`` for
    ``p = [0, 1]``, ``q = [0.3, 0.7]`` as in the notes (seed 002). The notes' loss
    :math:`E_g = -\sum_i t_i \ln p_i` (seed 000) is this function with ``p = t``.

    ``p`` and ``q`` must have the same shape and each be a distribution along ``axis``.
    """
    b = check_base(base)
    pa, qa = _prepare_pair(p, q, axis)
    h = np.subtract(0, _sum(_xlogy(pa, qa), axis))
    return finish(_in_base(h, b))


def kl_divergence(
    p: ArrayLike, q: ArrayLike, base: float | None = None, axis: Axis = -1
) -> FloatResult:
    r"""Kullback-Leibler divergence of ``q`` from ``p`` along ``axis``.

    .. math:: D_{KL}(p \,\|\, q) = \sum_k p_k \log\frac{p_k}{q_k}
              = H(p, q) - H(p) \;\ge\; 0

    with terms 0 where :math:`p_k = 0` and ``+inf`` where :math:`q_k = 0 < p_k`. It is 0
    exactly when ``p == q``, and not symmetric. This is the notes' (seed 002)
    :math:`KLD(y \| \hat y) = -\sum y_i \log \hat y_i + \sum y_i \log y_i`; since
    :math:`H(y)` does not depend on the model, minimising the divergence over the
    parameters is minimising the cross-entropy.
    """
    b = check_base(base)
    pa, qa = _prepare_pair(p, q, axis)
    # Gibbs' inequality: the exact sum is >= 0. Rounding can leave a tiny negative
    # value when p and q each sum to 1 only to within an ulp; clamp it.
    return finish(_in_base(np.maximum(_sum(_rel_entr(pa, qa), axis), 0.0), b))


def differential_entropy(
    pdf: Callable[[float], float],
    lower: float,
    upper: float,
    base: float | None = None,
) -> np.float64:
    r"""Differential entropy of the density ``pdf`` supported on ``[lower, upper]``.

    .. math:: h(f) = -\int_{\text{lower}}^{\text{upper}} f(x) \log f(x)\, dx,
              \qquad f \log f := 0 \text{ where } f = 0

    by adaptive quadrature (``scipy.integrate.quad``); the bounds may be infinite.
    ``pdf`` is called with one float and must return a finite number >= 0. Unlike the
    discrete entropy, :math:`h` can be negative (a density may exceed 1).

    The notes (seed 000) write the continuous entropy as :math:`-\int_x p(x) \log p(x)`;
    the :math:`dx` is missing, and it must be taken against a *density*.

    Raises
    ------
    TypeError
        If ``pdf`` is not callable.
    ValueError
        If ``pdf`` does not integrate to 1 over ``[lower, upper]`` (within 1e-6; the
        message says what it integrates to), returns a negative or non-finite value, if
        ``lower >= upper``, or if the quadrature does not converge.
    """
    if not callable(pdf):
        raise TypeError(f"pdf must be a callable density f(x) -> float, got {type(pdf).__name__}")
    b = check_base(base)
    try:
        lo, hi = float(lower), float(upper)
    except (TypeError, ValueError):
        raise TypeError(f"lower and upper must be numbers, got {lower!r} and {upper!r}") from None
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(
            f"lower must be less than upper (the support [lower, upper]), got {lower!r} "
            f"and {upper!r}"
        )

    def density(x: float) -> float:
        try:
            f = float(pdf(x))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"pdf must return a real number, got an error at x={x!r}: {exc}"
            ) from None
        if not math.isfinite(f) or f < 0:
            raise ValueError(
                f"pdf returned {f!r} at x={x!r}; a density must be finite and non-negative "
                f"on [lower, upper]"
            )
        return f

    def integrand(x: float) -> float:
        f = density(x)
        return -f * math.log(f) if f > 0 else 0.0

    mass = _quad(density, lo, hi, "pdf")
    if abs(mass - 1.0) > DENSITY_TOLERANCE:
        raise ValueError(
            f"pdf integrates to {mass:.10g} over [{lower!r}, {upper!r}], not 1 (tolerance "
            f"{DENSITY_TOLERANCE:g}); divide it by that integral, or pass the bounds of its "
            f"whole support"
        )
    h = _quad(integrand, lo, hi, "pdf * log(pdf)")
    if b is not None:
        h /= math.log(b)
    return np.float64(h)


def _quad(func: Callable[[float], float], lo: float, hi: float, what: str) -> float:
    """quad with its warnings turned into a ValueError (thread-safe: full_output)."""
    from scipy import integrate  # imported here: SciPy's integrate is slow to import

    result = integrate.quad(func, lo, hi, limit=200, full_output=1)
    if len(result) == 4:  # quad appends a message when it did not converge
        raise ValueError(
            f"the integral of {what} over [{lo!r}, {hi!r}] did not converge "
            f"({result[3].splitlines()[0].strip()}); split the support at the density's "
            f"peaks or singularities, or use finite bounds"
        )
    return float(result[0])
