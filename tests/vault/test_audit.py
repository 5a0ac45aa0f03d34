"""The audit trail is sealed: each event carries a MAC over its object name and content, under
the region's index key with a label of its own; one that does not verify is reported as
tampered (by its object name only), never shown as true."""

from __future__ import annotations

import json

import pytest

from tests.vault.conftest import clock, make_key_store, make_keys, make_region, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from vault.audit import AuditEvent, Missing, Tampered
from vault.index import Unreadable
from vault.regional import RegionVault
from vault.stores.base import get_bytes, put_bytes

RID = make_entry("eu", "CA1").recording_id
OTHER = make_entry("eu", "CA2").recording_id


def audited(rv: RegionVault, rid: str = RID, reason: str = "r") -> str:
    """Records one event for ``rid``; returns its object name."""
    before = set(rv.store.names("audit/"))
    rv.audit("export", "allowed", rid, "agent:ann", reason)
    (name,) = set(rv.store.names("audit/")) - before
    rv.clock.advance(seconds=1)  # the next event sorts after this one
    return name


def edit(rv: RegionVault, name: str, **changes) -> None:
    body = json.loads(get_bytes(rv.store, name))
    body.update(changes)
    put_bytes(rv.store, name, json.dumps(body).encode())


def test_an_event_is_stored_with_its_mac_and_read_back(make_region, clock):
    rv = make_region("eu")
    at = clock.now
    name = audited(rv)
    stored = json.loads(get_bytes(rv.store, name))
    assert sorted(stored) == ["action", "at", "mac", "outcome", "principal", "reason", "recording_id"]
    assert list(rv.audit_events(RID)) == [AuditEvent(at, "export", "allowed", RID, "agent:ann", "r")]


@pytest.mark.parametrize(("field", "value"), [
    ("outcome", "refused"), ("principal", "agent:eve"), ("reason", "x"), ("at", "2026-01-16T12:00:00+00:00"),
    ("action", "delete"), ("request_id", "req-1"),
])
def test_an_edited_event_is_reported_tampered(make_region, field, value):
    rv = make_region("eu")
    audited(rv)
    name = audited(rv)
    edit(rv, name, **{field: value})
    events = list(rv.audit_events(RID))
    assert len(events) == 2 and isinstance(events[0], AuditEvent)
    assert events[1] == Tampered(name, "does not verify (altered, moved, or not written by this vault)")


def test_an_event_moved_to_another_name_or_recording_is_tampered(make_region):
    rv = make_region("eu")
    name = audited(rv)
    moved = name.replace(".json", "0.json")
    put_bytes(rv.store, moved, get_bytes(rv.store, name))
    rv.store.delete(name)
    assert [type(e) for e in rv.audit_events(RID)] == [Tampered, Missing]  # the copy, and where it was
    # An event of one recording relabelled as another's: tampered in the trail it claims.
    other = audited(rv, OTHER)
    edit(rv, other, recording_id=RID)
    assert [e.name for e in rv.audit_events(RID)] == sorted([moved, other]) + [name]
    assert list(rv.audit_events(OTHER)) == [missing(other, OTHER)]


def test_a_forged_event_from_another_regions_vault_is_tampered(make_region):
    eu, us = make_region("eu"), make_region("us")
    audited(eu)  # the eu key exists
    rid = make_entry("us", "CA1").recording_id
    name = audited(us, rid)
    put_bytes(eu.store, name, get_bytes(us.store, name).replace(rid.encode(), RID.encode()))
    assert [e for e in eu.audit_events(RID) if isinstance(e, Tampered)] == [
        Tampered(name, "does not verify (altered, moved, or not written by this vault)")]


def test_a_tampered_event_of_another_recording_is_not_in_this_ones_trail(make_region):
    rv = make_region("eu")
    audited(rv)
    edit(rv, audited(rv, OTHER), reason="x")
    assert [type(e) for e in rv.audit_events(RID)] == [AuditEvent]
    assert [type(e) for e in rv.audit_events()] == [AuditEvent, Tampered]


