"""Which recordings were deleted, recorded in the key store, against older index entries put back.

An index entry's MAC (``vault.seal``) binds its fields, not its age: the sealed entry of a live
recording put back from a backup of the object store after the recording's deletion verified,
and the recording read as not deleted (listed, its entry's fields served, counted by retention)
though nothing of it decrypts (session 56; the hole policies had, ``vault.policy_digests``). The
key store, which whoever writes the object store cannot write, therefore holds
``seal/deleted/<rid>.json`` for each deleted recording: its tombstone (when, by whom, why; no
content), written create-only BEFORE the deletion destroys anything and never changed, so a
deletion killed at any step leaves the recording whole or deleted, and a second deletion keeps
the first one's tombstone. A recording id is never live again after its deletion (a redelivery
finds the tombstone), so a record never goes stale. ``RegionVault`` reads a live entry whose
recording has a record as deleted, with the record's tombstone, and writes that tombstone back
into the entry at the next deletion or reclaim.

Costs: one create per deletion; one key-store read per live entry read by id (a call's first
write finds no entry and reads nothing more); a listing lists the records once beside the index
(in name order, merged: no read per entry, nothing held). Recordings deleted before records get
theirs from ``callrec keys migrate`` (until then an older copy of theirs reads as before).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from vault.errors import IndexCorruptError, ObjectExistsError, ObjectMissingError
from vault.index import Tombstone
from vault.stores.base import ObjectStore, get_bytes

#: Where the records live in the key store.
PREFIX = "seal/deleted/"


class DeletionRecords:
    """The record of each deleted recording in one region's key store."""

    def __init__(self, key_store: ObjectStore):
        self._key_store = key_store

    def record(self, recording_id: str, stone: Tombstone) -> Tombstone:
        """Record the deletion of ``recording_id`` as ``stone`` unless one is recorded; returns the
        recorded tombstone (an earlier deletion's, killed or not, stands)."""
        if self.created(recording_id, stone):
            return stone
        found = self.tombstone(recording_id)
        if found is None:  # removed meanwhile: only someone who can write the key store does that
            raise IndexCorruptError(f"deletion record of {recording_id} vanished while it was written")
        return found

    def created(self, recording_id: str, stone: Tombstone) -> bool:
        """Record ``stone`` if no deletion of ``recording_id`` is recorded; whether this call did
        (a migration counts those missing; nothing is read back)."""
        try:
            self._key_store.create(_name(recording_id), _encode(stone))
            return True
        except ObjectExistsError:
            return False

    def tombstone(self, recording_id: str) -> Tombstone | None:
        """The recorded tombstone of ``recording_id`` (None: not deleted, as far as records go)."""
        try:
            return _decode(get_bytes(self._key_store, _name(recording_id)), recording_id)
        except ObjectMissingError:
            return None

    def ids(self) -> Iterator[str]:
        """The recording ids with a record, sorted (as the index's names are)."""
        for name in self._key_store.names(PREFIX):
            yield name[len(PREFIX):].removesuffix(".json")


def _name(recording_id: str) -> str:
    return f"{PREFIX}{recording_id}.json"


def _encode(stone: Tombstone) -> bytes:
    return json.dumps({"deleted_at": stone.deleted_at.isoformat(), "deleted_by": stone.deleted_by,
                       "reason": stone.reason}, sort_keys=True).encode("utf-8")


def _decode(data: bytes, recording_id: str) -> Tombstone:
    try:
        body = json.loads(data)
        return Tombstone(datetime.fromisoformat(body["deleted_at"]), str(body["deleted_by"]), str(body["reason"]))
    except (ValueError, KeyError, TypeError):
        raise IndexCorruptError(f"deletion record of {recording_id} is unreadable") from None
