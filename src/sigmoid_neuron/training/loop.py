"""The training loop: epochs of (mini-)batches, stopping, history, callbacks, divergence guard.

One call ``train(objective, state, config)`` runs at most ``config.max_epochs`` epochs
from ``state`` and returns it, updated in place. Everything the loop needs to continue
later lives in the :class:`TrainerState` (parameters, optimizer state, epochs done,
history, random generator, stopping bookkeeping), which round-trips through
``to_dict``/``from_dict`` as plain JSON values: checkpoints and ``partial_fit`` are
"call ``train`` again with the same state".

Update rules (``gd``, ``sgd``, ``momentum``, ``nesterov``, ``adam``): each epoch splits
the rows into batches of ``batch_size`` (a fresh permutation from ``state.rng`` when
``shuffle``), and for each batch ``b``

    (J_b, g_b) = objective restricted to b, at theta;   (step, s) = rule.update(g_b, s, theta);
    theta <- theta + step.

Full-batch solvers (``lbfgs``, ``newton``): one epoch is one solver iteration.

Where the batches come from: an :class:`EpochBatches` yields each epoch's batch
objectives. :func:`train` builds it from in-memory rows (``ArrayData.subset``);
:func:`sigmoid_neuron.training.streaming.train_streaming` passes one that streams row
blocks. A *full-batch* epoch (the batch covers every row: ``batch_size=None`` except for
``sgd``, or ``batch_size >= n``) is one step on ``J`` itself.

Stopping ("till satisfied"): with ``tol=None`` exactly ``max_epochs`` epochs run (the
notes' loop). Otherwise, with ``m_k`` the monitored loss of epoch ``k`` (validation loss
when validation data is given, else the training loss), the *patience rule* (scikit-
learn's SGD rule) fires once ``m_k > best - tol`` for ``n_iter_no_change`` consecutive
epochs, and:

- full batch (``lbfgs``, ``newton``, and update rules whose batch covers every row): the
  run stops *converged* once ``max|grad J| <= tol`` at the parameters reached (for an
  update rule the gradient comes from the evaluation that the next epoch's step starts
  with: one extra pass per call, the iterates unchanged). A training loss that merely
  stalls is no stop: the loss improving by less than ``tol`` per epoch while the
  gradient is large is slow progress, not a minimum, so such a run goes on to
  ``max_epochs`` and ends not converged. With validation data the patience rule on the
  validation loss is early stopping, reported converged;
- mini-batches: the full gradient is never computed; the patience rule stops the run,
  reported converged (scikit-learn's SGD convention).

Update rules also stop, *not* converged, when the training loss rose in each of the
last ``n_iter_no_change`` epochs (without validation data: the learning rate is too
large). A run that used its whole budget is not converged (``exhausted``).

Divergence guard: a non-finite loss, gradient or parameter vector, or a loss above
``divergence_factor * max(J_ref, 1)`` (``J_ref`` the first loss of the run) stops training
and raises :class:`DivergenceError` suggesting a smaller learning rate; ``state.params``
then holds the last parameters at which the loss was evaluated finite and in bounds.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.objective.standardized import StandardizedObjective
from sigmoid_neuron.optim.auto import AUTO_LBFGS_TOL, choose_solver, lstsq
from sigmoid_neuron.optim.rules import RULES, State, state_from_dict, state_to_dict
from sigmoid_neuron.optim.schedules import Schedule, make_schedule
from sigmoid_neuron.optim.solvers import SOLVERS
from sigmoid_neuron.training.callbacks import ProgressBar
from sigmoid_neuron.training.history import History

Array = NDArray[Any]

#: Optimizers that take steps from gradients (mini-batch capable).
UPDATE_RULES: tuple[str, ...] = ("gd", "sgd", "momentum", "nesterov", "adam")
#: Full-batch solvers (one epoch = one iteration).
FULL_BATCH_SOLVERS: tuple[str, ...] = ("auto", "lstsq", "lbfgs", "newton")
OPTIMIZERS: tuple[str, ...] = UPDATE_RULES + FULL_BATCH_SOLVERS
#: ``batch_size=None`` with ``optimizer="sgd"`` means this many rows per batch.
DEFAULT_SGD_BATCH_SIZE = 32
#: Bit generators a saved random state may name.
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class DivergenceError(ValueError):
    """Training diverged (non-finite or exploding loss). ``state`` holds the last good
    parameters; the message suggests a smaller learning rate."""

    def __init__(self, message: str, state: TrainerState | None = None) -> None:
        super().__init__(message)
        self.state = state


def default_learning_rate(optimizer: str) -> float:
    """The update rule's own default rate (gd/sgd 0.1, momentum/nesterov 0.01, adam 0.001)."""
    if optimizer not in RULES:
        raise ValueError(f"optimizer {optimizer!r} has no learning rate; use one of {UPDATE_RULES}")
    return float(inspect.signature(RULES[optimizer]).parameters["learning_rate"].default)


