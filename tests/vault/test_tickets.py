"""A ticket's recordings found by their markers (vault.tickets), on both stores: only the
ticket's entries are read, a marker is never trusted, an older vault is read whole until
migrated."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.vault.conftest import make_entry
from tests.vault.test_regional import put_call
from vault.errors import VaultInputError
from vault.regional import RegionVault
from vault.stores.base import get_bytes, put_bytes
from vault.tickets import ALL_MARKED


class CountingStore:
    """A store that counts index reads and index listings."""

    def __init__(self, inner):
        self._inner = inner
        self.index_reads = 0
        self.index_listings = 0

    def reader(self, name):
        self.index_reads += name.startswith("index/")
        return self._inner.reader(name)

    def read_versioned(self, name):
        self.index_reads += name.startswith("index/")
        return self._inner.read_versioned(name)

    def names(self, prefix):
        self.index_listings += "index/".startswith(prefix)
        return self._inner.names(prefix)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.fixture
def counted(make_store, make_key_store, make_keys, clock):
    """A region vault over a counting object store (``rv.store``) holding four recordings: two of
    acme's ticket T-7, one of acme's T-8, one of globex's T-7."""
    store = CountingStore(make_store("eu"))
    rv = RegionVault("eu", store, make_keys("eu"), key_store=make_key_store("eu"), clock=clock)
    calls = {
        "a": put_call(rv, make_entry("eu", "CA1", ticket="T-7")),
        "b": put_call(rv, make_entry("eu", "CA2", ticket="T-7")),
        "other_ticket": put_call(rv, make_entry("eu", "CA3", ticket="T-8")),
        "other_account": put_call(rv, make_entry("eu", "CA4", ticket="T-7", account="globex")),
    }
    store.index_reads = store.index_listings = 0
    return rv, calls


def ids(entries) -> list[str]:
    return sorted(e.recording_id for e in entries)


def test_a_tickets_recordings_are_read_alone(counted):
    rv, calls = counted
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])
    assert (rv.store.index_reads, rv.store.index_listings) == (2, 0)  # not every entry
    assert ids(rv.ticket_entries("globex", "T-7")) == [calls["other_account"].recording_id]
    assert ids(rv.ticket_entries("acme", "T-8")) == [calls["other_ticket"].recording_id]
    assert list(rv.ticket_entries("acme", "T-9")) == [] and list(rv.ticket_entries("initech", "T-7")) == []
    assert rv.store.index_listings == 0


def test_marker_names_tell_no_account_or_ticket(counted):
    rv, calls = counted
    markers = [n for n in rv.key_store.names("tickets/")]
    # a marker holds when the write that made it began and its ticket's last deletion then, nothing else
    body = b'{"started_at": "2026-01-15T12:00:00+00:00", "deletion": null}'
    assert len(markers) == 4 and all(get_bytes(rv.key_store, n) == body for n in markers)
    assert not any(word in n for n in markers for word in ("acme", "globex", "T-7", "T-8", "CA1"))
    tags = {n.split("/")[2]: n.split("/")[1] for n in markers}
    assert tags[calls["a"].recording_id] == tags[calls["b"].recording_id]  # one ticket, one tag
    assert len({tags[calls[k].recording_id] for k in ("a", "other_ticket", "other_account")}) == 3


def test_a_forged_marker_names_nothing(counted):
    rv, calls = counted
    tag = next(n for n in rv.key_store.names("tickets/") if calls["a"].recording_id in n).split("/")[1]
    # another account's recording, another region's id, a malformed one, a missing one, a nested name
    for forged in (calls["other_account"].recording_id, "rec_us_dedd4c999a85f71cd2cea184bc6a887a",
                   "rec_eu_not-an-id", "rec_eu_" + "0" * 32, f"{calls['other_ticket'].recording_id}/x"):
        put_bytes(rv.key_store, f"tickets/{tag}/{forged}", b"")
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])


def test_deleted_recordings_are_still_found(counted):
    rv, calls = counted
    rv.delete(calls["a"].recording_id, actor="operator", reason="customer request")
    found = {e.recording_id: e.deleted for e in rv.ticket_entries("acme", "T-7")}
    assert found == {calls["a"].recording_id: True, calls["b"].recording_id: False}


