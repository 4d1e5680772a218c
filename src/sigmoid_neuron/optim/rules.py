"""Pure update rules in the manner of optax: ``init(params) -> state`` and
``update(grad, state, params) -> (step, new_state)``; the caller applies
``params <- params + step``.

A rule never sees the data: it maps a gradient ``g_t`` (of whatever objective the caller
minimises) to a step. Its state is explicit, small and serialisable (NumPy arrays and an
int) and carries the step counter ``t`` (the number of updates already taken), which the
learning-rate schedules and Adam's bias correction read. ``eta_t`` below is
``learning_rate(t)`` when the learning rate is a schedule, else the constant.

=============  ===============================================================  =========
rule           step (``v``, ``m``, ``s`` start at 0)                            state
=============  ===============================================================  =========
``gd``         -eta_t g                                                         count
``momentum``   v <- beta v + g;            -eta_t v                             count, v
``nesterov``   v <- beta v + g;            -eta_t (g + beta v)                  count, v
``adam``       m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2;  k = t + 1;       count, m, s
               -eta_t [m / (1-b1^k)] / (sqrt(s / (1-b2^k)) + eps)
=============  ===============================================================  =========

``momentum`` and ``nesterov`` follow PyTorch's ``torch.optim.SGD`` (dampening 0): the
velocity accumulates raw gradients and the learning rate multiplies it at the step, so
changing ``learning_rate`` mid-run rescales the whole velocity. (The other common
convention, ``v <- beta v - eta g; step = v``, is the same sequence of iterates for a
constant learning rate.) ``adam`` is Algorithm 1 of Kingma & Ba (2015) with ``eps`` added
to the bias-corrected ``sqrt(s_hat)``, which is also ``torch.optim.Adam``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.optim.schedules import Schedule

Array = NDArray[Any]

__all__ = [
    "RULES",
    "AdamState",
    "ChainState",
    "EmptyState",
    "GDState",
    "MomentumState",
    "State",
    "UpdateRule",
    "adam",
    "chain",
    "clip_by_global_norm",
    "gd",
    "momentum",
    "nesterov",
]


@dataclass(frozen=True, eq=False)
class GDState:
    """State of :func:`gd`: the number of updates taken so far."""

    count: int


@dataclass(frozen=True, eq=False)
class MomentumState:
    """State of :func:`momentum` and :func:`nesterov`: step counter and velocity ``v``."""

    count: int
    velocity: Array


@dataclass(frozen=True, eq=False)
class AdamState:
    """State of :func:`adam`: step counter, first moment ``mu`` (m) and second ``nu`` (s)."""

    count: int
    mu: Array
    nu: Array


@dataclass(frozen=True, eq=False)
class EmptyState:
    """State of a stateless transform such as :func:`clip_by_global_norm`."""


@dataclass(frozen=True, eq=False)
class ChainState:
    """State of :func:`chain`: the states of the chained rules, in order."""

    states: tuple[State, ...]


State = GDState | MomentumState | AdamState | EmptyState | ChainState


class UpdateRule(NamedTuple):
    """A pair of pure functions: ``init(params) -> state`` and
    ``update(grad, state, params) -> (step, new_state)``; new params = params + step.
    """

    init: Callable[[Array], State]
    update: Callable[[Array, State, Array], tuple[Array, State]]


# ---------------------------------------------------------------- validation helpers


def _learning_rate(value: Any) -> Schedule:
    """A constant (finite, > 0) or a callable schedule ``t -> eta_t``."""
    if callable(value):
        return value
    if isinstance(value, (bool, str)):
        raise TypeError(
            f"learning_rate must be a number > 0 or a callable schedule t -> eta_t, got "
            f"{value!r}; build a named schedule with optim.make_schedule(name, eta0, ...)"
        )
    try:
        eta = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"learning_rate must be a number > 0 or a callable schedule, got {type(value).__name__}"
        ) from None
    if not math.isfinite(eta) or eta <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {eta!r}")
    return lambda t: eta


def _rate(schedule: Schedule, count: int) -> float:
    eta = float(schedule(count))
    if not math.isfinite(eta) or eta < 0:
        raise ValueError(
            f"the learning_rate schedule returned {eta!r} at step {count}; a schedule must "
            "return finite rates >= 0"
        )
    return eta


def _unit(name: str, value: Any) -> float:
    """``value`` in [0, 1), else ValueError naming ``name``."""
    if isinstance(value, (bool, str)):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1) (0 turns it off), got {value!r}")
    return value


def _float_dtype(params: Array) -> np.dtype[Any]:
    dtype = np.asarray(params).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _grad(grad: Array, like: Array) -> Array:
    """``grad`` as an array of ``like``'s shape and dtype (float32 stays float32)."""
    g = np.asarray(grad)
    if g.shape != like.shape:
        raise ValueError(
            f"grad has shape {g.shape} but the optimizer state was initialised for "
            f"parameters of shape {like.shape}; call init(params) with these parameters"
        )
    return g.astype(like.dtype, copy=False)


