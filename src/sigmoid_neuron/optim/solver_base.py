"""What every full-batch solver shares: the objective protocols, :class:`SolverResult`
and the checks of the starting point (see :mod:`sigmoid_neuron.optim.solvers` for the
tolerance and callback conventions)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
Callback = Callable[[int, Array, float], "bool | None"]
P = ParamSpec("P")

_EPS = float(np.finfo(np.float64).eps)
_FTOL = _EPS
_NOISE = 1e3 * _EPS
_NONFINITE_HINT = (
    "standardise the features (e.g. sklearn.preprocessing.StandardScaler), increase the "
    "penalty alpha, or check X and y for inf/NaN"
)


class Objective(Protocol):
    """What :func:`lbfgs` needs: the objective and its gradient from one data pass."""

    def loss(self, theta: Array) -> float:
        """J(theta)."""
        ...

    def loss_gradient(self, theta: Array) -> tuple[float, Array]:
        """(J(theta), grad J(theta))."""
        ...


class TwiceDifferentiableObjective(Objective, Protocol):
    """What :func:`newton` needs in addition: the Hessian."""

    def loss_gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]:
        """(J(theta), grad J(theta), Hessian of J at theta)."""
        ...


@dataclass
class SolverResult:
    """Outcome of a solver run.

    ``theta``: final parameters (float64); ``n_iter``: iterations taken; ``converged``:
    see the module docstring; ``message``: why it stopped, in words; ``history``: J after
    each iteration; ``loss``: J(theta); ``grad_max``: max |grad J(theta)|;
    ``n_evals``: objective evaluations (data passes).
    """

    theta: Array
    n_iter: int
    converged: bool
    message: str
    history: list[float] = field(default_factory=list)
    loss: float = math.nan
    grad_max: float = math.nan
    n_evals: int = 0

    def then(self, rest: SolverResult, message: str) -> SolverResult:
        """The result of this run followed by ``rest`` (started where this one ended):
        ``rest``'s end point and verdict, the iterations, history and passes of both."""
        return SolverResult(
            rest.theta,
            self.n_iter + rest.n_iter,
            rest.converged,
            message,
            self.history + rest.history,
            rest.loss,
            rest.grad_max,
            self.n_evals + rest.n_evals,
        )


# ---------------------------------------------------------------- validation


def _check_inputs(
    objective: Any,
    theta0: Any,
    tol: Any,
    max_iter: Any,
    callback: Any,
    methods: tuple[str, ...],
) -> tuple[Array, float, int]:
    for method in methods:
        if not callable(getattr(objective, method, None)):
            raise TypeError(
                f"objective must have a {method}(theta) method (e.g. a LinearObjective from "
                f"sigmoid_neuron.objective.make_objective), got {type(objective).__name__}"
            )
    theta = np.array(theta0, dtype=np.float64, copy=True)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must be a 1-D parameter vector, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must be finite; start from zeros or a finite guess")
    if isinstance(tol, (bool, str)):
        raise TypeError(f"tol must be a number >= 0, got {tol!r}")
    tol = float(tol)
    if not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0 (e.g. 1e-6), got {tol!r}")
    if isinstance(max_iter, bool) or not hasattr(max_iter, "__index__"):
        raise TypeError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    max_iter = int(max_iter)
    if max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter}")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable(iteration, theta, loss) or None, got "
            f"{type(callback).__name__}"
        )
    return theta, tol, max_iter


def _finite(value: float, *arrays: Array) -> bool:
    return math.isfinite(value) and all(np.isfinite(a).all() for a in arrays)


def _grad_max(g: Array) -> float:
    return float(np.abs(g).max()) if g.size else 0.0


def _nonfinite_result(
    theta: Array,
    it: int,
    history: list[float],
    n_evals: int,
    where: str,
    loss: float = math.nan,
) -> SolverResult:
    return SolverResult(
        theta=theta,
        n_iter=it,
        converged=False,
        message=f"the objective or its gradient is not finite {where}; {_NONFINITE_HINT}",
        history=history,
        loss=loss,
        n_evals=n_evals,
    )


