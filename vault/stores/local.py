"""The local object store: the embedded default, one directory per region.

Writes go to a temporary file beside the target, are fsynced and renamed into place (and
the directory fsynced), so a crash or an error mid-write leaves no partial object. A delete
overwrites the file with zeros and fsyncs before unlinking it.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from vault.errors import ObjectExistsError, ObjectMissingError, StoreError, VaultInputError
from vault.files import fsync_dir, shred
from vault.regions import check_region

_TMP_MARK = ".tmp-"


class LocalStore:
    """Objects as files under ``root`` (the region's own directory)."""

    def __init__(self, root: Path, region: str):
        self.region = check_region(region)
        self.root = Path(root)

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        path = self._path(name)
        tmp = path.with_name(f".{path.name}{_TMP_MARK}{uuid.uuid4().hex}")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            out = open(tmp, "xb")
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot write {name} ({exc.strerror})") from exc
        try:
            with out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            fsync_dir(path.parent)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            if isinstance(exc, OSError):
                raise StoreError(f"local store {self.region}: cannot write {name} ({exc.strerror})") from exc
            raise

    def create(self, name: str, data: bytes) -> None:
        """Written to a temporary file, then hard-linked into place: ``link`` fails when the
        name exists, so of two writers exactly one wins, and the object appears whole."""
        path = self._path(name)
        tmp = path.with_name(f".{path.name}{_TMP_MARK}{uuid.uuid4().hex}")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(tmp, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)
            fsync_dir(path.parent)
        except FileExistsError:
            raise ObjectExistsError(f"{self.region} store has an object {name} already") from None
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot write {name} ({exc.strerror})") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

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

    def delete(self, name: str) -> None:
        try:
            shred(self._path(name))
        except OSError as exc:
            raise StoreError(f"local store {self.region}: cannot delete {name} ({exc.strerror})") from exc

    def names(self, prefix: str) -> Iterator[str]:
        found: list[str] = []
        if self.root.is_dir():
            for dirpath, _dirs, files in os.walk(self.root):
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
        for path in candidates:
            try:
                if path.stat().st_nlink > 1:  # create() linked it into place: the object's
                    path.unlink()             # other name, so unlink it and zero nothing
                else:
                    shred(path)
            except FileNotFoundError:
                continue  # its writer removed it meanwhile
            except OSError as exc:
                raise StoreError(f"local store {self.region}: cannot delete a partial write ({exc.strerror})") from exc
        return len(candidates)

    def _path(self, name: str) -> Path:
        parts = name.split("/")
        if not name or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise VaultInputError(f"object name {name!r} is not a plain relative path")
        return self.root.joinpath(*parts)