def resolve_learning_rate(
    learning_rate: float | str | Schedule | None,
    optimizer: str,
    *,
    eta0: float | None = None,
    schedule_params: dict[str, Any] | None = None,
    total_steps: int | None = None,
) -> Schedule:
    """The schedule ``t -> eta_t`` (t counts updates) from an estimator-style specification.

    ``None`` is the rule's default constant rate; a number is a constant rate; a callable
    is used as is; a name from :data:`sigmoid_neuron.optim.schedules.SCHEDULES` builds
    that schedule with initial rate ``eta0`` (default: the rule's default rate) and the
    keyword arguments ``schedule_params``; ``cosine`` defaults ``total_steps`` to the
    run's update budget.
    """
    if learning_rate is None:
        return make_schedule(default_learning_rate(optimizer) if eta0 is None else eta0)
    if isinstance(learning_rate, str):
        kwargs = dict(schedule_params or {})
        key = learning_rate.strip().lower()
        if key in ("cosine", "cosine_decay") and "total_steps" not in kwargs and total_steps:
            kwargs["total_steps"] = total_steps
        start = default_learning_rate(optimizer) if eta0 is None else eta0
        try:
            return make_schedule(learning_rate, start, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"learning_rate={learning_rate!r} could not be built with eta0={start!r} and "
                f"schedule_params={kwargs!r}: {exc}; pass the schedule's arguments in "
                "schedule_params"
            ) from None
    if schedule_params:
        raise ValueError(
            "schedule_params is only used when learning_rate is a schedule name; "
            f"got learning_rate={learning_rate!r}"
        )
    return make_schedule(learning_rate)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimizer, learning rate, batches, epoch budget and stopping rule.

    ``learning_rate`` is a number or a schedule ``t -> eta_t`` (None: the rule's default;
    see :func:`resolve_learning_rate` for names). ``batch_size=None`` is the full batch,
    except for ``sgd`` where it means :data:`DEFAULT_SGD_BATCH_SIZE`. ``tol``: a full-batch
    run converges at ``max|grad J| <= tol``; a mini-batch run (and any run on a
    validation loss) stops after ``n_iter_no_change`` epochs that improve the monitored
    loss by less than ``tol`` (module docstring); ``tol=None`` turns stopping off
    (exactly ``max_epochs`` epochs).
    """

    optimizer: str = "gd"
    learning_rate: float | Schedule | None = None
    batch_size: int | None = None
    max_epochs: int = 1000
    tol: float | None = 1e-4
    n_iter_no_change: int = 5
    shuffle: bool = True
    verbose: bool = False
    callbacks: Sequence[Any] = ()
    divergence_factor: float = 1e4

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        _check_int("max_epochs", self.max_epochs, 1)
        _check_int("n_iter_no_change", self.n_iter_no_change, 1)
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, 1)
        if self.tol is not None and (
            isinstance(self.tol, bool) or not math.isfinite(self.tol) or self.tol < 0
        ):
            raise ValueError(f"tol must be a finite number >= 0 or None, got {self.tol!r}")
        if not (self.divergence_factor > 1 and math.isfinite(self.divergence_factor)):
            raise ValueError(
                f"divergence_factor must be a finite number > 1, got {self.divergence_factor!r}"
            )

    def effective_batch_size(self, n_samples: int) -> int:
        """Rows per batch for ``n_samples`` rows (``n_samples`` means full batch)."""
        if self.batch_size is None:
            return DEFAULT_SGD_BATCH_SIZE if self.optimizer == "sgd" else n_samples
        return int(self.batch_size)

    def schedule(self) -> Schedule:
        """The learning-rate schedule (update rules only)."""
        return resolve_learning_rate(self.learning_rate, self.optimizer)


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


@dataclass
class TrainerState:
    """Everything a run needs to continue: explicit and serialisable.

    ``params``: theta (float64); ``optimizer``: its name; ``opt_state``: the update rule's
    state (None for full-batch solvers or before the first epoch); ``epoch``: epochs
    completed over all calls; ``history``; ``rng``: the generator for shuffling;
    ``best_loss``/``no_improvement``: the stopping rule's bookkeeping; ``reference_loss``:
    the first loss seen (divergence scale); ``converged``/``stop_reason``/``n_iter``: how
    the latest ``train`` call ended and how many epochs it ran; ``exhausted``: that call
    ended because its epoch budget ran out (no convergence, stopping rule or callback), so
    a larger budget would continue it.
    """

    params: Array
    optimizer: str = "gd"
    opt_state: State | None = None
    epoch: int = 0
    history: History = field(default_factory=History)
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    best_loss: float = math.inf
    no_improvement: int = 0
    reference_loss: float | None = None
    converged: bool = False
    stop_reason: str = ""
    n_iter: int = 0
    exhausted: bool = False
    #: the full-batch solver that ran (what ``"auto"`` chose); not saved
    solver: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready plain values (arrays become lists of floats)."""
        return {
            "params": [float(v) for v in np.asarray(self.params, dtype=np.float64)],
            "optimizer": self.optimizer,
            "opt_state": None if self.opt_state is None else state_to_dict(self.opt_state),
            "epoch": int(self.epoch),
            "history": self.history.to_dict(),
            "rng": {
                "bit_generator": type(self.rng.bit_generator).__name__,
                "state": self.rng.bit_generator.state,
            },
            "best_loss": None if math.isinf(self.best_loss) else float(self.best_loss),
            "no_improvement": int(self.no_improvement),
            "reference_loss": self.reference_loss,
            "converged": bool(self.converged),
            "stop_reason": self.stop_reason,
            "n_iter": int(self.n_iter),
            "exhausted": bool(self.exhausted),
        }

    @classmethod
    def from_dict(cls, d: Any) -> TrainerState:
        """Inverse of :meth:`to_dict`; ValueError (never another exception) on a malformed
        dict: wrong types, non-finite or non-1-D parameters, an unknown optimizer or bit
        generator, or a random state the bit generator refuses."""
        try:
            return cls._from_dict(d)
        except ValueError:
            raise
        except (
            KeyError,
            TypeError,
            AttributeError,
            OverflowError,
            IndexError,
            RecursionError,
        ) as exc:
            raise ValueError(f"trainer state is malformed: {_short(repr(exc))}") from None

    @classmethod
    def _from_dict(cls, d: Any) -> TrainerState:
        if not isinstance(d, dict):
            raise ValueError(f"trainer state must be a dict, got {type(d).__name__}")
        raw = d["params"]
        if not isinstance(raw, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw
        ):
            raise ValueError("trainer state 'params' must be a list of numbers")
        params = np.asarray(raw, dtype=np.float64)
        if params.ndim != 1 or not np.all(np.isfinite(params)):
            raise ValueError("trainer state 'params' must be a flat list of finite numbers")
        optimizer = d["optimizer"]
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {_short(repr(optimizer))}")
        opt_state = (
            None if d.get("opt_state") is None else state_from_dict(optimizer, d["opt_state"])
        )
        if opt_state is not None:
            _check_opt_state_shapes(opt_state, params.shape)
        rng_info = d["rng"]
        name = rng_info["bit_generator"]
        if name not in _BIT_GENERATORS:
            raise ValueError(f"unknown bit generator {_short(repr(name))}")
        if not isinstance(rng_info["state"], dict):
            raise ValueError("the random state must be a dict (Generator.bit_generator.state)")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = rng_info["state"]
        best = d.get("best_loss")
        reference = d.get("reference_loss")
        return cls(
            params=params,
            optimizer=optimizer,
            opt_state=opt_state,
            epoch=_int_entry(d, "epoch", required=True),
            history=History.from_dict(d["history"]),
            rng=np.random.Generator(bit_generator),
            best_loss=math.inf if best is None else _finite_entry("best_loss", best),
            no_improvement=_int_entry(d, "no_improvement"),
            reference_loss=None
            if reference is None
            else _finite_entry("reference_loss", reference),
            converged=bool(d.get("converged", False)),
            stop_reason=_str_entry(d, "stop_reason"),
            n_iter=_int_entry(d, "n_iter"),
            exhausted=bool(d.get("exhausted", False)),
        )


