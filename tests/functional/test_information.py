"""entropy, cross_entropy, kl_divergence, differential_entropy.

Oracles: scipy.stats.entropy, scipy.special (xlogy, entr, rel_entr), closed-form
differential entropies from scipy.stats distributions, mpmath at 50 digits, and the
identities H(p, q) = H(p) + KL(p || q) >= H(p) checked with hypothesis.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator

import mpmath
import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from sigmoid_neuron.functional import (
    cross_entropy,
    differential_entropy,
    entropy,
    kl_divergence,
)

SETTINGS = settings(max_examples=80, deadline=None)


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Any warning is an error, and so is any floating-point event but underflow."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


@st.composite
def distributions(draw: st.DrawFn, k: int | None = None) -> np.ndarray:
    """A probability vector, zeros included, normalised in float64."""
    size = k if k is not None else draw(st.integers(1, 8))
    w = draw(hnp.arrays(np.float64, size, elements=st.floats(0, 1e6) | st.just(0.0)))
    if w.sum() == 0:
        w[draw(st.integers(0, size - 1))] = 1.0
    return w / w.sum()


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(1, 8))
    return draw(distributions(k)), draw(distributions(k))


# --------------------------------------------------------------------------- entropy


@SETTINGS
@given(distributions())
def test_entropy_against_scipy(p: np.ndarray) -> None:
    with strict():
        h = entropy(p)
        h2 = entropy(p, base=2)
    # each term |p log p| <= 1/e carries a rounding error of a few ulps: an absolute bound
    atol = 8 * np.finfo(float).eps * p.size
    assert_allclose(h, stats.entropy(p), rtol=1e-13, atol=atol)
    assert_allclose(h, sc.entr(p).sum(), rtol=1e-13, atol=atol)
    assert_allclose(h2, stats.entropy(p, base=2), rtol=1e-13, atol=atol)
    assert 0 <= h <= np.log(p.size) * (1 + 1e-12)


def test_entropy_known_values_and_axis() -> None:
    with strict():
        assert entropy([1.0, 0.0]) == 0.0 and not np.signbit(entropy([1.0, 0.0]))
        assert entropy([0.5, 0.5], base=2) == pytest.approx(1.0, rel=1e-15)
        assert entropy(np.full(8, 1 / 8), base=2) == pytest.approx(3.0, rel=1e-15)
    p = np.array([[0.2, 0.8], [0.5, 0.5], [1.0, 0.0]])
    assert_allclose(entropy(p, axis=1), stats.entropy(p, axis=1), rtol=1e-14)
    assert_allclose(entropy(p.T, axis=0), stats.entropy(p.T, axis=0), rtol=1e-14)
    assert entropy(p, axis=1).shape == (3,)
    assert isinstance(entropy([0.25, 0.75]), np.float64)
    assert_allclose(entropy(p / 3, axis=None), stats.entropy(p.ravel() / 3), rtol=1e-14)


def test_float32_preserved_with_looser_tolerance() -> None:
    rng = np.random.default_rng(0)
    w = rng.uniform(size=(4, 1000)).astype(np.float32)
    p = w / w.sum(axis=1, keepdims=True)  # float32 normalisation: sums off by ~1e-7
    q = p[::-1].copy()
    assert entropy(p).dtype == np.float32
    assert cross_entropy(p, q).dtype == np.float32
    assert kl_divergence(p, q).dtype == np.float32
    p64, q64 = p.astype(np.float64), q.astype(np.float64)
    assert_allclose(entropy(p), stats.entropy(p64, axis=1), rtol=1e-5)
    assert_allclose(kl_divergence(p, q), stats.entropy(p64, q64, axis=1), rtol=1e-3, atol=1e-6)


# --------------------------------------------------------------------------- cross-entropy, KL


@SETTINGS
@given(pairs())
def test_cross_entropy_and_kl_against_scipy(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    with strict():
        ce = cross_entropy(p, q)
        kl = kl_divergence(p, q)
        kl2 = kl_divergence(p, q, base=2)
    assert_allclose(ce, -sc.xlogy(p, q).sum(), rtol=1e-13, atol=1e-300)
    assert_allclose(kl, sc.rel_entr(p, q).sum(), rtol=1e-10, atol=1e-14)
    assert_allclose(kl2, stats.entropy(p, q, base=2), rtol=1e-10, atol=1e-14)


@SETTINGS
@given(pairs())
def test_gibbs_inequality_and_decomposition(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    with strict():
        h, ce, kl = entropy(p), cross_entropy(p, q), kl_divergence(p, q)
    assert kl >= 0
    assert ce >= h - 1e-12
    if np.isfinite(ce):
        assert_allclose(ce, h + kl, rtol=1e-10, atol=1e-12)
    else:  # q rules out an event p allows
        assert kl == np.inf and np.any((q == 0) & (p > 0))
    assert kl_divergence(p, p) == 0.0


def test_infinite_where_q_rules_out_an_event_without_warning() -> None:
    with strict():
        assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0  # 0 log 0 = 0
        assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))


def test_kl_is_accurate_for_nearby_distributions() -> None:
    # p and q differ by 1e-12: rel_entr terms cancel; mpmath at 50 digits is the oracle
    mpmath.mp.dps = 50
    p = np.array([0.3, 0.7])
    q = np.array([0.3 + 1e-12, 0.7 - 1e-12])
    exact = float(
        sum(
            mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))
            for a, b in zip(p, q, strict=True)
        )
    )
    assert_allclose(kl_divergence(p, q), exact, rtol=1e-3)
    terms_exact = [
        float(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)))
        for a, b in zip(p, q, strict=True)
    ]
    from sigmoid_neuron.functional.information import _rel_entr

    assert_allclose(_rel_entr(p, q), terms_exact, rtol=1e-10)


def test_kl_with_tiny_q_does_not_overflow() -> None:
    # p / q would overflow; log p - log q does not
    q = np.array([1 - 1e-310, 1e-310])
    p = np.array([0.5, 0.5])
    with strict():
        kl = kl_divergence(p, q)
    expected = 0.5 * math.log(0.5 / (1 - 1e-310)) + 0.5 * (math.log(0.5) - math.log(1e-310))
    assert np.isfinite(kl)
    assert_allclose(kl, expected, rtol=1e-14)


def test_notes_examples_seed_002() -> None:
    # one-hot truth [0, 1] vs prediction [0.3, 0.7]: H(y) = 0, so KL = CE = -log 0.7
    y, yhat = [0.0, 1.0], [0.3, 0.7]
    assert cross_entropy(y, yhat) == pytest.approx(-math.log(0.7), rel=1e-15)
    assert kl_divergence(y, yhat) == pytest.approx(-math.log(0.7), rel=1e-15)
    assert cross_entropy([1.0, 0.0], [0.8, 0.2]) == pytest.approx(-math.log(0.8), rel=1e-15)
    # KLD(y || yhat) = H(y, yhat) - H(y) for a soft truth too
    y2 = [0.4, 0.6]
    assert_allclose(kl_divergence(y2, yhat), cross_entropy(y2, yhat) - entropy(y2), rtol=1e-14)


def test_batched_with_axis() -> None:
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(5), size=7)
    q = rng.dirichlet(np.ones(5), size=7)
    assert_allclose(kl_divergence(p, q, axis=1), stats.entropy(p, q, axis=1), rtol=1e-12)
    assert_allclose(kl_divergence(p.T, q.T, axis=0), stats.entropy(p, q, axis=1), rtol=1e-12)
    assert_allclose(cross_entropy(p, q), -sc.xlogy(p, q).sum(axis=1), rtol=1e-13)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [entropy, lambda p, **k: cross_entropy(p, [0.5, 0.5], **k)])
def test_p_must_be_a_distribution(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"p must sum to 1.*p / p.sum\(axis=-1, keepdims=True\)"):
        fn([0.5, 0.6])
    with pytest.raises(ValueError, match="p must be non-negative"):
        fn([1.5, -0.5])
    with pytest.raises(ValueError, match="p contains NaN"):
        fn([np.nan, 1.0])
    with pytest.raises(ValueError, match="p contains inf"):
        fn([np.inf, 1.0])
    with pytest.raises(TypeError, match="p must be numeric"):
        fn(["a", "b"])
    with pytest.raises(ValueError, match="base must be a positive finite number other than 1"):
        fn([0.5, 0.5], base=1)
    with pytest.raises(ValueError, match="base"):
        fn([0.5, 0.5], base=-2)
    with pytest.raises(TypeError, match="base must be a number"):
        fn([0.5, 0.5], base="e")


@pytest.mark.parametrize("fn", [cross_entropy, kl_divergence])
def test_pair_validation(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="p and q must have the same shape"):
        fn([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"q must sum to 1.*q / q.sum"):
        fn([0.5, 0.5], [0.2, 0.3])
    with pytest.raises(ValueError, match="q must be non-negative"):
        fn([0.5, 0.5], [1.2, -0.2])
    with pytest.raises(ValueError, match="q contains NaN"):
        fn([0.5, 0.5], [np.nan, 0.5])
    with pytest.raises(ValueError, match="axis=2 is invalid for p"):
        fn([0.5, 0.5], [0.5, 0.5], axis=2)
    with pytest.raises(ValueError, match="p is empty"):
        fn([], [])


def test_sum_tolerance_is_about_1e_6_in_float64() -> None:
    entropy([0.5, 0.5 + 5e-7])  # within tolerance
    with pytest.raises(ValueError, match="off by"):
        entropy([0.5, 0.5 + 5e-6])


# --------------------------------------------------------------------------- differential entropy


@pytest.mark.parametrize(
    ("dist", "lower", "upper"),
    [
        (stats.norm(loc=1.0, scale=2.0), -np.inf, np.inf),
        (stats.norm(scale=0.1), -np.inf, np.inf),  # negative entropy
        (stats.uniform(loc=0.0, scale=0.5), 0.0, 0.5),
        (stats.expon(scale=3.0), 0.0, np.inf),
        (stats.beta(2.0, 5.0), 0.0, 1.0),
        (stats.laplace(scale=1.5), -np.inf, np.inf),
    ],
    ids=["normal", "narrow-normal", "uniform", "exponential", "beta", "laplace"],
)
def test_differential_entropy_against_closed_forms(dist, lower, upper) -> None:  # type: ignore[no-untyped-def]
    with strict():
        h = differential_entropy(dist.pdf, lower, upper)
        h2 = differential_entropy(dist.pdf, lower, upper, base=2)
    assert isinstance(h, np.float64)
    assert_allclose(h, dist.entropy(), rtol=1e-7, atol=1e-9)
    assert_allclose(h2, dist.entropy() / np.log(2), rtol=1e-7, atol=1e-9)


def test_differential_entropy_zero_density_regions() -> None:
    # a density that is exactly 0 on half its interval: f log f := 0 there
    def pdf(x: float) -> float:
        return 2.0 if 0.0 <= x <= 0.5 else 0.0

    with strict():
        h = differential_entropy(pdf, 0.0, 1.0)
    assert_allclose(h, -math.log(2.0), rtol=1e-6)


def test_differential_entropy_bad_input() -> None:
    with pytest.raises(ValueError, match=r"pdf integrates to 2 over \[0\.0, 1\.0\]"):
        differential_entropy(lambda x: 2.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"pdf integrates to 0\.5 "):
        differential_entropy(stats.norm.pdf, 0.0, np.inf)  # half the support
    with pytest.raises(ValueError, match="lower must be less than upper"):
        differential_entropy(stats.norm.pdf, 1.0, 0.0)
    with pytest.raises(ValueError, match="lower must be less than upper"):
        differential_entropy(stats.norm.pdf, 0.0, 0.0)
    with pytest.raises(TypeError, match="pdf must be a callable"):
        differential_entropy(np.array([0.5, 0.5]), 0.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pdf returned -1\.0"):
        differential_entropy(lambda x: -1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="pdf returned nan"):
        differential_entropy(lambda x: math.nan, 0.0, 1.0)
    with pytest.raises(TypeError, match="pdf must return a real number"):
        differential_entropy(lambda x: "a", 0.0, 1.0)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="base"):
        differential_entropy(stats.norm.pdf, -np.inf, np.inf, base=0)


def test_integration_failure_is_a_value_error_not_a_warning() -> None:
    def nasty(x: float) -> float:
        return abs(math.sin(1.0 / x)) / x**0.5 if x > 0 else 0.0

    with strict(), pytest.raises(ValueError, match=r"did not converge|integrates to"):
        differential_entropy(nasty, 0.0, 1.0)
