"""The object-store protocol: named byte objects in one region, written atomically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import BinaryIO, Protocol

from vault.errors import ObjectMissingError


class ObjectStore(Protocol):
    """Objects named by ``/``-separated strings, all in one region."""

    #: The region this store serves; it never holds another region's objects.
    region: str

    def writer(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A file to write ``name`` into; the object appears, whole, only when the block
        exits without an error (otherwise nothing of it is left). Replaces an old one."""
        ...

    def create(self, name: str, data: bytes) -> None:
        """Write ``name`` only when it does not exist, atomically against any other writer
        (the commit point of a new recording); ObjectExistsError when it exists."""
        ...

    def read_versioned(self, name: str) -> tuple[bytes, str]:
        """A small object's bytes and an opaque token of this version of it (for
        ``replace_if``); ObjectMissingError when there is none."""
        ...

    def replace_if(self, name: str, data: bytes, version: str) -> None:
        """Overwrite ``name`` only when it still is the version ``read_versioned`` returned,
        atomically against any other ``replace_if`` (an index entry's update);
        ObjectChangedError when it changed or is gone."""
        ...

    def reader(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A file reading ``name``; ObjectMissingError when there is none."""
        ...

    def read_range(self, name: str, start: int, length: int) -> tuple[bytes, int]:
        """``length`` bytes of ``name`` from ``start`` (fewer past its end) and the object's
        size; ObjectMissingError when there is none."""
        ...

    def delete(self, name: str) -> None:
        """Remove ``name`` beyond recovery from the store (every version); no error when absent."""
        ...

    def names(self, prefix: str) -> Iterator[str]:
        """The names that start with ``prefix``, sorted."""
        ...

    def discard_partial(self, prefix: str) -> int:
        """Remove what writers killed mid-write left for names starting with ``prefix``
        (never listed, never readable); returns how many. A live write caught by it fails
        (transient) instead of committing."""
        ...


def put_bytes(store: ObjectStore, name: str, data: bytes) -> None:
    """Write a small object in one go."""
    with store.writer(name) as out:
        out.write(data)


def get_bytes(store: ObjectStore, name: str) -> bytes:
    """Read a small object in one go."""
    with store.reader(name) as src:
        return src.read()


def versioned(store: ObjectStore, name: str) -> tuple[bytes | None, str | None]:
    """A small object's bytes and version token (``read_versioned``); Nones when there is none."""
    try:
        return store.read_versioned(name)
    except ObjectMissingError:
        return None, None


def write_versioned(store: ObjectStore, name: str, data: bytes, version: str | None) -> None:
    """Write a small object over the version of it read (``read_versioned``'s token; None: there
    was none, and it is created): ObjectChangedError or ObjectExistsError when another write
    landed since (a compare-and-swap lost)."""
    if version is None:
        store.create(name, data)
    else:
        store.replace_if(name, data, version)