def _short(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (error messages never quote whole files)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int_entry(d: dict[str, Any], key: str, *, required: bool = False) -> int:
    value = d[key] if required else d.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"trainer state {key!r} must be an integer >= 0, got {_short(repr(value))}"
        )
    return value


def _finite_entry(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"trainer state {key!r} must be a number, got {_short(repr(value))}")
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(f"trainer state {key!r} is too large for a float") from None
    if not math.isfinite(result):
        raise ValueError(f"trainer state {key!r} must be finite, got {result!r}")
    return result


def _str_entry(d: dict[str, Any], key: str) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"trainer state {key!r} must be a string, got {type(value).__name__}")
    return value


def _check_opt_state_shapes(opt_state: State, shape: tuple[int, ...]) -> None:
    """Every array of the optimizer state must match the parameters."""
    for name in ("velocity", "mu", "nu"):
        value = getattr(opt_state, name, None)
        if value is not None and np.shape(value) != shape:
            raise ValueError(
                f"the optimizer state {name!r} has shape {np.shape(value)}, the parameters "
                f"{shape}; the state is corrupt"
            )


def _hooks(callbacks: Sequence[Any], name: str) -> list[Any]:
    return [getattr(cb, name) for cb in callbacks if callable(getattr(cb, name, None))]


def batch_rows(n: int, batch_size: int, shuffle: bool, rng: np.random.Generator) -> list[Any]:
    """Row index arrays of one epoch over ``n`` rows: a permutation from ``rng`` (in order
    without ``shuffle``) cut into consecutive batches of ``batch_size`` (the last may be
    shorter); ``[None]`` is the full batch (``batch_size >= n``: no copy, no draw)."""
    if batch_size >= n:
        return [None]
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


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


