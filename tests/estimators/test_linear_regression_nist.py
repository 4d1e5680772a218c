"""``LinearRegression()`` at default settings against the NIST StRD linear-regression sets.

The NIST Statistical Reference Datasets (https://www.itl.nist.gov/div898/strd/) certify the
least-squares estimates of eight problems in the "Linear Least Squares Regression" category
to 15 significant digits; the original files, with their certified values, are vendored in
``tests/data/nist`` (see its README for where each came from).

Three groups of tests:

* data integrity: the exact rational least-squares solution of every file's data reproduces
  the certified estimates, standard deviations and residual standard deviation, so the
  files were copied right and are parsed right (independent of any floating-point solver);
* oracle sanity check: scikit-learn's ``LinearRegression`` (LAPACK least squares) reaches
  the certified estimates on the float64 data, so the tolerances below are attainable;
* the estimator under test: ``sigmoid_neuron.LinearRegression()`` with its defaults reaches
  every certified coefficient to 1e-7 relative (Norris, Pontius, Longley) or 1e-6 relative
  (Wampler1-5, degree-5 polynomials; Wampler4-5 bury them in noise), and its ``fit`` emits
  no warning.  The raw designs ``[1, X]`` are badly conditioned (2-norm condition number
  1.4e13 for Pontius, 4.9e9 for Longley, 6.4e6 for Wampler), on purpose.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from nist import DATASETS, load_nist, read_nist_text
from sklearn.linear_model import LinearRegression as SkLinearRegression

from sigmoid_neuron import LinearRegression

#: Relative tolerance per certified coefficient for the estimator under test.
RTOL: dict[str, float] = {
    "Norris": 1e-7,
    "Pontius": 1e-7,
    "Longley": 1e-7,
    "Wampler1": 1e-6,
    "Wampler2": 1e-6,
    "Wampler3": 1e-6,
    "Wampler4": 1e-6,
    "Wampler5": 1e-6,
}

#: Certified values carry 15 significant digits; the exact solution must round to them.
CERTIFIED_DIGITS_RTOL = 1e-13


def _assert_certified(
    name: str, intercept: float, coef: np.ndarray, certified: np.ndarray, rtol: float
) -> None:
    """Assert every parameter ``[intercept, *coef]`` is within ``rtol`` of its certified value.

    Each parameter is judged relative to its own certified value; a certified value of
    exactly 0 is judged on an absolute scale, the largest ``|certified|`` of the problem.
    On failure every parameter is reported, not only the first that misses.
    """
    estimate = np.concatenate([[float(intercept)], np.ravel(coef)])
    assert estimate.shape == certified.shape, f"{name}: {estimate.size} parameters fitted"
    scale = np.abs(certified)
    scale[scale == 0] = np.max(np.abs(certified))
    relative = np.abs(estimate - certified) / scale
    if not np.all(relative <= rtol):
        rows = "\n".join(
            f"  B{j}: certified {c: .15e}  got {e: .15e}  rel {r:.2e}"
            for j, (c, e, r) in enumerate(zip(certified, estimate, relative, strict=True))
        )
        raise AssertionError(
            f"{name}: max relative error {relative.max():.3e} exceeds {rtol:.0e}\n{rows}"
        )


def _exact_least_squares(name: str) -> tuple[list[Fraction], Fraction, list[Fraction]]:
    """Exact rational least-squares fit of the file's decimal data (normal equations).

    Returns the estimates ``B0..Bp``, the residual variance ``RSS / (n - p - 1)`` and the
    diagonal of ``(X'X)^{-1}``, all exact.
    """
    text = read_nist_text(name)
    rows = [[Fraction(v) for v in row] for row in text.x_rows]
    if text.degree is not None:
        rows = [[row[0] ** k for k in range(1, text.degree + 1)] for row in rows]
    design = [[Fraction(1), *row] for row in rows]
    y = [Fraction(v) for v in text.y]
    p = len(design[0])
    gram = [[sum(r[i] * r[j] for r in design) for j in range(p)] for i in range(p)]
    # Gauss-Jordan on [X'X | X'y | I]: exact, so no pivoting concerns beyond a zero pivot.
    augmented = [
        [*gram[i], sum(r[i] * t for r, t in zip(design, y, strict=True))]
        + [Fraction(int(i == j)) for j in range(p)]
        for i in range(p)
    ]
    for col in range(p):
        pivot = next(r for r in range(col, p) if augmented[r][col] != 0)
        augmented[col], augmented[pivot] = augmented[pivot], augmented[col]
        lead = augmented[col][col]
        augmented[col] = [v / lead for v in augmented[col]]
        for r in range(p):
            if r != col and augmented[r][col] != 0:
                factor = augmented[r][col]
                augmented[r] = [
                    a - factor * b for a, b in zip(augmented[r], augmented[col], strict=True)
                ]
    beta = [augmented[i][p] for i in range(p)]
    inverse_diagonal = [augmented[i][p + 1 + i] for i in range(p)]
    rss = sum(
        (t - sum(b * x for b, x in zip(beta, r, strict=True))) ** 2
        for r, t in zip(design, y, strict=True)
    )
    return beta, rss / (len(y) - p), inverse_diagonal


def _relative_to_certified(value: mpmath.mpf, certified: str) -> float:
    """``|value - certified| / |certified|`` (absolute when the certified value is 0)."""
    reference = mpmath.mpf(certified)
    difference = abs(value - reference)
    return float(difference / abs(reference) if reference != 0 else difference)


def _mpf(value: Fraction) -> mpmath.mpf:
    """A fraction as a 50-digit mpmath float."""
    return mpmath.mpf(value.numerator) / value.denominator


# --- data integrity -------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_data_file_reproduces_its_certified_values_exactly(name: str) -> None:
    """Exact least squares on the file's data gives NIST's certified values to 15 digits."""
    text = read_nist_text(name)
    beta, variance, inverse_diagonal = _exact_least_squares(name)
    with mpmath.workdps(50):
        errors = [
            _relative_to_certified(_mpf(b), c)
            for b, c in zip(beta, text.certified_coefs, strict=True)
        ]
        errors += [
            _relative_to_certified(mpmath.sqrt(_mpf(variance * d)), c)
            for d, c in zip(inverse_diagonal, text.certified_sd, strict=True)
        ]
        errors.append(
            _relative_to_certified(mpmath.sqrt(_mpf(variance)), text.certified_residual_sd)
        )
    assert max(errors) < CERTIFIED_DIGITS_RTOL


@pytest.mark.parametrize("name", DATASETS)
def test_loader_shapes_match_the_certified_model(name: str) -> None:
    """``X`` has one column per non-constant parameter and is finite."""
    X, y, coefs, sd, residual_sd = load_nist(name)
    assert X.ndim == 2 and X.shape == (y.shape[0], coefs.shape[0] - 1)
    assert sd.shape == coefs.shape and residual_sd >= 0
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


# --- oracle sanity check (scikit-learn, not the code under test) ------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_oracle_sklearn_reaches_certified_values(name: str) -> None:
    """ORACLE: scikit-learn's LinearRegression meets the same tolerances on the same arrays.

    This checks the data and the tolerances, not ``sigmoid_neuron``: if it fails, the
    problem is in the fixture, not in the estimator under test.

    ``tol=0.0``: from scikit-learn 1.9, ``tol`` (default 1e-6) is the ``cond`` rank cut-off
    of ``scipy.linalg.lstsq`` on dense data, and at 1e-6 it discards real directions of
    the badly scaled polynomial designs (Pontius, Wampler1-5 then miss by O(1)).  Before
    1.9 the dense path used LAPACK's machine-epsilon cut-off, which ``tol=0.0`` matches.
    """
    X, y, coefs, _, _ = load_nist(name)
    params = {"tol": 0.0} if "tol" in SkLinearRegression().get_params() else {}
    model = SkLinearRegression(**params).fit(X, y)
    _assert_certified(name, model.intercept_, model.coef_, coefs, RTOL[name])


# --- the estimator under test -----------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_linear_regression_reaches_certified_coefficients(name: str) -> None:
    """``LinearRegression()`` with default settings reaches every certified coefficient."""
    X, y, coefs, _, _ = load_nist(name)
    with warnings.catch_warnings():
        # Warnings are the next test's concern; here only the numbers are judged.
        warnings.simplefilter("ignore")
        model = LinearRegression().fit(X, y)
    assert np.ndim(model.intercept_) == 0 and np.shape(model.coef_) == (X.shape[1],)
    _assert_certified(name, model.intercept_, model.coef_, coefs, RTOL[name])


@pytest.mark.parametrize("name", DATASETS)
def test_linear_regression_fit_emits_no_warning(name: str) -> None:
    """Fitting a certified problem at default settings raises no warning of any kind."""
    X, y, _, _, _ = load_nist(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearRegression().fit(X, y)