def test_an_object_that_is_no_event_is_still_unreadable_in_every_trail(make_region):
    rv = make_region("eu")
    audited(rv)
    put_bytes(rv.store, "audit/2026-01-15/junk.json", b"[1]")
    events = list(rv.audit_events(RID))
    assert events[1:] == [Unreadable("audit/2026-01-15/junk.json", "not an audit event (TypeError)")]


def bare(rv: RegionVault, name: str) -> None:
    body = json.loads(get_bytes(rv.store, name))
    del body["mac"]
    put_bytes(rv.store, name, json.dumps(body).encode())


def test_a_bare_event_under_a_name_with_no_day_is_unreadable_and_never_sealed(make_store, make_key_store,
                                                                              make_keys, clock):
    """Whoever writes the object store could put a bare event under ``audit/x.json`` (no day):
    ``keys migrate`` sealed it (it takes an older vault's bare events) and then failed naming it
    in a day's head; it is no event's name (every name has carried its day), so it is
    unreadable in the trail and left alone."""
    rv = RegionVault("eu", make_store("eu"), make_keys("eu"), key_store=make_key_store("eu"), clock=clock)
    name = audited(rv)
    rv.key_store.delete("seal/audit-sealed.json")  # a vault from before sealed events
    body = json.loads(get_bytes(rv.store, name))
    del body["mac"]
    put_bytes(rv.store, "audit/stray.json", json.dumps(body).encode())
    assert rv.migrate_audit() == 0
    assert "mac" not in json.loads(get_bytes(rv.store, "audit/stray.json"))
    assert list(rv.audit_events())[1:] == [Unreadable("audit/stray.json", "not an audit event's name")]


def test_bare_events_of_an_older_vault_are_read_until_migrated_then_tampering(make_store, make_key_store,
                                                                             make_keys, clock):
    def fresh():  # a new process: nothing cached
        return RegionVault("eu", make_store("eu"), make_keys("eu"), key_store=make_key_store("eu"), clock=clock)

    rv = fresh()
    first, second = audited(rv, reason="a"), audited(rv, reason="b")
    rv.key_store.delete("seal/audit-sealed.json")  # a vault from before sealed events
    bare(rv, first)
    bare(rv, second)
    rv = fresh()
    assert [e.reason for e in rv.audit_events(RID)] == ["a", "b"]
    assert rv.migrate_audit() == 2
    assert rv.migrate_audit() == 0
    assert "mac" in json.loads(get_bytes(rv.store, first))
    assert [e.reason for e in fresh().audit_events(RID)] == ["a", "b"]
    bare(rv, second)  # a bare event appearing later: tampering, never sealed
    assert fresh().migrate_audit() == 0
    assert [type(e) for e in fresh().audit_events(RID)] == [AuditEvent, Tampered]


def test_keys_migrate_reads_each_event_once(make_store, make_key_store, make_keys, clock, monkeypatch):
    """It read the whole trail twice: once for the bare events it seals, again for those that
    verify (named in their recordings' heads); one pass does both."""
    rv = RegionVault("eu", make_store("eu"), make_keys("eu"), key_store=make_key_store("eu"), clock=clock)
    names = [audited(rv, reason="a"), audited(rv, reason="b"), audited(rv, OTHER)]
    rv.key_store.delete("seal/audit-sealed.json")  # a vault from before sealed events ...
    for rid in (RID, OTHER):
        rv.key_store.delete(f"seal/audit/{rid}/2026-01-15.json")  # ... and before heads
    bare(rv, names[0])
    rv = RegionVault("eu", rv.store, make_keys("eu"), key_store=rv.key_store, clock=clock)
    reads: list[str] = []
    real_reader = rv.store.reader
    monkeypatch.setattr(rv.store, "reader", lambda name: reads.append(name) or real_reader(name))
    assert rv.migrate_audit() == 1
    assert sorted(reads) == names
    assert json.loads(get_bytes(rv.key_store, f"seal/audit/{RID}/2026-01-15.json")) == {"events": names[:2]}
    assert json.loads(get_bytes(rv.key_store, f"seal/audit/{OTHER}/2026-01-15.json")) == {"events": names[2:]}
    assert [e.reason for e in rv.audit_events(RID)] == ["a", "b"]


