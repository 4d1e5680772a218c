"""Cholesky factors through LAPACK directly, with their reciprocal condition number.

``A = U^T U`` (``U`` upper triangular) by ``potrf``; ``rcond = 1 / (||A||_1 ||A^-1||_1)``
estimated from ``U`` by ``pocon`` in ``O(p^2)``; ``A x = b`` by ``potrs``. SciPy's
``cho_factor`` / ``cho_solve`` wrap the same calls at ~10 us each, which a Newton run on a
small problem pays dozens of times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

Array = NDArray[Any]


def factor(A: Array, *, equilibrated: bool = False) -> tuple[Array, float] | None:
    """``(U, rcond)`` with ``U^T U = A`` for a symmetric positive definite ``A`` (only its
    upper triangle is read; ``U``'s lower triangle is left unspecified), None when ``A``
    is not numerically positive definite.

    ``equilibrated``: ``rcond`` is that of ``D A D`` with ``D = diag(A)^-1/2`` (unit
    diagonal; its factor is ``U D``), which is what bounds the accuracy of solves with
    ``U`` (van der Sluis): a matrix that is ill-conditioned only through the sizes of its
    diagonal (a ridge term far larger on some coordinates than on others) is not.
    """
    U, info = scipy.linalg.lapack.dpotrf(A, lower=0)
    if info != 0:
        return None
    if equilibrated:
        root = 1.0 / np.sqrt(A.diagonal())  # > 0: A is positive definite
        scaled = np.abs(A) * root[:, None] * root
        rcond, info = scipy.linalg.lapack.dpocon(U * root, float(scaled.sum(axis=0).max()))
    else:
        rcond, info = scipy.linalg.lapack.dpocon(U, float(np.abs(A).sum(axis=0).max()))
    return U, float(rcond) if info == 0 else 0.0


def solve(U: Array, b: Array) -> Array:
    """``x = (U^T U)^{-1} b`` for an upper factor ``U`` (``b`` a vector or columns)."""
    x, info = scipy.linalg.lapack.dpotrs(U, b, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"potrs failed with info={info}")
    solved: Array = x
    return solved