def _update_stopping(
    state: TrainerState, monitored: float, tol: float | None, patience: int
) -> bool:
    """scikit-learn's SGD rule: stop after ``patience`` epochs without a ``tol`` improvement."""
    if tol is None:
        return False
    if monitored > state.best_loss - tol:
        state.no_improvement += 1
    else:
        state.no_improvement = 0
    state.best_loss = min(state.best_loss, monitored)
    return state.no_improvement >= patience


def _end_of_epoch(
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    grad_max: float | None = None,
) -> bool:
    """Validation loss, stopping rules and callbacks after an epoch; True means stop.

    ``grad_max``: ``max|grad J|`` at the parameters reached, given for a full-batch
    update rule with a ``tol`` (``inf`` if not finite); None for mini-batches and for
    the solvers (which test the gradient themselves). The rules: module docstring.
    """
    state.epoch += 1
    state.n_iter += 1
    monitored = state.history.loss[-1]
    if validation is not None:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            val = float(validation.loss(state.params))
        state.history.val_loss.append(val)
        monitored = val
    stop = False
    full_batch = grad_max is not None or config.optimizer in FULL_BATCH_SOLVERS
    # the patience rule's bookkeeping runs for the update rules and with validation data
    # (for full-batch solvers it is then early stopping)
    counted = validation is not None or config.optimizer in UPDATE_RULES
    stalled = counted and _update_stopping(state, monitored, config.tol, config.n_iter_no_change)
    rising = False
    if stalled and validation is None:
        window = state.history.loss[-(config.n_iter_no_change + 1) :]
        rising = len(window) > 1 and all(a < b for a, b in itertools.pairwise(window))
    if grad_max is not None and config.tol is not None and grad_max <= config.tol:
        stop = True
        state.converged = True
        state.stop_reason = f"max|grad| = {grad_max:.3g} <= tol = {config.tol:.3g}"
    elif rising:
        stop = True
        state.converged = False
        state.stop_reason = (
            f"the training loss rose in each of the last {config.n_iter_no_change} "
            f"epochs (to {state.history.loss[-1]:.6g}): the learning rate is probably too large"
        )
    elif stalled and (validation is not None or not full_batch):
        stop = True
        state.converged = True
        what = "validation loss" if validation is not None else "training loss"
        state.stop_reason = (
            f"the {what} improved by less than tol={config.tol:g} for "
            f"{config.n_iter_no_change} consecutive epochs"
        )
    # else a full-batch training loss that stalls is no stop: only max|grad| <= tol says
    # the minimum is reached (slow progress far from it is not convergence)
    for hook in _hooks(callbacks, "on_epoch_end"):
        if hook(state) is True:
            if not stop:
                state.stop_reason = f"stopped by callback {type(hook.__self__).__name__}"
            stop = True
    return stop


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


