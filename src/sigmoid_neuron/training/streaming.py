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

The epochs run in :func:`~sigmoid_neuron.training.train` itself, which asks
:func:`streamed_batches` for each epoch's batches: stopping (a streamed batch that covers
every row is the full batch, with its gradient test), history, callbacks (``bind``
included), checkpoints, the progress bar, the divergence guard and the bookkeeping of
how the run ended are the same code as in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sigmoid_neuron.objective.linear import LinearObjective
from sigmoid_neuron.training.loop import (
    UPDATE_RULES,
    EpochBatches,
    TrainConfig,
    TrainerState,
    batch_rows,
    train,
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


def streamed_batches(objective: LinearObjective, config: TrainConfig) -> EpochBatches:
    """The :class:`~sigmoid_neuron.training.loop.EpochBatches` of the streamed loop (see
    the module docstring); ``config.effective_batch_size(n) >= n`` is the full batch, the
    objective itself (one pass over the blocks)."""
    data: Any = objective.data
    batch_size = config.effective_batch_size(int(data.n_samples))
    if batch_size >= int(data.n_samples):
        return EpochBatches(lambda rng: (objective,), full=True)

    def draw(rng: np.random.Generator) -> Iterator[LinearObjective]:
        n_blocks = int(data.n_blocks)
        shuffle = config.shuffle and n_blocks > 1
        order = rng.permutation(n_blocks) if shuffle else np.arange(n_blocks)
        for block in data.iter_blocks(order=order):
            for rows in batch_rows(block.n_samples, batch_size, config.shuffle, rng):
                sub = block if rows is None else block.subset(rows)
                if sub.total_weight > 0:  # a batch whose rows all weigh 0 teaches nothing
                    yield LinearObjective(sub, objective.alpha, objective.fit_intercept)

    return EpochBatches(draw)


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
    This is :func:`~sigmoid_neuron.training.train` with :func:`streamed_batches`: it
    returns ``state``, updated in place, and raises :class:`DivergenceError` like it.
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
    batches = streamed_batches(objective, config)
    return train(objective, state, config, validation=validation, batches=batches)
