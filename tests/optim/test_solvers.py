"""Full-batch solvers against scikit-learn's and SciPy's optima."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.objective import (
    BinaryCrossEntropy,
    HalfSquaredError,
    MultinomialCrossEntropy,
    SigmoidHalfSquaredError,
    make_objective,
)
from sigmoid_neuron.optim import SOLVERS, SolverResult, lbfgs, newton

SOLVER_FUNCS = [lbfgs, newton]
IDS = ["lbfgs", "newton"]


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y.astype(float)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def solve(solver, obj, **kwargs) -> SolverResult:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the solvers never warn
        return solver(obj, np.zeros(obj.n_params), **kwargs)


# ------------------------------------------------------------------ scikit-learn optima


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
@pytest.mark.parametrize("alpha", [1e-2, 1e-4])
def test_binary_logistic_matches_sklearn(breast_cancer, solver, alpha):
    X, y = breast_cancer
    n = len(y)
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=alpha)
    sk = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10000).fit(X, y)
    ref = np.r_[sk.coef_.ravel(), sk.intercept_]

    res = solve(solver, obj, tol=1e-10)
    assert res.converged, res.message
    np.testing.assert_allclose(res.theta, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    assert res.loss <= obj.loss(ref) + 1e-12
    assert res.loss == pytest.approx(obj.loss(res.theta), rel=1e-14)
    assert len(res.history) == res.n_iter and res.history[-1] == pytest.approx(res.loss)


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
@pytest.mark.parametrize("alpha", [1e-2, 1e-3])
def test_multinomial_logistic_matches_sklearn(iris, solver, alpha):
    """With alpha > 0 the coefficients are unique; the intercepts only up to a common
    shift (softmax is invariant to it and they are not penalised), so compare them after
    centring, as scikit-learn reports them."""
    X, y = iris
    n, K = len(y), 3
    obj = make_objective(X, np.eye(K)[y], MultinomialCrossEntropy(), alpha=alpha)
    sk = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10000).fit(X, y)

    res = solve(solver, obj, tol=1e-10)
    assert res.converged, res.message
    M = res.theta.reshape(K, X.shape[1] + 1)
    coef, intercept = M[:, :-1], M[:, -1]
    scale = np.abs(sk.coef_).max()
    np.testing.assert_allclose(coef, sk.coef_, rtol=1e-4, atol=1e-4 * scale)
    np.testing.assert_allclose(
        intercept - intercept.mean(), sk.intercept_ - sk.intercept_.mean(), atol=1e-4 * scale
    )
    ref = np.c_[sk.coef_, sk.intercept_].ravel()
    assert res.loss <= obj.loss(ref) + 1e-12
    # from zeros, the flat direction (a common intercept shift) is not wandered along
    assert abs(intercept.mean()) <= 1e-3


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
@pytest.mark.parametrize("alpha", [1e-2, 1e-5])
def test_least_squares_matches_sklearn_ridge(solver, alpha):
    X, y = load_diabetes(return_X_y=True)  # unscaled target: gradients in the thousands
    n = len(y)
    obj = make_objective(X, y, HalfSquaredError(), alpha=alpha)
    sk = Ridge(alpha=alpha * n, tol=1e-12).fit(X, y)
    ref = np.r_[sk.coef_, sk.intercept_]

    res = solve(solver, obj, tol=1e-8)
    assert res.converged, res.message
    np.testing.assert_allclose(res.theta, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())
    assert res.loss <= obj.loss(ref) * (1 + 1e-12)


def test_newton_solves_a_quadratic_in_one_step():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 4))
    y = rng.normal(size=50)
    obj = make_objective(X, y, HalfSquaredError(), alpha=0.1)
    # normal equations of the mean objective, solved by SciPy
    Xa = np.c_[X, np.ones(50)]
    A = Xa.T @ Xa / 50 + 0.1 * np.diag([1.0, 1, 1, 1, 0])
    expected = scipy.linalg.solve(A, Xa.T @ y / 50, assume_a="pos")
    res = solve(newton, obj, tol=1e-10)
    assert res.converged and res.n_iter == 1
    np.testing.assert_allclose(res.theta, expected, rtol=1e-9)


# ------------------------------------------------------------------ non-convex


def test_newton_on_nonconvex_sigmoid_squared_error_from_the_notes_start():
    """The notes' toy problem: Hessian indefinite at w = b = -2 (the sigmoid is saturated),
    so plain Newton is undefined there; damping keeps every step a descent step."""
    X = np.array([[0.5], [2.5]])
    Y = np.array([0.2, 0.9])
    obj = make_objective(X, Y, SigmoidHalfSquaredError())
    theta0 = np.array([-2.0, -2.0])
    assert np.linalg.eigvalsh(obj.hessian(theta0)).min() < 0  # indefinite start
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = newton(obj, theta0, tol=1e-10, max_iter=200)
    assert res.converged, res.message
    values = [obj.loss(theta0), *res.history]
    assert all(b < a for a, b in itertools.pairwise(values))  # strictly decreasing
    # two points, two parameters: the neuron fits both exactly, sigma(w x + b) = y
    z = np.log(Y / (1 - Y))  # logit of the targets
    w = (z[1] - z[0]) / (X[1, 0] - X[0, 0])
    np.testing.assert_allclose(res.theta, [w, z[0] - w * X[0, 0]], rtol=1e-6)


def test_newton_first_step_from_an_indefinite_hessian_is_levenberg_damped():
    """At the notes' start H has a negative eigenvalue l_min. The first step s must be
    t d with (H + mu I) d = -g: solve H s + mu s + t g = 0 for (mu, t) and check that mu is
    the smallest tenfold increase of the floor 1e-10 max diag(H) above -l_min, and t is
    a halving of 1 (backtracking)."""
    X = np.array([[0.5], [2.5]])
    Y = np.array([0.2, 0.9])
    obj = make_objective(X, Y, SigmoidHalfSquaredError())
    theta0 = np.array([-2.0, -2.0])
    _, g, H = obj.loss_gradient_hessian(theta0)
    steps = []
    newton(obj, theta0, callback=lambda i, theta, loss: steps.append(theta - theta0) or True)
    s = steps[0]
    (mu, t), *_ = np.linalg.lstsq(np.c_[s, g], -H @ s, rcond=None)
    np.testing.assert_allclose(H @ s + mu * s + t * g, 0.0, atol=1e-12)
    lam_min = np.linalg.eigvalsh(H).min()
    floor = 1e-10 * np.abs(np.diag(H)).max()
    k = math.ceil(math.log10(-lam_min / floor) + 1e-12)
    assert mu == pytest.approx(floor * 10.0**k, rel=1e-6)
    assert math.log2(t) == pytest.approx(round(math.log2(t)), abs=1e-9) and t <= 1 + 1e-9


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_float32_data_converge_at_the_default_tolerance(breast_cancer, solver):
    X, y = breast_cancer
    obj32 = make_objective(X.astype(np.float32), y, BinaryCrossEntropy(), alpha=1e-3)
    obj64 = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-3)
    res32 = solve(solver, obj32)
    res64 = solve(solver, obj64, tol=1e-10)
    assert res32.converged, res32.message
    # max|grad| <= 1e-6 bounds the float64 objective's gap by |grad|^2 / (2 lambda_min)
    assert obj64.loss(res32.theta) - res64.loss <= 1e-8
    assert np.abs(obj64.gradient(res32.theta)).max() <= 2e-6


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_nonconvex_objective_on_real_data_decreases(breast_cancer, solver):
    X, y = breast_cancer
    obj = make_objective(X, y, SigmoidHalfSquaredError(), alpha=1e-3)
    res = solve(solver, obj, tol=1e-8)
    assert res.converged, res.message
    assert res.grad_max <= 1e-8
    assert np.abs(obj.gradient(res.theta)).max() <= 1e-8
    values = [obj.loss(np.zeros(obj.n_params)), *res.history]
    assert all(b <= a for a, b in itertools.pairwise(values))


def test_lbfgs_and_newton_agree_on_the_nonconvex_optimum(breast_cancer):
    X, y = breast_cancer
    obj = make_objective(X, y, SigmoidHalfSquaredError(), alpha=1e-2)
    a = solve(lbfgs, obj, tol=1e-9)
    b = solve(newton, obj, tol=1e-9)
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-6)


# ------------------------------------------------------------------ stopping and callbacks


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_callback_sees_every_iteration_and_can_stop(breast_cancer, solver):
    X, y = breast_cancer
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-3)
    seen = []

    def callback(iteration, theta, loss):
        seen.append((iteration, loss))
        assert loss == pytest.approx(obj.loss(theta), rel=1e-12)
        return iteration == 3

    res = solve(solver, obj, tol=1e-12, callback=callback)
    assert [i for i, _ in seen] == [1, 2, 3]
    assert res.n_iter == 3 and not res.converged
    assert "callback" in res.message
    assert res.history == [v for _, v in seen]


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_max_iter_reached_is_not_converged(breast_cancer, solver):
    X, y = breast_cancer
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-5)
    res = solve(solver, obj, tol=1e-14, max_iter=2)
    assert not res.converged and res.n_iter == 2
    assert "max_iter" in res.message


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_already_optimal_start_takes_no_iteration(solver):
    X = np.array([[1.0], [-1.0]])
    y = np.array([1.0, -1.0])
    obj = make_objective(X, y, HalfSquaredError(), fit_intercept=False)
    res = solver(obj, np.array([1.0]), tol=1e-12)
    assert res.converged and res.n_iter == 0 and res.history == []


class NaNAfter:
    """f(theta) = sum(theta) (unbounded below), NaN once any |theta_j| > 3."""

    def loss(self, theta):
        return self.loss_gradient(theta)[0]

    def loss_gradient(self, theta):
        value = float(np.sum(theta)) if np.abs(theta).max() <= 3 else math.nan
        return value, np.ones_like(theta)

    def loss_gradient_hessian(self, theta):
        v, g = self.loss_gradient(theta)
        return v, g, np.full((theta.size, theta.size), math.nan if v != v else 0.0)


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_nonfinite_objective_stops_with_a_hint(solver):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solver(NaNAfter(), np.array([3.5, 0.0]))
    assert not res.converged
    assert "not finite" in res.message and "standardise" in res.message
    np.testing.assert_array_equal(res.theta, [3.5, 0.0])


def test_lbfgs_nonfinite_during_the_search_returns_last_good_iterate():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = lbfgs(NaNAfter(), np.zeros(2))
    assert not res.converged and "not finite" in res.message
    assert np.all(np.isfinite(res.theta)) and np.abs(res.theta).max() <= 3


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
def test_overflowing_data_gives_a_message_not_a_warning(solver):
    X = np.array([[1e200], [-1e200]])
    y = np.array([1e200, 0.0])
    obj = make_objective(X, y, HalfSquaredError())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solver(obj, np.ones(2))
    assert not res.converged and "not finite" in res.message


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("solver", SOLVER_FUNCS, ids=IDS)
@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"tol": -1.0}, ValueError, "tol"),
        ({"tol": math.nan}, ValueError, "tol"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"callback": 3}, TypeError, "callback"),
        ({"theta0": np.zeros((2, 1))}, ValueError, "theta0"),
        ({"theta0": np.array([math.inf, 0.0])}, ValueError, "theta0"),
    ],
)
def test_bad_arguments_name_the_argument(solver, kwargs, error, argument):
    obj = make_objective(np.eye(2), np.array([0.0, 1.0]), HalfSquaredError(), fit_intercept=False)
    kwargs = dict(kwargs)  # the parameter dict is shared between the two solvers
    theta0 = kwargs.pop("theta0", np.zeros(2))
    with pytest.raises(error, match=argument):
        solver(obj, theta0, **kwargs)


def test_objective_without_the_needed_methods_is_a_type_error():
    class LossOnly:
        def loss(self, theta):
            return 0.0

        def loss_gradient(self, theta):
            return 0.0, np.zeros_like(theta)

    with pytest.raises(TypeError, match="loss_gradient_hessian"):
        newton(LossOnly(), np.zeros(2))
    with pytest.raises(TypeError, match="loss_gradient"):
        lbfgs(object(), np.zeros(2))
    with pytest.raises(ValueError, match="max_corrections"):
        lbfgs(LossOnly(), np.zeros(2), max_corrections=0)


def test_solvers_table():
    from sigmoid_neuron.optim.lbfgs_newton import lbfgs_newton
    from sigmoid_neuron.optim.owlqn import owlqn
    from sigmoid_neuron.optim.prox_newton import prox_newton
    from sigmoid_neuron.optim.working_set import working_set

    assert SOLVERS == {
        "lbfgs": lbfgs,
        "newton": newton,
        "lbfgs_newton": lbfgs_newton,
        "prox_newton": prox_newton,
        "owlqn": owlqn,
        "working_set": working_set,
    }


@pytest.mark.parametrize("scale", [1e-5, 1e-3, 1.0, 1e3])
def test_newton_is_scale_free_on_least_squares(scale: float) -> None:
    # The gradient at theta0 is below tol when the targets are tiny; Newton must still
    # take its (exact) step rather than report convergence at zero.
    from sigmoid_neuron.objective import HalfSquaredError, make_objective

    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    y = (X @ np.array([1.0, 2.0, 3.0]) + 0.1 * rng.normal(size=200)) * scale
    obj = make_objective(X, y, HalfSquaredError())
    result = newton(obj, np.zeros(obj.n_params), tol=1e-4)
    X1 = np.hstack([X, np.ones((200, 1))])
    expected = np.linalg.lstsq(X1, y, rcond=None)[0]
    np.testing.assert_allclose(result.theta, expected, rtol=1e-8, atol=1e-12 * scale)
    assert result.converged and result.n_iter >= 1


def test_lbfgs_evaluates_each_point_once(breast_cancer):
    """SciPy re-evaluates theta0 first; that call reuses the evaluation already made."""
    X, y = breast_cancer
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-2)
    seen: list[bytes] = []

    class Counting:
        n_params = obj.n_params

        def loss(self, theta):
            return obj.loss(theta)

        def loss_gradient(self, theta):
            seen.append(np.asarray(theta, dtype=np.float64).tobytes())
            return obj.loss_gradient(theta)

    res = lbfgs(Counting(), np.zeros(obj.n_params), tol=1e-8)
    assert res.converged
    assert res.n_evals == len(seen)
    assert seen.count(np.zeros(obj.n_params).tobytes()) == 1
    np.testing.assert_allclose(res.theta, lbfgs(obj, np.zeros(obj.n_params), tol=1e-8).theta)


def test_lbfgs_reaches_tol_after_the_loss_stops_resolving_progress():
    """J = c + 1/2 theta'A theta - b'theta with c = 1e4 and A's eigenvalues 1 .. 1e-5: J's
    rounding (eps c ~ 2e-12) hides the last decrease long before max|grad| <= 1e-10, where
    SciPy's relative-reduction test stops; the gradient-guided steps that follow must reach
    tol and the exact minimiser A^-1 b (NumPy's solve), each point evaluated once."""
    rng = np.random.default_rng(4)
    Q = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    A = (Q * np.logspace(0, -5, 12)) @ Q.T
    b = rng.standard_normal(12) * 1e-3
    seen: list[bytes] = []

    class Quadratic:
        n_params = 12

        def loss(self, theta):
            return 1e4 + 0.5 * theta @ A @ theta - b @ theta

        def loss_gradient(self, theta):
            seen.append(np.asarray(theta).tobytes())
            return self.loss(theta), A @ theta - b

    exact = np.linalg.solve(A, b)
    scipy_alone = scipy.optimize.minimize(
        Quadratic().loss_gradient, np.zeros(12), jac=True, method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": np.finfo(float).eps, "maxcor": 30},
    )  # fmt: skip
    assert np.abs(scipy_alone.jac).max() > 1e-10  # the case this test is about
    seen.clear()
    res = lbfgs(Quadratic(), np.zeros(12), tol=1e-10)
    assert res.converged, res.message
    assert np.abs(A @ res.theta - b).max() <= 1e-10
    np.testing.assert_allclose(res.theta, exact, rtol=0, atol=1e-10 / 1e-5 * 2)
    assert res.n_evals == len(seen) and len(set(seen)) == len(seen)


def test_lbfgs_holds_blas_to_one_thread_while_it_runs(breast_cancer):
    """OpenBLAS threads spinning between evaluations would compete with the kernel's."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    X, y = breast_cancer
    obj = make_objective(X, y, BinaryCrossEntropy(), alpha=1e-2)
    seen: list[list[int]] = []

    def callback(k, theta, value):
        seen.append(blas_threads())

    lbfgs(obj, np.zeros(obj.n_params), tol=1e-8, callback=callback)
    assert seen and all(all(n == 1 for n in threads) for threads in seen)
    assert blas_threads() == before


@pytest.mark.parametrize("name", ["newton", "prox_newton"])
def test_newton_type_runs_hold_blas_to_one_thread_from_64_parameters(name: str) -> None:
    from threadpoolctl import threadpool_info

    from sigmoid_neuron.optim.solver_base import BLAS_ONE_THREAD_FROM

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    rng = np.random.default_rng(0)
    for d in (BLAS_ONE_THREAD_FROM - 2, BLAS_ONE_THREAD_FROM + 10):  # p = d + 1
        X = rng.normal(size=(400, d))
        y = (X[:, 0] + rng.normal(size=400) > 0).astype(float)
        obj = make_objective(X, y, BinaryCrossEntropy(), alpha=0.1)
        seen: list[list[int]] = []
        SOLVERS[name](
            obj, np.zeros(obj.n_params), callback=lambda *a, seen=seen: seen.append(blas_threads())
        )
        expected = before if obj.n_params < BLAS_ONE_THREAD_FROM else [1] * len(before)
        assert seen and all(s == expected for s in seen)
        assert blas_threads() == before  # restored


@pytest.mark.parametrize("kind", ["well conditioned", "rank deficient", "nearly singular"])
def test_newton_step_is_the_pseudo_inverse_step(kind: str) -> None:
    """The Newton system's step against NumPy: ``-H^-1 g`` for a positive definite H
    (Cholesky), ``-H^+ g`` on the range of a singular H (a duplicated column), and
    ``-H^-1 g`` again for a nearly singular one (cond ~1e11: past the Cholesky test, inside
    the range test, so every direction is kept)."""
    from sigmoid_neuron.optim.newton_solver import _NewtonSystem

    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 6))
    if kind == "rank deficient":
        X[:, 5] = X[:, 2]
    elif kind == "nearly singular":
        X[:, 5] = X[:, 2] + 1e-5 * rng.standard_normal(40)
    H = X.T @ X
    g = X.T @ rng.standard_normal(40)  # in the range of H, as a gradient of the data is
    d, mu = _NewtonSystem(H).direction(g)
    rcond = 1e-12 if kind == "rank deficient" else 1e-15
    expected = -np.linalg.pinv(H, rcond=rcond, hermitian=True) @ g
    assert mu == 0.0
    np.testing.assert_allclose(d, expected, rtol=1e-6, atol=1e-9 * np.abs(expected).max())