def test_a_write_that_failed_after_its_marker_adds_nothing(counted):
    rv, calls = counted
    entry = make_entry("eu", "CA5", ticket="T-7")
    rv.tickets.mark(entry.account_id, entry.ticket_id, entry.recording_id)  # killed before its commit
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])
    put_call(rv, entry)  # the next delivery
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"], entry])


def test_an_older_vault_is_read_whole_until_migrated(counted):
    rv, calls = counted
    for name in list(rv.key_store.names("tickets/")) + [ALL_MARKED]:  # a vault from before markers
        rv.key_store.delete(name)
    assert not rv.tickets.complete() and list(rv.tickets.recording_ids("acme", "T-7")) == []
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])
    assert (rv.store.index_reads, rv.store.index_listings) == (4, 1)  # every entry: as before markers
    new = put_call(rv, make_entry("eu", "CA5", ticket="T-7"))  # this version marks what it stores, migrated or not
    assert not rv.tickets.complete() and list(rv.tickets.recording_ids("acme", "T-7")) == [new.recording_id]

    assert rv.migrate_tickets() == 5
    assert sorted(rv.tickets.recording_ids("acme", "T-7")) == ids([calls["a"], calls["b"], new])
    rv.store.index_reads = rv.store.index_listings = 0
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"], new])
    assert (rv.store.index_reads, rv.store.index_listings) == (3, 0)
    assert rv.migrate_tickets() == 5  # safe to run again


def test_a_new_vault_marks_itself_complete_before_its_first_entry(make_region):
    rv = make_region("eu")
    assert list(rv.ticket_entries("acme", "T-1")) == []  # no key, nothing stored: nothing to read
    assert not rv.tickets.complete()
    entry = put_call(rv)
    assert rv.tickets.complete() and ids(rv.ticket_entries("acme", "T-1")) == [entry.recording_id]


def test_an_entry_an_older_version_stored_after_the_mark_is_found_once_migrated_again(counted):
    """A rollback, or a worker not yet upgraded: its entry has no marker in a vault marked
    complete, and ticket lookups miss it until ``keys migrate`` runs again (README)."""
    rv, calls = counted
    older = put_call(rv, make_entry("eu", "CA5", ticket="T-7"))
    for name in rv.key_store.names("tickets/"):
        if name.endswith(older.recording_id):
            rv.key_store.delete(name)  # as an older version stores it: no marker
    assert rv.tickets.complete()
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])  # missed
    rv.migrate_tickets()
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"], older])


def test_the_retention_sweep_writes_the_markers_an_older_version_left_out(counted):
    """Session 49 review: nobody has to remember to migrate again: the daily sweep, which reads
    every entry anyway, writes the marker of each that has none (a dry run writes nothing)."""
    from vault.vault import Vault
    from worker.stored.operations import retention_sweep

    rv, calls = counted
    older = put_call(rv, make_entry("eu", "CA5", ticket="T-7"))
    for name in rv.key_store.names("tickets/"):
        if name.endswith(older.recording_id):
            rv.key_store.delete(name)  # as an older version stores it: no marker
    assert retention_sweep(Vault({"eu": rv}), dry_run=True).tickets_marked == 0
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])  # missed
    assert retention_sweep(Vault({"eu": rv})).tickets_marked == 1
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"], older])
    assert retention_sweep(Vault({"eu": rv})).tickets_marked == 0  # nothing missing: one listing, no write


def test_a_recording_whose_entry_was_altered_is_still_deleted_with_its_ticket(counted):
    """Session 49 review: someone who may write the object store alters an entry so that it no
    longer verifies; the full read and the markers alike left such a recording out of its
    ticket's deletion, playable again once the entry is put back. Its marker (in the key store)
    still names it: the deletion destroys it whole, as ``delete`` destroys any entry that does
    not verify."""
    import json as json_

    from vault.vault import Vault
    from worker.stored.operations import delete_ticket

    rv, calls = counted
    name = f"index/{calls['a'].recording_id}.json"
    body = json_.loads(get_bytes(rv.store, name))
    body["public"] = True  # an edit without the MAC key
    put_bytes(rv.store, name, json_.dumps(body).encode())
    assert ids(rv.ticket_entries("acme", "T-7")) == [calls["b"].recording_id]
    assert rv.ticket_unverifiable("acme", "T-7") == [calls["a"].recording_id]
    assert rv.ticket_unverifiable("globex", "T-7") == []
    outcome = delete_ticket("T-7", "acme", Vault({"eu": rv}), actor="operator", reason="customer request")
    assert sorted(outcome.recording_ids) == ids([calls["a"], calls["b"]]) and outcome.deleted == 2
    assert not [n for n in rv.key_store.names("keys/") if calls["a"].recording_id in n]  # its keys destroyed
    assert rv.get(calls["a"].recording_id).deleted and not rv.get(calls["other_account"].recording_id).deleted