@dataclass(frozen=True)
class EpochBatches:
    """Where an update rule's loop gets each epoch's batches.

    ``draw(rng)`` yields the objectives of one epoch's batches in order (restrictions of
    the training objective to the batch rows; batches of total weight 0 left out),
    drawing any shuffling from ``rng`` as it goes. ``full``: every epoch is the single
    full batch, the training objective itself, so ``grad J`` is known every epoch (and
    the full-batch stopping rule applies). :func:`array_batches` builds it for in-memory
    rows; :func:`sigmoid_neuron.training.streaming.streamed_batches` for streamed blocks.
    """

    draw: Callable[[np.random.Generator], Iterable[LinearObjective]]
    full: bool = False


def array_batches(objective: LinearObjective, config: TrainConfig) -> EpochBatches:
    """Batches of ``config.effective_batch_size(n)`` rows of in-memory data.

    Each epoch a fresh permutation of the rows from the generator (``shuffle``), else
    the rows in order, cut into consecutive batches (the last may be shorter); a batch
    size ``>= n`` is the full batch (no draw). Data that cannot be indexed by rows (e.g.
    Dask blocks) only allow the full batch: ValueError for ``sgd`` or a ``batch_size``.
    """
    data: Any = objective.data  # ArrayData (NumPy) or another DataTerm (e.g. Dask blocks)
    if not callable(getattr(data, "subset", None)):
        if config.batch_size is not None or config.optimizer == "sgd":
            raise ValueError(
                "mini-batches need in-memory (NumPy) data; pass NumPy arrays, or use "
                "batch_size=None with gd, momentum, nesterov, adam, lbfgs or newton for "
                "Dask arrays"
            )
        return EpochBatches(lambda rng: (objective,), full=True)
    n = int(data.n_samples)
    batch_size = config.effective_batch_size(n)
    if batch_size >= n:
        return EpochBatches(lambda rng: (objective,), full=True)

    def draw(rng: np.random.Generator) -> Iterator[LinearObjective]:
        for rows in batch_rows(n, batch_size, config.shuffle, rng):
            sub = data.subset(rows)
            if sub.total_weight > 0:  # a batch whose rows all weigh 0 teaches nothing
                yield LinearObjective(sub, objective.alpha, objective.fit_intercept)

    return EpochBatches(draw)


