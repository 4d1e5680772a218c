"""Versioned JSON documents: what is written is the documented JSON (read back here with
the standard library), and every defect of a file is one ValueError naming it and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sigmoid_neuron
from sigmoid_neuron.io import document
from sigmoid_neuron.io.document import (
    CHECKPOINT,
    MODEL_FILE,
    DocumentFormat,
    document_dict,
    parse_document,
    read_document,
    write_document,
)

TOY = DocumentFormat(
    name="toy-document",
    version=2,
    kind="toy file",
    expected="pass a toy file",
    use="play with it",
    action="read it",
)


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_written_documents_are_the_documented_json(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    write_document(path, TOY, {"numbers": [0.1, 1e-300, 2.5], "name": "x"})
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n") and raw.count("\n") == 1  # one compact line
    doc = json.loads(raw)
    assert list(doc)[:3] == ["format", "version", "library_version"]
    assert doc == {
        "format": "toy-document",
        "version": 2,
        "library_version": sigmoid_neuron.__version__,
        "numbers": [0.1, 1e-300, 2.5],  # shortest round-trip floats: bit for bit
        "name": "x",
    }
    read = read_document(path, TOY)
    assert read.body == doc and read.version == 2 and read.n_bytes == len(raw.encode())
    assert read.library_version == sigmoid_neuron.__version__
    assert read.where == f"toy file {str(path)!r}"


def test_an_older_version_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "old.json", {"format": "toy-document", "version": 1})
    assert read_document(path, TOY).version == 1


def test_the_payload_cannot_overwrite_the_header() -> None:
    with pytest.raises(ValueError, match=r"must not hold the header field\(s\) \['version'\]"):
        document_dict(TOY, {"version": 99})


def test_non_finite_numbers_follow_the_format(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    write_document(path, MODEL_FILE, {"x": 1.0})
    before = path.read_bytes()
    with pytest.raises(ValueError, match="not JSON compliant"):
        write_document(path, MODEL_FILE, {"x": float("nan")})
    assert path.read_bytes() == before  # the refused write left the old file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
    path.write_bytes(b'{"format": "sigmoid-neuron-model", "version": 1, "x": Infinity}')
    with pytest.raises(ValueError, match=r"m\.json' holds a non-finite number Infinity"):
        read_document(path, MODEL_FILE)
    checkpoint = tmp_path / "ck.json"
    write_document(checkpoint, CHECKPOINT, {"nu": [float("inf")]})
    assert read_document(checkpoint, CHECKPOINT).body["nu"] == [float("inf")]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", r"is not valid JSON \(line 1, column 1: Expecting value\); it is corrupt"),
        (b'{"format": "toy-document",\n "version": 1,', r"not valid JSON \(line 2, column 15"),
        (b"\xff\xfe garbage", "is not UTF-8 text; it is corrupt or not a toy file"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not a sigmoid-neuron toy file"),
        (b"1" * 5000, r"could not be parsed \(.*digits"),
        (b"[1, 2]", 'not a sigmoid-neuron toy file \\(no "format": "toy-document" entry\\)'),
        (b'{"format": "other"}', "it may be another JSON file: pass a toy file"),
        (b'{"format": "toy-document"}', "has an invalid format version None"),
        (b'{"format": "toy-document", "version": true}', "invalid format version True"),
        (b'{"format": "toy-document", "version": 0}', "invalid format version 0"),
        (
            b'{"format": "toy-document", "version": 3}',
            r"format version 3, newer than this library reads \(up to 2\); upgrade "
            "sigmoid-neuron to read it",
        ),
        (
            b'{"format": "sigmoid-neuron-checkpoint", "version": 1}',
            r"is a checkpoint, not a toy file \(resume it with `sigmoid-neuron train ... "
            r"--resume FILE`\); pass a toy file",
        ),
    ],
)
def test_defective_files_are_one_error_naming_the_file(
    content: bytes, match: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        read_document(path, TOY)
    message = str(info.value)
    assert message.startswith(f"toy file {str(path)!r}") and "\n" not in message
    assert len(message) < 400


def test_a_model_file_passed_as_a_checkpoint_is_named_as_such(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.json", {"format": "sigmoid-neuron-model", "version": 1})
    with pytest.raises(ValueError, match="is a model file, not a checkpoint") as info:
        read_document(path, CHECKPOINT)
    assert "pass a file written by `sigmoid-neuron train --checkpoint`" in str(info.value)


def test_size_limit_directory_and_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.json", {"format": "toy-document", "version": 1, "pad": "x" * 90})
    size = path.stat().st_size
    assert read_document(path, TOY, max_bytes=size).version == 1
    with pytest.raises(ValueError, match=f"is {size} bytes, more than the {size - 1} bytes"):
        read_document(path, TOY, max_bytes=size - 1)
    with pytest.raises(ValueError, match="is a directory; pass the toy file itself"):
        read_document(tmp_path, TOY)
    with pytest.raises(FileNotFoundError):
        read_document(tmp_path / "nope.json", TOY)


def test_fields_are_checked_with_one_phrasing(tmp_path: Path) -> None:
    body = {"format": "toy-document", "version": 1, "n": 3, "s": "x", "o": None, "f": 2.5}
    doc = parse_document(body, TOY, where="toy 'a.json'")
    assert doc.entry("n", "integer", low=1) == 3
    assert doc.entry("o", "object", nullable=True) is None
    assert doc.entry("f", "number") == 2.5
    assert doc.entry("absent", "string", required=False, default="d") == "d"
    cases = [
        (lambda: doc.entry("absent", "string"), "the field 'absent' is missing"),
        (lambda: doc.entry("s", "integer"), "s must be an integer, got a string 'x'"),
        (lambda: doc.entry("n", "integer", low=5), "n must be an integer >= 5, got an integer 3"),
        (lambda: doc.entry("o", "object"), "o must be a JSON object, got null"),
        (lambda: doc.entry("n", "boolean"), "n must be a boolean, got an integer 3"),
        (lambda: doc.check(True, "integer", "k"), "k must be an integer, got a boolean True"),
        (lambda: doc.check([1], "object", "k", nullable=True), "JSON object or null, got a list"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match) as info:
            call()
        assert str(info.value).startswith("toy 'a.json': ")
        assert "the file is corrupt" in str(info.value)


def test_the_file_size_bounds_the_values_an_array_may_declare() -> None:
    body = {"format": "toy-document", "version": 1}
    assert parse_document(body, TOY, n_bytes=1000).max_values == 501
    # without a file: about the size of the JSON text
    assert parse_document(body, TOY).max_values == len(json.dumps(body)) + 1


def test_a_failure_mid_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.json"
    write_document(path, TOY, {"a": 1})
    before = path.read_bytes()

    def half_then_fail(doc: Any, handle: Any, **kwargs: Any) -> None:
        text = json.dumps(doc, **kwargs)
        handle.write(text[: len(text) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(document.json, "dump", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_document(path, TOY, {"a": 2})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_a_failed_write_names_the_kind_of_file(tmp_path: Path) -> None:
    from sigmoid_neuron.io.atomic import WriteError

    target = tmp_path / "no-such-dir" / "t.json"
    with pytest.raises(WriteError) as info:
        write_document(target, TOY, {"a": 1})
    assert str(info.value) == (
        f"toy file {str(target)!r} cannot be written: directory "
        f"{str(target.parent)!r} does not exist"
    )
