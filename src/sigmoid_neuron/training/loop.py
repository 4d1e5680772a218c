"""The training loop: epochs of (mini-)batches, history, callbacks, divergence guard.

One call ``train(objective, state, config)`` runs at most ``config.max_epochs`` epochs
from ``state`` and returns it, updated in place. Everything the loop needs to continue
later lives in the :class:`~sigmoid_neuron.training.state.TrainerState`: checkpoints
and ``partial_fit`` are "call ``train`` again with the same state".

Update rules (``gd``, ``sgd``, ``momentum``, ``nesterov``, ``adam``): each epoch takes the
batches of ``config.effective_batch_size(n)`` rows that the data term draws
(``objective.data.epoch_batches(batch_size, shuffle, state.rng)``: in memory a fresh
permutation of the rows, on Dask the blocks in a random order and the rows of each
block), and for each batch ``b``

    (J_b, g_b) = objective restricted to b, at theta;   (step, s) = rule.update(g_b, s, theta);
    theta <- theta + step.

A batch that covers every row (``batch_size=None`` except for ``sgd``, or ``batch_size
>= n``) is the *full batch*: one step on ``J`` itself per epoch. Full-batch solvers
(``auto``, ``lstsq``, ``lbfgs``, ``newton``): one epoch is one solver iteration. The
stopping rules are in :mod:`sigmoid_neuron.training.stopping`.

Divergence guard: a non-finite loss, gradient or parameter vector, or a loss above
``divergence_factor * max(J_ref, 1)`` (``J_ref`` the first loss of the run) stops training
and raises :class:`DivergenceError` suggesting a smaller learning rate; ``state.params``
then holds the last parameters at which the loss was evaluated finite and in bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.standardized_copy import standardize
from sigmoid_neuron.optim.auto import AUTO_LBFGS_RTOL, AUTO_LBFGS_TOL, choose_solver, lstsq
from sigmoid_neuron.optim.proximal import proximal_update
from sigmoid_neuron.optim.schedules import Schedule
from sigmoid_neuron.optim.solvers import L1_SOLVERS, Callback, SolverResult, solver_named
from sigmoid_neuron.training.config import FULL_BATCH_SOLVERS, TrainConfig
from sigmoid_neuron.training.state import DivergenceError, TrainerState
from sigmoid_neuron.training.stopping import StopReason, end_of_epoch, hooks

Array = NDArray[Any]


def _finite(value: float, *arrays: Array) -> bool:
    return math.isfinite(value) and all(bool(np.all(np.isfinite(a))) for a in arrays)


def _divergence_message(
    state: TrainerState, what: str, epoch: int, schedule: Schedule | None, count: int
) -> str:
    hint = "use a smaller learning_rate"
    if schedule is not None:
        eta = float(schedule(count))
        hint = f"use a smaller learning_rate (the rate was {eta:.3g}; try {eta / 10:.3g})"
    # where training stopped, not what was saved: the caller knows that (a command
    # line writes no model; an estimator holds these parameters in coef_)
    stopped = (
        "the last parameters with a finite loss"
        if state.reference_loss is not None
        else "the initial parameters"
    )
    return (
        f"training diverged in epoch {epoch}: {what}; it stopped at {stopped}. To fix it, "
        f"{hint}, standardise the features (e.g. StandardScaler), or increase alpha."
    )


@dataclass(frozen=True)
class TrainingContext:
    """What a ``train`` call works on, handed to callbacks that define ``bind(context)``.

    ``objective``: the training objective (its ``data`` holds the rows); ``config``: the
    run's :class:`TrainConfig`; ``validation``: the held-out objective or None.
    Checkpoints use it to fingerprint the data and settings they belong to.
    """

    objective: LinearObjective
    config: TrainConfig
    validation: LinearObjective | None = None


def _epoch_objectives(
    objective: LinearObjective, config: TrainConfig, rng: np.random.Generator
) -> Generator[LinearObjective, None, None]:
    """This epoch's batch objectives: ``objective`` itself for the full batch, else the
    restrictions of ``J`` to the batches the data term draws (released when closed)."""
    data = objective.data
    batch_size = config.effective_batch_size(int(data.n_samples))
    if batch_size >= int(data.n_samples):
        yield objective
        return
    subsets = data.epoch_batches(batch_size, config.shuffle, rng)
    try:
        for sub in subsets:
            yield objective.with_data(sub)
    finally:
        close = getattr(subsets, "close", None)
        if close is not None:  # a generator streaming blocks: release what it holds
            close()


def train(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    *,
    validation: LinearObjective | None = None,
) -> TrainerState:
    """Run up to ``config.max_epochs`` epochs from ``state`` on ``objective``; return ``state``.

    ``objective.data`` is any data term (NumPy rows, Dask blocks): an update rule takes
    the mini-batches it draws, a solver its one-pass sums. ``validation``: an objective
    on held-out rows whose value is recorded per epoch and monitored by the stopping
    rule. Raises :class:`DivergenceError` (a ``ValueError``) when the loss diverges;
    ``error.state`` (the same object as ``state``) then holds the last good parameters.

    ``state.stop`` (a :class:`~sigmoid_neuron.training.stopping.StopReason`) and the
    sentence ``state.stop_reason`` say how the call ended; ``converged`` is True only when
    a full-batch run reached ``max|grad J| <= tol`` (or the solver's test), a mini-batch
    run stalled by scikit-learn's SGD rule, or the validation loss stopped improving.

    The run: check the starting parameters, reset the per-call bookkeeping, call
    ``bind(context)`` (a :class:`TrainingContext`) and ``on_train_begin(state)`` hooks of
    ``config.callbacks``, run ``max_epochs`` minus the epochs a hook restored (a
    checkpoint, :class:`sigmoid_neuron.training.checkpoint.Checkpoint`; a restored run
    that had already stopped runs no epoch), and always call ``on_train_end(state)``;
    an exception marks the state ``FAILED`` (unless it ``DIVERGED``) before the end
    hooks see it. A progress bar is a callback the caller adds
    (:class:`~sigmoid_neuron.training.callbacks.ProgressBar`).
    """
    params = np.asarray(state.params, dtype=np.float64)
    if params.shape != (objective.n_params,):
        raise ValueError(
            f"the starting parameters have shape {params.shape}, the objective needs "
            f"({objective.n_params},); pass coefficients matching the data"
        )
    if not np.all(np.isfinite(params)):
        raise ValueError("the starting parameters must be finite (check coef_init/intercept_init)")
    if state.optimizer != config.optimizer:
        state.opt_state = None
        state.optimizer = config.optimizer
    state.params = params.copy()
    state.start_call()
    callbacks = list(config.callbacks)
    context = TrainingContext(objective, config, validation)
    for hook in hooks(callbacks, "bind"):
        hook(context)
    start_epoch = state.epoch
    try:
        for hook in hooks(callbacks, "on_train_begin"):
            hook(state)
        epochs = config.max_epochs - max(0, state.epoch - start_epoch)
        if epochs > 0 and state.stop is None:
            if config.optimizer in FULL_BATCH_SOLVERS:
                _run_solver(objective, state, config, validation, callbacks, epochs)
            else:
                _run_rule(objective, state, config, validation, callbacks, epochs)
        if state.stop is None:  # the budget ran out (or a restored run had none left)
            state.finish(StopReason.EXHAUSTED, f"ran max_epochs={config.max_epochs} epochs")
    except BaseException as exc:  # on_train_end hooks must know the run did not end well
        if state.stop is not StopReason.DIVERGED:
            state.finish(StopReason.FAILED, f"failed ({type(exc).__name__})")
        raise
    finally:
        for hook in hooks(callbacks, "on_train_end"):
            hook(state)
    return state


def _run_rule(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    epochs: int,
) -> None:
    """Run at most ``epochs`` epochs of the update rule (``state.stop`` set if it stopped).

    Full batch with a ``tol``: after each epoch ``(J, grad J)`` is evaluated at the new
    parameters for the gradient test and kept for the next epoch's step, which would
    evaluate exactly that (so the iterates and history are those without the test).

    With an L1 part each update is followed by its proximal step
    (:func:`sigmoid_neuron.optim.proximal.proximal_update`: exact zeros), the recorded
    loss includes the L1 part, and the gradient test is on the minimum-norm subgradient.
    """
    schedule = config.schedule()
    from sigmoid_neuron.optim.rules import RULES  # loaded by the first run of an update rule

    rule = RULES[config.optimizer](learning_rate=schedule)
    l1 = objective.l1_weights if objective.penalty.has_l1 else None
    if state.opt_state is None:
        state.opt_state = rule.init(state.params)
    test_gradient = config.tol is not None and config.effective_batch_size(
        int(objective.data.n_samples)
    ) >= int(objective.data.n_samples)
    # (theta, J(theta), grad J(theta)) evaluated at the end of the previous epoch
    ahead: tuple[Array, float, Array] | None = None
    # the last point whose loss was evaluated finite and in bounds (restored on divergence)
    good_params, good_opt_state = state.params, state.opt_state
    for _ in range(epochs):
        epoch = state.epoch + 1
        total = 0.0
        weight = 0.0
        count = int(getattr(state.opt_state, "count", 0))
        state.history.learning_rate.append(float(schedule(count)))
        params, opt_state = state.params, state.opt_state
        draw = _epoch_objectives(objective, config, state.rng)
        try:
            for batch_obj in draw:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    if (
                        ahead is not None
                        and batch_obj is objective
                        and np.array_equal(ahead[0], params)
                    ):
                        _, value, grad = ahead
                    else:
                        value, grad = batch_obj.loss_gradient(params)
                        value = float(value) + batch_obj.penalty_value(params)
                    ahead = None
                    bad = ""
                    if not _finite(value, grad):
                        bad = f"the loss or its gradient became {value!r}"
                    else:
                        if state.reference_loss is None:
                            state.reference_loss = value
                        limit = config.divergence_factor * max(state.reference_loss, 1.0)
                        if value > limit:
                            bad = (
                                f"the loss exploded to {value:.6g} (it started at "
                                f"{state.reference_loss:.6g})"
                            )
                    if not bad:
                        good_params, good_opt_state = params, opt_state
                        eta = float(schedule(int(getattr(opt_state, "count", 0))))
                        step, opt_state = rule.update(grad, opt_state, params)
                        new_params = params + step
                        if l1 is not None:
                            new_params = proximal_update(
                                new_params, l1, eta, config.optimizer, opt_state
                            )
                        if not np.all(np.isfinite(new_params)):
                            bad = "the parameters became non-finite"
                if bad:
                    state.params, state.opt_state = good_params, good_opt_state
                    state.history.learning_rate.pop()
                    count = int(getattr(state.opt_state, "count", 0))
                    message = _divergence_message(state, bad, epoch, schedule, count)
                    state.finish(StopReason.DIVERGED, "diverged")
                    raise DivergenceError(message, state)
                params = new_params
                w = batch_obj.data.total_weight
                total += value * w
                weight += w
        finally:
            draw.close()
        state.params, state.opt_state = params, opt_state
        state.history.loss.append(total / weight if weight > 0 else math.nan)
        grad_max = None
        if test_gradient:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value, grad = objective.loss_gradient(params)
                value = float(value) + objective.penalty_value(params)
                grad_max = objective.optimality(params, grad)
            ahead = (params.copy(), value, grad)
            if not _finite(value, grad):
                grad_max = math.inf  # the next epoch reports the divergence
        if end_of_epoch(state, config, validation, callbacks, grad_max):
            return


def _run_solver(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    epochs: int,
) -> None:
    """Run the solver for at most ``epochs`` iterations (``state.stop`` set unless the
    budget ran out).

    ``"auto"`` is resolved by :func:`sigmoid_neuron.optim.auto.choose_solver`. L-BFGS and
    Newton work on standardised columns (:func:`standardize`: the same J, a copy of X
    only where it fits in the cache), so ``tol`` bounds the gradient with respect to the
    coefficients of centred, unit-variance features; the parameters they report are
    mapped back.
    """
    name = choose_solver(objective) if config.optimizer == "auto" else config.optimizer
    _check_penalty(objective, name)
    if name == "lstsq":
        solver: Any = lstsq
        problem: Any = objective
        to_outer: Callable[[Array], Array] = np.asarray
    else:
        solver = solver_named(name)
        problem = standardize(objective)
        to_outer = problem.to_outer
    state.opt_state = None

    # the hooks and the validation loss read the parameters of every iteration; without
    # them only the final ones are needed (mapped back once, below)
    track = bool(callbacks) or validation is not None

    def callback(iteration: int, theta: Array, loss: float) -> bool:
        if track:
            state.params = np.asarray(to_outer(theta), dtype=np.float64)
        state.history.loss.append(float(loss))
        if state.reference_loss is None:
            state.reference_loss = float(loss)
        return end_of_epoch(state, config, validation, callbacks)

    tol = 0.0 if config.tol is None else float(config.tol)
    if config.optimizer == "auto" and name in ("lbfgs", "owlqn", "prox_newton", "working_set"):
        tol = min(tol, AUTO_LBFGS_TOL)
    start = state.params.copy()
    inner = start if problem is objective else problem.to_inner(start)
    result = solver(problem, inner, tol=tol, max_iter=epochs, callback=callback)
    if config.optimizer == "auto" and name == "lbfgs":
        result = _relative_finish(solver, problem, result, epochs, callback)
    theta = np.asarray(to_outer(result.theta), dtype=np.float64)
    if result.n_iter == 0 and not math.isfinite(result.loss):
        state.params = start
        state.finish(StopReason.DIVERGED, "diverged")
        raise DivergenceError(
            f"the objective is not finite at the starting parameters: {result.message}", state
        )
    if np.all(np.isfinite(theta)):
        state.params = theta
    state.solver = name
    if state.stop is None and (result.converged or result.n_iter < epochs):
        reason = StopReason.CONVERGED if result.converged else StopReason.SOLVER_STOPPED
        state.finish(reason, result.message)
    elif state.stop is None:  # the budget ran out: the solver's own sentence says where
        state.finish(StopReason.EXHAUSTED, result.message, converged=False)


def _relative_finish(
    solver: Any, problem: Any, result: SolverResult, epochs: int, callback: Callback
) -> SolverResult:
    """``auto``'s L-BFGS run continued from where it met its absolute tolerance to
    ``max|grad| <= AUTO_LBFGS_RTOL |J|``, where that is smaller (J far below 1: nearly
    separable data, where a gradient small in absolute terms is not yet the optimum);
    the result of both runs together."""
    target = AUTO_LBFGS_RTOL * abs(result.loss)
    if not (result.converged and 0 < target < result.grad_max and result.n_iter < epochs):
        return result
    more = solver(problem, result.theta, tol=target, max_iter=epochs - result.n_iter,
                  callback=callback)  # fmt: skip
    return result.then(more, f"{more.message} (continued to max|grad| <= {AUTO_LBFGS_RTOL:g} |J|)")


def _check_penalty(objective: LinearObjective, name: str) -> None:
    """Refuse a solver that cannot minimise the objective's penalty: an L1 part needs an
    L1 solver, exact least squares the plain ridge ``alpha/2 ||W||^2``."""
    penalty = objective.penalty
    if penalty.has_l1 and name not in L1_SOLVERS:
        raise ValueError(
            f"optimizer={name!r} cannot minimise an L1 penalty (l1_ratio="
            f"{penalty.l1_ratio:g} > 0); use optimizer='auto', one of {L1_SOLVERS}, or an "
            "update rule (gd, sgd, momentum, nesterov, adam), or set l1_ratio=0"
        )
    if name == "lstsq" and not penalty.plain:
        raise ValueError(
            "optimizer='lstsq' solves the plain ridge penalty only (l1_ratio=0, "
            "penalty_factor=None); use optimizer='auto' or 'newton' with penalty_factor"
        )
