"""Learning-rate schedules: ``eta_t = schedule(t)``.

A schedule is any callable ``Schedule = Callable[[int], float]``. Its argument ``t`` is
the number of updates already taken (``t = 0`` for the first update, the optax
convention); the update rules in :mod:`sigmoid_neuron.optim.rules` keep that counter in
their state, so a schedule counts *updates* (mini-batch steps), not epochs.

==========================  =====================================================
schedule                    eta_t
==========================  =====================================================
``constant(eta)``           eta
``inverse_scaling``         eta0 / (t + 1)^power_t   (scikit-learn SGD "invscaling",
                            whose counter starts at 1)
``exponential_decay``       eta0 * rate^(t / steps)  (``staircase``: floor(t / steps))
``step_decay``              eta0 * drop^floor(t / every)
``cosine_decay``            final + (eta0 - final) (1 + cos(pi min(t, T) / T)) / 2
==========================  =====================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Schedule = Callable[[int], float]

__all__ = [
    "SCHEDULES",
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "inverse_scaling",
    "make_schedule",
    "step_decay",
]


def _positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (or >= 0), else ValueError naming ``name``."""
    if isinstance(value, (bool, str)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}") from None
    bound = "a finite number >= 0" if allow_zero else "a finite number > 0"
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    value = int(value)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return value


def _step(t: int) -> int:
    if isinstance(t, bool) or not hasattr(t, "__index__") or int(t) < 0:
        raise ValueError(f"the step t passed to a schedule must be an integer >= 0, got {t!r}")
    return int(t)


class _Named:
    """A schedule with a readable repr (handy in logs and error messages)."""

    def __init__(self, text: str, fn: Callable[[int], float]) -> None:
        self._text = text
        self._fn = fn

    def __call__(self, t: int) -> float:
        return self._fn(_step(t))

    def __repr__(self) -> str:
        return self._text


def constant(eta: float) -> Schedule:
    """eta_t = eta for every step t."""
    eta = _positive("eta", eta)
    return _Named(f"constant({eta!r})", lambda t: eta)


def inverse_scaling(eta0: float, power_t: float = 0.25) -> Schedule:
    """eta_t = eta0 / (t + 1)^power_t: scikit-learn SGD's ``invscaling`` (its t starts at 1).

    ``power_t = 0`` is a constant rate; ``power_t = 1`` the classic 1/t decay.
    """
    eta0 = _positive("eta0", eta0)
    power_t = _positive("power_t", power_t, allow_zero=True)
    return _Named(
        f"inverse_scaling({eta0!r}, power_t={power_t!r})",
        lambda t: eta0 / (t + 1.0) ** power_t,
    )


def exponential_decay(eta0: float, rate: float, steps: int, *, staircase: bool = False) -> Schedule:
    """eta_t = eta0 * rate^(t / steps): the rate is multiplied by ``rate`` every ``steps``.

    With ``staircase=True`` the exponent is floor(t / steps) (a piecewise-constant decay).
    ``0 < rate <= 1``.
    """
    eta0 = _positive("eta0", eta0)
    rate = _positive("rate", rate)
    if rate > 1:
        raise ValueError(f"rate must be in (0, 1] for a decay, got {rate!r}")
    steps = _positive_int("steps", steps)

    def fn(t: int) -> float:
        exponent = t // steps if staircase else t / steps
        return eta0 * rate**exponent

    return _Named(
        f"exponential_decay({eta0!r}, rate={rate!r}, steps={steps}, staircase={staircase})", fn
    )


def step_decay(eta0: float, drop: float = 0.5, every: int = 100) -> Schedule:
    """eta_t = eta0 * drop^floor(t / every): multiply by ``drop`` every ``every`` steps."""
    eta0 = _positive("eta0", eta0)
    drop = _positive("drop", drop)
    if drop > 1:
        raise ValueError(f"drop must be in (0, 1] for a decay, got {drop!r}")
    every = _positive_int("every", every)
    return _Named(
        f"step_decay({eta0!r}, drop={drop!r}, every={every})",
        lambda t: eta0 * drop ** (t // every),
    )


def cosine_decay(eta0: float, total_steps: int, final: float = 0.0) -> Schedule:
    """eta_t = final + (eta0 - final) * (1 + cos(pi * min(t, T) / T)) / 2, T = total_steps.

    Falls from ``eta0`` at t = 0 to ``final`` at t = T and stays there. A ``final`` of 0
    makes the last rates 0 (no movement): pass ``final > 0`` to keep learning after T.
    """
    eta0 = _positive("eta0", eta0)
    total = _positive_int("total_steps", total_steps)
    final = _positive("final", final, allow_zero=True)
    if final > eta0:
        raise ValueError(f"final must be <= eta0 ({eta0!r}) for a decay, got {final!r}")

    def fn(t: int) -> float:
        return final + (eta0 - final) * 0.5 * (1.0 + math.cos(math.pi * min(t, total) / total))

    return _Named(f"cosine_decay({eta0!r}, total_steps={total}, final={final!r})", fn)


#: Schedule name -> constructor; the first positional argument is always the initial rate.
SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "invscaling": inverse_scaling,
    "inverse_scaling": inverse_scaling,
    "exponential": exponential_decay,
    "exponential_decay": exponential_decay,
    "step": step_decay,
    "step_decay": step_decay,
    "cosine": cosine_decay,
    "cosine_decay": cosine_decay,
}


def make_schedule(spec: float | str | Schedule, *args: Any, **kwargs: Any) -> Schedule:
    """A schedule from a number (constant rate), a name in :data:`SCHEDULES`, or a callable.

    ``make_schedule(0.1)`` is ``constant(0.1)``; ``make_schedule("invscaling", 0.1,
    power_t=0.5)`` is ``inverse_scaling(0.1, power_t=0.5)``; a callable ``t -> eta_t`` is
    returned unchanged.
    """
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key not in SCHEDULES:
            raise ValueError(
                f"schedule {spec!r} is unknown; use a number or one of {sorted(SCHEDULES)}"
            )
        return SCHEDULES[key](*args, **kwargs)
    if callable(spec):
        if args or kwargs:
            raise TypeError("extra arguments are only accepted with a schedule name")
        return spec
    if args or kwargs:
        raise TypeError("extra arguments are only accepted with a schedule name")
    if isinstance(spec, bool):
        raise TypeError("learning_rate must be a number, a schedule name or a callable t -> eta_t")
    return constant(_positive("learning_rate", spec))
