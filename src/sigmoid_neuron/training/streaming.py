"""Mini-batch training on rows streamed block by block (Dask row blocks).

:func:`train_streaming` is :func:`~sigmoid_neuron.training.train` for update rules on
data that lives elsewhere and arrives one block of rows at a time (anything with
``n_blocks``, ``block_rows`` and ``iter_blocks(order=...)`` yielding in-memory
:class:`~sigmoid_neuron.objective.ArrayData`, such as
:class:`sigmoid_neuron.distributed.DaskData`). One epoch:

    order <- a permutation of the blocks 1..m from ``state.rng`` (identity without
             ``shuffle``, or with one block);
    for each block B_j in that order (the next block is fetched while B_j is used):
        split the rows of B_j into batches of ``batch_size`` (a permutation of B_j's rows
        from ``state.rng`` when ``shuffle``; the last batch of a block may be shorter);
        for each batch b:  (J_b, g_b) = J restricted to b at theta;
                           (step, s) = rule.update(g_b, s, theta);  theta <- theta + step.

So a batch never straddles two blocks, and an epoch is one pass over the data with at
most two blocks on the client (the one in use and the one being fetched). The epoch
loss is ``sum_b S_b J_b / sum_b S_b`` (``S_b`` the batch weight), as in memory. With one
block the batches are exactly those of the in-memory loop (the same draws from
``state.rng``); without ``shuffle`` they are the in-memory batches whenever every
block's row count is a multiple of ``batch_size``.

Stopping, history, callbacks (``bind`` included), the progress bar and the divergence
guard are those of :func:`~sigmoid_neuron.training.train`, whose preamble this mirrors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.optim.rules import RULES
from sigmoid_neuron.training.callbacks import ProgressBar
from sigmoid_neuron.training.loop import (
    UPDATE_RULES,
    DivergenceError,
    TrainConfig,
    TrainerState,
    TrainingContext,
    _batches,
    _divergence_message,
    _end_of_epoch,
    _finite,
    _hooks,
)


def is_streamable(data: Any) -> bool:
    """Whether ``data`` (an objective's DataTerm) streams blocks rather than indexing rows."""
    return callable(getattr(data, "iter_blocks", None)) and not callable(
        getattr(data, "subset", None)
    )


def steps_per_epoch(block_rows: Sequence[int], batch_size: int) -> int:
    """Updates in one streamed epoch: ``sum_j ceil(n_j / batch_size)``."""
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return sum(math.ceil(int(m) / batch_size) for m in block_rows)


def train_streaming(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    *,
    validation: LinearObjective | None = None,
) -> TrainerState:
    """Run up to ``config.max_epochs`` epochs of mini-batches streamed block by block.

    ``objective.data`` must stream its blocks (:func:`is_streamable`); ``config.optimizer``
    must be an update rule, and ``config.effective_batch_size`` sets the rows per batch.
    Returns ``state``, updated in place; raises :class:`DivergenceError` like ``train``.
    """
    data: Any = objective.data
    if config.optimizer not in UPDATE_RULES:
        raise ValueError(
            f"streamed mini-batches need an update rule {UPDATE_RULES}, got "
            f"{config.optimizer!r}; full-batch solvers take one pass per evaluation instead"
        )
    if not is_streamable(data):
        raise TypeError(
            f"train_streaming needs data that streams its row blocks (iter_blocks), got "
            f"{type(data).__name__}; use sigmoid_neuron.training.train for in-memory data"
        )
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
            _run_streamed(objective, state, config, validation, callbacks, epochs)
        if not state.stop_reason:
            state.stop_reason = f"ran max_epochs={config.max_epochs} epochs"
    finally:
        for hook in _hooks(callbacks, "on_train_end"):
            hook(state)
    return state


def _run_streamed(
    objective: LinearObjective,
    state: TrainerState,
    config: TrainConfig,
    validation: LinearObjective | None,
    callbacks: Sequence[Any],
    epochs: int,
) -> None:
    data: Any = objective.data
    schedule = config.schedule()
    rule = RULES[config.optimizer](learning_rate=schedule)
    if state.opt_state is None:
        state.opt_state = rule.init(state.params)
    batch_size = config.effective_batch_size(int(data.n_samples))
    good_params, good_opt_state = state.params, state.opt_state
    for _ in range(epochs):
        epoch = state.epoch + 1
        total = weight = 0.0
        count = int(getattr(state.opt_state, "count", 0))
        state.history.learning_rate.append(float(schedule(count)))
        params, opt_state = state.params, state.opt_state
        for batch_obj in _epoch_batches(objective, batch_size, config.shuffle, state.rng):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value, grad = batch_obj.loss_gradient(params)
                value = float(value)
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
            total += value * batch_obj.data.total_weight
            weight += batch_obj.data.total_weight
        state.params, state.opt_state = params, opt_state
        state.history.loss.append(total / weight if weight > 0 else math.nan)
        if _end_of_epoch(state, config, validation, callbacks):
            return


def _epoch_batches(
    objective: LinearObjective, batch_size: int, shuffle: bool, rng: np.random.Generator
) -> Iterator[LinearObjective]:
    """The objectives of one epoch's batches, streamed (see the module docstring).

    ``batch_size >= n`` is the full batch: the objective itself, one pass over the blocks.
    Batches whose weights are all 0 are skipped (nothing to learn from them).
    """
    data: Any = objective.data
    if batch_size >= int(data.n_samples):
        yield objective
        return
    n_blocks = int(data.n_blocks)
    order = rng.permutation(n_blocks) if shuffle and n_blocks > 1 else np.arange(n_blocks)
    for block in data.iter_blocks(order=order):
        for rows in _batches(block.n_samples, batch_size, shuffle, rng):
            sub = block if rows is None else block.subset(rows)
            if sub.total_weight > 0:
                yield LinearObjective(sub, objective.alpha, objective.fit_intercept)
