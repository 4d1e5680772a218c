"""The trainer's state: everything a run needs to continue, as plain JSON values.

:class:`TrainerState` holds the parameters, the update rule's state, the epochs done, the
history, the random generator, the stopping rule's bookkeeping and how the latest
``train`` call ended (:class:`~sigmoid_neuron.training.stopping.StopReason`); it
round-trips through ``to_dict``/``from_dict``, so checkpoints and ``partial_fit`` are
"call ``train`` again with the same state".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.training.config import OPTIMIZERS
from sigmoid_neuron.training.history import History
from sigmoid_neuron.training.stopping import StopReason

if TYPE_CHECKING:
    from sigmoid_neuron.optim.rules import State

Array = NDArray[Any]

#: Bit generators a saved random state may name.
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class DivergenceError(ValueError):
    """Training diverged (non-finite or exploding loss). ``state`` holds the last good
    parameters; the message suggests a smaller learning rate."""

    def __init__(self, message: str, state: TrainerState | None = None) -> None:
        super().__init__(message)
        self.state = state


@dataclass
class TrainerState:
    """Everything a run needs to continue: explicit and serialisable.

    ``params``: theta (float64); ``optimizer``: its name; ``opt_state``: the update rule's
    state (None for full-batch solvers or before the first epoch); ``epoch``: epochs
    completed over all calls; ``history``; ``rng``: the generator for shuffling;
    ``best_loss``/``no_improvement``: the stopping rule's bookkeeping; ``reference_loss``:
    the first loss seen (divergence scale); ``stop`` (a :class:`StopReason`, None while
    running), ``stop_reason`` (its sentence, with the numbers), ``converged`` and
    ``n_iter``: how the latest ``train`` call ended and how many epochs it ran;
    ``exhausted``: that call ended because its epoch budget ran out, so a larger budget
    would continue it.
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
    stop: StopReason | None = None
    stop_reason: str = ""
    n_iter: int = 0
    #: the full-batch solver that ran (what ``"auto"`` chose); not saved
    solver: str = ""

    @property
    def exhausted(self) -> bool:
        """The latest call ended because its epoch budget ran out."""
        return self.stop is StopReason.EXHAUSTED

    def finish(self, reason: StopReason, message: str, *, converged: bool | None = None) -> None:
        """Record how the run ended: ``reason``, its sentence, and whether that is an
        optimum (default: ``reason.converged``)."""
        self.stop = reason
        self.stop_reason = message
        self.converged = reason.converged if converged is None else bool(converged)

    def start_call(self) -> None:
        """Reset what describes the latest call (a new ``train`` call begins)."""
        self.stop = None
        self.stop_reason = ""
        self.converged = False
        self.n_iter = 0

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready plain values (arrays become lists of floats)."""
        return {
            "params": [float(v) for v in np.asarray(self.params, dtype=np.float64)],
            "optimizer": self.optimizer,
            "opt_state": None
            if self.opt_state is None
            else _rule_state().state_to_dict(self.opt_state),
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
            "stop": None if self.stop is None else self.stop.value,
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
            None
            if d.get("opt_state") is None
            else _rule_state().state_from_dict(optimizer, d["opt_state"])
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
            stop=_stop_entry(d),
            stop_reason=_str_entry(d, "stop_reason"),
            n_iter=_int_entry(d, "n_iter"),
        )


def _rule_state() -> Any:
    """:mod:`sigmoid_neuron.optim.rule_state`, loaded when an optimizer state is saved or read."""
    from sigmoid_neuron.optim import rule_state

    return rule_state


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


def _stop_entry(d: dict[str, Any]) -> StopReason | None:
    """The saved :class:`StopReason`; states saved before it existed carry only
    ``exhausted``, ``converged`` and the sentence, from which the kind follows."""
    value = d.get("stop")
    if value is not None:
        try:
            return StopReason(value)
        except ValueError:
            raise ValueError(
                f"trainer state 'stop' must be one of {[r.value for r in StopReason]}, "
                f"got {_short(repr(value))}"
            ) from None
    if bool(d.get("exhausted", False)):
        return StopReason.EXHAUSTED
    if not _str_entry(d, "stop_reason"):
        return None
    return StopReason.CONVERGED if bool(d.get("converged", False)) else StopReason.SOLVER_STOPPED


def _check_opt_state_shapes(opt_state: State, shape: tuple[int, ...]) -> None:
    """Every array of the optimizer state must match the parameters."""
    for name in ("velocity", "mu", "nu"):
        value = getattr(opt_state, name, None)
        if value is not None and np.shape(value) != shape:
            raise ValueError(
                f"the optimizer state {name!r} has shape {np.shape(value)}, the parameters "
                f"{shape}; the state is corrupt"
            )
