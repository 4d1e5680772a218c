"""Sparse training data from a LIBSVM / svmlight file (``label index:value ...`` per line),
read by scikit-learn's loader into a SciPy CSR matrix that is never densified."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: File extensions read as svmlight / LIBSVM.
SVMLIGHT_SUFFIXES = (".svm", ".svmlight", ".libsvm")


def is_svmlight(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names an svmlight / LIBSVM file (by its extension)."""
    return Path(path).suffix.lower() in SVMLIGHT_SUFFIXES


def read_svmlight(
    path: str | os.PathLike[str], *, n_features: int | None = None
) -> tuple[Any, NDArray[Any], list[str]]:
    """``(X, y, feature_names)``: ``X`` a float64 CSR matrix ``(n, d)`` (``d`` the largest
    index in the file, or ``n_features``), ``y`` the labels, names ``x0 .. x{d-1}``
    (LIBSVM's 1-based index ``j`` is column ``x{j-1}``).

    ValueError naming the file for a missing file, a malformed line, no rows, or a
    feature index beyond ``n_features``.
    """
    from sklearn.datasets import load_svmlight_file

    where = f"DATA {str(path)!r}"
    if not Path(path).is_file():
        raise ValueError(f"{where} does not exist or is not a file; pass an svmlight file")
    try:
        X, y = load_svmlight_file(
            str(path), n_features=n_features, dtype=np.float64, zero_based=False
        )
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{where} is not a valid svmlight/LIBSVM file ({str(exc)[:120]}); each line must "
            "be 'label index:value ...' with increasing 1-based indices"
        ) from None
    if X.shape[0] == 0:
        raise ValueError(f"{where} has no data rows; it needs at least one")
    if not np.all(np.isfinite(X.data)) or not np.all(np.isfinite(y)):
        raise ValueError(f"{where} contains NaN or infinity; every value must be finite")
    return X.tocsr(), np.asarray(y), [f"x{j}" for j in range(X.shape[1])]