def test_a_new_vault_takes_no_bare_event(make_region):
    rv = make_region("eu")
    bare(rv, audited(rv))
    assert [type(e) for e in rv.audit_events(RID)] == [Tampered]
    assert rv.migrate_audit() == 0


def test_an_older_vault_with_only_bare_events_and_no_key_keeps_them_readable(make_store, make_key_store,
                                                                             make_keys, clock):
    rv = RegionVault("eu", make_store("eu"), make_keys("eu"), key_store=make_key_store("eu"), clock=clock)
    event = AuditEvent(clock.now, "export", "refused", RID, "agent:ann", "no such recording")
    put_bytes(rv.store, "audit/2026-01-15/20260115T110000.000000-aaaaaaaaaaaa.json", event.encode())
    audited(rv)  # its first sealed event makes the key: the vault is not taken for a new one
    assert [e.reason for e in rv.audit_events(RID)] == ["no such recording", "r"]
    assert rv.migrate_audit() == 1


# -- removal (session 56): each recording's head in the key store names its events ---------------

def missing(name: str, rid: str = RID) -> Missing:
    return Missing(name, f"missing from the trail of {rid} (removed, or no longer an event)")


def test_a_removed_event_is_reported_missing_naming_its_recording(make_region):
    rv = make_region("eu")
    first = audited(rv, reason="a")
    audited(rv, OTHER)
    rv.store.delete(first)
    assert list(rv.audit_events(RID)) == [missing(first)]
    assert [type(e) for e in rv.audit_events()] == [AuditEvent, Missing]
    audited(rv, reason="b")  # later events do not hide it
    assert [getattr(e, "reason", None) for e in rv.audit_events(RID)] == ["b", missing(first).reason]


def test_every_event_of_a_recording_removed_is_reported(make_region):
    rv = make_region("eu")
    names = [audited(rv, reason="a"), audited(rv, reason="b")]
    for name in names:
        rv.store.delete(name)
    assert list(rv.audit_events(RID)) == [missing(n) for n in names]
    assert list(rv.audit_events(OTHER)) == []


def test_an_event_made_unreadable_is_missing_from_its_recordings_trail(make_region):
    """Junk put over an event was left out of the review page as an object of nobody's."""
    rv = make_region("eu")
    name = audited(rv)
    put_bytes(rv.store, name, b"[1]")
    assert list(rv.audit_events(RID)) == [Unreadable(name, "not an audit event (TypeError)"), missing(name)]


def test_a_head_names_each_event_written_and_nothing_of_its_content(make_region):
    rv = make_region("eu")
    names = [audited(rv, reason="4111 1111 1111 1111"), audited(rv)]
    head = get_bytes(rv.key_store, f"seal/audit/{RID}/2026-01-15.json")
    assert json.loads(head) == {"events": names}  # the names alone: no reason, actor or outcome


def test_a_heads_names_are_kept_by_day_so_an_access_rewrites_its_days_only(make_region):
    """Session-56 review: the head was one object, read and rewritten whole on every audited
    access (at 10,000 names 610 KB an add). Names are now kept per day of the event
    (``seal/audit/<rid>/<day>.json``): an access reads and rewrites its day's names only."""
    rv = make_region("eu")
    first = [audited(rv), audited(rv)]
    rv.clock.advance(days=1)
    second = audited(rv)
    assert list(rv.key_store.names(f"seal/audit/{RID}/")) == [f"seal/audit/{RID}/2026-01-15.json",
                                                              f"seal/audit/{RID}/2026-01-16.json"]
    assert json.loads(get_bytes(rv.key_store, f"seal/audit/{RID}/2026-01-16.json")) == {"events": [second]}
    for name in (first[0], second):
        rv.store.delete(name)
    assert [e.name for e in rv.audit_events(RID) if isinstance(e, Missing)] == [first[0], second]


