"""An update rule's state as plain JSON values and back (checkpoints, ``partial_fit``).

``state_to_dict`` writes ints, floats, strings and (nested) lists; ``state_from_dict``
reads them back for a named rule and refuses (ValueError) anything malformed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sigmoid_neuron.optim.rules import (
    AdamState,
    ChainState,
    EmptyState,
    GDState,
    MomentumState,
    State,
)

Array = NDArray[Any]

__all__ = ["state_from_dict", "state_to_dict"]

_STATE_TYPES: dict[type, str] = {
    GDState: "gd",
    MomentumState: "momentum",
    AdamState: "adam",
    EmptyState: "empty",
    ChainState: "chain",
}
_RULE_STATE = {
    "gd": "gd",
    "sgd": "gd",
    "momentum": "momentum",
    "nesterov": "momentum",
    "adam": "adam",
    "clip_by_global_norm": "empty",
    "chain": "chain",
}


def _array_entry(a: Array) -> list[Any]:
    return list(np.asarray(a).ravel().tolist())


def state_to_dict(state: State) -> dict[str, Any]:
    """The state as JSON-ready plain values: ints, floats, strings and (nested) lists.

    Arrays become flat lists of Python floats plus ``dtype`` and ``shape``; a float64 or
    float32 value converts to a Python float exactly and JSON writes floats with
    ``repr`` (shortest round-trip form), so ``state_from_dict`` restores every bit.
    Non-finite entries become ``nan``/``inf`` floats (``json`` writes them as NaN/Infinity).
    """
    kind = _STATE_TYPES.get(type(state))
    if kind is None:
        raise TypeError(
            "state must be an optimizer state from an UpdateRule's init, got "
            f"{type(state).__name__}"
        )
    out: dict[str, Any] = {"type": kind}
    if isinstance(state, ChainState):
        out["states"] = [state_to_dict(s) for s in state.states]
        return out
    if isinstance(state, EmptyState):
        return out
    out["count"] = int(state.count)
    if isinstance(state, MomentumState):
        arrays = {"velocity": state.velocity}
    elif isinstance(state, AdamState):
        arrays = {"mu": state.mu, "nu": state.nu}
    else:
        return out
    first = np.asarray(next(iter(arrays.values())))
    out["dtype"] = first.dtype.name
    out["shape"] = list(first.shape)
    for key, value in arrays.items():
        out[key] = _array_entry(value)
    return out


def _load_array(d: Mapping[str, Any], key: str) -> Array:
    try:
        dtype = np.dtype(str(d["dtype"]))
        shape = tuple(int(n) for n in d["shape"])
        values = d[key]
    except KeyError as exc:
        raise ValueError(f"optimizer state is missing the entry {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ValueError(f"optimizer state has a malformed dtype or shape: {exc}") from None
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"optimizer state dtype must be a float type, got {dtype.name!r}")
    a = np.asarray(values, dtype=dtype)
    if a.ndim != 1 or a.size != math.prod(shape):
        raise ValueError(
            f"optimizer state entry {key!r} has {a.size} values, expected shape {shape}"
        )
    return a.reshape(shape)


def _load_count(d: Mapping[str, Any]) -> int:
    count = d.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"optimizer state count must be an integer >= 0, got {count!r}")
    return count


def _state_from(d: Mapping[str, Any]) -> State:
    if not isinstance(d, Mapping) or "type" not in d:
        raise ValueError("optimizer state must be a dict made by state_to_dict (with a 'type')")
    kind = d["type"]
    if kind == "gd":
        return GDState(_load_count(d))
    if kind == "momentum":
        return MomentumState(_load_count(d), _load_array(d, "velocity"))
    if kind == "adam":
        return AdamState(_load_count(d), _load_array(d, "mu"), _load_array(d, "nu"))
    if kind == "empty":
        return EmptyState()
    if kind == "chain":
        states = d.get("states")
        if not isinstance(states, list):
            raise ValueError("chain optimizer state needs a list 'states'")
        return ChainState(tuple(_state_from(s) for s in states))
    raise ValueError(
        f"optimizer state type {kind!r} is unknown; expected one of "
        f"{sorted(set(_STATE_TYPES.values()))}"
    )


def state_from_dict(rule_name: str, d: Mapping[str, Any]) -> State:
    """Inverse of :func:`state_to_dict`, checking the state belongs to ``rule_name``.

    ``rule_name`` is a key of :data:`RULES`, ``"clip_by_global_norm"`` or ``"chain"``.
    """
    if rule_name not in _RULE_STATE:
        raise ValueError(f"rule_name {rule_name!r} is unknown; use one of {sorted(_RULE_STATE)}")
    state = _state_from(d)
    kind = _STATE_TYPES[type(state)]
    if kind != _RULE_STATE[rule_name]:
        raise ValueError(
            f"the saved optimizer state is a {kind!r} state, which the {rule_name!r} rule "
            "cannot resume; resume with the optimizer that wrote it"
        )
    return state
