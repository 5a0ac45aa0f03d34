"""The plaintext index grants no access (issue 10, defect 8).

Editing ``ticket_id`` or ``public`` in an index entry used to let another agent or an end
user export. Every index entry is authenticated now (an HMAC under a key wrapped by the
region's KEK, kept in the key store) and an entry that does not verify is refused: for
export, for listing and for retention, whichever field was changed.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from tests.vault.conftest import clock, make_key_store, make_keys, make_region, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from vault.access import Principal
from vault.errors import AccessDeniedError, IndexTamperedError, MigrationNeededError
from vault.stores.base import get_bytes, put_bytes
from vault.vault import Vault
from worker.stored.operations import export_recording, retention_sweep

#: field -> a tampered value, chosen to grant access, keep a recording or hide it.
TAMPERS = {
    "ticket_id": "T-evil",                       # an agent of another ticket exports
    "public": True,                              # an end user exports
    "account_id": "other",                       # another account's agent exports
    "kind": "voicemail",                         # the transcript would survive deletion
    "retention_days": None,                      # retention would never delete it
    "created_at": "2099-01-01T00:00:00+00:00",   # ... or much later
    "call_id": "CA-other",
    "recording_id": make_entry("eu", "CA2").recording_id,
    "redacted": False,
    "detector_version": "dtmf-0",
    "recorded_duration_s": 1.0,
    "artifacts": [],
    "tombstone": {"deleted_at": "2026-01-01T00:00:00+00:00", "deleted_by": "x", "reason": "y"},
}


def stored(rv, **options):
    entry = make_entry("eu", retention_days=30, **options)
    return rv.put(entry, {"audio": io.BytesIO(b"RIFF-audio"), "metadata": io.BytesIO(b"{}"),
                          "transcript": io.BytesIO(b"[redacted]")})


def tamper(rv, rid: str, **changes) -> None:
    name = f"index/{rid}.json"
    body = json.loads(get_bytes(rv.store, name))
    body.update(changes)
    put_bytes(rv.store, name, json.dumps(body).encode())


@pytest.fixture
def local_region(tmp_path, make_keys, clock):
    """The MAC does not depend on the store: the field-by-field cases run on the local one."""
    from vault.regional import RegionVault
    from vault.stores.local import LocalStore

    return RegionVault("eu", LocalStore(tmp_path / "v" / "eu", "eu"), make_keys("eu"),
                       key_store=LocalStore(tmp_path / "k" / "eu", "eu"), clock=clock)


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_a_tampered_field_is_refused(local_region, field):
    rv = local_region
    entry = stored(rv)
    tamper(rv, entry.recording_id, **{field: TAMPERS[field]})
    with pytest.raises(IndexTamperedError, match=f"index entry of {entry.recording_id} does not verify"):
        rv.find(entry.recording_id)
    with pytest.raises(IndexTamperedError):
        list(rv.entries())


@pytest.mark.parametrize(("field", "principal", "tickets"), [
    ("ticket_id", "agent:mallory", {"T-evil"}),
    ("public", "end-user:u1", {"T-1"}),
])
def test_tampered_access_fields_export_nothing(make_region, tmp_path, field, principal, tickets):
    rv = make_region("eu")
    entry = stored(rv)
    tamper(rv, entry.recording_id, **{field: TAMPERS[field]})
    who = Principal.parse(principal, "acme", frozenset(tickets))
    out = tmp_path / "out.wav"
    with pytest.raises(AccessDeniedError, match="index entry does not verify"):
        export_recording(entry.recording_id, out, who, Vault({"eu": rv}))
    assert not out.exists()
    assert [(e.action, e.outcome, e.principal, e.reason) for e in rv.audit_events(entry.recording_id)] == [
        ("export", "refused", principal, "index entry does not verify")]


def test_the_untampered_entry_still_exports(make_region, tmp_path):
    rv = make_region("eu")
    entry = stored(rv, public=True, created_at=datetime.now(UTC))  # inside its 30 days (past them: refused)
    who = Principal.parse("end-user:u1", "acme", frozenset({"T-1"}))
    outcome = export_recording(entry.recording_id, tmp_path / "out.txt", who, Vault({"eu": rv}),
                               artifact="transcript")
    assert outcome.size_bytes == 10 and (tmp_path / "out.txt").read_bytes() == b"[redacted]"


def test_an_entry_copied_to_another_recording_is_refused(make_region):
    rv = make_region("eu")
    a = stored(rv)
    b = rv.put(make_entry("eu", "CA2", ticket="T-2"), {"audio": io.BytesIO(b"b")})
    put_bytes(rv.store, f"index/{b.recording_id}.json", get_bytes(rv.store, f"index/{a.recording_id}.json"))
    with pytest.raises(IndexTamperedError):
        rv.find(b.recording_id)


def test_a_stripped_mac_is_refused(make_region):
    rv = make_region("eu")
    entry = stored(rv)
    name = f"index/{entry.recording_id}.json"
    body = json.loads(get_bytes(rv.store, name))
    del body["mac"]
    body["ticket_id"] = "T-evil"
    put_bytes(rv.store, name, json.dumps(body).encode())
    with pytest.raises(IndexTamperedError):
        rv.find(entry.recording_id)
    assert rv.migrate_index() == (0, 1)  # a vault that has sealed its entries seals no new bare one
    with pytest.raises(IndexTamperedError):
        rv.find(entry.recording_id)


def test_sweep_skips_and_reports_a_tampered_entry(make_region, tmp_path):
    rv = make_region("eu")
    kept = stored(rv)
    due = rv.put(make_entry("eu", "CA2", retention_days=1), {"audio": io.BytesIO(b"x")})
    tamper(rv, kept.recording_id, retention_days=None)
    report = retention_sweep(Vault({"eu": rv}), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert report.deleted == 1 and rv.get(due.recording_id).deleted
    assert report.skipped == ((f"index/{kept.recording_id}.json",
                               f"index entry of {kept.recording_id} does not verify "
                               "(altered, or not written by this vault)"),)


def test_deleting_a_tampered_entry_still_destroys_everything(make_region):
    rv = make_region("eu")
    entry = stored(rv)
    rid = entry.recording_id
    tamper(rv, rid, kind="voicemail")  # would keep the transcript
    deleted = rv.delete(rid, actor="operator", reason="r")
    assert deleted.artifacts == () and rv.get(rid).deleted
    assert [n for s in (rv.store, rv.key_store) for n in s.names("") if f"/{rid}/" in n
            and not n.startswith("seal/audit/")] == []  # the audit trail's head stays, as its events do


def unsealed(rv) -> None:
    """Strips every entry's MAC and the sealing key: a vault of the old layout."""
    for name in rv.store.names("index/"):
        body = json.loads(get_bytes(rv.store, name))
        body.pop("mac", None)
        put_bytes(rv.store, name, json.dumps(body).encode())
    for name in rv.key_store.names("seal/"):
        rv.key_store.delete(name)