def test_what_a_tickets_deletion_finds_is_read_once(counted):
    rv, calls = counted
    name = f"index/{calls['a'].recording_id}.json"
    put_bytes(rv.store, name, get_bytes(rv.store, name).replace(b'"public": false', b'"public": true'))
    rv.store.index_reads = 0
    found = list(rv.ticket_found("acme", "T-7"))
    assert rv.store.index_reads == 2  # one read per marker: the verified entry and the altered one
    assert sorted(e if isinstance(e, str) else e.recording_id for e in found) == ids([calls["a"], calls["b"]])
    assert [e for e in found if isinstance(e, str)] == [calls["a"].recording_id]


# -- a ticket's deletion racing a first write of one of its recordings (session-50 review) ------


class Killed(BaseException):
    """A writer stopped dead (its process killed) at the point a test chose."""


def _delete_ticket(rv, ticket="T-7"):
    from vault.vault import Vault
    from worker.stored.operations import delete_ticket

    return delete_ticket(ticket, "acme", Vault({"eu": rv}), actor="operator", reason="customer request")


def _left_of(rv, rid) -> list[str]:
    """The keys and ciphertexts stored under ``rid``."""
    return [n for s, p in ((rv.key_store, "keys/"), (rv.store, "data/")) for n in s.names(f"{p}{rid}/")]


def _refused_as_deleted(rv, entry):
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        put_call(rv, entry)
    assert rv.get(entry.recording_id).deleted and _left_of(rv, entry.recording_id) == []


def _during(monkeypatch, rv, method, action):
    """Run ``action`` once, just after ``rv.<method>`` (patched on the instance) returns."""
    real = getattr(rv, method)

    def patched(*args, **kwargs):
        result = real(*args, **kwargs)
        if not patched.done:
            patched.done = True
            action()
        return result

    patched.done = False
    monkeypatch.setattr(rv, method, patched)


def _killed_after_its_marker_as_its_ticket_is_deleted(rv, monkeypatch, entry):
    """A first write of ``entry`` during which its ticket is deleted (before its marker: the
    deletion lists no marker of it), killed just after writing its marker."""
    _during(monkeypatch, rv, "_write_artifacts", lambda: _delete_ticket(rv))
    real_mark = rv.tickets.mark

    def mark_then_die(*args, **kwargs):
        real_mark(*args, **kwargs)
        raise Killed()

    monkeypatch.setattr(rv.tickets, "mark", mark_then_die)
    with pytest.raises(Killed):
        put_call(rv, entry)
    monkeypatch.undo()


@pytest.mark.parametrize("point", ["before the marker", "between the marker and the commit"])
def test_a_first_write_in_flight_when_its_ticket_is_deleted_never_commits(counted, monkeypatch, point):
    """A ticket's deletion ran while a first write of one of its recordings was in flight: it
    found no entry under the write's marker (or no marker yet), so it deleted nothing of it, and
    the write then committed: a recording of a ticket the customer asked to delete, playable
    afterwards. The deletion tombstones the ticket (and each id its markers name that has no
    entry yet); the write finds that, destroys what it wrote and tombstones its id."""
    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    outcomes = []
    if point == "before the marker":
        _during(monkeypatch, rv, "_write_artifacts", lambda: outcomes.append(_delete_ticket(rv)))
    else:
        _during(monkeypatch, rv.tickets, "mark", lambda: outcomes.append(_delete_ticket(rv)))
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        put_call(rv, entry)
    monkeypatch.undo()
    [outcome] = outcomes
    assert outcome.deleted == len(outcome.recording_ids)  # a and b, and the write's id once it was marked
    stone = rv.get(entry.recording_id)
    assert stone.deleted and (stone.account_id, stone.ticket_id) == ("acme", "T-7") and stone.artifacts == ()
    assert _left_of(rv, entry.recording_id) == []
    _refused_as_deleted(rv, entry)  # a redelivery of its job stores nothing either
    assert not rv.get(calls["other_ticket"].recording_id).deleted  # the ticket's alone
    assert not rv.get(calls["other_account"].recording_id).deleted


