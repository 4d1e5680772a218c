"""Atomic file writes: a crashed or interrupted write leaves the old file intact.

:func:`atomic_write` writes to a temporary file beside the target, named
``.NAME.XXXXXXXX.tmp`` (``XXXXXXXX``: eight of ``a-z0-9_``), fsyncs it and renames it
over the target. While it writes, it holds an exclusive ``flock`` on the temporary file.
A process killed mid-write (SIGKILL, power loss) leaves its temporary file behind;
:func:`remove_stale_temporaries` removes such leftovers: only names of that exact
pattern, only files last modified before the running process started, and only files
no live writer holds locked. ``atomic_write`` runs it (quietly) before every write.

Every ``OSError`` while writing becomes a :class:`WriteError`: one line naming the file,
the cause (``no space left on device``, ``permission denied``, ...) and what to do,
and saying that the previous file, if there was one, is unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:  # POSIX; elsewhere stale files are judged by their age alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: When this module was imported: a fallback for the process start time.
_IMPORTED_AT = time.time()

#: errno -> what to do about it (the cause itself comes from the error).
_HINTS: dict[int, str] = {
    errno.ENOSPC: "free some space on that file system or write the file elsewhere",
    errno.EDQUOT: "free some space within your quota or write the file elsewhere",
    errno.EACCES: "check the permissions of the file and its directory, or write elsewhere",
    errno.EPERM: "check the permissions of the file and its directory, or write elsewhere",
    errno.EROFS: "write the file elsewhere",
    errno.EFBIG: "the file size limit (ulimit -f) is too small for it; raise it",
    errno.EIO: "the device reported an error; check the disk",
    errno.ENAMETOOLONG: "use a shorter file name",
}


class WriteError(OSError):
    """An output file could not be written; the previous file (if any) is intact.

    ``str(error)`` is one line: ``cannot write 'm.json': no space left on device; free
    some space ... (the previous 'm.json' is unchanged)``; :meth:`for_option` names the
    command-line option instead. Attributes: ``path`` (the target), ``cause`` (e.g.
    ``"no space left on device"``), ``hint`` (what to do, may be empty), ``existed``
    (a previous file was there and is unchanged), ``option`` (or None), and ``errno``
    and ``strerror`` (``cause; hint``) as for any ``OSError``.
    """

    def __init__(
        self,
        path: str,
        cause: str,
        *,
        code: int | None = None,
        hint: str = "",
        existed: bool = False,
        option: str | None = None,
    ) -> None:
        super().__init__(code, f"{cause}; {hint}" if hint else cause)
        self.path = path
        self.cause = cause
        self.hint = hint
        self.existed = existed
        self.option = option

    def for_option(self, option: str) -> WriteError:
        """The same error, its message naming ``option`` (e.g. ``--out``) with the path."""
        return WriteError(
            self.path,
            self.cause,
            code=self.errno,
            hint=self.hint,
            existed=self.existed,
            option=option,
        )

    def __str__(self) -> str:
        what = f"{self.option} {self.path!r} cannot be written" if self.option else None
        head = what or f"cannot write {self.path!r}"
        tail = f" (the previous {Path(self.path).name!r} is unchanged)" if self.existed else ""
        return f"{head}: {self.strerror}{tail}"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, e.g. across Dask workers
        return (
            _rebuild_write_error,
            (self.path, self.cause, self.errno, self.hint, self.existed, self.option),
        )


def _rebuild_write_error(
    path: str, cause: str, code: int | None, hint: str, existed: bool, option: str | None
) -> WriteError:
    return WriteError(path, cause, code=code, hint=hint, existed=existed, option=option)


def describe_os_error(exc: OSError) -> str:
    """A short reason for an ``OSError`` without temporary file names in it, e.g.
    ``"no space left on device"`` (the ``strerror``, first letter in lower case)."""
    if isinstance(exc, WriteError):
        return exc.cause
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def write_error(path: str | os.PathLike[str], exc: OSError, existed: bool) -> WriteError:
    """The :class:`WriteError` for ``exc`` raised while writing ``path``."""
    if isinstance(exc, WriteError):
        return exc
    code = exc.errno if isinstance(exc.errno, int) else None
    hint = _HINTS.get(code, "") if code is not None else ""
    return WriteError(
        os.fspath(path), describe_os_error(exc), code=code, hint=hint, existed=existed
    )


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``.

    The rename is atomic on POSIX (``os.replace``), so readers see either the old file
    or the complete new one. On any exception the temporary file is removed and
    ``path`` is untouched; an ``OSError`` (a full disk, a read-only file system, ...)
    is raised as a :class:`WriteError` naming ``path`` and the cause. Stale temporary
    files of earlier, killed writes of ``path`` are removed first
    (:func:`remove_stale_temporaries`).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise WriteError(
            str(target), f"directory {str(directory)!r} does not exist", code=errno.ENOENT
        )
    remove_stale_temporaries(target)
    existed = target.is_file()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise write_error(target, exc, existed) from None
    try:
        _lock(fd)  # released when the file is closed, after the rename
        os.chmod(tmp_name, _mode_for(target))
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise write_error(target, exc, existed) from None
        raise


def _lock(fd: int) -> None:
    """Hold an exclusive ``flock`` on ``fd``: live writers' files are never stale."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def temporary_pattern(name: str) -> re.Pattern[str]:
    """The names :func:`atomic_write` gives its temporary files for a target ``name``:
    ``.NAME.XXXXXXXX.tmp`` with ``XXXXXXXX`` eight of ``a-z0-9_`` (``tempfile``'s)."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")


def process_start_time() -> float:
    """When the running process started (seconds since the epoch, rounded down).

    Linux: the start time in ``/proc/self/stat`` after the boot time in ``/proc/stat``
    (whole seconds, so the result is at most a second early, never late); elsewhere,
    when this module was imported.
    """
    pid = os.getpid()
    cached = _START_TIMES.get(pid)
    if cached is not None:
        return cached
    _START_TIMES.clear()  # another process (a fork) has its own start
    _START_TIMES[pid] = started = _read_start_time()
    return started


#: ``{pid: start time}`` of this process, once read.
_START_TIMES: dict[int, float] = {}


def _read_start_time() -> float:
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            stat = handle.read()
        ticks = int(stat[stat.rindex(")") + 2 :].split()[19])  # field 22: starttime
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED_AT
    return min(started, _IMPORTED_AT)


def remove_stale_temporaries(
    path: str | os.PathLike[str], *, older_than: float | None = None
) -> list[Path]:
    """Remove the temporary files killed writes of ``path`` left; return those removed.

    A file beside ``path`` is removed only when all hold: its name is
    ``.NAME.XXXXXXXX.tmp`` (:func:`temporary_pattern`, ``NAME`` the name of ``path``);
    it is a regular file (not a link); it was last modified before ``older_than``
    (default: when this module was imported, after the process started and before any
    write of its own); and no process holds it locked (a live writer holds its
    temporary file locked until it is renamed). Files that cannot be examined or
    removed are left alone; this never raises ``OSError``.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    # this module's import time: later than the process start (whose Linux reading can
    # be a second early, which kept a file a SIGKILLed run wrote a moment before), and
    # earlier than any write of this process; another process's newer file is locked
    cutoff = _IMPORTED_AT if older_than is None else older_than
    pattern = temporary_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if _remove_if_unlocked(entry.path):
                removed.append(directory / entry.name)
        except OSError:
            continue
    return sorted(removed)


def _remove_if_unlocked(name: str) -> bool:
    """Unlink ``name`` unless another process holds a lock on it (a live writer)."""
    if fcntl is None:  # pragma: no cover - Windows
        os.unlink(name)
        return True
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer
        except OSError:
            pass  # locks unsupported here: the age alone decides
        os.unlink(name)
        return True
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    """The permission bits the file would get from ``open``: the old file's, else 0o666 & ~umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
