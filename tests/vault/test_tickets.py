"""A ticket's recordings found by their markers (vault.tickets), on both stores: only the
ticket's entries are read, a marker is never trusted, an older vault is read whole until
migrated."""

from __future__ import annotations

import pytest

from tests.vault.conftest import make_entry
from tests.vault.test_regional import put_call
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
    assert len(markers) == 4 and all(get_bytes(rv.key_store, n) == b"" for n in markers)
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
    assert rv.tickets.recording_ids("acme", "T-7") is None
    assert ids(rv.ticket_entries("acme", "T-7")) == ids([calls["a"], calls["b"]])
    assert (rv.store.index_reads, rv.store.index_listings) == (4, 1)  # every entry: as before markers
    new = put_call(rv, make_entry("eu", "CA5", ticket="T-7"))  # this version marks what it stores, migrated or not
    assert rv.tickets.recording_ids("acme", "T-7") is None

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