def test_entries_of_an_older_vault_are_refused_until_migrated(make_store, make_key_store, make_keys, clock):
    from vault.regional import RegionVault

    def fresh():  # a new process: nothing cached
        return RegionVault("eu", make_store("eu"), make_keys("eu"), key_store=make_key_store("eu"), clock=clock)

    rv = fresh()
    entry = stored(rv)
    unsealed(rv)
    rv = fresh()
    with pytest.raises(MigrationNeededError, match="run `callrec keys migrate --region eu`"):
        rv.find(entry.recording_id)
    assert rv.migrate_index() == (1, 0)
    assert rv.migrate_index() == (0, 0)
    assert fresh().get(entry.recording_id) == entry


def test_an_older_vault_is_migrated_by_the_cli(tmp_path, monkeypatch, capsys):
    from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
    from worker.vaults import build_vault

    settings = use_data_dir(monkeypatch, tmp_path)
    rid = stored_call(tmp_path, settings)
    unsealed(build_vault(settings).region("eu"))
    code, _, err = run(capsys, "export", rid, "-o", tmp_path / "o.wav", "--account", "acme", "--as", "agent:a",
                       "--tickets", "T-7")
    assert code == 2 and "run `callrec keys migrate --region eu`" in err
    code, out, err = run(capsys, "keys", "migrate", "--region", "eu")
    assert (code, out, err) == (0, "eu: moved 0 wrapped data key(s) into the key store, authenticated 1 index entry, "
                                   "wrote 1 ticket marker(s)\n", "")
    code, _, err = run(capsys, "export", rid, "-o", tmp_path / "o.wav", "--account", "acme", "--as", "agent:a",
                       "--tickets", "T-7")
    assert (code, err) == (0, "") and (tmp_path / "o.wav").read_bytes()[:4] == b"RIFF"
    # A bare entry appearing later is tampering: refused, never sealed.
    name = f"index/{rid}.json"
    region_vault = build_vault(settings).region("eu")
    body = json.loads(get_bytes(region_vault.store, name))
    del body["mac"]
    put_bytes(region_vault.store, name, json.dumps(body).encode())
    code, out, err = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 1 and "authenticated 0 index entries" in out and "refused 1 index entry(ies)" in err