def test_a_write_killed_after_its_marker_is_refused_on_redelivery_after_the_tickets_deletion(counted, monkeypatch,
                                                                                             clock):
    """The deletion listed the markers before the write marked (so it tombstoned no id), and the
    write was killed before it saw the ticket's tombstone. Its job is redelivered after the
    deletion: the marker holds when the first delivery began, before the deletion, so the
    redelivery is refused too (and tombstones the id)."""
    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    _killed_after_its_marker_as_its_ticket_is_deleted(rv, monkeypatch, entry)
    assert rv.find(entry.recording_id) is None  # nothing committed, nothing tombstoned yet
    clock.advance(minutes=5)
    _refused_as_deleted(rv, entry)


def test_a_recording_committed_before_its_tickets_deletion_is_deleted_with_it(counted):
    rv, calls = counted
    entry = put_call(rv, make_entry("eu", "CA9", ticket="T-7"))
    outcome = _delete_ticket(rv)
    assert entry.recording_id in outcome.recording_ids and outcome.deleted == 3
    assert rv.get(entry.recording_id).deleted
    _refused_as_deleted(rv, entry)


def test_a_recording_of_the_ticket_begun_after_its_deletion_is_a_new_recording(counted, clock):
    """A ticket's deletion deletes what is stored or being stored when it runs; a later call on
    the same ticket is a new recording, stored (and deleted by the ticket's next deletion)."""
    rv, calls = counted
    _delete_ticket(rv)
    clock.advance(seconds=1)
    later = put_call(rv, make_entry("eu", "CA9", ticket="T-7"))
    assert not rv.get(later.recording_id).deleted
    assert _delete_ticket(rv).deleted == 1 and rv.get(later.recording_id).deleted
    # a write whose work began before that second deletion, and that commits after it, is refused
    entry = make_entry("eu", "CA10", ticket="T-7")
    began = rv.tickets.began("acme", "T-7", clock.now)
    _delete_ticket(rv)
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        rv.put(entry, {"audio": io.BytesIO(b"audio")}, began=began)
    assert rv.get(entry.recording_id).deleted and _left_of(rv, entry.recording_id) == []


def test_a_call_begun_between_the_tickets_tombstone_and_the_listing_is_stored(counted, monkeypatch, clock):
    """A call whose work began just after the deletion wrote the ticket's tombstone, and marked
    before the deletion listed the markers, was tombstoned by it (a recording begun after the
    deletion lost). Its marker holds the deletion it saw as it began: this one, so it is left."""
    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    began = []

    def begin():
        began.append(rv.tickets.began("acme", "T-7", clock.now))
        rv.tickets.mark("acme", "T-7", entry.recording_id, began[0])

    _during(monkeypatch, rv.tickets, "bury", begin)
    outcome = _delete_ticket(rv)
    monkeypatch.undo()
    assert entry.recording_id not in outcome.recording_ids and outcome.deleted == 2
    stored = rv.put(entry, {"audio": io.BytesIO(b"audio")}, began=began[0])
    assert not rv.get(stored.recording_id).deleted


def _deletion_elsewhere(rv, skew):
    """A ticket's deletion run by another process (the API server, an operator's CLI) whose clock
    is ``skew`` off the worker's."""
    other = RegionVault("eu", rv.store, rv.keys, key_store=rv.key_store, clock=lambda: rv.clock() + skew)
    return lambda: _delete_ticket(other)


def test_a_call_begun_after_its_tickets_deletion_is_stored_whatever_the_deleters_clock_says(counted, clock):
    """The deletion ran on a machine whose clock is a minute ahead of the worker's: a call on the
    ticket whose processing began after it (a second later) was destroyed as if it had begun
    before (the deleter's time compared with the worker's), and so would every call for as long
    as the skew (a customer's recording lost; a clock years ahead lost every later call)."""
    rv, calls = counted
    _deletion_elsewhere(rv, timedelta(minutes=1))()
    clock.advance(seconds=1)
    later = put_call(rv, make_entry("eu", "CA9", ticket="T-7"))
    assert not rv.get(later.recording_id).deleted and _left_of(rv, later.recording_id) != []


