"""Column moments and triangular factors: against NumPy on the whole array."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sigmoid_neuron.objective.moments import Moments, block_moments, block_qr, row_chunks


def _data(seed: int = 0, n: int = 500, d: int = 4) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * 10.0 ** np.arange(d) + 1e4  # large means, mixed scales
    y = rng.normal(size=(n, 2))
    sw = rng.integers(0, 4, size=n).astype(float)
    return X, y, sw


def test_weighted_moments_equal_numpy() -> None:
    X, y, sw = _data()
    m = block_moments(X, y, sw)
    mean = np.average(X, axis=0, weights=sw)
    assert m.total_weight == sw.sum()
    np.testing.assert_allclose(m.mean_x, mean, rtol=1e-14)
    np.testing.assert_allclose(m.mean_y, np.average(y, axis=0, weights=sw), rtol=1e-13)
    np.testing.assert_allclose(m.m2_x, sw @ (X - mean) ** 2, rtol=1e-11)
    np.testing.assert_allclose(
        m.scale_x, np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sw)), rtol=1e-11
    )


def test_moments_of_parts_add_up_to_the_whole() -> None:
    """Chan's pairwise update: parts in any grouping give the moments of all rows."""
    X, y, sw = _data(1)
    whole = block_moments(X, y, sw)
    cuts = [0, 7, 200, 201, 500]
    parts = [block_moments(X[a:b], y[a:b], sw[a:b]) for a, b in itertools.pairwise(cuts)]
    total = parts[0] + (parts[1] + parts[2]) + parts[3]
    np.testing.assert_allclose(total.mean_x, whole.mean_x, rtol=1e-14)
    np.testing.assert_allclose(total.m2_x, whole.m2_x, rtol=1e-10)
    assert total.total_weight == whole.total_weight


def test_constant_columns_get_unit_scale_and_zero_weights_add_nothing() -> None:
    X = np.c_[np.full(6, 3.0), np.arange(6.0)]
    m = block_moments(X, np.zeros(6), None)
    assert m.scale_x[0] == 1.0 and m.scale_x[1] == pytest.approx(np.std(np.arange(6.0)))
    empty = block_moments(X[:0], np.zeros(0), None)
    assert (m + empty).mean_x.tolist() == m.mean_x.tolist()
    assert isinstance(empty + m, Moments) and (empty + m).total_weight == 6


@pytest.mark.parametrize("weighted", [False, True])
def test_triangular_factor_reproduces_the_gram_matrix(weighted: bool) -> None:
    X, y, sw = _data(2)
    s = sw if weighted else None
    shift_x, shift_y = X.mean(axis=0), y.mean(axis=0)
    R = block_qr(X, y, s, shift_x, shift_y).R
    A = np.c_[X - shift_x, y - shift_y] * np.sqrt(sw if weighted else np.ones(len(X)))[:, None]
    np.testing.assert_allclose(R.T @ R, A.T @ A, rtol=1e-12, atol=1e-9 * np.abs(A.T @ A).max())
    assert np.allclose(np.tril(R, -1), 0)


def test_factors_of_blocks_combine_into_the_factor_of_all_rows() -> None:
    X, y, sw = _data(3)
    zx, zy = np.zeros(X.shape[1]), np.zeros(2)
    parts = [block_qr(X[a:b], y[a:b], sw[a:b], zx, zy) for a, b in [(0, 3), (3, 250), (250, 500)]]
    combined = (parts[0] + parts[1]) + parts[2]
    whole = block_qr(X, y, sw, zx, zy)
    G = whole.R.T @ whole.R
    np.testing.assert_allclose(combined.R.T @ combined.R, G, rtol=1e-12, atol=1e-12 * abs(G).max())


def test_row_chunks_cover_every_row_once() -> None:
    for n, width in [(0, 3), (1, 1), (10**6, 100), (12345, 7)]:
        chunks = row_chunks(n, width)
        covered = np.concatenate([np.arange(c.start, c.stop) for c in chunks])
        assert covered.tolist() == list(range(n))