def _check_state(state: Any, cls: type) -> None:
    if not isinstance(state, cls):
        raise TypeError(
            f"state must be a {cls.__name__} (from this rule's init), got {type(state).__name__}"
        )


# ---------------------------------------------------------------- rules


def gd(learning_rate: float | Schedule = 0.1) -> UpdateRule:
    """Plain gradient descent, the notes' algorithm: step = -eta_t g.

    With the notes' summed gradient over n rows, eta here equals n times the notes' eta
    when the objective is the mean (as :class:`~sigmoid_neuron.objective.LinearObjective`).
    """
    schedule = _learning_rate(learning_rate)

    def init(params: Array) -> GDState:
        return GDState(0)

    def update(grad: Array, state: State, params: Array) -> tuple[Array, State]:
        _check_state(state, GDState)
        assert isinstance(state, GDState)
        p = np.asarray(params)
        g = np.asarray(grad)
        if g.shape != p.shape:
            raise ValueError(f"grad has shape {g.shape} but params have shape {p.shape}")
        g = g.astype(_float_dtype(p), copy=False)
        eta = _rate(schedule, state.count)
        return -(eta * g), GDState(state.count + 1)

    return UpdateRule(init, update)


def _momentum(learning_rate: float | Schedule, beta: float, nesterov: bool) -> UpdateRule:
    schedule = _learning_rate(learning_rate)
    beta = _unit("beta", beta)

    def init(params: Array) -> MomentumState:
        p = np.asarray(params)
        return MomentumState(0, np.zeros(p.shape, _float_dtype(p)))

    def update(grad: Array, state: State, params: Array) -> tuple[Array, State]:
        _check_state(state, MomentumState)
        assert isinstance(state, MomentumState)
        g = _grad(grad, state.velocity)
        eta = _rate(schedule, state.count)
        v = beta * state.velocity + g
        direction = g + beta * v if nesterov else v
        return -(eta * direction), MomentumState(state.count + 1, v)

    return UpdateRule(init, update)


def momentum(learning_rate: float | Schedule = 0.01, beta: float = 0.9) -> UpdateRule:
    """Heavy-ball momentum, PyTorch's convention (``SGD(momentum=beta)``, dampening 0).

    v_{t+1} = beta v_t + g_t (v_0 = 0);  step = -eta_t v_{t+1}.
    """
    return _momentum(learning_rate, beta, nesterov=False)


def nesterov(learning_rate: float | Schedule = 0.01, beta: float = 0.9) -> UpdateRule:
    """Nesterov momentum, PyTorch's ``SGD(momentum=beta, nesterov=True)`` convention.

    v_{t+1} = beta v_t + g_t (v_0 = 0);  step = -eta_t (g_t + beta v_{t+1}).
    The gradient is taken at the current parameters (the "lookahead" is folded into the
    step, as in Sutskever et al. 2013 rewritten by Bengio et al.).
    """
    return _momentum(learning_rate, beta, nesterov=True)