def test_a_write_in_flight_never_commits_whatever_the_deleters_clock_says(counted, monkeypatch, clock):
    """The deletion ran, on a machine whose clock is a minute behind the worker's, while a first
    write was in flight (before its marker: the deletion listed no marker of it). The write took
    the deletion for one before it began and committed: a playable recording of a deleted
    ticket."""
    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    _during(monkeypatch, rv, "_write_artifacts", _deletion_elsewhere(rv, -timedelta(minutes=1)))
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        put_call(rv, entry)
    monkeypatch.undo()
    assert rv.get(entry.recording_id).deleted and _left_of(rv, entry.recording_id) == []


def test_a_redelivery_over_an_older_versions_marker_is_stored_when_its_ticket_was_deleted_before(counted, clock):
    """An older version's first write left an empty marker (no time) and was killed; the ticket
    had been deleted before. Its redelivery took the unknown time for one before the deletion and
    destroyed the recording. A deletion after that marker was written would have found it and
    tombstoned the id; one before it did not, so the redelivery stores the recording."""
    rv, calls = counted
    _delete_ticket(rv)
    clock.advance(days=1)
    entry = make_entry("eu", "CA9", ticket="T-7")
    [marker] = _marker_of(rv, calls["a"].recording_id)
    put_bytes(rv.key_store, f"{marker.rpartition('/')[0]}/{entry.recording_id}", b"")
    stored = put_call(rv, entry)
    assert not rv.get(stored.recording_id).deleted
    assert rv.reclaim_markers() == 0 and len(_marker_of(rv, entry.recording_id)) == 1


def test_an_altered_ticket_tombstone_is_a_deletion_still(counted, monkeypatch):
    """A ticket tombstone that holds no deletion id (altered in the key store) counts as one:
    a write in flight when it appears does not commit."""
    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")

    def altered():
        rv.tickets.bury("acme", "T-7", rv.clock())
        [stone] = [n for n in rv.key_store.names("tickets/") if n.endswith("/deleted")]
        put_bytes(rv.key_store, stone, b"\xff not json")

    _during(monkeypatch, rv, "_write_artifacts", altered)
    with pytest.raises(VaultInputError, match="was deleted"):
        put_call(rv, entry)
    monkeypatch.undo()
    later = put_call(rv, make_entry("eu", "CA10", ticket="T-7"))  # begun after: stored
    assert not rv.get(later.recording_id).deleted


# -- markers of first writes that never commit (session-50 review) ------------------------------


def _marker_of(rv, rid) -> list[str]:
    return [n for n in rv.key_store.names("tickets/") if n.endswith(f"/{rid}")]


def test_the_sweep_removes_a_marker_whose_write_never_committed_once_no_writer_can_be_live(counted, clock):
    """A first write killed after its marker and never run again left its marker for good (an
    object naming no entry). ``reclaim_markers`` (the retention sweep) removes one SETTLE_AFTER
    (longer than a job may run, CALLREC_JOB_TIME_LIMIT_S) after its write began, not a second
    sooner; a committed recording's marker, a deleted one's and the ticket's tombstone stay."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    rv.delete(calls["b"].recording_id, actor="operator", reason="customer request")
    rv.tickets.bury("acme", "T-8", clock.now - timedelta(days=30))
    never = make_entry("eu", "CA9", ticket="T-7").recording_id
    rv.tickets.mark("acme", "T-7", never, rv.tickets.began("acme", "T-7", clock.now))
    before, [marker] = set(rv.key_store.names("tickets/")), _marker_of(rv, never)
    clock.advance(seconds=SETTLE_AFTER.total_seconds() - 1)
    assert rv.reclaim_markers() == 0 and set(rv.key_store.names("tickets/")) == before
    clock.advance(seconds=1)
    from vault.vault import Vault
    from worker.stored.operations import retention_sweep

    assert retention_sweep(Vault({"eu": rv})).markers_removed == 1
    assert set(rv.key_store.names("tickets/")) == before - {marker}
    assert rv.find(never) is None  # nothing tombstoned: its ticket was never deleted
    assert rv.reclaim_markers() == 0


def test_an_old_marker_of_a_write_begun_before_its_tickets_deletion_becomes_a_tombstone(counted, monkeypatch,
                                                                                        clock):
    """The marker of a write killed after it (the deletion had listed the markers before it)
    holds when the write began, before the deletion: removed, a redelivery after it would have
    begun anew and committed. The sweep tombstones the id instead: the redelivery is refused."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    _killed_after_its_marker_as_its_ticket_is_deleted(rv, monkeypatch, entry)
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    assert rv.reclaim_markers() == 1 and _marker_of(rv, entry.recording_id) == []
    _refused_as_deleted(rv, entry)