def test_gram_matrix_of_weighted_shifted_rows_and_of_blocks() -> None:
    from sigmoid_neuron.objective.moments import block_gram

    X, y, sw = _data(4)
    sx, sy = X.mean(axis=0), y.mean(axis=0)
    A = np.c_[X - sx, y - sy, np.ones(len(X))] * np.sqrt(sw)[:, None]
    G = block_gram(X, y, sw, sx, sy)
    np.testing.assert_allclose(G, A.T @ A, rtol=1e-12, atol=1e-12 * np.abs(A.T @ A).max())
    parts = block_gram(X[:123], y[:123], sw[:123], sx, sy) + block_gram(
        X[123:], y[123:], sw[123:], sx, sy
    )
    np.testing.assert_allclose(parts, G, rtol=1e-12, atol=1e-12 * np.abs(G).max())


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_chunks_shared_by_threads_give_numpys_moments_and_gram(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """Small chunks (many of them, shared by the threads) against NumPy on the whole
    array; and the same bits whatever the number of threads (partial sums folded in
    chunk order)."""
    from sigmoid_neuron.objective import moments

    X, y, sw = _data(5, n=3000, d=6)
    monkeypatch.setattr(moments, "CHUNK_BYTES", 8 * 7 * 97)  # 97 rows: 31 chunks
    monkeypatch.setattr(moments, "default_threads", lambda: threads)
    m = moments.block_moments(X, y, sw)
    mean = np.average(X, axis=0, weights=sw)
    np.testing.assert_allclose(m.mean_x, mean, rtol=1e-14)
    np.testing.assert_allclose(m.m2_x, sw @ (X - mean) ** 2, rtol=1e-11)
    sx, sy = X.mean(axis=0), y.mean(axis=0)
    A = np.c_[X - sx, y - sy, np.ones(len(X))] * np.sqrt(sw)[:, None]
    G = moments.block_gram(X, y, sw, sx, sy)
    np.testing.assert_allclose(G, A.T @ A, rtol=1e-12, atol=1e-12 * np.abs(A.T @ A).max())
    monkeypatch.setattr(moments, "default_threads", lambda: 1)
    assert moments.block_gram(X, y, sw, sx, sy).tobytes() == G.tobytes()
    one = moments.block_moments(X, y, sw)
    assert one.m2_x.tobytes() == m.m2_x.tobytes() and one.mean_x.tobytes() == m.mean_x.tobytes()


def test_centred_gram_from_a_pass_about_a_rough_shift() -> None:
    """One pass about shifts that are off by up to a standard deviation gives NumPy's
    weighted means and centred Gram matrix (columns with means 1e4 and spreads 1..1e3)."""
    from sigmoid_neuron.objective.moments import block_gram, centred_gram

    X, y, sw = _data(6, n=2000)
    rng = np.random.default_rng(1)
    sx = X[:50].mean(axis=0) + X.std(axis=0) * rng.uniform(-1, 1, X.shape[1])
    sy = y[:50].mean(axis=0)
    C, mean_x, mean_y = centred_gram(block_gram(X, y, sw, sx, sy), sx, sy)
    mx, my = np.average(X, axis=0, weights=sw), np.average(y, axis=0, weights=sw)
    np.testing.assert_allclose(mean_x, mx, rtol=1e-14)
    np.testing.assert_allclose(mean_y, my, rtol=1e-12, atol=1e-15)
    A = np.c_[X - mx, y - my] * np.sqrt(sw)[:, None]
    np.testing.assert_allclose(C, A.T @ A, rtol=1e-11, atol=1e-11 * np.abs(A.T @ A).max())
    with pytest.raises(ValueError, match="zero total weight"):
        centred_gram(block_gram(X, y, np.zeros(len(X)), sx, sy), sx, sy)
