"""The logistic Hessian derivation: it verifies, SymPy's own ``hessian`` agrees with its
result, the inference code's Hessian agrees with it, and wrong last steps are caught.

Oracles: ``sympy.hessian`` of the summed cost written with plain symbols (no Sum, no
Derivative, no package code), SciPy's ``expit`` for a numeric X^T diag(p(1-p)) X.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.special import expit

from sigmoid_neuron.derivations import Status, Step, by_name, render
from sigmoid_neuron.derivations.logistic_hessian import logistic_regression_hessian
from sigmoid_neuron.objective import BinaryCrossEntropy
from sigmoid_neuron.objective.scores import block_score_sums


def test_it_is_in_the_catalogue_and_verifies():
    derivation = by_name("logistic-regression-hessian")
    assert derivation == logistic_regression_hessian()
    result = derivation.verify()
    assert result.ok, render(result)
    assert all(s.status in (Status.SYMBOLIC, Status.NUMERIC) for s in result.steps[1:])
    assert "X^T diag(p (1 - p)) X" in derivation.title


def test_sympy_hessian_of_the_summed_cost_is_xt_d_x():
    m, n = 3, 2
    th = sp.symbols("t1:3", real=True)
    X = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    ys = sp.symbols("y0:3", real=True)
    z = [sum(th[k] * X[i, k] for k in range(n)) for i in range(m)]
    cost = sum(sp.log(1 + sp.exp(-z[i])) + (1 - ys[i]) * z[i] for i in range(m))
    H = sp.hessian(cost, th)
    p = [1 / (1 + sp.exp(-zi)) for zi in z]
    expected = X.T * sp.diag(*[pi * (1 - pi) for pi in p]) * X
    assert not any(sym in H.free_symbols for sym in ys)  # no y in the Hessian
    symbols = [*th, *X, *ys]
    difference = sp.lambdify(symbols, H - expected, "numpy")
    size = sp.lambdify(symbols, expected, "numpy")
    rng = np.random.default_rng(1)
    for _ in range(20):
        point = rng.uniform(-2, 2, len(symbols))
        assert np.abs(difference(*point)).max() <= 1e-12 * np.abs(size(*point)).max()
    # one row, one feature: exactly x^2 p (1 - p), symbolically
    t, x1 = sp.symbols("t x1", real=True)
    one = sp.diff(sp.log(1 + sp.exp(-t * x1)) + (1 - ys[0]) * t * x1, t, 2)
    q = 1 / (1 + sp.exp(-t * x1))
    assert sp.simplify(one - x1**2 * q * (1 - q)) == 0


def test_its_last_step_is_what_inference_computes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (rng.uniform(size=40) < 0.5).astype(float)
    w, b = rng.normal(size=3), 0.4
    sums = block_score_sums(X, y[:, None], None, w[None, :], np.array([b]), BinaryCrossEntropy())
    Xa = np.column_stack([X, np.ones(40)])
    p = expit(Xa @ np.r_[w, b])
    np.testing.assert_allclose(sums.hessian, Xa.T @ (Xa * (p * (1 - p))[:, None]), rtol=1e-12)


def test_a_hessian_with_y_in_it_is_caught_at_that_step():
    derivation = logistic_regression_hessian()
    last = derivation.steps[-1].expr
    (p_base,) = {a.base for a in last.atoms(sp.Indexed) if str(a.base) == "p"}
    (y_base,) = {a.base for a in derivation.steps[0].expr.atoms(sp.Indexed) if str(a.base) == "y"}
    wrong = last.xreplace({p_base: y_base})  # "y (1 - y)" instead of "p (1 - p)"
    result = derivation.with_step(len(derivation.steps) - 1, Step(wrong, "wrong")).verify()
    assert result.first_failure == len(derivation.steps) - 1
    assert result.steps[-1].status is Status.FAILED