def test_a_marker_the_sweep_removes_under_a_live_redelivery_is_written_again_by_its_commit(counted, monkeypatch,
                                                                                          clock):
    """A redelivery days later reuses its first delivery's marker; the sweep may remove it between
    the redelivery's marking and its commit. The commit writes it again: its ticket's deletion
    still finds the recording."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    # a first delivery killed after it
    rv.tickets.mark("acme", "T-7", entry.recording_id, rv.tickets.began("acme", "T-7", clock.now))
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    def racing_sweep():
        with monkeypatch.context() as racing:  # its looks for a write under way raced this one's keys
            racing.setattr(rv, "_has_keys", lambda rid: False)
            assert rv.reclaim_markers() == 1

    _during(monkeypatch, rv.tickets, "mark", racing_sweep)
    stored = put_call(rv, entry)
    monkeypatch.undo()
    assert len(_marker_of(rv, entry.recording_id)) == 1
    assert entry.recording_id in ids(rv.ticket_entries("acme", "T-7"))
    clock.advance(seconds=1)
    assert _delete_ticket(rv).deleted == 3 and rv.get(stored.recording_id).deleted


def test_a_commit_whose_marker_the_sweep_removed_and_whose_ticket_was_deleted_meanwhile_deletes_itself(
        counted, monkeypatch, clock):
    """The sweep removed the marker after the write read the ticket's tombstone (none), then the
    ticket's deletion listed the markers without it: the commit, writing its marker again, reads
    the tombstone again and deletes the recording it just committed."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    rv.tickets.mark("acme", "T-7", entry.recording_id, rv.tickets.began("acme", "T-7", clock.now))
    clock.advance(seconds=SETTLE_AFTER.total_seconds())

    def sweep_then_delete():
        with monkeypatch.context() as racing:  # the sweep's looks for a write under way raced this one's keys
            racing.setattr(rv, "_has_keys", lambda rid: False)
            assert rv.reclaim_markers() == 1
        assert entry.recording_id not in _delete_ticket(rv).recording_ids

    began = rv.tickets.began("acme", "T-7", clock.now)  # (the tombstone read as the work began)
    _during(monkeypatch, rv.tickets, "deletion", sweep_then_delete)
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        rv.put(entry, {"audio": io.BytesIO(b"audio")}, began=began)
    monkeypatch.undo()
    assert rv.get(entry.recording_id).deleted and _left_of(rv, entry.recording_id) == []


def test_an_older_versions_empty_marker_is_aged_from_when_a_sweep_first_saw_it(counted, clock):
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    [marker] = _marker_of(rv, calls["a"].recording_id)
    never = f"{marker.rpartition('/')[0]}/{make_entry('eu', 'CA9').recording_id}"
    put_bytes(rv.key_store, never, b"")  # an older version's write, killed after its marker
    assert rv.reclaim_markers() == 0 and get_bytes(rv.key_store, never) == b'{"seen_at": "2026-01-15T12:00:00+00:00"}'
    clock.advance(seconds=SETTLE_AFTER.total_seconds() - 1)
    assert rv.reclaim_markers() == 0
    clock.advance(seconds=1)
    assert rv.reclaim_markers() == 1 and never not in set(rv.key_store.names("tickets/"))


# -- windows left by session 50 (session-51 leftovers) ---------------------------------------------


