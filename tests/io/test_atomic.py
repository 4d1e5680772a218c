"""atomic_write: all or nothing, ordinary permissions, one-line errors naming the file and
the cause, stale temporary files of killed writes removed (and only those)."""

from __future__ import annotations

import errno
import os
import pickle
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sigmoid_neuron.io import atomic
from sigmoid_neuron.io.atomic import (
    WriteError,
    atomic_write,
    process_start_time,
    remove_stale_temporaries,
    temporary_pattern,
)


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


# --------------------------------------------------------------------- failed writes


def _fail_with(code: int) -> Callable[[int], None]:
    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    return fsync


@pytest.mark.parametrize(
    ("code", "cause", "hint"),
    [
        (errno.ENOSPC, "no space left on device", "free some space"),
        (errno.EDQUOT, "disk quota exceeded", "within your quota"),
        (errno.EROFS, "read-only file system", "write the file elsewhere"),
        (errno.EIO, "input/output error", "check the disk"),
    ],
)
def test_a_failed_write_is_one_line_naming_path_and_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, cause: str, hint: str
) -> None:
    target = tmp_path / "m.json"
    target.write_bytes(b"previous bytes\n")
    monkeypatch.setattr(atomic.os, "fsync", _fail_with(code))
    with pytest.raises(WriteError) as info, atomic_write(target) as handle:
        handle.write("new content")
    error = info.value
    assert isinstance(error, OSError) and error.errno == code
    assert error.cause == cause == os.strerror(code).lower()
    message = str(error)
    assert message.startswith(f"cannot write {str(target)!r}: {cause}; ")
    assert hint in message and message.endswith("(the previous 'm.json' is unchanged)")
    assert "\n" not in message and ".tmp" not in message and "Errno" not in message
    named = error.for_option("--out")
    assert str(named).startswith(f"--out {str(target)!r} cannot be written: {cause}")
    assert named.errno == code and isinstance(pickle.loads(pickle.dumps(named)), WriteError)
    assert str(pickle.loads(pickle.dumps(named))) == str(named)
    assert target.read_bytes() == b"previous bytes\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_a_new_file_that_cannot_be_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def mkstemp(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    with pytest.raises(WriteError) as info, atomic_write(tmp_path / "new.json"):
        pass
    assert str(info.value) == (
        f"cannot write {str(tmp_path / 'new.json')!r}: permission denied; check the "
        "permissions of the file and its directory, or write elsewhere"
    )
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------- stale temporary files


def _aged(path: Path, seconds: float = 3600.0) -> Path:
    path.write_text("left by a killed write")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_only_our_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    ours = [_aged(tmp_path / ".m.json.abcd1234.tmp"), _aged(tmp_path / ".m.json.z_9y8x7w.tmp")]
    others = [
        _aged(tmp_path / ".m.json.abc.tmp"),  # not 8 characters
        _aged(tmp_path / ".m.json.ABCD1234.tmp"),  # not tempfile's alphabet
        _aged(tmp_path / "m.json.abcd1234.tmp"),  # no leading dot
        _aged(tmp_path / ".m.json.abcd1234.tmp.bak"),
        _aged(tmp_path / ".n.json.abcd1234.tmp"),  # another output's
        _aged(tmp_path / ".m.jsonXabcd1234.tmp"),  # the dot is literal
    ]
    fresh = tmp_path / ".m.json.fresh123.tmp"
    fresh.write_text("written after this process started")
    outside = _aged(tmp_path / "elsewhere.txt")
    link = tmp_path / ".m.json.link1234.tmp"
    link.symlink_to(outside)
    os.utime(link, (0, 0), follow_symlinks=False)
    removed = remove_stale_temporaries(target)
    assert removed == sorted(ours)
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in [*others, fresh, outside]) and link.is_symlink()
    assert remove_stale_temporaries(target) == []


def test_a_live_writers_file_is_never_stale(tmp_path: Path) -> None:
    """A writer holds its temporary file locked: even a cutoff in the future spares it."""
    target = tmp_path / "m.json"
    with atomic_write(target) as handle:
        handle.write("being written")
        (temporary,) = [p for p in tmp_path.iterdir() if p.name != "m.json"]
        assert temporary_pattern("m.json").fullmatch(temporary.name)
        in_an_hour = time.time() + 3600
        assert remove_stale_temporaries(target, older_than=in_an_hour) == []
        assert temporary.exists()
    assert target.read_text() == "being written"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_a_file_another_process_holds_locked_is_kept(tmp_path: Path) -> None:
    stale = _aged(tmp_path / ".m.json.abcd1234.tmp")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('locked', flush=True); sys.stdin.read()",
            str(stale),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert remove_stale_temporaries(tmp_path / "m.json") == []
        assert stale.exists()
    finally:
        holder.communicate("", timeout=30)
    assert remove_stale_temporaries(tmp_path / "m.json") == [stale]  # its holder is gone


def test_atomic_write_clears_stale_files_first(tmp_path: Path) -> None:
    stale = _aged(tmp_path / ".m.json.abcd1234.tmp")
    with atomic_write(tmp_path / "m.json") as handle:
        handle.write("{}")
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_process_start_time_is_this_process_start() -> None:
    psutil = pytest.importorskip("psutil")
    started = process_start_time()
    now = time.time()
    assert started <= now
    # psutil computes it the same way (whole-second boot time); ours rounds down
    assert psutil.Process().create_time() - 1.5 <= started <= psutil.Process().create_time()
