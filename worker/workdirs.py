"""Private temp work dirs of jobs, and sweeping the ones that dead workers left behind.

Unredacted audio lives only in a job's work dir (``callrec-work-*`` in the system temp dir).
Each holds a lock file that its process keeps locked (``flock``) for as long as it works; the
kernel drops the lock when the process dies, however it dies (SIGKILL, OOM, a lost
container). ``sweep_stale`` removes every work dir whose lock it can take, so its owner is
gone, and a work dir with no lock file (its owner died between making it and locking it, or
while removing it, between its lock file and the dir) whose owner is gone: the owner's pid and
pid namespace are in the dir's name (``callrec-work-<pid>.<namespace>-...``); when that process
still runs, or its namespace is another (containers sharing a temp volume each number their
processes from 1: until session 58 a live worker's dir being set up in another container was
removed at once when its pid was no process here) or the name has none, after ``GRACE_S``. Queue
workers sweep when they start, every ``workdir_sweep_interval_s`` and once more when they stop
(``worker.queue.lifecycle``); each removal is logged and counted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from worker.errors import ResourceError

#: Name prefix of work dirs in the temp dir.
PREFIX = "callrec-work-"
#: The lock file inside each work dir, locked by its owner while it lives.
LOCK_NAME = ".owner.lock"
#: Seconds after which a work dir without a lock file counts as abandoned.
GRACE_S = 300.0


#: Where work dirs go when none of TMPDIR, TEMP and TMP is set: the first of these that works.
SYSTEM_TEMP_DIRS = ("/tmp", "/var/tmp", "/usr/tmp")


def settle_temp_dir() -> Path:
    """Choose the temp dir and fix it for this process and its forks: the first of TMPDIR,
    TEMP and TMP that is set, else the first usable of ``SYSTEM_TEMP_DIRS``. Unlike
    ``tempfile``, a temp dir that is set but cannot be used (full, read-only, missing) is an
    error (ResourceError: transient, the job is retried), never a reason to go elsewhere, and
    the current dir never holds work dirs: unredacted audio goes where the operator said
    (found by the session-46 audit: a full TMPDIR sent it to /tmp, then to the working dir).
    ``tempfile`` probes a candidate by creating a named file, writing and unlinking it: a
    worker SIGKILLed in between left that file in the temp dir for ever (found by the fault
    test). Here the probe is an unnamed file (``O_TMPFILE``), which a kill cannot leave
    behind; where the file system has no unnamed files, a named file as ``tempfile`` does."""
    if tempfile.tempdir is not None:
        return Path(tempfile.tempdir)
    named = next(((name, os.environ[name]) for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)), None)
    if named is not None:
        directory = os.path.abspath(named[1])
        problem = _unusable(directory)
        if problem is not None:
            raise ResourceError(f"{named[0]} {directory} cannot hold the work dirs ({problem}); "
                                "unredacted audio goes nowhere else")
        tempfile.tempdir = directory
        return Path(directory)
    problems = []
    for candidate in SYSTEM_TEMP_DIRS:
        problem = _unusable(candidate)
        if problem is None:
            tempfile.tempdir = candidate
            return Path(candidate)
        problems.append(f"{candidate}: {problem}")
    raise ResourceError(f"no usable temp dir for the work dirs ({'; '.join(problems)}); set TMPDIR")


def _unusable(directory: str) -> str | None:
    """Why no file can be written in ``directory`` (an errno's name), or None when one can."""
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return errno.errorcode.get(exc.errno or 0, "unusable")
        try:  # no unnamed files here: a named one, as tempfile probes
            fd, name = tempfile.mkstemp(dir=directory)
            os.unlink(name)
        except OSError as named_exc:
            return errno.errorcode.get(named_exc.errno or 0, "unusable")
    try:
        os.write(fd, b"blat")
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, "unusable")
    finally:
        os.close(fd)
    return None


@functools.cache
def _namespace() -> str | None:
    """This process's pid namespace and kernel boot, in hex (a pid names a process only there):
    the pid namespace's inode and the first 8 hex digits of the boot id; None when /proc does
    not say. A fork shares its parent's (a process entering another namespace forks into it)."""
    try:
        inode = os.stat("/proc/self/ns/pid").st_ino
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip().replace("-", "")
    except (OSError, ValueError):
        return None
    return f"{inode:x}{boot[:8]}" if boot[:8].isalnum() else None


@dataclass(frozen=True)
class Removed:
    """A stale work dir that was removed: its name and age (no content, no file names)."""

    name: str
    age_s: float


class WorkDir:
    """A new private dir (mode 0700) under ``parent`` (default: the system temp dir), locked
    by this process until ``close()``, which removes it. Also a context manager."""

    def __init__(self, parent: Path | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}.{_namespace() or 'unknown'}-", dir=parent))
        try:
            # Locked under another name first, then renamed: a sweep never finds the lock file
            # unlocked (it would take it and remove the dir being set up).
            self._fd: int | None = os.open(self.path / f"{LOCK_NAME}.new",
                                           os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            os.rename(self.path / f"{LOCK_NAME}.new", self.path / LOCK_NAME)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def close(self) -> None:
        """Remove the dir: its content first, the (still locked) lock file last, so a sweep
        never sees a live dir without its lock."""
        if self._fd is None:
            return
        try:
            for entry in os.scandir(self.path):
                if entry.name == LOCK_NAME:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path / LOCK_NAME)
            os.rmdir(self.path)
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def sweep_stale(parent: Path | None = None, now_s: float | None = None) -> list[Removed]:
    """Remove the work dirs under ``parent`` whose owner is dead; returns what was removed."""
    parent = Path(parent if parent is not None else tempfile.gettempdir())
    now_s = time.time() if now_s is None else now_s
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            age_s = now_s - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _abandoned(Path(entry.path), age_s):
            removed.append(Removed(entry.name, max(age_s, 0.0)))
    return removed


def sweep_logged(logger: logging.Logger) -> list[Removed]:
    """``sweep_stale`` of the temp dir, each removal logged on ``logger`` as
    ``stale_workdir_removed`` (its name and age: no content), as workers, ``serve`` and the
    one-shot commands that hold audio log them."""
    from worker.queue import logs  # (the JSON events' shape; nothing of the queue itself)

    removed = sweep_stale()
    for stale in removed:
        logs.event(logger, "stale_workdir_removed", logging.WARNING, workdir=stale.name, age_s=round(stale.age_s, 1))
    return removed


def _abandoned(path: Path, age_s: float) -> bool:
    """Remove ``path`` if its owner is dead (its lock can be taken); True if removed."""
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        if age_s < GRACE_S and _owner_may_live(path.name):  # being set up right now, most likely
            return False
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its owner is alive
        try:  # still this dir's lock file? (not one its owner just removed with the dir)
            current = os.stat(path / LOCK_NAME, follow_symlinks=False)
        except FileNotFoundError:
            return False
        locked = os.fstat(fd)
        if (current.st_dev, current.st_ino) != (locked.st_dev, locked.st_ino):
            return False
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()
    finally:
        os.close(fd)


def _owner_may_live(name: str) -> bool:
    """False when the pid in a work dir's name (``callrec-work-<pid>.<namespace>-...``) is no
    process here and the name's namespace is this process's; True when it is one, or the name
    has no pid or another namespace (or none: made before session 58), or ours is unknown."""
    owner, _, rest = name[len(PREFIX):].partition("-")
    pid_text, _, namespace = owner.partition(".")
    if not pid_text.isdigit() or not rest or _namespace() is None or namespace != _namespace():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
