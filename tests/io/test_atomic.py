"""atomic_write: all or nothing, ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sigmoid_neuron.io.atomic import atomic_write


def test_writes_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_write(target) as handle:
        handle.write("hello")
    assert target.read_text() == "hello"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_keeps_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_new_file_gets_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.bin", "wb") as handle:
            handle.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.bin").stat().st_mode) == 0o644


def test_replacing_keeps_the_old_permissions(tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_write(target) as handle:
        handle.write("new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_missing_directory_and_bad_mode(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="does not exist"), atomic_write(tmp_path / "no" / "f"):
        pass
    with pytest.raises(ValueError, match="mode"), atomic_write(tmp_path / "f", "a"):
        pass
