"""Predictions of a fitted linear model: the raw ``z = X W^T + b (+ offset)`` and what each
estimator makes of it, on NumPy, SciPy sparse and (lazily, block by block) Dask input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted, validate_data

from sigmoid_neuron.estimators._backend import predict
from sigmoid_neuron.objective.array_data import check_offset

Array = NDArray[Any]


class PredictionMixin:
    """``_output`` and ``_decision`` over the coefficients that
    ``_coefficients()`` returns (``(K, d)`` and ``(K,)``)."""

    def _coefficients(self) -> tuple[Array, Array]:
        raise NotImplementedError

    def _output(
        self,
        X: Any,
        post: Callable[..., Array],
        *extra: Any,
        n_outputs: int | None = None,
        dtype: Any = None,
        offset: Any = None,
    ) -> Any:
        """``post(z, *extra)`` of the raw predictions ``z = X W^T + b`` ``(n, K)``.

        On Dask input (array or DataFrame) a lazy Dask array, one task per row block,
        nothing computed (``n_outputs``: columns of the output, None for 1-D; ``dtype``:
        its dtype, default that of ``z``); otherwise a NumPy array. ``offset`` (``(n,)``
        or ``(n, K)``) is added to ``z`` first (NumPy and SciPy input).
        """
        return predict(self, X, post, *extra, n_outputs=n_outputs, dtype=dtype, offset=offset)

    def _decision(self, X: Any, offset: Any = None) -> Array:
        """Raw predictions ``z = X W^T + b (+ offset)``, shape ``(n, K)``."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"]
        )
        coef, intercept = self._coefficients()
        dtype = np.result_type(X.dtype, coef.dtype)
        with np.errstate(over="ignore"):  # huge finite X: z = +-inf, predictions saturate
            z: Array = np.asarray(X.astype(dtype, copy=False) @ coef.T.astype(dtype, copy=False))
            z += intercept.astype(dtype, copy=False)
            off = check_offset(offset, X.shape[0], z.shape[1])
            if off is not None:
                z += off.astype(dtype, copy=False)
        return z
