"""Argument validation shared by the public functions of :mod:`sigmoid_neuron.functional`.

Every helper raises ``TypeError`` or ``ValueError`` with a message that names the
argument and says how to fix it. Nothing here computes math; the kernels that do are
unvalidated and live beside the public functions.

Dtype rule used throughout: floating inputs keep their dtype (float32 stays float32);
integer and boolean inputs are promoted to float64. When several arrays meet, integer
and boolean ones, and bare Python floats, do not take part in choosing the result dtype
(so integer labels, or a Python float target, with float32 predictions give float32);
the floating arrays are promoted as NumPy does.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.floating]
#: what a public function returns: an array, or a NumPy scalar for 0-d results
FloatResult = NDArray[np.floating] | np.floating

REDUCTIONS = ("mean", "sum", "none")


def _convert(x: ArrayLike, name: str) -> tuple[FloatArray, bool]:
    """``x`` as a real floating ndarray, and whether it was floating already."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested sequences, odd objects
        raise TypeError(
            f"{name} must be a real number or an array of real numbers; "
            f"NumPy could not convert it ({exc})"
        ) from None
    kind = arr.dtype.kind
    if kind == "f":
        # a bare Python float is "weak", as in NumPy: 0.5 with float32 stays float32
        weak = isinstance(x, float) and not isinstance(x, np.generic)
        return arr, not weak
    if kind in "biu":
        return arr.astype(np.float64), False
    if kind == "O" and all(isinstance(v, numbers.Real) for v in arr.flat):
        return arr.astype(np.float64), True  # e.g. Fractions: no dtype of their own
    if kind == "c":
        raise TypeError(
            f"{name} must be real, got complex dtype {arr.dtype}; pass the real part "
            f"(np.real({name})) if the imaginary part is zero"
        )
    raise TypeError(
        f"{name} must be numeric (a float or int array), got dtype {arr.dtype}; "
        f"convert it with np.asarray({name}, dtype=float)"
    )


def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """``x`` as a real floating ndarray (ints and bools promoted to float64)."""
    return _convert(x, name)[0]


def as_common_float_arrays(*items: tuple[ArrayLike | None, str]) -> list[FloatArray | None]:
    """Convert several ``(value, name)`` pairs to one common floating dtype.

    ``None`` values stay ``None``. Integer/bool inputs and bare Python floats do not vote
    on the dtype (so int labels with float32 predictions give float32); floating arrays
    and NumPy scalars promote as NumPy does; with no voter the dtype is float64.
    """
    converted = [None if v is None else _convert(v, n) for v, n in items]
    floats = [c[0].dtype for c in converted if c is not None and c[1]]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    out: list[FloatArray | None] = []
    with np.errstate(over="ignore"):  # a huge int cast to float16 becomes inf, caught later
        for c in converted:
            out.append(None if c is None else c[0].astype(dtype, copy=False))
    return out


def finish(result: FloatArray) -> FloatResult:
    """Return 0-d arrays as NumPy scalars, everything else unchanged."""
    if result.ndim == 0:
        return result[()]
    return result


def check_no_nan(x: FloatArray, name: str) -> None:
    """Reject NaN, which would otherwise propagate silently into a loss."""
    if x.size and np.isnan(x).any():
        raise ValueError(
            f"{name} contains NaN; remove or impute the missing values before calling "
            f"(e.g. mask them out with ~np.isnan({name}))"
        )


def check_finite(x: FloatArray, name: str) -> None:
    """Reject NaN and +-inf."""
    check_no_nan(x, name)
    if x.size and np.isinf(x).any():
        raise ValueError(
            f"{name} contains inf; every value of {name} must be a finite number "
            f"(check np.isfinite({name}))"
        )


