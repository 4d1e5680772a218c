"""Callbacks: objects the training loop calls at the start, after every epoch and at the end.

A callback is any object with some of these methods (all optional; :class:`Callback`
supplies no-op defaults)::

    on_train_begin(state) -> None
    on_epoch_end(state) -> bool | None     # True stops training after this epoch
    on_train_end(state) -> None

``state`` is the live :class:`~sigmoid_neuron.training.loop.TrainerState`: ``params``
(the flat parameter vector theta), ``opt_state``, ``epoch`` (epochs completed),
``history``, ``rng`` and the stopping bookkeeping. Callbacks may read it freely; they
should not modify it (copy ``state.params`` to keep it: the loop may reuse the array).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sigmoid_neuron.training.state import TrainerState


class Callback:
    """Base class with no-op hooks; override the ones you need."""

    def on_train_begin(self, state: TrainerState) -> None:
        """Called once before the first epoch of a ``train`` call."""

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        """Called after each epoch (``state.epoch`` epochs done); return True to stop."""
        return None

    def on_train_end(self, state: TrainerState) -> None:
        """Called once when the ``train`` call ends (also after a divergence)."""


class ProgressBar(Callback):
    """A tqdm progress bar over epochs, showing the latest loss (and validation loss).

    The bar runs on stderr; ``total`` is the epoch budget of the run.
    """

    def __init__(self, total: int | None = None, desc: str = "training", **tqdm_kwargs: Any):
        self.total = total
        self.desc = desc
        self.tqdm_kwargs = tqdm_kwargs
        self._bar: Any = None

    def on_train_begin(self, state: TrainerState) -> None:
        """Open the bar."""
        from tqdm.auto import tqdm

        kwargs: dict[str, Any] = {
            "file": sys.stderr,
            "unit": "epoch",
            "leave": True,
            "dynamic_ncols": True,
        }
        kwargs.update(self.tqdm_kwargs)
        self._bar = tqdm(total=self.total, desc=self.desc, **kwargs)

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        """Advance by one epoch and show ``loss`` (and ``val_loss``)."""
        if self._bar is not None:
            post = {"loss": f"{state.history.loss[-1]:.6g}"} if state.history.loss else {}
            if state.history.val_loss:
                post["val_loss"] = f"{state.history.val_loss[-1]:.6g}"
            self._bar.set_postfix(post, refresh=False)
            self._bar.update(1)
        return None

    def on_train_end(self, state: TrainerState) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class RecordParameters(Callback):
    """Keep a copy of the parameter vector theta after every epoch (for plots of the path).

    ``trajectory`` is an ``(epochs, n_params)`` array once training ran; with
    ``include_initial=True`` (the default) its first row is the starting point.
    """

    def __init__(self, include_initial: bool = True) -> None:
        self.include_initial = include_initial
        self._rows: list[NDArray[np.float64]] = []

    def on_train_begin(self, state: TrainerState) -> None:
        """Record the starting point."""
        if self.include_initial and not self._rows:
            self._rows.append(np.array(state.params, dtype=np.float64))

    def on_epoch_end(self, state: TrainerState) -> bool | None:
        """Record theta after the epoch."""
        self._rows.append(np.array(state.params, dtype=np.float64))
        return None

    @property
    def trajectory(self) -> NDArray[np.float64]:
        """The recorded parameters, one row per record."""
        if not self._rows:
            return np.empty((0, 0))
        return np.vstack(self._rows)
