"""The record of a training run: one objective value per epoch (and validation loss).

``loss[k]`` is the training objective of epoch ``k``:

    loss[k] = sum_b W_b J_b(theta_b) / sum_b W_b

over the mini-batches ``b`` of the epoch, each evaluated at the parameters *before* its
update (``W_b`` is the batch's total sample weight). For full-batch gradient descent that
is simply J(theta_k), the objective at the start of epoch ``k`` (``loss[0]`` is the loss
at the initial parameters). For the full-batch solvers (``lbfgs``, ``newton``) an epoch
is one solver iteration and ``loss[k]`` is J after iteration ``k``.

``val_loss[k]`` is the weighted mean pointwise loss (no penalty) on the held-out rows,
at the parameters reached at the end of epoch ``k``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """Per-epoch training objective ``loss``, held-out ``val_loss`` and learning rate.

    ``val_loss`` is empty when no validation data was used; ``learning_rate`` holds the
    rate used by the first update of each epoch (empty for the full-batch solvers).
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        """Number of epochs recorded."""
        return len(self.loss)

    def to_dict(self) -> dict[str, list[float]]:
        """The history as plain JSON-ready lists ``{"loss": [...], "val_loss": [...], ...}``."""
        return {
            "loss": [float(v) for v in self.loss],
            "val_loss": [float(v) for v in self.val_loss],
            "learning_rate": [float(v) for v in self.learning_rate],
        }

    @classmethod
    def from_dict(cls, d: Any) -> History:
        """Inverse of :meth:`to_dict`; ValueError for anything but lists of finite numbers."""
        if not isinstance(d, dict):
            raise ValueError(f"history must be a dict of lists, got {type(d).__name__}")
        unknown = set(d) - {"loss", "val_loss", "learning_rate"}
        if unknown:
            shown = sorted(unknown)[:5]
            raise ValueError(f"history has unknown entries {[k[:30] for k in shown]}")
        out: dict[str, list[float]] = {}
        for key in ("loss", "val_loss", "learning_rate"):
            values = d.get(key, [])
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                raise ValueError(f"history entry {key!r} must be a list of finite numbers")
            out[key] = [float(v) for v in values]
        return cls(**out)


def _finite_number(value: Any) -> bool:
    """A JSON number (not a bool) that is finite as a float (huge integers are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