def check_unit_interval(x: FloatArray, name: str) -> None:
    """Reject NaN and values outside [0, 1]."""
    if x.size == 0:
        return
    lo, hi = x.min(), x.max()
    if np.isnan(lo) or np.isnan(hi):
        check_no_nan(x, name)
    if lo < 0 or hi > 1:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{name} must lie in [0, 1], found {float(bad)!r}; targets and probabilities "
            f"are in [0, 1] (pass logits to binary_cross_entropy_with_logits, or clip "
            f"with np.clip({name}, 0, 1) if the excess is rounding)"
        )


def check_same_shape(a: FloatArray, b: FloatArray, name_a: str, name_b: str) -> None:
    """Require identical shapes: losses never broadcast silently."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}; "
            f"reshape one of them (e.g. {name_b}.reshape({name_a}.shape)) — losses do not "
            f"broadcast"
        )


def check_reduction(reduction: object) -> str:
    """``reduction`` must be one of ``"mean"``, ``"sum"``, ``"none"``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in REDUCTIONS)}, got {reduction!r}"
        )
    return reduction


def check_sample_weight(sample_weight: ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """Validate ``sample_weight`` against per-element losses of shape ``shape``.

    It must be 1-D with one non-negative finite weight per sample (``shape[0]``) and
    not all zero.
    """
    s = as_float_array(sample_weight, "sample_weight")
    if len(shape) == 0:
        raise ValueError(
            "sample_weight needs per-sample inputs, but y_true is a scalar; pass arrays "
            "whose first axis indexes the samples, or drop sample_weight"
        )
    if s.ndim != 1 or s.shape[0] != shape[0]:
        raise ValueError(
            f"sample_weight must be 1-D with one weight per sample (length {shape[0]}, "
            f"the first axis of y_true), got shape {s.shape}"
        )
    if not np.isfinite(s).all():
        raise ValueError("sample_weight must be finite; replace NaN/inf weights")
    if s.size and s.min() < 0:
        raise ValueError(
            "sample_weight must be non-negative; a sample is left out with weight 0, "
            "never with a negative weight"
        )
    if s.size and not (s > 0).any():
        raise ValueError(
            "sample_weight must not be all zero; give at least one sample a positive weight"
        )
    return s


def distribution_tolerance(dtype: np.dtype[Any]) -> float:
    """Relative tolerance on ``sum(p) == 1``: 1e-6 for float64, looser for narrower floats."""
    eps = float(np.finfo(dtype).eps)
    return min(1e-2, max(1e-6, 1000.0 * eps))


def check_distribution(p: FloatArray, name: str, axis: int | tuple[int, ...] | None) -> None:
    """``p`` must be finite, non-negative and sum to 1 along ``axis``."""
    check_finite(p, name)
    if p.size == 0:
        raise ValueError(f"{name} is empty; a probability distribution needs at least one entry")
    if p.min() < 0:
        raise ValueError(
            f"{name} must be non-negative (a probability distribution), found "
            f"{float(p.min())!r}; probabilities cannot be negative"
        )
    try:
        sums = p.sum(axis=axis, dtype=np.float64)
    except ValueError as exc:  # numpy's AxisError is a ValueError
        raise ValueError(f"axis={axis!r} is invalid for {name} of shape {p.shape}: {exc}") from None
    tol = distribution_tolerance(p.dtype)
    worst = float(np.max(np.abs(sums - 1.0)))
    if worst > tol:
        raise ValueError(
            f"{name} must sum to 1 along axis={axis!r} (tolerance {tol:g}), but a sum is "
            f"off by {worst:.3g}; normalise it with {name} / {name}.sum(axis={axis!r}, "
            f"keepdims=True)"
        )


def check_base(base: float | None) -> float | None:
    """``base`` of the logarithm: None (natural log) or a positive finite number != 1."""
    if base is None:
        return None
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise TypeError(f"base must be a number or None, got {base!r}") from None
    if not np.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(
            f"base must be a positive finite number other than 1 (e.g. 2 for bits, "
            f"None for nats), got {base!r}"
        )
    return b
