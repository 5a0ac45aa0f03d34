"""Which sealed bytes each account's retention policy holds, recorded in the key store.

A policy's MAC (``vault.seal``) binds its name and content, not its age: a sealed copy of an
older policy put back from a backup of the object store verified, and a policy deleted read
as none (each recording's own window then applies), so the sweep deleted by either (session-55
review). The key store, which whoever writes the object store cannot write (``seal/`` lives
there), therefore holds ``seal/policy-digests/<account>/sha256.json``: the SHA-256 of the sealed
bytes the last save wrote, in a folder of the account's own, so reclaiming what a killed save left
(every call does) lists that folder, not every account's record (session 56: 10,000 records a
call). A record kept under its older name (``seal/policies/<account>.json``: before session 56,
or saved since by a worker not upgraded yet) is merged into the account's record whenever that
is read (until the session-56 review, only when the new one was missing: the policy an older
worker saved after the move was refused) and kept, an older worker's to read: a save writes its
record there too. Only ``move_older_records`` (``keys migrate``, once every worker is upgraded)
removes them (until the session-58 review a read removed it, and an older worker's save landing
between the read and the removal was lost: its policy refused), and marks the key store
(``MOVED``; a new vault at once): from then on a read skips the older name (until then each
stored call read it, one key-store read more), and only the next ``move_older_records`` merges one.
A policy with a record is refused when its object is gone or holds other bytes; one without
(written before records, or by no save yet) is judged by its MAC alone.
A record's ``previous`` digests are those a save in progress (or killed) replaces, ``null``
for no policy object at all (an account's first save).

Crashes: a save records the new digest, beside every digest the record accepted before,
BEFORE it writes the object, and the new digest alone after. Killed in between, the object
holds the old bytes or the new ones and both are accepted, so no read refuses a policy a save
wrote; the older copies stay accepted only until the next save ends or the next call whose policy is
unchanged settles the record (``settle``). Recording after the object
instead would refuse the new policy after a crash (its record still the old one). A record
never lets through bytes their MAC refuses: both are checked. Each record write is a
compare-and-swap, so two saves racing do not drop each other's digest. So is the object's write
(``RegionVault._update_policy``): a save whose object write would land over a later save's loses
it (ObjectChangedError or ObjectExistsError through ``saving``), puts the record back as it found
it when nobody changed it since (its bytes were never written) and reads the policy again (until
session 56 its write landed and its policy was refused until ``retention set`` ran again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError, PolicyTamperedError
from vault.stores.base import ObjectStore, get_bytes, versioned, write_versioned

#: Where the records live in the key store, one folder per account.
PREFIX = "seal/policy-digests/"
#: Where they lived before session 56, side by side.
OLDER_PREFIX = "seal/policies/"
#: Written once every record under its older name was moved (``keys migrate``; a new vault at once):
#: from then on a read skips the older name.
MOVED = "seal/policy-records-moved.json"
#: Compare-and-swap attempts of one record write before giving up.
_TRIES = 8


class PolicyDigests:
    """The record of each account's policy bytes in one region's key store."""

    def __init__(self, key_store: ObjectStore):
        self._key_store = key_store
        #: Whether ``MOVED`` is written: read once (a process started before ``keys migrate``
        #: reads the older names until it restarts, as before the mark).
        self._moved: bool | None = None

    def check(self, account_id: str, data: bytes | None) -> tuple[bytes, str] | None:
        """PolicyTamperedError when the account's policy has a record and ``data`` (the object's
        bytes, None when it is gone) is not bytes it accepts; else the record and its version as
        read (None: no record), for ``settle``."""
        stored = self._read(account_id)[:2]
        if stored[0] is None:
            return None
        if _digest(data) not in _accepted(stored[0]):
            raise PolicyTamperedError(f"retention policy of account {account_id} is not the one last written "
                                      "(deleted, or an older copy put back)")
        return stored[0], stored[1]

    @contextmanager
    def saving(self, account_id: str, data: bytes, current: Callable[[], bytes | None]) -> Iterator[None]:
        """Around the write of ``data`` as the account's policy (see the module docstring).
        ``current()`` gives the object's bytes now, asked only when there is no record yet."""
        name, new = _name(account_id), hashlib.sha256(data).hexdigest()
        for _ in range(_TRIES):
            stored, version, kept = self._read(account_id)
            if stored is None:
                before = [_digest(current())]
            else:
                try:
                    before = _accepted(stored)
                except PolicyTamperedError:  # written over: a save is how a policy is mended
                    before = []
            begun = _encode(new, [d for d in before if d != new])
            try:
                write_versioned(self._key_store, name, begun, version)
                if kept is not None:  # read by older workers: they take this save too (and merged back, it leads)
                    self._key_store.replace_if(_older_name(account_id), begun, kept)
                break
            except (ObjectExistsError, ObjectChangedError):
                continue  # an older worker's save meanwhile: merged in on the next attempt
        else:
            raise ObjectChangedError(f"{name}: changed by other writers {_TRIES} times; try again")
        names = [name] if kept is None else [name, _older_name(account_id)]
        try:
            yield
        except (ObjectChangedError, ObjectExistsError):  # the object's compare-and-swap lost: not written
            if before:
                for each in names:
                    self._replace(each, begun, _encode(before[0], before[1:]))
            raise
        for each in names:
            self._replace(each, begun, _encode(new, []))

    def _replace(self, name: str, begun: bytes, data: bytes) -> None:
        """Write ``data`` as ``name`` when it still holds ``begun`` (else another save's record
        since: it names this one's digest among those it accepts, or put it back)."""
        with contextlib.suppress(ObjectMissingError, ObjectChangedError):
            stored, version = self._key_store.read_versioned(name)
            if stored == begun:
                self._key_store.replace_if(name, data, version)

    def settle(self, account_id: str, data: bytes | None, read: tuple[bytes, str] | None) -> None:
        """Narrow the account's record to its newest digest when the object holds those bytes
        (``data``) and the record still accepts others: a save killed after its object write,
        before it narrowed the record, left the bytes it replaced accepted, and a policy that
        stays unchanged brings no later save (session-55 review). A save in progress has not
        written its bytes yet, so it is never narrowed under it; a record changed meanwhile is
        another save's, left to it. ``read`` is the record as ``check`` read it for ``data`` (each
        stored call checks its policy and settles it: one read of the record, not two)."""
        name = _name(account_id)
        try:
            if read is None:
                return
            stored, version = read
            accepted = _accepted(stored)
        except PolicyTamperedError:
            return
        if len(accepted) > 1 and data is not None and accepted[0] == _digest(data):
            with contextlib.suppress(ObjectChangedError, ObjectMissingError):
                self._key_store.replace_if(name, _encode(accepted[0], []), version)

    def discard_partial(self, account_id: str) -> None:
        """Reclaim what a save of the account's record killed mid-write left beside it (a live
        writer's file is locked and left: ``ObjectStore.discard_partial``)."""
        self._key_store.discard_partial(_name(account_id))

    def record_if_missing(self, account_id: str, data: bytes) -> None:
        """Record ``data`` as the account's policy when nothing is recorded (a policy sealed before
        records, by a migration: taken as it is)."""
        if self._read(account_id)[0] is None:
            with contextlib.suppress(ObjectExistsError):
                self._key_store.create(_name(account_id), _encode(hashlib.sha256(data).hexdigest(), []))

    def move_older_records(self) -> int:
        """Move every record kept under its older name to its account's folder, merged into the
        record there when there is one (``keys migrate``), and reclaim what killed saves left
        beside them; returns how many were moved."""
        moved = 0
        for name in list(self._key_store.names(OLDER_PREFIX)):
            account_id = name.removeprefix(OLDER_PREFIX).removesuffix(".json")
            if "/" in account_id or name != _older_name(account_id):
                continue
            self._read(account_id, older=True)
            self._key_store.delete(name)  # racing an older worker's save: hence after every worker is upgraded
            moved += 1
        self._key_store.discard_partial(OLDER_PREFIX)
        self.mark_moved()
        return moved

    def mark_moved(self) -> None:
        """Record that no record is kept under its older name (every one moved, or a new vault):
        from now on a read skips it (one key-store read less per stored call)."""
        with contextlib.suppress(ObjectExistsError):
            self._key_store.create(MOVED, json.dumps({"at": datetime.now(UTC).isoformat()}).encode("utf-8"))
        self._moved = True

    def _older_moved(self) -> bool:
        if self._moved is None:
            try:
                get_bytes(self._key_store, MOVED)
                self._moved = True
            except ObjectMissingError:
                self._moved = False
        return self._moved

    def _read(self, account_id: str, *, older: bool = False) -> tuple[bytes | None, str | None, str | None]:
        """The account's record and its version (``read_versioned``; Nones when it has none), and
        the version of the one kept under its older name (None: none). That one (before session 56,
        or written since by a worker not upgraded yet) is merged into the new one (a
        compare-and-swap: created when it is missing) and left: a removal here dropped an older
        worker's save landing between the read and the removal (session-58 review), and merged
        again it writes nothing (its newest digest accepted). Only ``move_older_records`` removes
        it. Until it has (``MOVED``; ``older``: read it all the same), each read reads both names
        (the older one's miss: one key-store read more)."""
        name = _name(account_id)
        if not older and self._older_moved():
            return *versioned(self._key_store, name), None
        for _ in range(_TRIES):
            kept, kept_version = versioned(self._key_store, _older_name(account_id))
            stored, version = versioned(self._key_store, name)
            if kept is None:
                return stored, version, None
            merged = kept if stored is None else _merged(kept, stored)
            if merged == stored:
                return stored, version, kept_version
            try:
                write_versioned(self._key_store, name, merged, version)
            except (ObjectExistsError, ObjectChangedError):
                continue  # another reader or a save changed it meanwhile: merged into what it wrote
            return *self._key_store.read_versioned(name), kept_version
        raise ObjectChangedError(f"{name}: changed by other writers {_TRIES} times; try again")