def train(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    *,
    validation: LinearObjective | None = None,
    batches: EpochBatches | None = None,
) -> TrainerState:
    """Run up to ``config.max_epochs`` epochs from ``state`` on ``objective``; return ``state``.

    ``validation``: an objective on held-out rows whose value is recorded per epoch and
    monitored by the stopping rule. ``batches``: where an update rule gets each epoch's
    batches (default :func:`array_batches`; the streamed loop passes its own). Raises
    :class:`DivergenceError` (a ``ValueError``) when the loss diverges; ``error.state``
    (the same object as ``state``) then holds the last good parameters.

    Stopping (module docstring): ``converged`` is True only when a full-batch run reached
    ``max|grad J| <= tol``, a mini-batch run stalled by scikit-learn's SGD rule, or the
    validation loss stopped improving; ``stop_reason`` says which, or why not.

    Callbacks with a ``bind(context)`` method get a :class:`TrainingContext` first. An
    ``on_train_begin`` hook may restore ``state`` from a checkpoint (see
    :class:`sigmoid_neuron.training.checkpoint.Checkpoint`): the epochs it restores count
    against this call's ``max_epochs`` (``max_epochs - restored`` epochs remain), and a
    restored run that had already stopped (non-empty ``stop_reason``) runs no epoch.
    When an exception ends the run, ``on_train_end`` hooks see ``stop_reason`` set to
    ``"diverged"`` or ``"failed (ExceptionName)"``.
    """
    if batches is not None and config.optimizer in FULL_BATCH_SOLVERS:
        raise ValueError(
            f"batches apply to the update rules {UPDATE_RULES}; optimizer="
            f"{config.optimizer!r} takes full-batch iterations"
        )

    def run(callbacks: Sequence[Any], epochs: int) -> bool:
        if config.optimizer in FULL_BATCH_SOLVERS:
            return _run_solver(objective, state, config, validation, callbacks, epochs)
        plan = array_batches(objective, config) if batches is None else batches
        return _run_rule(objective, state, config, validation, callbacks, epochs, plan)

    return drive(objective, state, config, run, validation=validation)


#: ``run(callbacks, epochs) -> stopped``: run at most ``epochs`` epochs, calling
#: ``_end_of_epoch`` after each; True if the run stopped before its budget ran out.
EpochRunner = Callable[[Sequence[Any], int], bool]


