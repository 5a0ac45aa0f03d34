"""Which recordings one account's ticket has, without reading every index entry.

Deleting a ticket's recordings (``DELETE /v1/tickets/{t}/recordings``, ``callrec delete
--ticket``) had to read and verify every index entry of every region, for each request: on
S3 one GET per recording ever stored (the API asked it before answering, and the job again).
So a recording's first write also writes a marker, an empty object in the key store::

    tickets/<tag>/<rid>               tag: the keyed MAC of (account, ticket), 32 hex digits

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
deletion done again reclaims under the tombstones), and a first write that never commits
leaves its own (it names no entry, so it finds nothing). The retention sweep's clean-up of
uncommitted writes leaves markers alone: a marker's name is the same for every delivery of a
recording, so one noted a day ago may be a live redelivery's, which would then commit without.

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
from collections.abc import Iterator
from datetime import UTC, datetime

from vault.errors import ObjectExistsError, ObjectMissingError
from vault.seal import IndexSealer
from vault.stores.base import ObjectStore, get_bytes, put_bytes

#: Written (in the key store) once every entry of the region has its marker.
ALL_MARKED = "seal/tickets-all.json"

_LABEL = b"callrec/v1 ticket"


class TicketMarkers:
    """One region's ticket markers (in its key store), named with its index sealer's key."""

    def __init__(self, key_store: ObjectStore, sealer: IndexSealer):
        self._key_store = key_store
        self._sealer = sealer

    def mark(self, account_id: str, ticket_id: str, recording_id: str) -> None:
        """Record that ``recording_id`` is of the account's ticket (idempotent)."""
        put_bytes(self._key_store, f"{self._prefix(account_id, ticket_id, create=True)}{recording_id}", b"")

    def listed(self) -> set[str]:
        """Every marker's name, in one listing (``mark_missing``)."""
        return set(self._key_store.names("tickets/"))

    def mark_missing(self, account_id: str, ticket_id: str, recording_id: str, listed: set[str]) -> bool:
        """Write the marker of an entry when it is not among ``listed`` (``listed()``); True when
        written. The retention sweep does this for every entry it reads, so an entry an older
        version stored after the markers' complete mark is found again by the next sweep."""
        name = f"{self._prefix(account_id, ticket_id, create=True)}{recording_id}"
        if name in listed:
            return False
        put_bytes(self._key_store, name, b"")
        return True

    def recording_ids(self, account_id: str, ticket_id: str) -> Iterator[str] | None:
        """The ids the markers of the account's ticket name (unverified); None while entries
        without a marker may exist (an older vault not yet migrated)."""
        if not self.complete():
            return None
        prefix = self._prefix(account_id, ticket_id)
        if prefix is None:
            return iter(())  # no key yet: nothing was ever stored
        return (name[len(prefix):] for name in self._key_store.names(prefix) if "/" not in name[len(prefix):])

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

    def _prefix(self, account_id: str, ticket_id: str, *, create: bool = False) -> str | None:
        tag = self._sealer.name_tag(_LABEL, json.dumps([account_id, ticket_id]).encode("utf-8"), create=create)
        return None if tag is None else f"tickets/{tag}/"