def _merged(kept: bytes, stored: bytes) -> bytes:
    """The record under the new name with the one under the older name (``kept``) merged in.
    A newest digest of ``kept`` that ``stored`` does not accept is a save since the move by a
    worker not upgraded yet (a save of this version merges first): it leads, ``stored``'s
    digests follow (accepted until the next save or ``settle`` narrows them). One it accepts
    (merged before, or a new worker's save written there too): ``stored`` stands. An unreadable one gives way to the
    other (a save is how a record is mended)."""
    try:
        older = _accepted(kept)
    except PolicyTamperedError:
        return stored
    try:
        accepted = _accepted(stored)
    except PolicyTamperedError:
        return kept
    if older[0] in accepted:
        return stored
    return _encode(older[0], list(dict.fromkeys(d for d in [*older[1:], *accepted] if d != older[0])))


def _name(account_id: str) -> str:
    return f"{PREFIX}{account_id}/sha256.json"


def _older_name(account_id: str) -> str:
    return f"{OLDER_PREFIX}{account_id}.json"


def _digest(data: bytes | None) -> str | None:
    """The SHA-256 of a policy's bytes; None stands for no policy object."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def _encode(digest: str, previous: list[str | None]) -> bytes:
    return json.dumps({"sha256": digest, "previous": previous}, sort_keys=True).encode("utf-8")


def _accepted(data: bytes) -> list[str | None]:
    try:
        record = json.loads(data)
        return [record["sha256"], *record["previous"]]
    except (ValueError, KeyError, TypeError):
        raise PolicyTamperedError("retention policy record is unreadable") from None