@pytest.mark.parametrize("fault", ["once", "until the redelivery"])
def test_a_commit_whose_marker_was_removed_and_that_cannot_read_the_tombstone_again_is_not_kept(
        counted, monkeypatch, clock, fault):
    """The sweep removed the marker of a redelivery under it (between its marking and its commit)
    and the ticket's deletion then listed the markers without it; the commit writes its marker
    again, but the key store fails the read of the ticket's tombstone that follows: the write took
    its commit for done, and the recording of the deleted ticket stayed, playable. The check is
    tried again (a fault once: the recording is deleted); a fault that lasts fails the write (a
    transient error: the job is retried), and the redelivery, finding the call stored, reads the
    marker written back: the ticket was deleted after the work began, so the recording goes."""
    from vault.errors import StoreError
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    rid = entry.recording_id
    rv.tickets.mark("acme", "T-7", rid, rv.tickets.began("acme", "T-7", clock.now))  # a first delivery, killed
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    began = rv.tickets.began("acme", "T-7", clock.now)
    real = rv.tickets.deletion
    reads = []

    def deletion(account_id, ticket_id):
        reads.append(1)
        if len(reads) == 1:  # the check before the commit, then the sweep and the deletion
            found = real(account_id, ticket_id)
            [marker] = _marker_of(rv, rid)
            rv.tickets.remove(marker)  # as the sweep removes it (its look for a live write raced this one)
            assert rid not in _delete_ticket(rv).recording_ids
            return found
        if len(reads) == 2 or fault != "once":
            raise StoreError("injected: key store unavailable")
        return real(account_id, ticket_id)

    monkeypatch.setattr(rv.tickets, "deletion", deletion)
    if fault == "once":
        with pytest.raises(VaultInputError, match=f"recording {rid} was deleted"):
            rv.put(entry, {"audio": io.BytesIO(b"audio")}, began=began)
        monkeypatch.undo()
    else:
        with pytest.raises(StoreError, match="injected"):
            rv.put(entry, {"audio": io.BytesIO(b"audio")}, began=began)
        monkeypatch.undo()
        assert not rv.get(rid).deleted  # committed; the redelivery finds it stored
        assert rv.recheck_ticket(rv.get(rid)).deleted
    assert rv.get(rid).deleted and _left_of(rv, rid) == []
    assert rv.recheck_ticket(rv.get(rid)).deleted  # (a deleted one is left as it is)


def test_a_stored_call_whose_marker_says_its_ticket_was_deleted_since_is_kept_only_without_one(counted, clock):
    """What ``recheck_ticket`` decides for a live entry: a marker holding a deletion other than
    the ticket's last (a deletion after its work began that missed it) deletes it; one holding
    the last, or no time (an older version's), or none (written back, empty) keeps it."""
    from vault.tickets import WorkBegan

    rv, calls = counted
    a, b, other = calls["a"], calls["b"], calls["other_ticket"]
    rv.tickets.bury("acme", "T-7", clock.now)
    [marker_a] = _marker_of(rv, a.recording_id)
    put_bytes(rv.key_store, marker_a, b"")  # an older version's: cannot tell
    assert not rv.recheck_ticket(a).deleted
    [marker_b] = _marker_of(rv, b.recording_id)
    rv.tickets.remove(marker_b)
    assert not rv.recheck_ticket(b).deleted and len(_marker_of(rv, b.recording_id)) == 1
    assert get_bytes(rv.key_store, marker_b) == b""  # written back, empty
    now = rv.tickets.deletion("acme", "T-8")
    [marker_o] = _marker_of(rv, other.recording_id)
    put_bytes(rv.key_store, marker_o, WorkBegan(clock.now, now).body())
    assert not rv.recheck_ticket(other).deleted
    rv.tickets.bury("acme", "T-8", clock.now)
    assert rv.recheck_ticket(other).deleted and rv.get(other.recording_id).deleted


def test_an_entry_hidden_from_the_sweep_keeps_its_marker(counted, clock):
    """Someone who may write the object store (not the key store) hid a recording's entry during
    a sweep a week after it was stored: its marker named no entry, its write began 7 days ago, so
    the sweep removed it; the entry put back, a ticket's deletion (markers only) missed the
    recording until the next sweep. A marker whose recording still has keys in the key store (out
    of the object store's writers' reach) is never removed: the deletion finds it."""
    from vault.index import SETTLE_AFTER
    from vault.vault import Vault
    from worker.stored.operations import retention_sweep

    rv, calls = counted
    a = calls["a"].recording_id
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    name = f"index/{a}.json"
    hidden = get_bytes(rv.store, name)
    rv.store.delete(name)
    assert retention_sweep(Vault({"eu": rv})).markers_removed == 0
    put_bytes(rv.store, name, hidden)
    assert len(_marker_of(rv, a)) == 1
    assert a in _delete_ticket(rv).recording_ids and rv.get(a).deleted and _left_of(rv, a) == []