class Interleaved:
    """A store that runs ``then`` once, right after its first call of ``method`` (a second
    writer, or reader, slipped in between two steps of the first)."""

    def __init__(self, inner, method: str, then):
        self._inner, self._method, self._then = inner, method, then
        self.region = inner.region

    def __getattr__(self, attr):
        call = getattr(self._inner, attr)
        if attr != self._method or self._then is None:
            return call

        def first(*args, **kwargs):
            result = call(*args, **kwargs)
            result = list(result) if attr == "names" else result
            then, self._then = self._then, None
            then()
            return result

        return first


def test_two_writers_of_one_recordings_events_lose_none(make_region, clock):
    """Two plays at once: the second writes its event and its head between the first's read of
    the head and its swap. The first swaps again: both are named, and each removal is seen."""
    rv = make_region("eu")
    audited(rv, reason="before")
    other = make_region("eu")
    second = []
    first_writer = RegionVault("eu", rv.store, rv.keys,
                               key_store=Interleaved(rv.key_store, "read_versioned",
                                                     lambda: second.append(audited(other, reason="second"))),
                               clock=clock)
    before = set(rv.store.names("audit/"))
    first_writer.audit("export", "allowed", RID, "agent:ann", "first")
    (first,) = set(rv.store.names("audit/")) - before - set(second)
    assert sorted(e.reason for e in rv.audit_events(RID)) == ["before", "first", "second"]
    rv.store.delete(first)
    rv.store.delete(second[0])
    assert [e.name for e in rv.audit_events(RID) if isinstance(e, Missing)] == sorted([first, second[0]])


def test_a_reader_while_an_event_is_written_reports_nothing_missing(make_region, clock):
    """The reader lists the trail, then an event and its head are written: the head it read
    before listing names nothing it did not list."""
    rv = make_region("eu")
    audited(rv)
    writer = make_region("eu")
    reader = RegionVault("eu", Interleaved(rv.store, "names", lambda: audited(writer, reason="meanwhile")),
                         rv.keys, key_store=rv.key_store, clock=clock)
    assert [type(e) for e in reader.audit_events(RID)] == [AuditEvent]
    assert [type(e) for e in rv.audit_events(RID)] == [AuditEvent, AuditEvent]


def test_an_older_vaults_events_have_no_head_until_migrated(make_region):
    """Events written before heads are taken as they are (a removal unseen) until ``keys
    migrate`` names them in their recordings' heads; one written meanwhile starts the head."""
    rv = make_region("eu")
    old = [audited(rv, reason="a"), audited(rv, reason="b"), audited(rv, OTHER)]
    for rid in (RID, OTHER):
        rv.key_store.delete(f"seal/audit/{rid}/2026-01-15.json")  # a vault from before heads
    new = audited(rv, reason="c")
    rv.store.delete(old[0])
    assert [e.reason for e in rv.audit_events(RID)] == ["b", "c"]  # accepted, as before heads
    assert rv.migrate_audit() == 0  # nothing bare to seal; the heads are made
    assert json.loads(get_bytes(rv.key_store, f"seal/audit/{RID}/2026-01-15.json")) == {"events": [old[1], new]}
    assert json.loads(get_bytes(rv.key_store, f"seal/audit/{OTHER}/2026-01-15.json")) == {"events": [old[2]]}
    rv.store.delete(old[1])
    assert [getattr(e, "reason", None) for e in rv.audit_events(RID)] == ["c", missing(old[1]).reason]
