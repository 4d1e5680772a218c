"""Versioned JSON documents: the one reader and writer of model files and checkpoints.

A document is one JSON object whose first entries say what it is::

    {"format": "sigmoid-neuron-model", "version": 1, "library_version": "0.1.0", ...payload}

:class:`DocumentFormat` names a kind of document (:data:`MODEL_FILE`,
:data:`CHECKPOINT`): its ``format`` tag, the newest ``version`` this library writes and
reads, the largest file it reads and whether ``NaN``/``Infinity`` may appear.
:func:`write_document` writes ``header + payload`` atomically
(:func:`sigmoid_neuron.io.atomic.atomic_write`); :func:`read_document` reads it back
strictly and hands the caller a :class:`Document` whose ``fail``/``entry``/``check``
phrase every complaint about a field the same way. Every defect is one ``ValueError``
naming the file and the fix:

- larger than ``max_bytes`` (refused from its size, before reading);
- not UTF-8, not JSON (with line and column), nested too deeply, a ``NaN`` where the
  format allows none;
- not an object with the right ``"format"`` tag (another of this library's formats is
  named as such: "is a checkpoint, not a model file");
- a ``"version"`` newer than :attr:`DocumentFormat.version` ("upgrade sigmoid-neuron");
- a missing or ill-typed field (:meth:`Document.entry`, :meth:`Document.check`).

Nothing is ever executed or unpickled: the bytes go through :func:`json.loads` only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sigmoid_neuron.io.atomic import WriteError, atomic_write

__all__ = [
    "CHECKPOINT",
    "FORMATS",
    "MODEL_FILE",
    "Document",
    "DocumentFormat",
    "document_dict",
    "parse_document",
    "read_document",
    "write_document",
]

#: Largest document :func:`read_document` reads unless a format says otherwise (1 GiB).
DEFAULT_MAX_BYTES = 1 << 30

#: JSON type names, as messages say them: ``must be an integer, got a string``.
_KINDS: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_ARTICLES = {"object": "a JSON object", "array": "a list", "integer": "an integer"}


@dataclass(frozen=True)
class DocumentFormat:
    """A kind of versioned JSON document.

    ``name``: the ``"format"`` tag; ``version``: the newest version written and read;
    ``kind``: how messages name such a file (``"model file"``); ``expected``: what to
    pass instead of a wrong file; ``use``: what to do with one of these passed where
    another kind was expected; ``action``: what upgrading the library lets one do with
    a newer file; ``allow_non_finite``: whether ``NaN``/``Infinity`` may be written
    and read; ``max_bytes``: the largest file read.
    """

    name: str
    version: int
    kind: str
    expected: str
    use: str
    action: str
    allow_non_finite: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES

    def where(self, path: str | os.PathLike[str]) -> str:
        """How messages name the file at ``path``: ``model file 'm.json'``."""
        return f"{self.kind} {os.fspath(path)!r}"


#: A fitted model (:mod:`sigmoid_neuron.io.model_file`).
MODEL_FILE = DocumentFormat(
    name="sigmoid-neuron-model",
    version=1,
    kind="model file",
    expected="pass a file written by save_model or `sigmoid-neuron train`",
    use="load it with load_model, or pass it to `sigmoid-neuron predict`",
    action="load it",
)
#: A training run's state (:mod:`sigmoid_neuron.training.checkpoint_file`); optimizer
#: states may hold non-finite numbers, written as ``NaN``/``Infinity``.
CHECKPOINT = DocumentFormat(
    name="sigmoid-neuron-checkpoint",
    version=1,
    kind="checkpoint",
    expected="pass a file written by `sigmoid-neuron train --checkpoint` or the "
    "Checkpoint callback",
    use="resume it with `sigmoid-neuron train ... --resume FILE`",
    action="resume it",
    allow_non_finite=True,
)
#: Every format this library writes, by tag: a file of one passed where another is
#: expected is named as what it is.
FORMATS: dict[str, DocumentFormat] = {f.name: f for f in (MODEL_FILE, CHECKPOINT)}


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: messages never quote a whole file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, with its article: ``a string``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind in ("object", "array", "string", "integer", "number"):
        if isinstance(value, _KINDS[kind]):
            return _ARTICLES.get(kind, f"a {kind}")
    return type(value).__name__


@dataclass(frozen=True)
class Document:
    """A parsed document whose header has been checked.

    ``body``: the whole JSON object (header included); ``fmt``: its format; ``where``:
    how messages name it (``model file 'm.json'``); ``n_bytes``: the size of the file
    it came from (it bounds how many values an array may declare: :attr:`max_values`),
    None when unknown.
    """

    body: dict[str, Any]
    fmt: DocumentFormat
    where: str
    n_bytes: int | None

    @property
    def version(self) -> int:
        """The format version the file was written in (1 <= version <= fmt.version)."""
        return int(self.body["version"])

    @property
    def library_version(self) -> str:
        """The sigmoid-neuron version that wrote it ("" when not recorded)."""
        value = self.body.get("library_version", "")
        return value if isinstance(value, str) else ""

    @property
    def max_values(self) -> int | None:
        """The most numbers the file can hold: each needs a digit and a separator, so an
        array declaring more is corrupt, and is refused before anything is allocated
        (None: no bound known)."""
        return None if self.n_bytes is None else self.n_bytes // 2 + 1

    def fail(self, message: str) -> ValueError:
        """The error for a defect of this document: ``{where}: {message}``."""
        return ValueError(f"{self.where}: {message}")

    def check(
        self,
        value: Any,
        kind: str,
        what: str,
        *,
        nullable: bool = False,
        low: int | None = None,
    ) -> Any:
        """``value`` if it is of JSON type ``kind`` ("object", "array", "string",
        "integer", "number", "boolean"), None too when ``nullable``, and ``>= low`` for
        an integer with ``low``; otherwise :meth:`fail`: ``{what} must be an integer >=
        1, got a string; the file is corrupt or was edited``."""
        if value is None and nullable:
            return None
        types = _KINDS[kind]
        ok = isinstance(value, types) and (kind == "boolean" or not isinstance(value, bool))
        if ok and low is not None and value < low:
            ok = False
        if not ok:
            wanted = _ARTICLES.get(kind, f"a {kind}") + (f" >= {low}" if low is not None else "")
            got = _json_type(value)
            if got in ("an integer", "a number", "a string", "a boolean"):
                got += f" {_short(value, 30)}"
            raise self.fail(
                f"{what} must be {wanted}{' or null' if nullable else ''}, got {got}; "
                "the file is corrupt or was edited"
            )
        return value

    def entry(
        self,
        key: str,
        kind: str,
        *,
        required: bool = True,
        default: Any = None,
        nullable: bool = False,
        low: int | None = None,
    ) -> Any:
        """The top-level field ``key`` checked by :meth:`check`; a missing field is
        ``default`` unless ``required`` (then: ``the field 'state' is missing``)."""
        if key not in self.body:
            if required:
                raise self.fail(
                    f"the field {key!r} is missing; the file is corrupt or not a {self.fmt.kind}"
                )
            return default
        return self.check(self.body[key], kind, key, nullable=nullable, low=low)


def document_dict(fmt: DocumentFormat, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"format": fmt.name, "version": fmt.version, "library_version": ..., **payload}``."""
    from sigmoid_neuron._version import __version__

    header = {"format": fmt.name, "version": fmt.version, "library_version": __version__}
    clash = sorted(header.keys() & payload.keys())
    if clash:
        raise ValueError(f"payload must not hold the header field(s) {clash}")
    return {**header, **payload}


