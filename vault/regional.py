"""One region's vault: its object store, key store and key provider, nothing of another region.

Layout (``<rid>`` a recording id, ``<g>`` a generation number, ``<tag>`` random per write, so
two writers racing on one recording never mix a ciphertext with another write's key)::

    object store:
    index/<rid>.json                  IndexEntry, unencrypted (ids, dates, versions)
    data/<rid>/<kind>.<g>-<tag>.enc   Tink streaming ciphertext of one artifact
    accounts/<account>/policy.json    retention policy
    audit/<date>/<stamp>.json         audit events
    key store (another location, never backed up):
    keys/<rid>/<kind>.<g>-<tag>.json  the artifact's data key, wrapped by the region's KEK
    tickets/<tag>/<rid>               the recording is of the ticket ``tag`` names (``vault.tickets``)
    tickets/<tag>/deleted             when that ticket was last deleted
    seal/policy-digests/<account>/sha256.json  the digest of the account's policy as last written
    seal/deleted/<rid>.json           the recording's tombstone, from its deletion on (``vault.deletions``)
    seal/audit/<rid>/<day>.json       the names of the recording's audit events of that day (``vault.audit_heads``)

Wrapped data keys live apart from the ciphertext, so deleting a key is final even when the
object store was copied or backed up: a copy of the object store plus the live KEK decrypts
nothing whose key was destroyed. A vault written before the key store existed keeps its
keys in the object store; reading one raises MigrationNeededError until ``migrate_keys``
moved them (``callrec keys migrate``).

Writing a recording puts every ciphertext and wrapped key first and the index entry last:
the entry is the commit point. On any error, whatever was written for the recording is
removed again, so no partial object and no orphan key remains. Re-encryption writes a new
generation, commits the index, then destroys the old generation. Encrypting a long call
takes a while, so just before its commit a write reads the index again and gives up (its
new objects destroyed) when the recording was stored, deleted or changed meanwhile: a
deletion during a re-redaction is never undone. A new recording's entry is committed with
a create-only write (``ObjectStore.create``), so two puts of one recording cannot both
commit; so is the tombstone a deletion of an id with no entry yet commits before it sweeps,
so a first write racing that deletion cannot commit either. Every later update of an entry
(a new generation, a tombstone, re-wrapped key versions, sealing an old entry) is a
compare-and-swap against the version read
(``ObjectStore.replace_if``): of two updates racing, the loser reads the entry again and
either applies its change to it (a re-wrap; a new generation over an entry whose replaced
artifacts are unchanged; a deletion, which destroys what the winner wrote too) or gives up
with its new objects destroyed (a new generation over a tombstone: "was deleted"; over
another new generation of the same artifact: "changed during the write"). Deletion
destroys every object under the recording, listed in its entry or not. A writer killed mid-put leaves objects under its own tag and a
half-written file; the next delivery's commit destroys those (a re-redaction's retry: those
of its generation). A re-redaction killed before its commit on a recording deleted meanwhile leaves its new
generation under the tombstone: ``reclaim`` (the retention sweep, a second deletion)
destroys it. Only a writer that read the entry before the deletion can leave such objects,
and none lives ``SETTLE_AFTER``: the sweep's reclaim that long after the deletion marks the
tombstone settled, and later sweeps pass it by (each reclaim lists three prefixes; on S3
those requests grew with every deletion ever made). A second deletion reclaims whatever the
tombstone says.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from tink import aead

from callrec.errors import shown
from callrec.request_ids import current_request_id
from vault import audit, envelope
from vault.audit import AuditEvent
from vault.audit_heads import AuditHeads
from vault.context import ARTIFACT_KINDS, ArtifactRef
from vault.deletions import DeletionRecords
from vault.errors import (
    DecryptionError,
    IndexCorruptError,
    ObjectChangedError,
    MigrationNeededError,
    ObjectExistsError,
    ObjectMissingError,
    PolicyTamperedError,
    StoreError,
    VaultError,
    VaultInputError,
)
from vault.index import SETTLE_AFTER, ArtifactInfo, IndexEntry, Tombstone, Unreadable, kept_after_deletion
from vault.keys.base import KeyProvider
from vault.regions import check_region, region_of
from vault.policy_digests import PolicyDigests
from vault.retention import AccountPolicy, policy_name
from vault.seal import IndexSealer
from vault.segments import SegmentedCiphertext
from vault.secrets import SecretBox
from vault.stores.base import ObjectStore, get_bytes, put_bytes, versioned, write_versioned
from vault.tickets import TicketMarkers, WorkBegan


class RegionVault:
    """Encrypted recordings of one region."""

    def __init__(
        self,
        region: str,
        store: ObjectStore,
        keys: KeyProvider,
        *,
        key_store: ObjectStore,
        clock: Callable[[], datetime] | None = None,
        scrub: Callable[[str], str] = str,
        forget: Callable[[IndexEntry], None] | None = None,
    ):
        """``scrub`` filters every free text written to the audit trail and tombstones
        (principals, reasons): the worker passes its digit scrubber. ``forget(entry)`` removes
        what is kept of a deleted recording's call outside the vault (the worker passes the
        removal of the HTTP API's manifest of the call): it runs on every deletion, repeated
        ones and reclaims (each retention sweep) included, so one that failed or found
        nothing yet is done again; when it raises, the deletion raises (and is retried)."""
        self.region = check_region(region)
        if store.region != region or keys.region != region or key_store.region != region:
            raise VaultInputError(
                f"region {region}: store is for {store.region!r}, key store for {key_store.region!r} "
                f"and keys for {keys.region!r}"
            )
        if key_store is store:
            raise VaultInputError(f"region {region}: wrapped keys need a store apart from the ciphertext")
        self.store = store
        #: Wrapped data keys, apart from the ciphertext (see the module docstring).
        self.key_store = key_store
        self.keys = keys
        self.clock = clock or (lambda: datetime.now(UTC))
        self.scrub = scrub
        self.forget = forget or (lambda entry: None)
        self._sealer = IndexSealer(region, keys, key_store, self._has_entries,
                                   on_new_vault=self._on_new_vault, has_events=self._has_events)
        #: The digest of each account's policy as last written (against older copies put back).
        self._policy_digests = PolicyDigests(key_store)
        #: Which recordings were deleted (against an older entry put back: ``vault.deletions``).
        self._deletions = DeletionRecords(key_store)
        #: The names of each recording's audit events (against removals).
        self._audit_heads = AuditHeads(key_store)
        #: Which recordings a ticket has (``vault.tickets``), beside the wrapped keys.
        self.tickets = TicketMarkers(key_store, self._sealer)
        #: Small service secrets (webhook signing secrets) under the region's keys.
        self.secrets = SecretBox(region, keys, key_store)

    def _on_new_vault(self) -> None:
        """A new vault: no first write of an older version in flight, no policy record under its
        older name."""
        self.tickets.finish()
        self._policy_digests.mark_moved()

    # -- recordings ------------------------------------------------------------------

    def put(self, entry: IndexEntry, artifacts: Mapping[str, BinaryIO], *,
            began: WorkBegan | None = None,
            primary: tuple[str, aead.Aead] | None = None) -> IndexEntry:
        """Encrypt and store ``artifacts`` (kind -> plaintext stream) and commit ``entry``.

        ``primary``: the KEK's primary (version, KEK) as the caller resolved it, when an artifact
        names the version its keys are wrapped under (a recording's metadata); else resolved here.

        Returns the committed entry, with its artifacts listed. Replaces nothing: a
        recording that exists already, or whose id was deleted (a tombstone, also one a
        deletion committed before this write's commit), raises VaultInputError. The commit is a create-only
        write, so of two puts of one recording racing (two deliveries of one call) exactly
        one commits; the other destroys what it wrote and raises VaultInputError.

        ``began``: when the work on the recording began and its ticket's tombstone as it stood
        then (``TicketMarkers.began``; default: as the put begins). A deletion of the entry's
        ticket (``TicketMarkers.bury``) since then, or since an earlier delivery of it began
        that got as far as its marker, makes the write destroy what it wrote and tombstone its
        id instead of committing (VaultInputError "was deleted"): the marker is written before
        the ticket's tombstone is read again, and a ticket's deletion writes its tombstone
        before it lists the markers, so either the deletion finds the marker (and tombstones
        the id, or deletes the entry once committed) or the write finds the tombstone changed.
        No clock is compared: the deleter's is not the worker's.
        """
        rid = entry.recording_id
        self._check(rid)
        began = began or self.tickets.began(entry.account_id, entry.ticket_id, self.clock())
        if (found := self.find(rid)) is not None:
            raise _stored_already(found)
        slots = {kind: _slot(kind, 1) for kind in artifacts}
        committed: IndexEntry | None = None
        views: tuple[WorkBegan, ...] = (began,)
        try:
            written = self._write_artifacts(entry, slots, artifacts, primary)
            committed = entry.copy(artifacts=written)
            # before the commit: no entry lacks one
            earlier = self.tickets.mark(entry.account_id, entry.ticket_id, rid, began)
            views = (began,) if earlier is None else (began, earlier)
            if _deleted_since(views, self.tickets.deletion(entry.account_id, entry.ticket_id)):
                raise self._ticket_deleted_meanwhile(entry)
            try:
                self.store.create(_index_name(rid), self._sealer.seal(committed))
                self._marked_after_commit(committed, views)
            except ObjectExistsError:
                if (found := self.find(rid)) is not None and _lists(found, committed.artifacts):
                    # our own commit, retried by the client after a lost reply: checked as any commit
                    self._marked_after_commit(found, views)
                    return found
                raise _stored_already(found or committed) from None
        except BaseException as exc:
            found = self._stored_meanwhile(rid) if isinstance(exc, StoreError) else None
            ours = found is not None and committed is not None and _lists(found, committed.artifacts)
            if not ours:
                for slot in slots.values():
                    self._discard(rid, slot)
            if found is not None:
                if ours:
                    # Our own commit, done though its reply was lost (session-49 review: its artifacts
                    # were destroyed here, and the recording stood stored with nothing to decrypt), or
                    # whose check after it failed: checked (again) before it counts as done, or the
                    # error stands (session 51: a key-store error there left the ticket's tombstone
                    # unread, and a recording its ticket's deletion had missed stayed; the job's next
                    # delivery, finding it stored, checks it: ``recheck_ticket``).
                    self._marked_after_commit(found, views, again=True)
                    self.clear_leftovers(found)
                    return found
                # The winner of a race (a put, a deletion) cleared our half-written objects.
                raise _stored_already(found) from exc
            raise
        self.clear_leftovers(committed)
        return committed

    def _marked_after_commit(self, entry: IndexEntry, views: tuple[WorkBegan, ...], *, again: bool = False) -> None:
        """Write the marker of a just committed entry again when ``reclaim_markers`` removed it
        under the write (its first delivery's, days old): a ticket's deletion may then have
        listed the markers without it, so the ticket's tombstone is read again, and the
        recording deleted (VaultInputError) when its ticket was deleted since the work began.
        ``again``: the tombstone is read whatever the marker (an earlier try may have written it back)."""
        restored = self.tickets.restore(entry.account_id, entry.ticket_id, entry.recording_id, views[-1])
        if not (restored or again):
            return
        if _deleted_since(views, self.tickets.deletion(entry.account_id, entry.ticket_id)):
            raise self._ticket_deleted_meanwhile(entry)

    def recheck_ticket(self, entry: IndexEntry) -> IndexEntry:
        """What a delivery that finds its call stored already does for the ticket's deletion: the
        entry's marker is written back when it is missing (empty), and a live recording whose
        marker holds a ticket's deletion other than its last (a deletion after its work began
        missed it: a commit that could not read the ticket's tombstone again, ``put``) is deleted.
        Returns the entry as it now stands."""
        if entry.deleted or not entry.account_id:
            return entry
        began = self.tickets.mark(entry.account_id, entry.ticket_id, entry.recording_id)
        if began is None or not began.deleted_since(self.tickets.deletion(entry.account_id, entry.ticket_id)):
            return entry
        return self.delete(entry.recording_id, actor=TICKET_DELETION, reason=_DELETED_WHILE_STORED)

    def _ticket_deleted_meanwhile(self, entry: IndexEntry) -> VaultInputError:
        """A first write of ``entry`` found its ticket deleted after it began: its id is
        tombstoned (its objects destroyed, a redelivery refused) and the error to raise."""
        rid = entry.recording_id
        with contextlib.suppress(ObjectMissingError):  # (tombstoned now: no entry was stored)
            self.delete(rid, actor=TICKET_DELETION, reason=_DELETED_WHILE_STORED,
                        owner=(entry.account_id, entry.ticket_id))
        return VaultInputError(f"recording {rid} was deleted (its ticket was deleted while it was stored)")

    def replace(self, recording_id: str, artifacts: Mapping[str, BinaryIO], *, based_on: IndexEntry | None = None,
                **changes: object) -> IndexEntry:
        """Store new generations of ``artifacts`` under fresh data keys, commit them in one
        index update (with ``changes`` to the entry), then destroy the old generations and what
        other writes of them left (``clear_leftovers``).

        ``based_on``: the entry whose artifacts the new ones were made from (a re-redaction
        read the stored audio); when another generation of them was committed since, the
        new ones would undo it: VaultError ("changed during the write; try again")."""
        entry, version = self._load(recording_id)
        if entry.deleted:
            raise VaultInputError(f"recording {recording_id} was deleted")
        old = {kind: entry.artifact(kind) for kind in artifacts}
        if based_on is not None and any(not _same_object(info, based_on.artifact(kind)) for kind, info in old.items()):
            raise VaultError(f"recording {recording_id} changed during the write; try again")
        slots = {kind: _slot(kind, info.generation + 1 if info is not None else 1) for kind, info in old.items()}
        written: tuple[ArtifactInfo, ...] = ()
        try:
            written = self._write_artifacts(entry, slots, artifacts)
            committed = self._commit_generation(entry, version, old, written, changes)
        except BaseException as exc:
            found = self._stored_meanwhile(recording_id) if isinstance(exc, StoreError) and written else None
            if found is not None and _lists(found, written):
                # Our own commit, done though its reply was lost (session-49 review: the generation it
                # listed was destroyed here, and the recording stood with nothing to decrypt).
                committed = found
            else:
                for slot in slots.values():
                    self._discard(recording_id, slot)
                if isinstance(exc, StoreError):  # maybe a deletion swept our half-written objects
                    self._unchanged_since(entry)  # then say so (not retried), else the store error
                raise
        for info in old.values():
            if info is not None:
                self._destroy_artifact(recording_id, info)
        # What a delivery of this replace killed before its commit left: its generation under
        # another tag, which no later commit lists (a replace racing ours cannot commit now).
        self.clear_leftovers(committed)
        return committed

    def _commit_generation(self, entry: IndexEntry, version: str, old: Mapping[str, ArtifactInfo | None],
                           written: tuple[ArtifactInfo, ...], changes: Mapping[str, object]) -> IndexEntry:
        """Compare-and-swap ``written`` (new generations of ``old``) into the entry. Another
        update committed meanwhile: applied again over it when it left ``old`` as it was
        (e.g. a re-wrap), else VaultInputError (deleted) or VaultError (changed)."""
        rid = entry.recording_id
        for _attempt in range(_ATTEMPTS):
            others = tuple(a for a in entry.artifacts if a.kind not in old)
            committed = entry.copy(artifacts=others + written, **changes)
            try:
                self.store.replace_if(_index_name(rid), self._sealer.seal(committed), version)
                return committed
            except ObjectChangedError:
                entry, version = self._load(rid)
            if entry.deleted:
                raise VaultInputError(f"recording {rid} was deleted")
            if any(not _same_object(entry.artifact(kind), info) for kind, info in old.items()):
                break
        raise VaultError(f"recording {rid} changed during the write; try again")

    def read(self, entry: IndexEntry, kind: str, dst: BinaryIO) -> int:
        """Decrypt one artifact into ``dst``; returns its length (see decrypt_stream)."""
        info = entry.artifact(kind)
        if info is None:
            raise ObjectMissingError(f"recording {entry.recording_id} has no {kind}")
        ref = self._ref(entry, kind)
        wrapped = envelope.WrappedKey.decode(self._get_key(entry.recording_id, info))
        with self.store.reader(data_name(entry.recording_id, info)) as src:
            return envelope.decrypt_stream(src, dst, wrapped, self.keys, ref)

    def segments(self, entry: IndexEntry, kind: str) -> SegmentedCiphertext:
        """One artifact's ciphertext, to decrypt a plaintext range of from the segments that
        hold it only (vault.segments: a range costs the segments it covers and the last one,
        not the whole). UnsupportedKeyError when its data key is not of the vault's template
        (``read`` it whole instead); DecryptionError as ``read``."""
        info = entry.artifact(kind)
        if info is None:
            raise ObjectMissingError(f"recording {entry.recording_id} has no {kind}")
        ref = self._ref(entry, kind)
        wrapped = envelope.WrappedKey.decode(self._get_key(entry.recording_id, info))
        handle = envelope.unwrap_data_key(wrapped, self.keys, ref)
        name = data_name(entry.recording_id, info)
        return SegmentedCiphertext(handle, ref.content_aad(),
                                   lambda start, length: self.store.read_range(name, start, length))

    def find(self, recording_id: str) -> IndexEntry | None:
        """The verified entry (None: no entry); a live one whose recording's deletion is recorded
        reads as deleted (``vault.deletions``: an older entry put back, or a deletion killed
        before its tombstone)."""
        self._check(recording_id)
        try:
            name = _index_name(recording_id)
            return self._recorded(self._sealer.open(name, get_bytes(self.store, name)))[0]
        except ObjectMissingError:
            return None

    def _load(self, recording_id: str) -> tuple[IndexEntry, str]:
        """The verified entry (as ``find`` reads it) and its version token (for a compare-and-swap update)."""
        entry, version, _unwritten = self._load_stored(recording_id)
        return entry, version

    def _load_stored(self, recording_id: str) -> tuple[IndexEntry, str, bool]:
        """``_load``, and whether the entry is deleted by its record only (its tombstone unwritten)."""
        self._check(recording_id)
        name = _index_name(recording_id)
        try:
            data, version = self.store.read_versioned(name)
        except ObjectMissingError:
            raise ObjectMissingError(f"no recording {recording_id} in region {self.region}") from None
        entry, unwritten = self._recorded(self._sealer.open(name, data))
        return entry, version, unwritten

    def _recorded(self, entry: IndexEntry, recorded: bool = True) -> tuple[IndexEntry, bool]:
        """``entry`` as its deletion record has it (``vault.deletions``), and whether that made it
        deleted: a live entry reads the record (one key-store read; ``recorded`` False: a listing
        found none), a tombstoned one is taken as it is."""
        if entry.deleted or not recorded:
            return entry, False
        stone = self._deletions.tombstone(entry.recording_id)
        if stone is None:
            return entry, False
        keep = kept_after_deletion(entry.kind)
        return entry.copy(artifacts=tuple(a for a in entry.artifacts if a.kind in keep), tombstone=stone), True

    def get(self, recording_id: str) -> IndexEntry:
        entry = self.find(recording_id)
        if entry is None:
            raise ObjectMissingError(f"no recording {recording_id} in region {self.region}")
        return entry

    def entries(self) -> Iterator[IndexEntry]:
        """Every index entry of the region (deleted ones too), in id order."""
        for name, recorded in self._listed():
            yield self._recorded(self._sealer.open(name, get_bytes(self.store, name)), recorded)[0]

    def scan(self) -> Iterator[IndexEntry | Unreadable]:
        """Like ``entries`` but an index object that cannot be used is reported as
        ``Unreadable`` in its place instead of ending the iteration."""
        for name, recorded in self._listed():
            try:
                yield self._recorded(self._sealer.open(name, get_bytes(self.store, name)), recorded)[0]
            except ObjectMissingError:
                continue  # removed since it was listed
            except VaultError as exc:
                if not exc.permanent:
                    raise  # the store failing is no reason to skip: stop and retry later
                yield Unreadable(name, str(exc))

    def _listed(self) -> Iterator[tuple[str, bool]]:
        """Each index entry's name and whether its recording's deletion is recorded: the index
        and the records listed side by side, both in name order (no read per entry)."""
        records = self._deletions.ids()
        pending = next(records, None)
        for name in self.store.names("index/"):
            key = name.removeprefix("index/")
            while pending is not None and f"{pending}.json" < key:
                pending = next(records, None)
            yield name, pending is not None and f"{pending}.json" == key

    def ticket_found(self, account_id: str, ticket_id: str) -> Iterator[IndexEntry | str]:
        """What a deletion of the account's ticket finds, each entry read once: its verified
        entries, deleted ones too, and the ids of the recordings its markers name whose entry
        does not verify (altered or corrupt), which a ticket's deletion destroys too, as
        ``delete`` destroys any recording whose entry does not verify (a marker is in the key
        store, out of reach of whoever may only write the object store), or that have no entry
        yet (a first write in flight, or one that never committed), which it tombstones. In a
        vault whose older entries have no marker yet, every entry read (``scan``) too. A marker
        naming another account's or ticket's verified entry, or no id of this region, finds
        nothing."""
        ids = self.tickets.recording_ids(account_id, ticket_id)
        if not self.tickets.complete():
            seen = set()
            for e in self.scan():
                if isinstance(e, IndexEntry) and e.account_id == account_id and e.ticket_id == ticket_id:
                    seen.add(e.recording_id)
                    yield e
            ids = (rid for rid in ids if rid not in seen)
        for rid in ids:
            if not self._owns(rid):
                continue
            try:
                entry = self.find(rid)
            except IndexCorruptError:
                yield rid
                continue
            except VaultError as exc:
                if not exc.permanent:
                    raise  # the store failing: stop and retry later, as ``scan`` does
                continue
            if entry is None:
                yield rid
            elif entry.account_id == account_id and entry.ticket_id == ticket_id:
                yield entry

    def ticket_entries(self, account_id: str, ticket_id: str) -> Iterator[IndexEntry]:
        """The verified entries of the account's ticket (``ticket_found``)."""
        return (e for e in self.ticket_found(account_id, ticket_id) if isinstance(e, IndexEntry))

    def ticket_unverifiable(self, account_id: str, ticket_id: str) -> list[str]:
        """The recordings the account's ticket markers name whose entry does not verify (``ticket_found``)."""
        return [e for e in self.ticket_found(account_id, ticket_id) if isinstance(e, str)]

    def migrate_deletions(self) -> int:
        """Record the deletion of every recording tombstoned before deletions were recorded
        (``vault.deletions``: until then an older entry of it put back reads as live); returns how
        many were missing. Safe to re-run (one create per tombstone each run)."""
        recorded = 0
        for entry in self.scan():
            if isinstance(entry, IndexEntry) and entry.deleted:
                recorded += self._deletions.created(entry.recording_id, entry.tombstone)
        return recorded

    def migrate_tickets(self) -> int:
        """Write the ticket marker of every entry that names an account (``vault.tickets``),
        then mark the region's markers complete; returns how many entries. Safe to re-run,
        and while workers of this version run (they mark what they store)."""
        marked = 0
        for entry in self.scan():
            if isinstance(entry, IndexEntry) and entry.account_id:
                self.tickets.mark(entry.account_id, entry.ticket_id, entry.recording_id)
                marked += 1
        self.tickets.finish()
        return marked

    def delete(self, recording_id: str, *, actor: str, reason: str,
               owner: tuple[str, str] | None = None) -> IndexEntry:
        """Crypto-shred a recording: destroy each data key, then its ciphertext, then
        record a tombstone. A voicemail keeps its (redacted) transcription. Idempotent.

        Every object under the recording goes, listed in its index entry or not (what a
        crashed or losing writer left), also when the entry was deleted before. An entry
        that does not verify (or predates authenticated entries) is no reason to keep a
        recording: it is deleted whole, keeping nothing its entry claims.

        The tombstone is a compare-and-swap: when another update (a new generation)
        committed since the entry was read, the deletion starts over from the new entry.
        ``owner``: the (account, ticket) the tombstone of an id with no entry yet names (a
        ticket's deletion, whose marker named it); else it names none."""
        self._check(recording_id)
        name = _index_name(recording_id)
        for _attempt in range(_ATTEMPTS):
            stone = Tombstone(self.clock(), self.scrub(actor), self.scrub(reason))
            try:
                data, version = self.store.read_versioned(name)
            except ObjectMissingError:
                stone = self._deletions.record(recording_id, stone)  # before the blank tombstone
                if not self._tombstone_unwritten(recording_id, stone, owner):
                    continue  # a first write committed meanwhile: deleted as any recording
                # What a writer killed before its first commit left under this id goes too (keys first),
                # and so does what a first write under way stored before its commit (which now fails).
                destroyed = self._sweep(recording_id, ())
                left = f" ({destroyed} objects an uncommitted write left destroyed)" if destroyed else ""
                self.audit("delete", "done", recording_id, actor, f"{reason}: no recording stored yet{left}")
                raise ObjectMissingError(f"no recording {recording_id} in region {self.region}: a tombstone now "
                                         f"refuses any later write of it{left}") from None
            try:
                entry = self._sealer.open(name, data)
                trusted = True
            except (IndexCorruptError, MigrationNeededError):
                entry = self._untrusted(recording_id, data)
                trusted = False
            if entry.deleted and trusted:
                self._deletions.created(recording_id, entry.tombstone)  # one deleted before records
            else:  # recorded before anything is destroyed: killed anywhere, it reads whole or deleted
                stone = self._deletions.record(recording_id, stone)
            keep = kept_after_deletion(entry.kind) if trusted else ()
            kept = tuple(a for a in entry.artifacts if a.kind in keep)
            if not entry.deleted and trusted:  # an untrusted entry's list is not used: the sweep takes all
                for info in entry.artifacts:
                    if info.kind not in keep:
                        self._destroy_artifact(recording_id, info)
            self._sweep(recording_id, kept)
            if entry.deleted and trusted:
                self.forget(entry)
                return entry
            deleted = entry.copy(artifacts=kept, tombstone=stone)
            try:
                self.store.replace_if(name, self._sealer.seal(deleted), version)
                break
            except ObjectChangedError:
                continue  # another update won: destroy what it committed too
        else:
            raise VaultError(f"recording {recording_id} changed during the deletion; try again")
        self.forget(deleted)
        self._audit_deletion(recording_id, actor, reason)
        return deleted

    def _audit_deletion(self, recording_id: str, actor: str, reason: str) -> None:
        """The "done" event of a recording's deletion (by retention or by anyone else)."""
        action = "retention-delete" if actor == RETENTION_ACTOR else "delete"
        self.audit(action, "done", recording_id, actor, reason)

    def _tombstone_unwritten(self, recording_id: str, stone: Tombstone,
                             owner: tuple[str, str] | None = None) -> bool:
        """Commit the tombstone of a recording id that has no entry, with a create-only write (a
        blank entry: no call is known, nor an account or ticket unless ``owner`` names them):
        a first write of it that commits later loses its own create-only commit, one that
        starts later finds the tombstone (``put``). False when a first write committed first."""
        account_id, ticket_id = owner or ("", "")
        blank = self._blank(recording_id).copy(account_id=account_id, ticket_id=ticket_id, tombstone=stone)
        try:
            self.store.create(_index_name(recording_id), self._sealer.seal(blank))
        except ObjectExistsError:
            return False
        return True

    def _blank(self, recording_id: str) -> IndexEntry:
        """An entry of the recording naming no account, call or ticket (to be tombstoned)."""
        return IndexEntry(recording_id, "", "", "", "call", self.region, self.clock(), None, False, False, "", "")

    def _untrusted(self, recording_id: str, data: bytes) -> IndexEntry:
        """The entry ``data`` claims to be, unverified, with no artifacts: only to be deleted
        (its objects go by ``_sweep``, whatever it lists, so a bogus artifact name stops
        nothing). One that cannot even be read is replaced by a blank entry of the recording
        (no account, call or ticket), so that it can still be destroyed and tombstoned."""
        try:
            entry = self._sealer.unverified(data).copy(recording_id=recording_id, region=self.region)
        except IndexCorruptError:
            entry = self._blank(recording_id)
        return entry.copy(artifacts=(), tombstone=None)

    def reclaim(self, recording_id: str, *, settle: bool = False) -> int:
        """Destroy every key, then every ciphertext, left under a deleted recording beside
        what its tombstone keeps (a voicemail's transcript); returns how many objects went.

        A re-redaction killed after writing its new generation but before its commit, on a
        recording deleted while it wrote, leaves decryptable objects no later commit
        reclaims (only a first generation's leftovers are, by the next delivery's commit).
        The retention sweep runs this over every tombstone not settled, as does deleting
        again over any. ``settle``: mark the tombstone settled when its deletion is at least
        SETTLE_AFTER old (a compare-and-swap; a tombstone changed meanwhile is left for the
        next sweep). A recording not deleted raises VaultInputError: its objects may be a
        live write's. One deleted by its record only (``vault.deletions``: a deletion killed before
        its tombstone, an older entry put back) gets the record's tombstone written back, and the
        deletion's event its kill left unwritten ("... (finished after an interruption)"; once:
        the write-back is a compare-and-swap, and later reclaims find the tombstone written)."""
        entry, version, unwritten = self._load_stored(recording_id)
        if not entry.deleted:
            raise VaultInputError(f"recording {recording_id} is not deleted")
        destroyed = self._sweep(recording_id, entry.artifacts)
        stone = entry.tombstone
        if settle and stone.settled_at is None and self.clock() - stone.deleted_at >= SETTLE_AFTER:
            stone = dataclasses.replace(stone, settled_at=self.clock())
        if unwritten or stone != entry.tombstone:
            try:
                self.store.replace_if(_index_name(recording_id), self._sealer.seal(entry.copy(tombstone=stone)),
                                      version)
            except ObjectChangedError:
                pass  # changed meanwhile: left for the next sweep
            else:
                if unwritten:
                    self._audit_deletion(recording_id, stone.deleted_by,
                                         f"{stone.reason} (finished after an interruption)")
        self.forget(entry)
        return destroyed

    def reclaim_uncommitted(self) -> int:
        """Destroy what writers killed before their first commit left: objects under a recording
        id that has no index entry (a ``callrec process`` killed at its commit and never run
        again; a worker's job is redelivered and its commit clears them). Such an id is noted
        when first seen (``uncommitted/<id>.json``: the time and the objects' names), and the
        objects it names are destroyed, keys first, by the first run at least UNCOMMITTED_AFTER
        later that still finds no entry: a live writer commits within its job's time limit.
        Objects that appeared after the note are a later writer's, perhaps live (a redelivery
        a day later): they are noted anew, never destroyed with it. A note whose id got an
        entry, or lost its objects, is dropped. Returns how many objects went."""
        indexed = {n[len("index/"):].removesuffix(".json") for n in self.store.names("index/")}
        orphans: dict[str, set[str]] = {}
        for place, (store, prefix) in enumerate(self._object_places()):
            for name in store.names(prefix):
                orphans.setdefault(name[len(prefix):].partition("/")[0], set()).add(f"{place}:{name}")
        orphans = {rid: found for rid, found in orphans.items() if rid not in indexed and self._owns(rid)}
        now = self.clock()
        destroyed = 0
        for name in list(self.store.names(_UNCOMMITTED)):
            rid = name[len(_UNCOMMITTED):].removesuffix(".json")
            found = orphans.pop(rid, None)
            if found is None:
                self.store.delete(name)  # committed meanwhile, or gone
                continue
            note = _read_note(get_bytes(self.store, name))
            if note is None:  # unreadable, or an older version's (a time, no names): starts over
                _write_note(self.store, name, now, found)
                continue
            seen, noted = note
            if now - seen < UNCOMMITTED_AFTER:
                continue
            if self.find(rid) is None:
                gone = self._sweep(rid, (), only=noted)
                if gone:
                    self.audit("retention-delete", "done", rid, "retention", "uncommitted objects destroyed")
                destroyed += gone
            if found - noted:
                _write_note(self.store, name, now, found - noted)
            else:
                self.store.delete(name)
        for rid, found in sorted(orphans.items()):
            _write_note(self.store, f"{_UNCOMMITTED}{rid}.json", now, found)
        return destroyed

    def reclaim_markers(self, listed: set[str] | None = None) -> int:
        """Remove the ticket markers (``vault.tickets``) of first writes that never committed:
        a marker naming no entry whose write began at least SETTLE_AFTER ago (longer than any
        job runs: settings keep CALLREC_JOB_TIME_LIMIT_S under it), or that a sweep first saw
        that long ago when it holds no time (an older version's). ``listed``: every marker's
        name, when the caller listed them already. Returns how many went.

        A marker's name is the same for every delivery of a recording, so a redelivery days
        later may be writing under it. When its ticket was deleted after the marker's write
        began, its id is tombstoned instead (a redelivery is refused, as one in flight at the
        deletion would have been). After removing a marker its entry is read again: one a
        redelivery committed meanwhile gets its marker back, and is deleted when its ticket
        was deleted since; a commit whose marker was removed before it writes it again
        itself (``put``). So no committed entry stays without its marker.

        A marker whose id has data keys in the key store is kept: its entry is hidden (removed
        from the object store, whose writers could put it back once its marker was gone: a
        ticket's deletion then missed it; session 51), or a write under way wrote its keys (before
        its marker); one that gets keys as it is removed is written back as it was."""
        indexed = {n[len("index/"):].removesuffix(".json") for n in self.store.names("index/")}
        now = self.clock()
        removed = 0
        for name, rid in self.tickets.unconfirmed(self.tickets.listed() if listed is None else listed, indexed):
            if not self._owns(rid):
                continue
            try:
                began, seen = self.tickets.written_at(name)
            except ObjectMissingError:
                continue  # removed since it was listed
            if began is None and seen is None:
                self.tickets.note_seen(name, now)
                continue
            if now - (began.at if began is not None else seen) < SETTLE_AFTER:
                continue
            views = () if began is None else (began,)  # (an older version's: whether it began before, unknown)
            if not self._tombstone_if_buried(name, rid, views) and self._has_keys(rid):
                continue  # an entry hidden from the object store's listing, or a write under way
            self.tickets.remove(name)
            removed += 1
            if (found := self.find(rid)) is not None and found.account_id and not found.deleted:  # committed meanwhile
                self.tickets.restore(found.account_id, found.ticket_id, rid, began)
                if _deleted_since(views, self.tickets.deletion(found.account_id, found.ticket_id)):
                    self.delete(rid, actor=RETENTION_ACTOR, reason=_DELETED_WHILE_STORED)
            elif found is None and self._has_keys(rid):  # a write began as it was removed: given back
                self.tickets.put_back(name, began, seen)
                removed -= 1
                self._tombstone_if_buried(name, rid, views)
        return removed

    def _tombstone_if_buried(self, marker: str, recording_id: str, views: tuple[WorkBegan, ...]) -> bool:
        """Tombstone ``recording_id`` (a redelivery is refused) when the ticket of its marker (the
        name ``marker``) was deleted since ``views`` began; True when it was."""
        if not _deleted_since(views, self.tickets.buried_beside(marker)):
            return False
        with contextlib.suppress(ObjectMissingError):  # no entry: a tombstone refuses the id now
            self.delete(recording_id, actor=RETENTION_ACTOR, reason=_DELETED_WHILE_STORED)
        return True

    def _has_keys(self, recording_id: str) -> bool:
        """Whether the key store holds a data key under ``recording_id`` (a recording's, or a write's
        under way: written before its marker)."""
        return next(iter(self.key_store.names(f"keys/{recording_id}/")), None) is not None

    def _object_places(self) -> tuple[tuple[ObjectStore, str], ...]:
        """Where a recording's objects lie, keys first: the key store's keys, the keys of a
        vault from before the key store, the ciphertexts (each ``<prefix><rid>/...``)."""
        return (self.key_store, "keys/"), (self.store, "keys/"), (self.store, "data/")

    def _sweep(self, recording_id: str, kept: tuple[ArtifactInfo, ...], *, only: set[str] | None = None) -> int:
        """Destroy every key, then every ciphertext, under ``recording_id`` except ``kept``
        (and what writers killed mid-write left there); returns how many objects went.
        ``only``: just these objects (``<place>:<name>``, place an index of ``_object_places``)."""
        spared = {key_name(recording_id, a) for a in kept} | {data_name(recording_id, a) for a in kept}
        destroyed = self.store.discard_partial(_index_name(recording_id))  # a killed committer's copy
        for place, (store, prefix) in enumerate(self._object_places()):
            destroyed += store.discard_partial(f"{prefix}{recording_id}/")
            for name in list(store.names(f"{prefix}{recording_id}/")):
                if name not in spared and (only is None or f"{place}:{name}" in only):
                    store.delete(name)
                    destroyed += 1
        return destroyed

    def clear_leftovers(self, committed: IndexEntry) -> None:
        """After a new recording's commit or a replace's, and whenever a delivery finds it
        stored already: destroy what other deliveries of it, killed mid-put, left (first-generation
        objects under other tags, half-written files, the temporary name of an index entry whose
        writer was killed after its commit: every delivery after that one finds the call
        stored, so no commit would reclaim it; a half-written ticket marker); and, of each
        artifact the entry lists, every older generation (a re-redaction stopped between its commit
        and destroying the generation it replaced, the unredacted one: its retry finds the
        recording up to date)
        and the entry's own generation under other tags (a re-redaction killed before its
        commit, then retried: the retry's commit clears it).
        Later generations are never touched: a replace may be writing them already; a live
        writer's files are locked and kept (so a killed one's half-written files of any generation
        go), keys go before their ciphertexts.
        Best effort: the recording is stored; a deletion sweeps whatever remains."""
        rid = committed.recording_id
        live = {key_name(rid, a) for a in committed.artifacts} | {data_name(rid, a) for a in committed.artifacts}
        current = {a.kind: a.generation for a in committed.artifacts}
        with contextlib.suppress(VaultError):
            self.store.discard_partial(_index_name(rid))
            if committed.account_id:  # a killed delivery's half-written ticket marker (session 51, test_faults)
                self.tickets.discard_partial(committed.account_id, committed.ticket_id, rid)
            for store, prefix in ((self.key_store, "keys/"), (self.store, "data/")):
                store.discard_partial(f"{prefix}{rid}/")  # killed writers' only: a live one's is locked
                for kind in ARTIFACT_KINDS:
                    for name in list(store.names(f"{prefix}{rid}/{kind}.")):
                        generation = _generation_of(name, kind)
                        if name not in live and generation is not None and generation <= current.get(kind, 1):
                            store.delete(name)

    # -- keys ------------------------------------------------------------------------

    def rewrap(self, recording_id: str) -> int:
        """Re-wrap every data key of a recording not under the KEK's primary version
        (content untouched); returns how many were re-wrapped.

        The entry's update is a compare-and-swap: when another update committed meanwhile,
        a key re-written for an artifact no longer listed is destroyed and the re-wrap
        starts over from the new entry. The primary version is resolved once and checked
        before the first key is replaced: retired meanwhile, the re-wrap starts over too."""
        for _attempt in range(_ATTEMPTS):
            entry, version = self._load(recording_id)
            current = self.keys.primary()  # once per recording: a KMS round trip each
            primary, _ = current
            infos: list[ArtifactInfo] = []
            rewritten: list[ArtifactInfo] = []
            try:
                made: dict[str, tuple[envelope.WrappedKey, str]] = {}
                for info in entry.artifacts:
                    if info.key_version != primary:
                        data, read = self._get_key_versioned(recording_id, info)
                        made[info.kind] = (envelope.rewrap(envelope.WrappedKey.decode(data), self.keys,
                                                           self._ref(entry, info.kind), current), read)
                # A version retired since it was resolved (a rotation meanwhile found no key under
                # it) must wrap none of the recording's keys: each replaces the only copy of its
                # data key, so it is checked before the first is stored, and the re-wrap starts
                # over under the new primary.
                if made and self._retired(primary):
                    continue
                for info in entry.artifacts:
                    if info.kind in made:
                        new, read = made[info.kind]
                        # Only over the key read: one destroyed meanwhile (its generation replaced
                        # or deleted) must never come back, even when this process dies next.
                        self.key_store.replace_if(key_name(recording_id, info), new.encode(), read)
                        rewritten.append(info)
                        info = dataclasses.replace(info, key_version=new.version)
                    infos.append(info)
                if rewritten:
                    sealed = self._sealer.seal(entry.copy(artifacts=tuple(infos)))
                    self.store.replace_if(_index_name(recording_id), sealed, version)
                return len(rewritten)
            except ObjectChangedError:
                self._drop_stale_keys(recording_id, rewritten)
            except (DecryptionError, ObjectMissingError):
                self._drop_stale_keys(recording_id, rewritten)
                if not self.changed_since(entry):
                    raise
                # a deletion or re-redaction destroyed the key it read: start over from the entry as it is
            except BaseException:
                self._drop_stale_keys(recording_id, rewritten)
                raise
        raise VaultError(f"recording {recording_id} changed during the re-wrap; try again")

    def changed_since(self, entry: IndexEntry) -> bool:
        """Whether ``entry`` was deleted or any artifact it lists replaced since it was read.

        A deletion destroys the keys, then the ciphertext, and commits its tombstone last: a
        reader that found its keys gone under a live entry (a batch's step beside a retention
        sweep, session-47 audit) waits up to ``DELETION_SETTLE_S`` for that tombstone. Keys
        gone with no deletion under way (lost) stay unchanged, and the reader's error stands."""
        deadline_s = time.monotonic() + DELETION_SETTLE_S
        while True:
            current = self.find(entry.recording_id)
            if (current is None or current.deleted
                    or any(not _same_object(current.artifact(a.kind), a) for a in entry.artifacts)):
                return True
            if time.monotonic() >= deadline_s or not self._keys_gone(entry):
                return False
            time.sleep(0.05)

    def _keys_gone(self, entry: IndexEntry) -> bool:
        """Whether a wrapped data key ``entry`` lists is missing from the key store."""
        for info in entry.artifacts:
            try:
                get_bytes(self.key_store, key_name(entry.recording_id, info))
            except ObjectMissingError:
                return True
        return False

    def migrate_keys(self) -> int:
        """Move wrapped data keys a vault from before the key store kept in the object store
        into the key store (copy, then destroy the old one); returns how many moved.
        Safe to run again after a crash, and while workers run."""
        moved = 0
        for name in list(self.store.names("keys/")):
            try:
                data = get_bytes(self.store, name)
            except ObjectMissingError:
                continue
            try:
                self.key_store.create(name, data)
            except ObjectExistsError:
                pass  # copied by an earlier run (or re-wrapped since): the key store's is current
            self.store.delete(name)
            moved += 1
        return moved

    def migrate_index(self) -> tuple[int, int]:
        """Authenticate the bare index entries of a vault from before entries were sealed;
        returns (sealed, refused). Once done, a bare entry is tampering: it is refused
        (counted, left as it is), never sealed. Safe to re-run."""
        may_seal = self._sealer.may_seal_bare()
        sealed = refused = 0
        for name in list(self.store.names("index/")):
            try:
                data, version = self.store.read_versioned(name)
                if self._sealer.is_sealed(data):
                    continue
                entry = self._sealer.unverified(data)
            except (ObjectMissingError, IndexCorruptError):
                refused += 1
                continue
            if not may_seal or name != _index_name(entry.recording_id):
                refused += 1
                continue
            try:
                self.store.replace_if(name, self._sealer.seal(entry), version)
            except ObjectChangedError:
                continue  # updated meanwhile, and every update seals what it writes
            sealed += 1
        if may_seal:
            self._sealer.finish_migration()
        return sealed, refused

    def versions_in_use(self) -> dict[str, int]:
        """KEK version -> number of stored data keys wrapped with it (read from the keys)."""
        counts: dict[str, int] = {}
        for name in self.key_store.names("keys/"):
            version = envelope.WrappedKey.decode(get_bytes(self.key_store, name)).version
            counts[version] = counts.get(version, 0) + 1
        return counts

    def name_tag(self, label: bytes, data: bytes) -> str:
        """A name for ``data`` (under ``label``, its own use) nobody without the region's index MAC
        key can work out or test a guess against (``IndexSealer.name_tag``; the key is made when the
        region has none yet, as by a first write)."""
        return self._sealer.name_tag(label, data, create=True)

    def rewrap_index_key(self) -> bool:
        """Re-wrap the index MAC key under the KEK's primary version; True when it changed."""
        return self._sealer.rewrap()

    def retire_unused(self) -> tuple[str, ...]:
        """Retire every KEK version except the primary that no stored data key uses."""
        primary, _ = self.keys.primary()
        self._sealer.rewrap()  # one small object: it never holds an old version back
        self.secrets.rewrap()  # nor does the secrets key
        in_use = self.versions_in_use()
        for held in (self._sealer.key_version(), self.secrets.key_version()):
            if held is not None:
                in_use[held] = in_use.get(held, 0) + 1
        retired = tuple(v for v in self.keys.versions() if v != primary and v not in in_use)
        for version in retired:
            self.keys.retire(version)
        return retired

    # -- policy and audit --------------------------------------------------------------

    def policy(self, account_id: str) -> AccountPolicy | None:
        """The account's retention policy, verified (``IndexSealer.open_policy``); None when it
        has none; VaultInputError when it is unreadable, out of range, does not verify or is not
        the one last written (deleted, or an older copy put back: ``vault.policy_digests``)."""
        name = policy_name(account_id)
        return self._open_policy(account_id, versioned(self.store, name)[0])[0]

    def _open_policy(self, account_id: str,
                     data: bytes | None) -> tuple[AccountPolicy | None, bool, tuple[bytes, str] | None]:
        """The policy stored as ``data`` (None: no object), whether it is stored bare (an older
        vault's, not migrated yet) and its digest record as read (``PolicyDigests.check``), from one
        check of its MAC and one read of its record."""
        name = policy_name(account_id)
        body = None if data is None else self._sealer.open_policy(name, data)
        record = self._policy_digests.check(account_id, data)  # verifies, but an older copy put back, or deleted
        if data is None:
            return None, False, record
        return AccountPolicy.decode(body), not self._sealer.is_sealed_policy(data), record

    def set_policy(self, account_id: str, retention_days: int | None) -> AccountPolicy:
        """The account's own window (``retention set``, ``PUT /v1/retention``): it stands until
        set again, or until the account's manifests carry a window they did not carry before.
        Written over a stored policy that does not verify (the way to mend one)."""
        def change(old: AccountPolicy | None) -> AccountPolicy:
            return AccountPolicy(account_id, retention_days, self.clock(),
                                 manifest_seen=old is not None and old.manifest_seen,
                                 manifest_days=old.manifest_days if old is not None else None)
        return self._update_policy(account_id, change, mend=True)

    def follow_manifest(self, account_id: str, manifest_days: int | None) -> AccountPolicy:
        """The policy after a call whose manifest carries ``manifest_days`` as the account's
        window (``AccountPolicy.following``); written only when that changes it (or seals a bare
        one). A stored policy that does not verify is left as it is (PolicyTamperedError): the
        manifest's window written over it would silently replace the account's own (session-55
        review: a spoilt MAC had ``--none`` replaced by the manifest's 30 days, and the sweep
        deleted); only ``set_policy`` writes over one. What a save killed mid-write left (its
        record's or its object's temporary file) is reclaimed here: with the policy unchanged no
        later save comes (found by the fault test, session 55)."""
        self._policy_digests.discard_partial(account_id)
        self.store.discard_partial(policy_name(account_id))

        def change(old: AccountPolicy | None) -> AccountPolicy:
            if old is None:
                return AccountPolicy(account_id, manifest_days, self.clock(), manifest_days=manifest_days)
            return old.following(manifest_days, self.clock())
        return self._update_policy(account_id, change, mend=False)

    def _update_policy(self, account_id: str, change: Callable[[AccountPolicy | None], AccountPolicy], *,
                       mend: bool) -> AccountPolicy:
        """The account's policy read once (this runs for every call stored), ``change`` applied to
        it, and the result written when it differs (or seals a bare one). The write is a
        compare-and-swap against the bytes read: two saves whose writes landed out of order left
        the first one's object under the second one's digest record, refused until ``retention
        set`` ran again (session 55); the loser now reads the policy again and applies its change
        to the winner's. A policy that does not verify raises PolicyTamperedError unless ``mend``
        (then it is written over, as by no policy); one out of range is replaced."""
        name = policy_name(account_id)
        for _ in range(_ATTEMPTS):
            data, version = versioned(self.store, name)
            try:
                old, bare, record = self._open_policy(account_id, data)
            except PolicyTamperedError:
                if not mend:
                    raise
                old, bare, record = None, False, None
            except VaultInputError:  # verified but out of range (an older version's): replaced as before
                old, bare, record = None, False, None
            policy = change(old)
            if policy == old and not bare:  # a save killed before it narrowed its record: narrowed here
                self._policy_digests.settle(account_id, data, record)
                return policy
            try:
                self._write_policy(account_id, policy.encode(), version)
            except (ObjectChangedError, ObjectExistsError):
                continue  # another save's write landed since the read: its policy is the one changed
            return policy
        raise ObjectChangedError(f"{name}: changed by other writers {_ATTEMPTS} times; try again")

    def _write_policy(self, account_id: str, body: bytes, version: str | None) -> None:
        """Seal ``body`` as the account's policy and write it over the version read (None: no
        object; ObjectChangedError or ObjectExistsError when another write landed since), its
        digest recorded in the key store around the write (``vault.policy_digests``: a crash
        between the two)."""
        name = policy_name(account_id)
        sealed = self._sealer.seal_policy(name, body)
        with self._policy_digests.saving(account_id, sealed, lambda: versioned(self.store, name)[0]):
            write_versioned(self.store, name, sealed, version)

    def migrate_policies(self) -> int:
        """Seal the bare retention policies of a vault from before policies were sealed; returns
        how many. Once done, a bare policy is tampering: never sealed, refused. Also records the
        digest of a sealed policy that has none (sealed before digests were: ``vault.policy_digests``),
        as it is, after moving the records kept under their older names. Safe to re-run."""
        self._policy_digests.move_older_records()
        sealed = 0
        for name in list(self.store.names("accounts/")):
            if not name.endswith("/policy.json"):
                continue
            account_id = name.split("/")[1]
            try:
                if policy_name(account_id) != name:
                    continue
                data, version = self.store.read_versioned(name)
                body = self._sealer.open_policy(name, data)  # a bare one only while bare ones are taken
                AccountPolicy.decode(body)  # only a readable one is sealed
            except (ObjectMissingError, VaultInputError):
                continue
            if self._sealer.is_sealed_policy(data):
                self._policy_digests.record_if_missing(account_id, data)
                continue
            try:
                self._write_policy(account_id, body, version)  # recorded too
            except ObjectChangedError:
                continue  # a save wrote it since: sealed by it
            sealed += 1
        self._sealer.finish_policy_migration()
        return sealed

    def audit(self, action: str, outcome: str, recording_id: str, principal: str, reason: str = "") -> None:
        """Record an event, naming the HTTP request being served, or that queued the job
        running, if any (``callrec.request_ids``)."""
        request_id = current_request_id()
        audit.record(self.store, AuditEvent(self.clock(), action, outcome, recording_id,
                                            self.scrub(principal), self.scrub(reason),
                                            None if request_id is None else self.scrub(request_id)),
                     self._sealer, self._audit_heads)

    def audit_events(self, recording_id: str | None = None) -> Iterator[AuditEvent | Unreadable]:
        """The trail (``vault.audit.events``): an object that is not an event is ``Unreadable``,
        an event that does not verify ``audit.Tampered``, one its recording's head names that is
        gone ``audit.Missing``."""
        return audit.events(self.store, self._sealer, self._audit_heads, recording_id)

    def migrate_audit(self) -> int:
        """Seal the bare audit events of a vault from before events were sealed; returns how
        many. Once done, a bare event is tampering: never sealed. And name every event that
        verifies in its recording's head (a vault's from before heads: from now on its removal
        is seen); the trail read once for both (``audit.migrated``). Safe to re-run."""
        may_seal = self._sealer.may_seal_bare_events()
        sealed = 0
        trails: dict[str, list[str]] = {}
        for name, event, was_bare in audit.migrated(self.store, self._sealer, may_seal):
            sealed += was_bare
            trails.setdefault(event.recording_id, []).append(name)
        if may_seal:
            self._sealer.finish_event_migration()
        for recording_id, names in trails.items():
            self._audit_heads.add(recording_id, names)
        return sealed

    # -- internals ---------------------------------------------------------------------

    def _write_artifacts(self, entry: IndexEntry, slots: Mapping[str, ArtifactInfo],
                         artifacts: Mapping[str, BinaryIO],
                         primary: tuple[str, aead.Aead] | None = None) -> tuple[ArtifactInfo, ...]:
        """Encrypt each of ``artifacts`` as its slot, every data key wrapped by the KEK version
        that was the primary when the write began: resolved once per write, and checked once
        after the last key is stored (on KMS each is a round trip; twice per artifact made a
        call's three artifacts six), or given by the caller. A rotation meanwhile is seen by the
        next write."""
        if not artifacts:
            return ()
        if primary is None:
            primary = self.keys.primary()
        written = tuple(self._write_artifact(entry, slots[kind], src, primary) for kind, src in artifacts.items())
        # once its keys are stored (a retirement from then on sees the version in use)
        version, _ = primary
        if self._retired(version):
            raise VaultError(f"KEK version {version} of region {self.region} was retired during the write; "
                             "try again")
        return written

    def _retired(self, version: str) -> bool:
        """Whether KEK ``version``, resolved as the primary earlier, was retired since. Still the
        primary (no rotation meanwhile, the common case): one cheap read; ``versions()`` lists
        every key of a KMS account, too dear unless the primary moved."""
        return version != self.keys.current() and version not in self.keys.versions()

    def _write_artifact(self, entry: IndexEntry, slot: ArtifactInfo, src: BinaryIO,
                        primary: tuple[str, aead.Aead]) -> ArtifactInfo:
        """Encrypt ``src`` as ``slot``, its data key wrapped by ``primary`` (version, KEK). Its
        wrapped data key is stored before the ciphertext: a retirement (``retire_unused``) while
        the write streams sees its KEK version in use, so ``keys rotate`` and ``keys rewrap``
        meanwhile never retire the version it committed under (storing it after the ciphertext
        left a recording nothing could decrypt: session-46 audit). A version retired before the
        write's first key was stored fails the write (``_write_artifacts``; transient: run again)."""
        ref = self._ref(entry, slot.kind)
        name = key_name(entry.recording_id, slot)
        with self.store.writer(data_name(entry.recording_id, slot)) as out:
            wrapped = envelope.encrypt_stream(src, out, self.keys, ref, primary=primary,
                                              on_wrapped=lambda key: put_bytes(self.key_store, name, key.encode()))
        return dataclasses.replace(slot, key_version=wrapped.version)

    def _destroy_artifact(self, recording_id: str, info: ArtifactInfo) -> None:
        # Key first: once it is gone the ciphertext is noise, even if its delete fails.
        self.key_store.delete(key_name(recording_id, info))
        self.store.delete(key_name(recording_id, info))  # a key from before the key store
        self.store.delete(data_name(recording_id, info))

    def _discard(self, recording_id: str, info: ArtifactInfo) -> None:
        # Clean-up after a failed write; the original error is what the caller must see.
        with contextlib.suppress(VaultError):
            self._destroy_artifact(recording_id, info)

    def _drop_stale_keys(self, recording_id: str, rewritten: list[ArtifactInfo]) -> None:
        # A recording deleted (or re-encrypted) during a re-wrap: a key written again for
        # an artifact that is gone now must not outlive it.
        with contextlib.suppress(VaultError):
            current = self.find(recording_id)
            live = set() if current is None else {(a.kind, a.generation, a.tag) for a in current.artifacts}
            for info in rewritten:
                if (info.kind, info.generation, info.tag) not in live:
                    self.key_store.delete(key_name(recording_id, info))

    def _get_key(self, recording_id: str, info: ArtifactInfo) -> bytes:
        return self._get_key_versioned(recording_id, info)[0]

    def _get_key_versioned(self, recording_id: str, info: ArtifactInfo) -> tuple[bytes, str]:
        """An artifact's wrapped data key and its version token (``ObjectStore.read_versioned``)."""
        name = key_name(recording_id, info)
        try:
            return self.key_store.read_versioned(name)
        except ObjectMissingError:
            pass
        if any(n == name for n in self.store.names(name)):
            raise MigrationNeededError(
                f"recording {recording_id} has its data keys beside the ciphertext (stored before the "
                f"key store existed); run `callrec keys migrate --region {self.region}`")
        raise DecryptionError("cannot decrypt: ciphertext or key is invalid")

    def _stored_meanwhile(self, recording_id: str) -> IndexEntry | None:
        try:
            return self.find(recording_id)
        except VaultError:
            return None

    def _has_entries(self) -> bool:
        return next(iter(self.store.names("index/")), None) is not None

    def _has_events(self) -> bool:
        return next(iter(self.store.names("audit/")), None) is not None

    def _unchanged_since(self, entry: IndexEntry) -> None:
        """Raise unless the stored index entry still is ``entry`` (read before a long write)."""
        current = self.get(entry.recording_id)
        if current.deleted:
            raise VaultInputError(f"recording {entry.recording_id} was deleted")
        if current != entry:
            raise VaultError(f"recording {entry.recording_id} changed during the write; try again")

    def _ref(self, entry: IndexEntry, kind: str) -> ArtifactRef:
        return ArtifactRef(entry.recording_id, entry.account_id, self.region, kind)

    def _owns(self, recording_id: str) -> bool:
        """Whether ``recording_id`` is a well-formed id of this region."""
        try:
            return region_of(recording_id) == self.region
        except VaultInputError:
            return False

    def _check(self, recording_id: str) -> None:
        if region_of(recording_id) != self.region:
            raise VaultInputError(f"recording {recording_id} does not belong to region {self.region}")


#: Who a first write that found its ticket deleted names in its id's tombstone and the trail.
TICKET_DELETION = "ticket-deletion"
#: Who the retention sweep's clean-up of markers names (as worker.stored.operations.RETENTION).
RETENTION_ACTOR = "retention"
#: The reason in the tombstone of a recording whose ticket was deleted while it was stored.
_DELETED_WHILE_STORED = "its ticket was deleted while it was stored"


def _deleted_since(views: tuple[WorkBegan, ...], deletion: str | None) -> bool:
    """Whether the ticket whose last deletion is ``deletion`` (``TicketMarkers.deletion``) was
    deleted since any of ``views`` (this delivery's work beginning, an earlier one's) began."""
    return any(view.deleted_since(deletion) for view in views)


#: How often an update of an index entry or a policy is tried again after losing a compare-and-swap.
_ATTEMPTS = 8
#: Seconds a reader whose keys vanished under a live entry waits for the tombstone of the
#: deletion under way (``changed_since``): a deletion destroys a few objects, then commits.
DELETION_SETTLE_S = 10.0


def _stored_already(found: IndexEntry) -> VaultInputError:
    """Why a first write of a recording stores nothing: it is stored, or its id was deleted."""
    rid = found.recording_id
    return VaultInputError(f"recording {rid} was deleted" if found.deleted else f"recording {rid} is stored already")


def _lists(entry: IndexEntry, written: tuple[ArtifactInfo, ...]) -> bool:
    """Whether ``entry`` is live and lists every artifact object of ``written`` (a commit of them
    was done, whatever its reply said; re-wrapped since or not)."""
    return not entry.deleted and bool(written) and all(_same_object(entry.artifact(a.kind), a) for a in written)


def _same_object(current: ArtifactInfo | None, read: ArtifactInfo | None) -> bool:
    """Whether an entry still lists the very artifact object read earlier (or still none)."""
    if current is None or read is None:
        return current is read
    return (current.kind, current.generation, current.tag) == (read.kind, read.generation, read.tag)


#: Notes of recording ids seen with objects and no index entry (``reclaim_uncommitted``).
_UNCOMMITTED = "uncommitted/"
#: ... destroyed when still without an entry this long after they were first seen.
UNCOMMITTED_AFTER = timedelta(hours=24)


def _read_note(data: bytes) -> tuple[datetime, set[str]] | None:
    """A note's first-seen time and object names, or None when it is not one of this version's."""
    try:
        body = json.loads(data)
        return datetime.fromisoformat(body["seen_at"]), set(body["objects"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return None


def _write_note(store: ObjectStore, name: str, seen: datetime, objects: set[str]) -> None:
    put_bytes(store, name, json.dumps({"seen_at": seen.isoformat(), "objects": sorted(objects)}).encode())


def _generation_of(name: str, kind: str) -> int | None:
    """The generation in an artifact object's name (``.../audio.2-<tag>.enc``), or None."""
    generation = name.rsplit("/", 1)[-1][len(kind) + 1:].partition("-")[0]
    return int(generation) if generation.isdigit() else None


def _index_name(recording_id: str) -> str:
    return f"index/{recording_id}.json"


def data_name(recording_id: str, info: ArtifactInfo) -> str:
    """Object name of an artifact's ciphertext."""
    _check_kind(info.kind)
    return f"data/{recording_id}/{info.kind}.{info.generation}-{info.tag}.enc"


def key_name(recording_id: str, info: ArtifactInfo) -> str:
    """Object name of an artifact's wrapped data key."""
    _check_kind(info.kind)
    return f"keys/{recording_id}/{info.kind}.{info.generation}-{info.tag}.json"


def _slot(kind: str, generation: int) -> ArtifactInfo:
    """Where a new artifact write goes (its key version is filled in once wrapped)."""
    return ArtifactInfo(kind, generation, "", secrets.token_hex(4))


def _check_kind(kind: str) -> None:
    if kind not in ARTIFACT_KINDS:
        raise VaultInputError(f"artifact kind {shown(kind)} is not one of {', '.join(ARTIFACT_KINDS)}")
