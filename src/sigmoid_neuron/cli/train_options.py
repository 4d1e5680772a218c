"""The options of ``sigmoid-neuron train``: the estimator they ask for, and ``--resume``.

:func:`build_estimator` turns the options into an unfitted estimator (``--model``,
``--loss``, ``--optimizer``, ``--learning-rate`` (a number or a schedule name),
``--epochs``, ``--batch-size``, ``--alpha``, ``--l1-ratio``, ``--tol`` ('none' turns stopping off),
``--seed``). A checkpoint written by ``train`` records the options of
:data:`RESUMABLE_OPTIONS` (:func:`recorded_options`); :func:`prepare_resume` fills the
options left out from it and refuses the ones given differently.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sigmoid_neuron.training.config import OPTIMIZERS as ALL_OPTIMIZERS

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "OPTIMIZERS",
    "RESUMABLE_OPTIONS",
    "build_estimator",
    "prepare_resume",
    "recorded_options",
]

#: --model -> (estimator class name, losses it accepts).
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "neuron": ("SigmoidNeuron", ("cross_entropy", "squared_error")),
    "logistic": ("LogisticRegression", ("cross_entropy",)),
    "linear": ("LinearRegression", ("squared_error",)),
}

#: ``--optimizer`` choices: every optimizer but ``auto`` (the model's own default when the
#: option is left out) and ``lstsq`` (LinearRegression's exact solve, also its default)
OPTIMIZERS = tuple(name for name in ALL_OPTIMIZERS if name not in ("auto", "lstsq"))
DEFAULT_MODEL = "neuron"
#: Options a checkpoint records, so ``--resume`` can fill them in and check them.
RESUMABLE_OPTIONS = (
    "target",
    "model",
    "loss",
    "optimizer",
    "learning_rate",
    "epochs",
    "batch_size",
    "alpha",
    "l1_ratio",
    "class_weight",
    "offset_column",
    "tol",
    "features",
    "standardize",
    "seed",
)
#: The type of each resumable option's value (the others are strings).
_OPTION_TYPES: dict[str, type] = {
    "epochs": int,
    "batch_size": int,
    "seed": int,
    "alpha": float,
    "l1_ratio": float,
    "standardize": bool,
}
_KIND_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def _learning_rate(text: str | None) -> float | str | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # a schedule name; the estimator validates it
    if not value > 0:
        raise ValueError(f"--learning-rate must be > 0, got {text}")
    return value


def _class_weight(text: str | None, model: str | None) -> dict[Any, float] | str | None:
    """``--class-weight``: 'balanced', or ``LABEL=WEIGHT,...`` (a label that reads as a
    number is that number, as the table's labels are)."""
    if text is None:
        return None
    if (model or DEFAULT_MODEL) != "logistic":
        raise ValueError("--class-weight applies to --model logistic only")
    if text.strip() == "balanced":
        return "balanced"
    weights: dict[Any, float] = {}
    for part in text.split(","):
        label, sep, value = part.partition("=")
        label = label.strip()
        if not sep or not label:
            raise ValueError(f"--class-weight must be 'balanced' or LABEL=WEIGHT,..., got {text!r}")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(
                f"--class-weight: the weight of {label!r} must be a number, got {value!r}"
            ) from None
        key: Any = label
        try:
            number = float(label)
            key = int(number) if number.is_integer() else number
        except ValueError:
            pass
        weights[key] = weight
    return weights


def _tol(text: str | None) -> tuple[bool, float | None]:
    """(given, value): 'none' turns early stopping off."""
    if text is None:
        return False, None
    if text.strip().lower() == "none":
        return True, None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--tol must be a number >= 0 or 'none', got {text!r}") from None
    if not value >= 0:
        raise ValueError(f"--tol must be a number >= 0 or 'none', got {text!r}")
    return True, value


def build_estimator(args: argparse.Namespace) -> Any:
    """The estimator the arguments ask for (not fitted)."""
    from sigmoid_neuron import estimators

    class_name, losses = MODELS[args.model or DEFAULT_MODEL]
    params: dict[str, Any] = {}
    if args.loss is not None:
        if args.loss not in losses:
            raise ValueError(
                f"--loss {args.loss} does not apply to --model {args.model}; "
                f"it uses {' or '.join(losses)}"
            )
        if args.model == "neuron":
            params["loss"] = args.loss
    for name, value in (
        ("optimizer", args.optimizer),
        ("learning_rate", _learning_rate(args.learning_rate)),
        ("max_epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("alpha", args.alpha),
        ("l1_ratio", getattr(args, "l1_ratio", None)),
        ("class_weight", _class_weight(getattr(args, "class_weight", None), args.model)),
        ("random_state", args.seed),
    ):
        if value is not None:
            params[name] = value
    given, tol = _tol(args.tol)
    if given:
        params["tol"] = tol
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.alpha is not None and not args.alpha >= 0:
        raise ValueError(f"--alpha must be >= 0, got {args.alpha}")
    l1_ratio = getattr(args, "l1_ratio", None)
    if l1_ratio is not None and not 0 <= l1_ratio <= 1:
        raise ValueError(
            f"--l1-ratio must be a number in [0, 1] (0: ridge, 1: lasso), got {l1_ratio}"
        )
    return getattr(estimators, class_name)(**params)


def recorded_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options a checkpoint records: :data:`RESUMABLE_OPTIONS` and their values."""
    return {name: getattr(args, name) for name in RESUMABLE_OPTIONS}


def _normalised(name: str, value: Any) -> Any:
    """An option's value in a comparable form (e.g. '0.50' and '0.5' are one rate)."""
    from sigmoid_neuron.io.table_columns import parse_columns

    if value is None:
        return None
    if name == "learning_rate":
        return _learning_rate(str(value))
    if name == "tol":
        return _tol(str(value))[1]
    if name == "features":
        return parse_columns(str(value))
    return value


def prepare_resume(args: argparse.Namespace) -> Any:
    """Load ``--resume``; fill the options left out from it and refuse conflicting ones."""
    from sigmoid_neuron.training import load_checkpoint

    if args.resume is None:
        return None
    for name, other in (("--out", args.out), ("DATA", args.data)):
        if Path(args.resume).resolve() == Path(other).resolve():
            raise ValueError(f"--resume {args.resume!r} is also {name}; pass the checkpoint file")
    if not Path(args.resume).exists():
        raise ValueError(
            f"--resume {args.resume!r} does not exist; pass the file written by --checkpoint"
        )
    checkpoint = load_checkpoint(args.resume)
    metadata = checkpoint.metadata or {}
    stored = metadata.get("options") if metadata.get("command") == "train" else None
    if not isinstance(stored, dict):
        return checkpoint  # written by the library: the fingerprints still guard the resume
    conflicts = []
    for name in RESUMABLE_OPTIONS:
        if name not in stored:
            continue
        given, saved = getattr(args, name), stored[name]
        flag = "--" + name.replace("_", "-")
        kind = _OPTION_TYPES.get(name, str)
        if saved is not None and (
            type(saved) is not kind and not (kind is float and type(saved) is int)
        ):
            raise ValueError(
                f"--resume {args.resume!r}: the stored option {flag} is not {_KIND_NAMES[kind]}; "
                "the checkpoint is corrupt"
            )
        if name == "standardize":
            if given and not saved:
                conflicts.append(f"{flag} was not used for the checkpoint")
            args.standardize = bool(saved)
            continue
        if given is None:
            setattr(args, name, saved)
        elif name != "epochs" and _normalised(name, given) != _normalised(name, saved):
            conflicts.append(
                f"{flag} was not given for the checkpoint but is {given} now"
                if saved is None
                else f"{flag} is {saved} in the checkpoint but {given} now"
            )
    if conflicts:
        raise ValueError(
            f"--resume {args.resume!r} was written with other options: {'; '.join(conflicts)}. "
            "Leave these options out to use the checkpoint's, or start afresh without --resume"
        )
    return checkpoint