def test_the_index_key_is_rewrapped_and_its_kek_version_kept(make_region):
    rv = make_region("eu")
    entry = stored(rv)
    rv.keys.rotate()
    rv.rewrap(entry.recording_id)
    assert rv.rewrap_index_key() and not rv.rewrap_index_key()
    rv.keys.rotate()
    rv.rewrap(entry.recording_id)
    assert rv.retire_unused() == ("v1", "v2")  # the index key moved to v3 along
    from vault.regional import RegionVault

    fresh = RegionVault("eu", rv.store, rv.keys, key_store=rv.key_store, clock=rv.clock)
    assert fresh.get(entry.recording_id).artifact("audio").key_version == "v3"


def _altered(rv, rid):
    tamper(rv, rid, public=True)


def _not_json(rv, rid):
    put_bytes(rv.store, f"index/{rid}.json", b'{"recording_id": "')


def _unknown_artifact(rv, rid):
    tamper(rv, rid, artifacts=[{"kind": "../audio", "generation": 1, "key_version": "v1", "tag": "x"}])


def _older_vault(rv, rid):
    unsealed(rv)


@pytest.mark.parametrize("spoil", [_altered, _not_json, _unknown_artifact, _older_vault])
def test_deleting_by_id_a_recording_whose_entry_cannot_be_trusted_destroys_everything(make_region, spoil):
    """``callrec delete --recording`` (and the queued deletion) read the entry first: one that
    did not verify, could not be read or predated authenticated entries stopped the deletion
    with nothing destroyed, so its keys outlived a deletion the operator had asked for (and a
    restored copy of the entry opened the recording again)."""
    from vault.regional import RegionVault
    from worker.stored.operations import delete_recording

    rv = make_region("eu")
    rid = stored(rv).recording_id
    spoil(rv, rid)
    rv = RegionVault("eu", rv.store, rv.keys, key_store=rv.key_store, clock=rv.clock)  # a new process
    outcome = delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="customer request")
    assert (outcome.deleted, outcome.already_deleted) == (1, 0)
    assert [n for s in (rv.store, rv.key_store) for n in s.names("") if f"/{rid}/" in n
            and not n.startswith("seal/audit/")] == []  # the audit trail's head stays, as its events do
    assert rv.get(rid).deleted and rv.get(rid).artifacts == ()
    assert [(e.action, e.outcome) for e in rv.audit_events(rid)] == [("delete", "done")]
    again = delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="again")
    assert (again.deleted, again.already_deleted, again.reclaimed) == (0, 1, 0)


