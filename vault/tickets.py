"""Which recordings one account's ticket has, without reading every index entry.

Deleting a ticket's recordings (``DELETE /v1/tickets/{t}/recordings``, ``callrec delete
--ticket``) had to read and verify every index entry of every region, for each request: on
S3 one GET per recording ever stored (the API asked it before answering, and the job again).
So a recording's first write also writes a marker, a small object in the key store holding
only when that write began and its ticket's tombstone as it stood then (``WorkBegan``;
create-only: a redelivery keeps the first delivery's)::

    tickets/<tag>/<rid>               tag: the keyed MAC of (account, ticket), 32 hex digits
    tickets/<tag>/deleted             the ticket's tombstone: when it was last deleted, and that
                                      deletion's random id

and a ticket's recordings are the markers under its tag, each entry read and verified
(``RegionVault.ticket_entries``). A marker is a hint, never trusted for access: a marker naming
another account's or ticket's recording, or a recording with no entry, yields nothing. A
recording a marker names whose entry does not verify (altered in the object store) is deleted
with the ticket (``RegionVault.ticket_unverifiable``): the full read left it out, so an edit of
its entry kept it from its ticket's deletion (session-49 review). The tag is
keyed (the index's MAC key) so the names tell nobody which ticket or account they are for,
or let them test a guess. Markers live in the key store beside the wrapped keys, not in the
object store: someone who may only write the object store cannot hide a recording from a
ticket's deletion by removing its marker. A deleted recording keeps its marker (a ticket's
deletion done again reclaims under the tombstones). A first write that never commits leaves
its own, naming no entry (a ticket's deletion tombstones its id); the retention sweep removes
it once its write began SETTLE_AFTER ago, longer than any job runs, and no data key of its id
is left in the key store (an entry hidden from the object store, or a write under way, keeps it:
``RegionVault.reclaim_markers``). A marker's name is the same for every delivery of a
recording, so a redelivery days later may be writing under it: the sweep reads the entry again
after removing a marker and a commit checks its marker is there, each writing it back (and
reading the ticket's tombstone again) when a commit came between; and a marker whose ticket
was deleted after its write began becomes the id's tombstone, not nothing. A delivery that finds
its call stored reads its marker again (``RegionVault.recheck_ticket``): a commit whose read of
the tombstone failed is deleted there when its ticket was deleted after its work began.

A ticket's deletion writes the ticket's tombstone (``bury``) before it lists the markers, and
tombstones every id they name that has no entry yet; a first write reads the tombstone when its
work begins and again after writing its marker, and does not commit when it changed meanwhile
(or since an earlier delivery's work began, as its marker says): it tombstones its own id
instead (``RegionVault.put``). The pipeline marks as a call's work begins (a delivery that
dies before its write leaves its beginning for the redelivery). Whether a deletion came after
the work began is told by the tombstone's random id changing, never by comparing times: the
deletion's clock (an operator's laptop, the API server) is not the worker's, and a deleter's
clock a minute ahead destroyed every call of the ticket begun in the next minute, one behind
let a write in flight commit.
So a recording being stored when its ticket is deleted never commits, and neither does any
redelivery of its job; a call on the ticket begun after the deletion is a new recording. The
tombstone is named by the keyed tag, in the key store: nobody without the MAC key can make one
for an account's ticket, and it stops writes of that ticket only.

The marker is written before the entry commits, so every committed entry has one. Entries
written before markers existed have none: until ``callrec keys migrate`` wrote theirs
(``RegionVault.migrate_tickets``, which then writes ``seal/tickets-all.json``) a ticket's
recordings are found by reading every entry, as before. A new vault writes that mark before
its first entry. Workers of an older version write no marker, and once the mark is written
nothing looks for entries without one: an entry an older version stores after it (a worker
not yet upgraded when the migration ran or when a new region took its first recording, a
rollback to an older version) is found by no ticket deletion until the next retention sweep
(which writes the marker of every entry it reads that has none: ``mark_missing``) or
``callrec keys migrate`` runs again, which marks every entry. Upgrade every writer before the
migration, and migrate again after any rollback.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from vault.errors import ObjectExistsError, ObjectMissingError
from vault.seal import IndexSealer
from vault.stores.base import ObjectStore, get_bytes, put_bytes

#: Written (in the key store) once every entry of the region has its marker.
ALL_MARKED = "seal/tickets-all.json"
#: A ticket's tombstone, beside its markers (``tickets/<tag>/deleted``): when it was last deleted.
DELETED = "deleted"

_LABEL = b"callrec/v1 ticket"


@dataclass(frozen=True)
class WorkBegan:
    """When the work on a recording began (the worker's clock: the sweep ages a marker by it),
    and its ticket's last deletion as it stood then (the tombstone's random id; None: never
    deleted). A deletion since is one whose tombstone's id differs."""

    at: datetime
    deletion: str | None

    def deleted_since(self, deletion: str | None) -> bool:
        """Whether the ticket's tombstone now (``deletion``) tells of a deletion since."""
        return deletion != self.deletion

    def body(self) -> bytes:
        return json.dumps({"started_at": self.at.isoformat(), "deletion": self.deletion}).encode()