def drive(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    run: EpochRunner,
    *,
    validation: LinearObjective | None = None,
) -> TrainerState:
    """What every training loop shares around its epochs (used by :func:`train`; other
    data only need an :class:`EpochBatches`, as the streamed loop passes to ``train``).

    Checks the starting parameters, resets the per-call bookkeeping, builds the
    callbacks (progress bar with ``verbose``), calls ``bind(context)`` and
    ``on_train_begin(state)`` hooks, runs ``max_epochs`` minus the epochs a hook
    restored, records why it stopped (``stop_reason``, ``exhausted``) and always calls
    ``on_train_end(state)``; an exception marks ``stop_reason`` ``"failed (Name)"``
    (unless ``"diverged"``) before the end hooks see it.
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
    state.converged = False
    state.stop_reason = ""
    state.n_iter = 0
    state.exhausted = False
    callbacks = list(config.callbacks)
    if config.verbose:
        callbacks.append(ProgressBar(total=config.max_epochs, desc=config.optimizer))
    context = TrainingContext(objective, config, validation)
    for hook in _hooks(callbacks, "bind"):
        hook(context)
    start_epoch = state.epoch
    try:
        for hook in _hooks(callbacks, "on_train_begin"):
            hook(state)
        epochs = config.max_epochs - max(0, state.epoch - start_epoch)
        if epochs > 0 and not state.stop_reason:
            state.exhausted = not run(callbacks, epochs)
        elif not state.stop_reason:  # a restored run whose budget is already spent
            state.exhausted = True
        if not state.stop_reason:
            state.stop_reason = f"ran max_epochs={config.max_epochs} epochs"
    except BaseException as exc:  # on_train_end hooks must know the run did not end well
        if state.stop_reason != "diverged":
            state.stop_reason = f"failed ({type(exc).__name__})"
        raise
    finally:
        for hook in _hooks(callbacks, "on_train_end"):
            hook(state)
    return state


def _run_rule(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    epochs: int,
    batches: EpochBatches,
) -> bool:
    """Run ``epochs`` epochs of the update rule; True if stopped before the budget ran out.

    Full batch with a ``tol``: after each epoch ``(J, grad J)`` is evaluated at the new
    parameters for the gradient test and kept for the next epoch's step, which would
    evaluate exactly that (so the iterates and history are those without the test).
    """
    schedule = config.schedule()
    rule = RULES[config.optimizer](learning_rate=schedule)
    if state.opt_state is None:
        state.opt_state = rule.init(state.params)
    test_gradient = batches.full and config.tol is not None
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
        draw = iter(batches.draw(state.rng))
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
                        value = float(value)
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
                        step, opt_state = rule.update(grad, opt_state, params)
                        new_params = params + step
                        if not np.all(np.isfinite(new_params)):
                            bad = "the parameters became non-finite"
                if bad:
                    state.params, state.opt_state = good_params, good_opt_state
                    state.history.learning_rate.pop()
                    count = int(getattr(state.opt_state, "count", 0))
                    state.stop_reason = "diverged"
                    raise DivergenceError(
                        _divergence_message(state, bad, epoch, schedule, count), state
                    )
                params = new_params
                w = batch_obj.data.total_weight
                total += value * w
                weight += w
        finally:
            close = getattr(draw, "close", None)
            if close is not None:  # a generator streaming blocks: release what it holds
                close()
        state.params, state.opt_state = params, opt_state
        state.history.loss.append(total / weight if weight > 0 else math.nan)
        grad_max = None
        if test_gradient:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value, grad = objective.loss_gradient(params)
                value = float(value)
                grad_max = float(np.max(np.abs(grad), initial=0.0))
            ahead = (params.copy(), value, grad)
            if not _finite(value, grad):
                grad_max = math.inf  # the next epoch reports the divergence
        if _end_of_epoch(state, config, validation, callbacks, grad_max):
            return True
    return False


def _run_solver(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    epochs: int,
) -> bool:
    """Run the solver for at most ``epochs`` iterations; True unless the budget ran out.

    ``"auto"`` is resolved by :func:`sigmoid_neuron.optim.auto.choose_solver`. L-BFGS and
    Newton work on standardised columns (:class:`StandardizedObjective`: the same J,
    no copy of X), so ``tol`` bounds the gradient with respect to the coefficients of
    centred, unit-variance features; the parameters they report are mapped back.
    """
    name = choose_solver(objective) if config.optimizer == "auto" else config.optimizer
    if name == "lstsq":
        solver: Any = lstsq
        problem: Any = objective
        to_outer: Callable[[Array], Array] = np.asarray
    else:
        solver = SOLVERS[name]
        problem = StandardizedObjective.of(objective)
        to_outer = problem.to_outer
    state.opt_state = None
    stopped = {"flag": False}

    def callback(iteration: int, theta: Array, loss: float) -> bool:
        state.params = np.asarray(to_outer(theta), dtype=np.float64)
        state.history.loss.append(float(loss))
        if state.reference_loss is None:
            state.reference_loss = float(loss)
        stop = _end_of_epoch(state, config, validation, callbacks)
        stopped["flag"] = stop
        return stop

    tol = 0.0 if config.tol is None else float(config.tol)
    if config.optimizer == "auto" and name == "lbfgs":
        tol = min(tol, AUTO_LBFGS_TOL)
    start = state.params.copy()
    inner = start if problem is objective else problem.to_inner(start)
    result = solver(problem, inner, tol=tol, max_iter=epochs, callback=callback)
    theta = np.asarray(to_outer(result.theta), dtype=np.float64)
    if result.n_iter == 0 and not math.isfinite(result.loss):
        state.params = start
        state.stop_reason = "diverged"
        raise DivergenceError(
            f"the objective is not finite at the starting parameters: {result.message}", state
        )
    if np.all(np.isfinite(theta)):
        state.params = theta
    state.solver = name
    if not stopped["flag"]:
        state.converged = bool(result.converged)
        state.stop_reason = result.message
    return bool(stopped["flag"] or result.converged or result.n_iter < epochs)