def test_a_region_whose_index_key_cannot_be_opened_is_reported_and_the_sweep_goes_on(make_region):
    """Session-50 review: since a region key that cannot be opened is KeyUnavailableError (no
    longer a permanent DecryptionError), the sweep's scan of that region raised it, and every
    region after it went unswept: recordings past their window kept. The region is reported
    skipped (the sweep exits 1) and the others are swept."""
    from vault.regional import RegionVault

    broken, other = make_region("eu"), make_region("us")
    kept = broken.put(make_entry("eu", "CA1", retention_days=1), {"audio": io.BytesIO(b"x")})
    due = other.put(make_entry("us", "CA2", retention_days=1), {"audio": io.BytesIO(b"x")})
    old = broken.keys.current()
    broken.keys.rotate()
    broken.keys.retire(old)  # by hand: `keys rotate` re-wraps the index key first
    broken = RegionVault("eu", broken.store, broken.keys, key_store=broken.key_store, clock=broken.clock)
    report = retention_sweep(Vault({"eu": broken, "us": other}), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert report.deleted == 1 and other.get(due.recording_id).deleted
    assert report.skipped == (("region eu", "the index key of region eu cannot be opened"),)
    assert [n for n in broken.store.names("index/")] == [f"index/{kept.recording_id}.json"]


def test_an_older_entry_put_back_after_the_deletion_reads_as_deleted(make_region, tmp_path):
    """Session 55 left this open: an entry's MAC binds its fields, not its age, so the sealed
    entry of a live recording put back from a backup of the object store after its deletion
    verified, and the recording was listed, exported as far as its keys allow and counted by
    retention as not deleted. The key store records each deletion (``vault.deletions``) and a
    read checks it; the next deletion writes the tombstone back."""
    rv = make_region("eu")
    rid = stored(rv).recording_id
    name = f"index/{rid}.json"
    older = get_bytes(rv.store, name)
    deleted = rv.delete(rid, actor="operator", reason="request")
    put_bytes(rv.store, name, older)
    assert rv.get(rid) == deleted and rv.find(rid) == deleted
    assert list(rv.entries()) == [deleted] and list(rv.scan()) == [deleted]
    with pytest.raises(AccessDeniedError, match="deleted"):
        export_recording(rid, tmp_path / "out.wav", Principal.parse("agent:a1", "acme", frozenset({"T-1"})),
                         Vault({"eu": rv}))
    assert rv.delete(rid, actor="operator", reason="again") == deleted
    assert rv._sealer.open(name, get_bytes(rv.store, name)) == deleted  # written back
    put_bytes(rv.store, name, older)
    report = retention_sweep(Vault({"eu": rv}), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert (report.scanned, report.already_deleted, report.deleted, report.skipped) == (1, 1, 0, ())
    assert rv._sealer.open(name, get_bytes(rv.store, name)) == deleted  # written back by its reclaim


def test_keys_migrate_records_the_deletions_made_before_records(tmp_path, monkeypatch, capsys):
    """A recording deleted before deletions were recorded (``vault.deletions``) has no record, so
    its older entry put back read as live; `keys migrate` records the tombstone it finds (once)."""
    from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
    from worker.vaults import build_vault

    settings = use_data_dir(monkeypatch, tmp_path)
    rid = stored_call(tmp_path, settings)
    region_vault = build_vault(settings).region("eu")
    name = f"index/{rid}.json"
    older = get_bytes(region_vault.store, name)
    deleted = region_vault.delete(rid, actor="operator", reason="request")
    region_vault.key_store.delete(f"seal/deleted/{rid}.json")  # as deleted before records
    code, out, err = run(capsys, "keys", "migrate", "--region", "eu")
    assert (code, out, err) == (0, "eu: moved 0 wrapped data key(s) into the key store, authenticated 0 index "
                                   "entries, wrote 1 ticket marker(s), recorded 1 deletion(s)\n", "")
    assert run(capsys, "keys", "migrate", "--region", "eu")[1].endswith(", wrote 1 ticket marker(s)\n")
    put_bytes(region_vault.store, name, older)
    assert build_vault(settings).region("eu").get(rid) == deleted