class TicketMarkers:
    """One region's ticket markers (in its key store), named with its index sealer's key."""

    def __init__(self, key_store: ObjectStore, sealer: IndexSealer):
        self._key_store = key_store
        self._sealer = sealer

    def began(self, account_id: str, ticket_id: str, at: datetime) -> WorkBegan:
        """The work on a recording of the account's ticket begins ``at``: the ticket's tombstone
        as it stands now, for ``RegionVault.put`` to tell a deletion since."""
        return WorkBegan(at, self.deletion(account_id, ticket_id))

    def mark(self, account_id: str, ticket_id: str, recording_id: str,
             began: WorkBegan | None = None) -> WorkBegan | None:
        """Record that ``recording_id`` is of the account's ticket (create-only: a marker there
        stays as it is); ``began``: when the write marking it began, kept in the marker.
        Returns what the marker there already held (an earlier delivery's, killed before its
        commit, or one racing this); None when this wrote it, it holds no ``WorkBegan`` (a
        marker written empty: by an older version, ``mark_missing`` or ``callrec keys
        migrate``), or the sweep removed it since (``began_of``)."""
        if self.restore(account_id, ticket_id, recording_id, began):
            return None
        return self.began_of(account_id, ticket_id, recording_id)

    def restore(self, account_id: str, ticket_id: str, recording_id: str, began: WorkBegan | None) -> bool:
        """Write the marker unless it is there (create-only; ``began`` as ``mark``); True
        when it was missing (after a commit: removed by ``reclaim_markers`` under the write)."""
        name = f"{self._prefix(account_id, ticket_id, create=True)}{recording_id}"
        body = b"" if began is None else began.body()
        try:
            self._key_store.create(name, body)
            return True
        except ObjectExistsError:
            return False

    def unconfirmed(self, listed: set[str], indexed: set[str]) -> Iterator[tuple[str, str]]:
        """(marker name, recording id) of each marker among ``listed`` naming no id of ``indexed``."""
        for name in sorted(listed):
            rid = name.rpartition("/")[2]
            if name.count("/") == 2 and rid != DELETED and rid not in indexed:
                yield name, rid

    def written_at(self, name: str) -> tuple[WorkBegan | None, datetime | None]:
        """A marker's (began, seen_at): when its write began (``mark``), and when a sweep first
        saw a marker that holds no such time (written empty); None for what it does not hold."""
        data = get_bytes(self._key_store, name)
        return _began_in(data), _time_in(data, "seen_at")

    def note_seen(self, name: str, seen_at: datetime) -> None:
        """Note in a marker holding no time when a sweep first saw it (its age from then on)."""
        put_bytes(self._key_store, name, json.dumps({"seen_at": seen_at.isoformat()}).encode())

    def put_back(self, name: str, began: WorkBegan | None, seen_at: datetime | None) -> None:
        """Write a removed marker back as ``written_at`` read it (create-only: a writer's own stays)."""
        body = began.body() if began is not None else json.dumps({"seen_at": seen_at.isoformat()}).encode()
        with contextlib.suppress(ObjectExistsError):
            self._key_store.create(name, body)

    def buried_beside(self, name: str) -> str | None:
        """The last deletion of the ticket of the marker ``name`` (``deletion``: its tombstone sits
        beside it)."""
        return self._deletion_in(f"{name.rpartition('/')[0]}/{DELETED}")

    def remove(self, name: str) -> None:
        self._key_store.delete(name)

    def bury(self, account_id: str, ticket_id: str, deleted_at: datetime) -> str:
        """Record that the account's ticket was deleted (at ``deleted_at``, for people to read:
        nothing compares it), under a random id every deletion draws anew; returns that id. A
        first write of one of its recordings whose work began before it never commits
        (``RegionVault.put``). The region's index key is made when it has none yet: its very first
        write may be under way (it read no tombstone as it began; until session 51 none was
        written, and that write committed)."""
        prefix = self._prefix(account_id, ticket_id, create=True)
        deletion = uuid.uuid4().hex
        put_bytes(self._key_store, f"{prefix}{DELETED}",
                  json.dumps({"deleted_at": deleted_at.isoformat(), "deletion": deletion}).encode())
        return deletion

    def began_of(self, account_id: str, ticket_id: str, recording_id: str) -> WorkBegan | None:
        """What the recording's marker holds (``mark``); None when it holds nothing, or is gone."""
        prefix = self._prefix(account_id, ticket_id)
        try:
            return None if prefix is None else self.written_at(f"{prefix}{recording_id}")[0]
        except ObjectMissingError:
            return None

    def deletion(self, account_id: str, ticket_id: str) -> str | None:
        """The id of the account's ticket's last deletion (``bury``), or None: never deleted."""
        prefix = self._prefix(account_id, ticket_id)
        return None if prefix is None else self._deletion_in(f"{prefix}{DELETED}")

    def _deletion_in(self, name: str) -> str | None:
        try:
            data = json.loads(get_bytes(self._key_store, name))
        except ObjectMissingError:
            return None
        except ValueError:  # (UnicodeDecodeError too) altered: a deletion all the same
            return name
        deletion = data.get("deletion") if isinstance(data, dict) else None
        return deletion if isinstance(deletion, str) else name

    def listed(self) -> set[str]:
        """Every marker's name, in one listing (``mark_missing``)."""
        return set(self._key_store.names("tickets/"))

    def mark_missing(self, account_id: str, ticket_id: str, recording_id: str, listed: set[str]) -> bool:
        """Write the marker of an entry when it is not among ``listed`` (``listed()``); True when
        written. The retention sweep does this for every entry it reads, so an entry an older
        version stored after the markers' complete mark is found again by the next sweep."""
        name = f"{self._prefix(account_id, ticket_id, create=True)}{recording_id}"
        return name not in listed and self.restore(account_id, ticket_id, recording_id, None)

    def recording_ids(self, account_id: str, ticket_id: str) -> Iterator[str]:
        """The ids the markers of the account's ticket name (unverified). While entries without
        a marker may exist (an older vault not yet migrated: not ``complete()``), not all."""
        prefix = self._prefix(account_id, ticket_id)
        if prefix is None:
            return iter(())  # no key yet: nothing was ever stored
        return (name[len(prefix):] for name in self._key_store.names(prefix)
                if "/" not in name[len(prefix):] and name[len(prefix):] != DELETED)

    def complete(self) -> bool:
        """Whether every entry of the region has its marker."""
        try:
            get_bytes(self._key_store, ALL_MARKED)
            return True
        except ObjectMissingError:
            return False

    def finish(self) -> None:
        """Record that every entry has its marker: from now on the markers are asked alone."""
        with contextlib.suppress(ObjectExistsError):
            self._key_store.create(ALL_MARKED, json.dumps({"at": datetime.now(UTC).isoformat()}).encode())

    def discard_partial(self, account_id: str, ticket_id: str, recording_id: str) -> int:
        """Remove what a writer killed inside the write of ``recording_id``'s marker left beside it
        (a local store's temporary file; a live writer's is locked and kept); returns how many."""
        prefix = self._prefix(account_id, ticket_id)
        return 0 if prefix is None else self._key_store.discard_partial(f"{prefix}{recording_id}")

    def _prefix(self, account_id: str, ticket_id: str, *, create: bool = False) -> str | None:
        tag = self._sealer.name_tag(_LABEL, json.dumps([account_id, ticket_id]).encode("utf-8"), create=create)
        return None if tag is None else f"tickets/{tag}/"


def _time_in(data: bytes, field: str) -> datetime | None:
    """The time ``field`` of a marker, None when it holds none (empty, not this version's, or a
    time without its zone, which no time of ours can be compared with)."""
    return _zoned(_fields(data).get(field))


def _began_in(data: bytes) -> WorkBegan | None:
    """The ``WorkBegan`` a marker holds (``mark``), None when it holds none."""
    fields = _fields(data)
    at, deletion = _zoned(fields.get("started_at")), fields.get("deletion", 0)
    return WorkBegan(at, deletion) if at is not None and (deletion is None or isinstance(deletion, str)) else None


def _fields(data: bytes) -> dict:
    """A marker's JSON object, read once; empty when it holds none (empty, altered)."""
    try:
        fields = json.loads(data)
    except ValueError:  # (UnicodeDecodeError is a ValueError)
        return {}
    return fields if isinstance(fields, dict) else {}


def _zoned(value: object) -> datetime | None:
    """``value`` as an ISO time with its zone; None for anything else."""
    try:
        at = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None
    return at if at.tzinfo is not None else None