def write_document(
    path: str | os.PathLike[str], fmt: DocumentFormat, payload: dict[str, Any]
) -> None:
    """Write :func:`document_dict` of ``payload`` to ``path`` as compact JSON, atomically
    (temporary file, fsync, rename): a failure at any moment leaves the previous file
    intact. ``ValueError`` for a non-finite number when the format allows none; a
    failed write (a full disk, ...) is a :class:`~sigmoid_neuron.io.atomic.WriteError`
    naming the kind of file: ``checkpoint 'ck.json' cannot be written: no space left on
    device; ...``."""
    doc = document_dict(fmt, payload)
    try:
        with atomic_write(path, "w") as handle:
            json.dump(doc, handle, allow_nan=fmt.allow_non_finite, separators=(",", ":"))
            handle.write("\n")
    except WriteError as exc:
        raise exc.for_option(fmt.kind) from None


class _NonFiniteConstant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` in a format that allows none."""


def _reject_constant(name: str) -> Any:
    raise _NonFiniteConstant(f"non-finite number {name}")


def parse_document(
    doc: Any, fmt: DocumentFormat, *, where: str | None = None, n_bytes: int | None = None
) -> Document:
    """Check the header of an already parsed ``doc``: a JSON object tagged ``fmt.name``
    (another of :data:`FORMATS` is named as such), with an integer version between 1
    and ``fmt.version``. ``where`` names it in messages (default: ``fmt.kind``);
    ``n_bytes`` is the size of its file (default: about that of its JSON text)."""
    where = fmt.kind if where is None else where
    tag = doc.get("format") if isinstance(doc, dict) else None
    if isinstance(doc, dict) and tag != fmt.name and isinstance(tag, str) and tag in FORMATS:
        other = FORMATS[tag]
        raise ValueError(
            f"{where} is a {other.kind}, not a {fmt.kind} ({other.use}); {fmt.expected}"
        )
    if not isinstance(doc, dict) or tag != fmt.name:
        raise ValueError(
            f'{where}: not a sigmoid-neuron {fmt.kind} (no "format": "{fmt.name}" entry); '
            f"it may be another JSON file: {fmt.expected}"
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"{where} has an invalid format version {_short(version, 20)}; the file is corrupt"
        )
    if version > fmt.version:
        raise ValueError(
            f"{where} was written in {fmt.kind} format version {version}, newer than this "
            f"library reads (up to {fmt.version}); upgrade sigmoid-neuron to {fmt.action}"
        )
    if n_bytes is None:
        try:
            n_bytes = 2 * len(json.dumps(doc, allow_nan=True))
        except (TypeError, ValueError, RecursionError):  # not JSON values: no bound to take
            n_bytes = None
    return Document(body=doc, fmt=fmt, where=where, n_bytes=n_bytes)


def read_document(
    path: str | os.PathLike[str], fmt: DocumentFormat, *, max_bytes: int | None = None
) -> Document:
    """Read and parse the document at ``path`` (see the module docstring).

    ``max_bytes`` overrides ``fmt.max_bytes``. ``FileNotFoundError`` (an ``OSError``)
    when there is no such file; ``ValueError`` naming the file for a directory, a file
    too large, not UTF-8 JSON, nested too deeply, with a non-finite number the format
    does not allow, or whose header :func:`parse_document` refuses.
    """
    limit = fmt.max_bytes if max_bytes is None else max_bytes
    target = Path(path)
    where = fmt.where(target)
    if target.is_dir():
        raise ValueError(f"{where} is a directory; pass the {fmt.kind} itself")
    size = target.stat().st_size  # OSError (missing file) propagates as is
    if size > limit:
        raise ValueError(
            f"{where} is {size} bytes, more than the {limit} bytes a {fmt.kind} may have; "
            f"it is not a {fmt.kind}"
        )
    with target.open("rb") as handle:
        raw = handle.read(size + 1)  # a buffer of the file's size, not of the limit
        if len(raw) > size:  # the file grew since stat: read on, up to the limit
            raw += handle.read(limit + 1 - len(raw))
    if len(raw) > limit:
        raise ValueError(f"{where} is more than the {limit} bytes a {fmt.kind} may have")
    constant = None if fmt.allow_non_finite else _reject_constant
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=constant)
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not UTF-8 text; it is corrupt or not a {fmt.kind}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it is corrupt or truncated"
        ) from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply; it is not a {fmt.kind}") from None
    except _NonFiniteConstant as exc:
        raise ValueError(f"{where} holds a {exc}; the file is corrupt") from None
    except ValueError as exc:  # e.g. an integer literal with too many digits
        raise ValueError(f"{where} could not be parsed ({exc}); it is corrupt") from None
    return parse_document(doc, fmt, where=where, n_bytes=len(raw))
