"""Opening local input files safely: regular files only, inside allowed roots, never blocking.

``open_confined(path, roots)`` resolves ``path`` (symlinks included) and refuses it unless its
real path lies inside one of ``roots``; refuses anything but a regular file before opening it
(a device is never opened, a FIFO never waited on); opens it with O_NONBLOCK and O_NOFOLLOW
and checks the opened descriptor again (type, and that the file it holds is the one at a
path inside the roots), so a path swapped between the check and the open gains nothing.
Roots may name the service's own state (the data dir's state directories, the key store), which
is never read as a source even inside a root, and an owner (worker.calls.owners): a file in the
inbox is read only when it is the call's own (and its only name). ``read_limited`` reads a bounded number of bytes.
Errors are ``SourceError`` (bad input) naming the path, or ``ResourceError`` (transient) when
file handles or memory ran out.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from callrec.errors import heading
from audio.decode import file_kind
from worker.errors import SourceError, resource_error
from worker.calls.owners import Owner
from worker.settings import root_items

if TYPE_CHECKING:
    from worker.calls.manifest import Location

_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC

#: Why a file outside the roots is refused.
OUTSIDE = ("outside the directories sources may be read from (the manifest's directory, or "
           "CALLREC_SOURCE_ROOTS); symlinks out of them are not followed")


@dataclass(frozen=True)
class Roots:
    """Where files may be: local directories (real paths) and remote ``(scheme, bucket,
    prefix)`` roots."""

    dirs: tuple[Path, ...] = ()
    remote: tuple[tuple[str, str, str], ...] = ()
    #: The service's own state, never a source even inside a root: ``(setting, real path)``.
    state: tuple[tuple[str, Path], ...] = ()
    #: Whose files those in the inbox must be (None: anyone's).
    owner: Owner | None = None

    @classmethod
    def parse(cls, text: str, setting: str) -> Roots:
        """Comma-separated absolute directories and ``scheme://bucket/prefix`` roots."""
        dirs, remote = [], []
        for item in root_items(text, setting):
            if "://" in item:
                scheme, _, rest = item.partition("://")
                bucket, _, prefix = rest.partition("/")
                remote.append((scheme, bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/"))
            else:
                dirs.append(Path(os.path.realpath(item)))
        return cls(tuple(dirs), tuple(remote))

    def __bool__(self) -> bool:
        return bool(self.dirs or self.remote)

    def holds_path(self, real: Path) -> bool:
        return self.refusal(real) is None

    def refusal(self, real: Path) -> str | None:
        """Why the real path ``real`` may not be read (None: it may): outside the roots, one
        of them (a directory: ``file:.`` names the manifest's own), the service's state, or
        in the inbox and not the call's."""
        setting = self._state_holding(real)
        if setting is not None:
            return f"inside the service's own state ({setting}), never a call's source"
        if not any(real != root and real.is_relative_to(root) for root in self.dirs):
            return "not a regular file (a directory)" if real in self.dirs else OUTSIDE
        return None if self.owner is None else self.owner.refusal(real)

    def remote_refusal(self, location: Location) -> str | None:
        """Why the remote ``location`` may not be read (None: it may): outside the remote roots,
        or in the inbox and not the call's."""
        if not self.holds(location):
            return OUTSIDE
        return None if self.owner is None else self.owner.key_refusal(
            location.uri.partition("://")[0], location.bucket, location.key)

    def without_state(self, state: tuple[tuple[str, Path], ...]) -> Roots:
        """These roots, never reaching into ``state`` (``(setting, directory)`` pairs)."""
        return replace(self, state=tuple((setting, Path(os.path.realpath(d))) for setting, d in state))

    def _state_holding(self, real: Path) -> str | None:
        return next((setting for setting, directory in self.state if real.is_relative_to(directory)), None)

    def within(self, directory: Path | None) -> Roots:
        """These roots with their directories narrowed to ``directory`` (a real path; None: no
        directory at all), the remote roots as they are."""
        if directory is None:
            return replace(self, dirs=())
        dirs = [root if root.is_relative_to(directory) else directory
                for root in self.dirs if root.is_relative_to(directory) or directory.is_relative_to(root)]
        return replace(self, dirs=tuple(dict.fromkeys(dirs)))

    def holds(self, location: Location) -> bool:
        """True when the remote ``location`` lies under one of the remote roots."""
        scheme = location.uri.partition("://")[0]
        return any(scheme == s and location.bucket == b and (location.key or "").startswith(p)
                   for s, b, p in self.remote)


def open_confined(path: Path, roots: Roots | None, what: str = "file") -> BinaryIO:
    """Open ``path`` for reading: a regular file whose real path lies inside ``roots`` (None:
    anywhere), opened without blocking and without following a final symlink, and checked
    again on the descriptor."""
    real = Path(os.path.realpath(path))
    refused = roots.refusal(real) if roots is not None else None
    if refused is not None:
        raise SourceError(f"{heading(path)}: {refused}")
    info = _stat(path, real, what)
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{heading(path)}: not a regular file ({file_kind(info.st_mode)})")
    try:
        fd = os.open(real, _READ_FLAGS)
    except OSError as exc:
        raise _open_error(path, exc, what) from exc
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise SourceError(f"{heading(path)}: not a regular file ({file_kind(opened.st_mode)})")
        if roots is not None:
            now = Path(os.path.realpath(path))  # the file the descriptor holds is still in a root
            if not roots.holds_path(now) or not same_file(_stat(path, now, what), opened):
                raise SourceError(f"{heading(path)}: changed while it was being opened")
            linked = roots.owner.link_refusal(now, opened.st_nlink) if roots.owner is not None else None
            if linked is not None:  # a hard link made after the check (worker.calls.owners)
                raise SourceError(f"{heading(path)}: {linked}")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def check_size(handle: BinaryIO, name: str, max_bytes: int, why: str = "") -> None:
    """Refuse an opened file larger than ``max_bytes`` (``why``: where that limit comes from)
    before reading it."""
    size = os.fstat(handle.fileno()).st_size
    if size > max_bytes:
        handle.close()
        raise SourceError(f"{heading(name)}: {size} bytes, more than the {max_bytes} allowed{_because(why)}")


def read_limited(handle: BinaryIO, name: str, max_bytes: int, why: str = "") -> bytes:
    """Read at most ``max_bytes`` (the file may have grown since its size was checked)."""
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SourceError(f"{heading(name)}: more than the {max_bytes} bytes allowed{_because(why)}")
    return data


def read_local(path: Path, max_bytes: int, why: str = "") -> bytes:
    """A local file given on the command line, read like a source (regular file, bounded)."""
    with open_confined(path, None) as handle:
        check_size(handle, str(path), max_bytes, why)
        return read_limited(handle, str(path), max_bytes, why)


def _because(why: str) -> str:
    return f" ({why})" if why else ""


def _stat(path: Path, real: Path, what: str) -> os.stat_result:
    try:
        return os.stat(real)
    except FileNotFoundError:
        raise SourceError(f"{heading(path)}: no such {what}") from None
    except OSError as exc:
        raise _open_error(path, exc, what) from exc


def _open_error(path: Path, exc: OSError, what: str) -> Exception:
    transient = resource_error(exc)
    if transient is not None:
        return transient
    if isinstance(exc, FileNotFoundError):
        return SourceError(f"{heading(path)}: no such {what}")
    return SourceError(f"{heading(path)}: cannot read ({exc.strerror})")


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