def _stalled_result(
    theta: Array,
    it: int,
    history: list[float],
    loss: float,
    violation: float,
    n_evals: int,
    *,
    at_precision: bool,
    measure: str,
    tol: float,
    advice: str = "standardise the features or raise alpha",
) -> SolverResult:
    """The end of a proximal solver whose line search found no decrease: converged when
    the objective cannot decrease at float64 precision (``at_precision``), else not;
    ``measure`` names the optimality measure ``violation`` (e.g. ``max|subgradient|``),
    ``advice`` what to try when the search failed."""
    if at_precision:
        message = (
            f"the objective cannot decrease further at float64 precision "
            f"({measure} = {violation:.3g}, tol = {tol:.3g})"
        )
        return SolverResult(theta, it, True, message, history, loss, violation, n_evals)
    message = (
        f"the line search found no decrease at iteration {it + 1} ({measure} = "
        f"{violation:.3g}); {advice}"
    )
    return SolverResult(theta, it, False, message, history, loss, violation, n_evals)


def _callback_result(
    theta: Array,
    it: int,
    violation: float,
    history: list[float],
    loss: float,
    n_evals: int,
    *,
    measure: str,
    tol: float,
) -> SolverResult:
    """The end of a solver whose callback returned True at iteration ``it``: converged
    when the optimality measure there (``measure`` = ``violation``) is ``<= tol``."""
    message = f"stopped by the callback ({measure} = {violation:.3g})"
    return SolverResult(theta, it, violation <= tol, message, history, loss, violation, n_evals)


def _budget_result(
    theta: Array,
    max_iter: int,
    violation: float,
    history: list[float],
    loss: float,
    n_evals: int,
    *,
    measure: str,
    tol: float,
    advice: str = "standardise the features / increase alpha, or loosen tol",
) -> SolverResult:
    """The end of a solver that used its ``max_iter`` iterations with ``measure`` =
    ``violation`` still above ``tol``."""
    message = (
        f"reached max_iter={max_iter} with {measure} = {violation:.3g} > tol = {tol:.3g}; "
        f"increase max_iter, {advice}"
    )
    return SolverResult(theta, max_iter, False, message, history, loss, violation, n_evals)


#: From this many parameters a Newton-type run holds BLAS to one thread
#: (:func:`holds_blas`).
BLAS_ONE_THREAD_FROM = 64


def quiet_floating(solver: Callable[P, SolverResult]) -> Callable[P, SolverResult]:
    """Run a solver with NumPy's overflow, invalid and divide warnings off: it evaluates
    the objective at trial points where J may overflow, and reports a non-finite J or
    gradient itself (one ``np.errstate`` per run rather than per evaluation)."""

    @functools.wraps(solver)
    def run(*args: P.args, **kwargs: P.kwargs) -> SolverResult:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return solver(*args, **kwargs)

    return run


def holds_blas(solver: Callable[P, SolverResult]) -> Callable[P, SolverResult]:
    """Decorate a Newton-type solver ``solver(objective, theta0, ...)`` so that a run of
    :data:`BLAS_ONE_THREAD_FROM` parameters or more holds BLAS to one thread throughout.

    Its ``p x p`` factorisations and the small blocks' products are then big enough for
    OpenBLAS to start its threads, which spin-wait between calls and on a small or shared
    machine slow everything else down (measured, 2 cores: the digits multinomial fit,
    650 parameters, 680-1000 ms with OpenBLAS's threads, 390-420 ms without). The
    passes over many rows keep their parallelism: they split the rows over the package's
    own threads. Below the threshold nothing is done, so a small fit does not load
    threadpoolctl (a fresh process's first fit).
    """

    @functools.wraps(solver)
    def run(*args: P.args, **kwargs: P.kwargs) -> SolverResult:
        theta0 = args[1] if len(args) > 1 else kwargs["theta0"]
        if np.size(theta0) < BLAS_ONE_THREAD_FROM:  # type: ignore[arg-type]
            return solver(*args, **kwargs)
        from sigmoid_neuron.objective.threads import single_threaded_blas

        with single_threaded_blas():
            return solver(*args, **kwargs)

    return run
