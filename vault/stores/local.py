"""The local object store: the embedded default, one directory per region.

Writes go to a temporary file beside the target, are fsynced and renamed into place (and
the directory fsynced), so a crash or an error mid-write leaves no partial object. A delete
renames the file aside, overwrites it with zeros and fsyncs before unlinking it.

A writer holds an exclusive ``flock`` on its temporary file until the file's name is gone
(renamed, or unlinked after ``create``'s hard link), and the kernel drops it when the writer
dies. So ``discard_partial`` tells a killed writer's file (unlocked: reclaimed) from a live
one (locked: left alone), and never zeroes a file with a second name: between ``create``'s
link and its cleanup, the temporary name is the object itself. A file is created before it
is locked, so a writer that finds its file reclaimed in that moment starts again.

``replace_if`` (compare-and-swap) holds an exclusive ``flock`` on the object's directory
while it compares the object's SHA-256 with the version read and renames the new one in;
the kernel drops the lock when its holder dies, so a killed writer blocks nobody.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from callrec.errors import shown
from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError, StoreError, VaultInputError
from vault.files import fsync_dir, shred, zero
from vault.regions import check_region

_TMP_MARK = ".tmp-"


class LocalStore:
    """Objects as files under ``root`` (the region's own directory)."""

    def __init__(self, root: Path, region: str):
        self.region = check_region(region)
        self.root = Path(root)

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        with self._staged(name, create_only=False) as out:
            yield out

    def create(self, name: str, data: bytes) -> None:
        """Written to a temporary file, then hard-linked into place: ``link`` fails when the
        name exists, so of two writers exactly one wins, and the object appears whole."""
        with self._staged(name, create_only=True) as out:
            out.write(data)

    @contextlib.contextmanager
    def _staged(self, name: str, *, create_only: bool) -> Iterator[BinaryIO]:
        """A locked temporary file beside the object, fsynced and renamed into place (or, when
        ``create_only``, hard-linked: ObjectExistsError when the name exists, the temporary name
        removed after). On any failure it is removed, and the lock goes last, once the
        temporary name is gone."""
        path = self._path(name)
        tmp, out = self._open_locked(path, name)
        try:
            yield out
            out.flush()
            os.fsync(out.fileno())
            if create_only:
                os.link(tmp, path)
            else:
                os.replace(tmp, path)  # fails when a reclaim took the file before we locked it
            fsync_dir(path.parent)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            _close_failed(out)
            if isinstance(exc, FileExistsError) and create_only:
                raise ObjectExistsError(f"{self.region} store has an object {name} already") from None
            if isinstance(exc, OSError):
                raise StoreError(f"local store {self.region}: cannot write {name} ({exc.strerror})") from exc
            raise
        if create_only:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        out.close()

    def read_versioned(self, name: str) -> tuple[bytes, str]:
        with self.reader(name) as src:
            data = src.read()
        return data, _version(data)

    def replace_if(self, name: str, data: bytes, version: str) -> None:
        """Under the directory's lock: the object's digest compared, then the usual
        fsynced rename (a crash leaves the old object or the new one)."""
        path = self._path(name)
        with self._directory_locked(path.parent, name):
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                current = None
            except OSError as exc:
                raise StoreError(f"local store {self.region}: cannot read {name} ({exc.strerror})") from exc
            if current is None or _version(current) != version:
                raise ObjectChangedError(f"{self.region} store: {name} changed since it was read")
            with self.writer(name) as out:
                out.write(data)

    @contextlib.contextmanager
    def _directory_locked(self, directory: Path, name: str) -> Iterator[None]:
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ObjectChangedError(f"{self.region} store: {name} changed since it was read") from None
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot lock {name} ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # drops the lock

    def _open_locked(self, path: Path, name: str) -> tuple[Path, BinaryIO]:
        """A new temporary file beside ``path``, locked for as long as it is open. It is
        created, then locked: a reclaimer in between (``discard_partial``) finds it unlocked
        and unlinks it as a killed writer's, so once locked it must still have its name, or
        the writer starts again under a new one (the reclaimer holds the lock until it has
        unlinked the file, and cannot take it after)."""
        for _ in range(_OPEN_ATTEMPTS):
            tmp = path.with_name(f".{path.name}{_TMP_MARK}{uuid.uuid4().hex}")
            try:
                tmp.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                out = open(tmp, "xb")
            except OSError as exc:
                raise StoreError(f"local store {self.region}: cannot write {name} ({exc.strerror})") from exc
            try:
                fcntl.flock(out.fileno(), fcntl.LOCK_EX)
                if _still_named(tmp, out):
                    return tmp, out
            except BaseException:
                out.close()
                tmp.unlink(missing_ok=True)
                raise
            out.close()  # reclaimed before it was locked: an unlinked file nobody can see
        raise StoreError(f"local store {self.region}: cannot write {name} (its temporary file was "
                         f"reclaimed {_OPEN_ATTEMPTS} times before it could be locked)")

    @contextlib.contextmanager
    def reader(self, name: str) -> Iterator[BinaryIO]:
        try:
            src = open(self._path(name), "rb")
        except FileNotFoundError:
            raise ObjectMissingError(f"{self.region} store has no object {name}") from None
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot read {name} ({exc.strerror})") from exc
        with src:
            yield src

    def read_range(self, name: str, start: int, length: int) -> tuple[bytes, int]:
        with self.reader(name) as src:
            try:
                size = os.fstat(src.fileno()).st_size
                src.seek(start)
                return src.read(max(0, length)), size
            except OSError as exc:
                raise StoreError(f"local store {self.region}: cannot read {name} ({exc.strerror})") from exc

    def delete(self, name: str) -> None:
        """Shredded under its directory's lock, as ``replace_if`` compares and renames: a
        deletion between its compare and its rename would be undone by the rename (a re-wrap
        bringing back the wrapped key of a generation a re-redaction or deletion destroyed)."""
        path = self._path(name)
        try:
            with self._directory_locked(path.parent, name):
                _shred_aside(path)
        except ObjectChangedError:
            return  # no directory: nothing to delete
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot delete {name} ({exc.strerror})") from exc

    def names(self, prefix: str) -> Iterator[str]:
        """Walks only the directory the prefix names up to its last ``/`` (``keys/<rid>/``):
        a deletion lists its recording's few files, never every recording's and the audit
        trail's, so its cost does not grow with the vault."""
        found: list[str] = []
        parent = prefix.rpartition("/")[0]
        top = self._path(parent) if parent else self.root
        if top.is_dir():
            for dirpath, _dirs, files in os.walk(top):
                rel = Path(dirpath).relative_to(self.root)
                for file in files:
                    if _TMP_MARK in file:
                        continue
                    name = (rel / file).as_posix() if rel.parts else file
                    if name.startswith(prefix):
                        found.append(name)
        yield from sorted(found)

    def discard_partial(self, prefix: str) -> int:
        """A killed writer's ``.<name>.tmp-<id>`` files (ciphertext only) beside their target."""
        parent, _, start = prefix.rpartition("/")
        directory = self._path(parent) if parent else self.root
        try:
            candidates = [p for p in directory.iterdir()
                          if p.name.startswith("." + start) and _TMP_MARK in p.name and p.is_file()]
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot list {parent or '.'} ({exc.strerror})") from exc
        removed = 0
        for path in candidates:
            try:
                removed += _reclaim(path)
            except OSError as exc:
                raise StoreError(f"local store {self.region}: cannot delete a partial write ({exc.strerror})") from exc
        if removed:
            fsync_dir(directory)
        return removed

    def _path(self, name: str) -> Path:
        parts = name.split("/")
        if not name or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise VaultInputError(f"object name {shown(name)} is not a plain relative path")
        return self.root.joinpath(*parts)


_OPEN_ATTEMPTS = 5


def _still_named(tmp: Path, out: BinaryIO) -> bool:
    """True if ``tmp`` still names the file open as ``out``."""
    try:
        named = os.stat(tmp, follow_symlinks=False)
    except FileNotFoundError:
        return False
    info = os.fstat(out.fileno())
    return (named.st_dev, named.st_ino) == (info.st_dev, info.st_ino)


def _version(data: bytes) -> str:
    """A version token of an object: its content's SHA-256 (equal bytes are the same version)."""
    return hashlib.sha256(data).hexdigest()


def _reclaim(path: Path) -> bool:
    """Remove a killed writer's temporary file; True if done. A file still locked (its
    writer lives) is left alone; one with a second name (an object) is unlinked, not zeroed."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, IsADirectoryError):
        return False
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink: no writer of ours made it
            return False
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer
        info = os.fstat(fd)
        try:
            named = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            return False  # its writer finished meanwhile
        if not stat.S_ISREG(info.st_mode) or (named.st_dev, named.st_ino) != (info.st_dev, info.st_ino):
            return False
        if info.st_nlink == 1:  # only this name: ciphertext nobody will read, zeroed
            zero(fd, info.st_size)
        os.unlink(path)
        return True
    finally:
        os.close(fd)


def _shred_aside(path: Path) -> None:
    """Take the object at ``path`` aside (renamed to a temporary name, as a writer's), then zero,
    fsync and unlink it there; nothing when there is none. What is zeroed is what is removed: a
    writer renaming a new object in meanwhile (``writer`` takes no directory lock) keeps it (until
    session 58 the name was unlinked after the zeroing, and a new object's with it, unzeroed). A
    deleter killed part way leaves a temporary file ``discard_partial`` reclaims, zeroed."""
    aside = path.with_name(f".{path.name}{_TMP_MARK}{uuid.uuid4().hex}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    shred(aside)  # gone meanwhile (reclaimed, zeroed): nothing


def _close_failed(out: BinaryIO) -> None:
    """Close a file whose write failed: its buffered tail (a full disk refuses it again) is
    dropped, so the failure that is being raised, naming the store and object, stays the one
    raised (closing it plainly raised a bare OSError in its place). A buffered file is closed
    (its descriptor, and so its lock, released) even when its flush fails."""
    with contextlib.suppress(OSError):
        out.close()

