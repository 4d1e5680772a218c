"""Central finite differences against an analytic derivative."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sigmoid_neuron.functional._checks import FloatArray, as_float_array

__all__ = ["check_gradient"]


def _values(out: Any, name: str) -> FloatArray:
    try:
        return as_float_array(out, name).astype(np.float64)
    except TypeError as exc:
        raise TypeError(f"{name} must return numbers: {exc}") from None


def check_gradient(
    f: Callable[[FloatArray], Any],
    x: ArrayLike,
    grad: Callable[[FloatArray], ArrayLike] | ArrayLike | None = None,
    eps: float | None = None,
) -> float:
    r"""Worst relative error between an analytic derivative and a central difference.

    Two kinds of ``f`` are understood, told apart by the shape of ``f(x)``:

    * **scalar-valued** (``f(x)`` has one element): the gradient has ``x``'s shape and
      each coordinate is perturbed in turn (``2 * x.size`` calls of ``f``);
    * **elementwise** (``f(x)`` has ``x``'s shape and ``f(x)_i`` depends only on
      ``x_i``, like :func:`sigmoid` or a loss with ``reduction="none"``): the derivative
      is elementwise and all coordinates move at once (2 calls).

    The analytic derivative ``a`` is ``grad(x)`` if ``grad`` is callable, ``grad`` itself
    if it is an array, or the second item of ``f(x)`` if ``grad`` is None (then ``f``
    returns ``(value, gradient)`` and only the value is used at the shifted points).

    With step :math:`h_i = \text{eps} \cdot \max(1, |x_i|)`, ``eps`` defaulting to
    :math:`\epsilon^{1/3}` for the machine epsilon :math:`\epsilon` of ``x``'s dtype
    (6.1e-6 for float64, 4.9e-3 for float32; ints count as float64):

    .. math::
        n_i = \frac{f(x + h_i e_i) - f(x - h_i e_i)}{(x_i + h_i) - (x_i - h_i)}, \qquad
        \text{err}_i = \frac{|a_i - n_i|}{\max(|a_i|,\ |n_i|,\ \phi_i)}

    and the result is :math:`\max_i \text{err}_i` (0.0 for an empty ``x``). The floor
    :math:`\phi_i = \epsilon^{1/3} \max(|f(x)|, |f(x \pm h_i e_i)|) / \max(1, |x_i|)`
    sits a factor of about :math:`2/\epsilon^{1/3}` above the rounding noise of the
    difference quotient (about :math:`\epsilon |f| / (2 h_i)`), so noise alone reports at
    most about :math:`\epsilon^{1/3}/2`. A derivative far below :math:`\phi_i`, such as
    ``sigmoid_derivative(40)`` = 4e-18 where ``sigmoid(40 ± h)`` both round to 1, cannot
    be told from 0 by a finite difference, so it is judged on that scale rather than
    relative to itself. Above the floor, a derivative that is off by a relative amount
    ``r`` reports about ``r``. Infinite or NaN derivatives count as agreeing only when
    ``a_i == n_i``; otherwise the error is ``inf``.

    Typical results for a correct derivative: about 1e-10 in float64 (at worst about
    3e-6 where the derivative is near 0) and about 1e-4 in float32 (at worst about 5e-3).

    Keep ``x`` at least ``h`` away from the edges of ``f``'s domain (e.g. probabilities
    at least ``h`` inside [0, 1]).

    Parameters
    ----------
    f : callable
        ``f(x) -> value`` or, with ``grad=None``, ``f(x) -> (value, gradient)``.
    x : array_like
        The point. float32 is kept (and sets the default step); ints become float64.
    grad : callable, array_like or None
        The analytic derivative, with ``x``'s shape.
    eps : float, optional
        Relative step (positive); see above.

    Returns
    -------
    float
        The worst relative error over the coordinates.
    """
    xa = as_float_array(x, "x")
    dtype = xa.dtype
    mach = float(np.finfo(dtype).eps)
    if eps is None:
        step = mach ** (1.0 / 3.0)
    else:
        step = float(eps)
        if not (np.isfinite(step) and step > 0):
            raise ValueError(f"eps must be a positive finite step, got {eps!r}")
    if not np.isfinite(xa).all():
        raise ValueError("x must be finite: a finite difference needs real neighbours")

    def value(point: FloatArray) -> FloatArray:
        out = f(point)
        if grad is None:
            out = out[0]
        return _values(out, "f")

    if grad is None:
        res = f(xa)
        if not (isinstance(res, tuple | list) and len(res) == 2):
            raise TypeError(
                "with grad=None, f(x) must return a pair (value, gradient); pass the "
                "derivative as grad=... otherwise"
            )
        f0, analytic = _values(res[0], "f"), res[1]
    else:
        f0 = value(xa)
        analytic = grad(xa) if callable(grad) else grad
    a = _values(analytic, "grad")
    if a.shape != xa.shape:
        raise ValueError(
            f"the analytic gradient must have x's shape {xa.shape}, got {a.shape}; "
            f"return one derivative per coordinate of x"
        )
    if xa.size == 0:
        return 0.0

    absx = np.maximum(1.0, np.abs(xa.astype(np.float64)))
    h = (step * absx).astype(dtype)
    if f0.shape == xa.shape:  # elementwise: all coordinates at once
        xp, xm = xa + h, xa - h
        fp, fm = value(xp), value(xm)
        if fp.shape != xa.shape or fm.shape != xa.shape:
            raise ValueError("f changed the shape of its output between calls")
        with np.errstate(all="ignore"):  # inf - inf is a NaN quotient, judged below
            numeric = (fp - fm) / (xp.astype(np.float64) - xm.astype(np.float64))
        fscale = np.maximum(np.abs(f0), np.maximum(np.abs(fp), np.abs(fm)))
    elif f0.size == 1:  # scalar-valued: one coordinate at a time
        numeric = np.empty(xa.shape, dtype=np.float64)
        fscale = np.empty(xa.shape, dtype=np.float64)
        flat_x = xa.reshape(-1)
        for i in range(xa.size):
            xp = flat_x.copy()
            xm = flat_x.copy()
            xp[i] += h.flat[i]
            xm[i] -= h.flat[i]
            fp = value(xp.reshape(xa.shape))
            fm = value(xm.reshape(xa.shape))
            if fp.size != 1 or fm.size != 1:
                raise ValueError("f changed the shape of its output between calls")
            fpv, fmv = float(fp.reshape(-1)[0]), float(fm.reshape(-1)[0])
            with np.errstate(all="ignore"):
                numeric.flat[i] = np.float64(fpv - fmv) / (float(xp[i]) - float(xm[i]))
            fscale.flat[i] = max(abs(float(f0.reshape(-1)[0])), abs(fpv), abs(fmv))
    else:
        raise ValueError(
            f"f(x) must be a scalar (gradient of a scalar function) or have x's shape "
            f"{xa.shape} (elementwise function), got shape {f0.shape}"
        )
    return _worst_error(a, numeric, mach ** (1.0 / 3.0) * fscale / absx)


def _worst_error(a: FloatArray, n: FloatArray, floor: FloatArray) -> float:
    with np.errstate(all="ignore"):
        finite = np.isfinite(a) & np.isfinite(n)
        floor = np.where(np.isfinite(floor), floor, 0.0)
        denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
        denom = np.maximum(denom, np.finfo(np.float64).tiny)
        err = np.where(finite, np.abs(a - n) / denom, np.where(a == n, 0.0, np.inf))
    return float(np.max(err))