def test_the_sweep_gives_a_marker_back_when_a_write_appears_under_it_as_it_is_removed(counted, monkeypatch, clock):
    """The sweep looked for keys under a marker's id (none: a first delivery killed before its
    write) just before a redelivery wrote its keys and its marker (there already); the sweep then
    removed it. Having removed it, the sweep looks again, finds the write under way and writes the
    marker back as it was, so a ticket's deletion before the commit still finds the write."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    rid = entry.recording_id
    rv.tickets.mark("acme", "T-7", rid, rv.tickets.began("acme", "T-7", clock.now))  # a first delivery, killed
    [marker] = _marker_of(rv, rid)
    first = get_bytes(rv.key_store, marker)
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    real_remove = rv.tickets.remove

    def remove_as_a_write_begins(name):
        rv.key_store.create(f"keys/{rid}/audio.1-0000abcd.json", b"{}")  # the redelivery's first key
        real_remove(name)

    monkeypatch.setattr(rv.tickets, "remove", remove_as_a_write_begins)
    assert rv.reclaim_markers() == 0
    monkeypatch.undo()
    assert get_bytes(rv.key_store, marker) == first and rv.find(rid) is None
    assert rid in _delete_ticket(rv).recording_ids and rv.get(rid).deleted


def test_a_marker_the_sweep_removes_as_a_redelivery_marks_reads_as_none(counted, monkeypatch, clock):
    """A redelivery's ``mark`` found a marker there (a first delivery's, killed before its keys,
    SETTLE_AFTER old) and the sweep removed it before ``mark`` read it: the read raised
    ObjectMissingError (a VaultInputError: the delivery failed for good, not retried). It reads
    as a marker gone (None), as ``recheck_ticket`` read its own; the commit writes it back."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    rid = entry.recording_id
    rv.tickets.mark("acme", "T-7", rid, rv.tickets.began("acme", "T-7", clock.now))  # a first delivery, killed
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    real_restore = rv.tickets.restore

    def restore_then_swept(*args):
        written = real_restore(*args)
        assert rv.reclaim_markers() == 1
        return written

    monkeypatch.setattr(rv.tickets, "restore", restore_then_swept)
    assert rv.tickets.mark("acme", "T-7", rid, rv.tickets.began("acme", "T-7", clock.now)) is None
    monkeypatch.undo()
    assert _marker_of(rv, rid) == []
    assert not put_call(rv, entry).deleted and len(_marker_of(rv, rid)) == 1


def test_a_first_write_in_a_new_region_when_its_ticket_is_deleted_never_commits(make_region, monkeypatch):
    """A region that never stored anything has no index key, so a ticket's deletion wrote no
    tombstone there (nothing to name it with) and the region's very first write, in flight,
    committed: a recording of the deleted ticket. The deletion makes the key and writes it."""
    rv = make_region("eu")
    entry = make_entry("eu", "CA1", ticket="T-7")
    _during(monkeypatch, rv, "_write_artifacts", lambda: _delete_ticket_if_any(rv))
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} was deleted"):
        put_call(rv, entry)
    monkeypatch.undo()
    assert rv.get(entry.recording_id).deleted and _left_of(rv, entry.recording_id) == []
    assert not put_call(rv, make_entry("eu", "CA2", ticket="T-7")).deleted  # begun after: stored


def _delete_ticket_if_any(rv):
    from vault.errors import ObjectMissingError

    with pytest.raises(ObjectMissingError, match="no recordings"):  # none listed: the write had not marked
        _delete_ticket(rv)


@pytest.mark.xfail(strict=True, reason="the window the README's reliability section names: a redelivery more "
                                       "than 7 days late, after a deletion that followed the sweep's removal")
def test_a_redelivery_a_week_late_after_its_markers_removal_and_its_tickets_deletion_is_refused(counted, clock):
    """The first delivery began, marked and died before its vault write (or its keys went as an
    uncommitted write's); the sweep removed its marker 7 days later (its ticket not deleted yet),
    then the ticket was deleted (no marker listed: nothing tombstoned), then the job was
    redelivered (``callrec jobs retry`` of a failed job): it began after the deletion, so it is
    stored, though its call's work began before it. Left open (session 51): nothing is left that
    tells when the first delivery began."""
    from vault.index import SETTLE_AFTER

    rv, calls = counted
    entry = make_entry("eu", "CA9", ticket="T-7")
    rv.tickets.mark("acme", "T-7", entry.recording_id, rv.tickets.began("acme", "T-7", clock.now))
    clock.advance(seconds=SETTLE_AFTER.total_seconds())
    assert rv.reclaim_markers() == 1
    assert entry.recording_id not in _delete_ticket(rv).recording_ids
    clock.advance(days=1)
    _refused_as_deleted(rv, entry)