def adam(
    learning_rate: float | Schedule = 0.001,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> UpdateRule:
    """Adam (Kingma & Ba 2015, Algorithm 1), with bias correction; k = t + 1:

    m_k = b1 m_{k-1} + (1 - b1) g;  s_k = b2 s_{k-1} + (1 - b2) g^2;
    m_hat = m_k / (1 - b1^k);  s_hat = s_k / (1 - b2^k);
    step = -eta_t m_hat / (sqrt(s_hat) + eps).

    Gradients above ~1e154 in magnitude overflow ``g^2`` to inf; the step is then 0 in
    those coordinates rather than NaN (no warning is raised).
    """
    schedule = _learning_rate(learning_rate)
    b1 = _unit("b1", b1)
    b2 = _unit("b2", b2)
    if isinstance(eps, (bool, str)):
        raise TypeError(f"eps must be a number > 0, got {eps!r}")
    eps = float(eps)
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a finite number > 0 (e.g. 1e-8), got {eps!r}")

    def init(params: Array) -> AdamState:
        p = np.asarray(params)
        dtype = _float_dtype(p)
        return AdamState(0, np.zeros(p.shape, dtype), np.zeros(p.shape, dtype))

    def update(grad: Array, state: State, params: Array) -> tuple[Array, State]:
        _check_state(state, AdamState)
        assert isinstance(state, AdamState)
        g = _grad(grad, state.mu)
        eta = _rate(schedule, state.count)
        k = state.count + 1
        mu = b1 * state.mu + (1.0 - b1) * g
        with np.errstate(over="ignore"):
            nu = b2 * state.nu + (1.0 - b2) * (g * g)
        m_hat = mu / (1.0 - b1**k)
        s_hat = nu / (1.0 - b2**k)
        return -(eta * m_hat / (np.sqrt(s_hat) + eps)), AdamState(k, mu, nu)

    return UpdateRule(init, update)


def clip_by_global_norm(max_norm: float) -> UpdateRule:
    """Rescale the incoming gradient to norm at most ``max_norm``:

    g <- g * min(1, max_norm / ||g||_2).  Use it first in :func:`chain`.
    Non-finite gradients pass through unchanged (the caller detects divergence).
    """
    if isinstance(max_norm, (bool, str)):
        raise TypeError(f"max_norm must be a number > 0, got {max_norm!r}")
    max_norm = float(max_norm)
    if not math.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be a finite number > 0, got {max_norm!r}")

    def init(params: Array) -> EmptyState:
        return EmptyState()

    def update(grad: Array, state: State, params: Array) -> tuple[Array, State]:
        _check_state(state, EmptyState)
        g = np.asarray(grad)
        if not np.issubdtype(g.dtype, np.floating):
            g = g.astype(np.float64)
        if g.size == 0 or not np.all(np.isfinite(g)):
            return g, EmptyState()
        scale = float(np.max(np.abs(g)))
        if scale == 0.0:
            return g, EmptyState()
        norm = scale * float(np.linalg.norm(g / scale))  # no overflow for huge g
        if norm <= max_norm:
            return g, EmptyState()
        return g * (max_norm / norm), EmptyState()

    return UpdateRule(init, update)


def chain(*rules: UpdateRule) -> UpdateRule:
    """Compose rules left to right: the output of each is the input "gradient" of the next.

    ``chain(clip_by_global_norm(1.0), adam(1e-3))`` clips the gradient, then takes an
    Adam step. The last rule should be one that turns a gradient into a step (``gd``,
    ``momentum``, ``nesterov``, ``adam``).
    """
    if not rules:
        raise ValueError("chain needs at least one rule, e.g. chain(clip_by_global_norm(1), gd())")
    for i, rule in enumerate(rules):
        if not isinstance(rule, UpdateRule):
            raise TypeError(
                f"chain argument {i} must be an UpdateRule (from gd(), adam(), ...), "
                f"got {type(rule).__name__}"
            )

    def init(params: Array) -> ChainState:
        return ChainState(tuple(rule.init(params) for rule in rules))

    def update(grad: Array, state: State, params: Array) -> tuple[Array, State]:
        _check_state(state, ChainState)
        assert isinstance(state, ChainState)
        if len(state.states) != len(rules):
            raise ValueError(
                f"state holds {len(state.states)} rule states but the chain has {len(rules)}"
            )
        new_states = []
        for rule, sub in zip(rules, state.states, strict=True):
            grad, sub = rule.update(grad, sub, params)
            new_states.append(sub)
        return grad, ChainState(tuple(new_states))

    return UpdateRule(init, update)


#: Rule name -> constructor, for estimators and the command line.
RULES: dict[str, Callable[..., UpdateRule]] = {
    "gd": gd,
    "sgd": gd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adam": adam,
}
