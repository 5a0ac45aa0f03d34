"""worker.calls.kept: which files count as the API's kept manifests, what forgetting removes, and
that a kept manifest is sealed at rest (encrypted, authenticated, bound to its account and name)."""

from __future__ import annotations

import json
import os

import pytest

from vault.errors import KeyUnavailableError, MigrationNeededError
from worker.calls.kept import (
    forget_call,
    is_kept,
    manifest_path,
    read_manifest,
    seal_plain_manifests,
    write_manifest,
)
from worker.errors import ManifestError
from worker.settings import Settings
from worker.vaults import build_vault


def test_only_the_apis_own_manifests_count_as_kept(tmp_path):
    data_dir = tmp_path / "state"
    kept = manifest_path(data_dir, "acme", "CA1")
    assert is_kept(data_dir, kept) and is_kept(data_dir, str(kept))
    assert not is_kept(data_dir, tmp_path / "calls" / kept.name)  # an operator's manifest
    assert not is_kept(data_dir, kept.parent / "notes.json")
    assert not is_kept(data_dir, kept.parent / ".." / ".." / "x" / kept.name)
    assert not is_kept(tmp_path / "other", kept)


def test_forgetting_a_call_removes_its_manifest_and_partial_writes_only(state, vault):
    kept, other = kept_call(state, vault, "acme", "CA1"), kept_call(state, vault, "acme", "CA2")
    partial = kept.parent / f".{kept.name}.x1y2.tmp"
    partial.write_text("{")
    assert forget_call(state, "acme", "CA1") == 2
    assert sorted(p.name for p in kept.parent.iterdir()) == [other.name]
    assert forget_call(state, "acme", "CA1") == 0  # again: nothing, no error
    assert forget_call(state.parent / "nothing-here", "acme", "CA1") == 0


def test_ids_that_lead_out_of_the_accounts_directory_remove_nothing(tmp_path):
    data_dir = tmp_path / "state"
    outside = manifest_path(data_dir, "../../..", "CA1")
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text("not ours")
    assert forget_call(data_dir, "../../..", "CA1") == 0 and outside.exists()
    assert forget_call(data_dir, "", "CA1") == 0


# -- sealed at rest ----------------------------------------------------------------------

TICKET, NUMBER = "T-SECRET-TICKET", "+15550177"


@pytest.fixture
def state(tmp_path):
    """A data dir of its own (the API's and the workers')."""
    return tmp_path / "state"


@pytest.fixture
def vault(state):
    return build_vault(Settings.from_env({"CALLREC_DATA_DIR": str(state)}))


def document(account="acme", call_id="CA1", region="us") -> dict:
    return {"call_id": call_id, "ticket_id": TICKET,
            "account": {"id": account, "plan": "team", "region": region, "retention_days": None,
                        "recordings_public": False, "pause_behavior": "silence", "redaction": "auto"},
            "number": {"id": NUMBER, "recording": True, "consent_mode": "none"},
            "direction": "inbound", "consent": "none",
            "events": [{"type": "agent", "start": 0.0, "end": 2.0, "via": "browser"}], "controls": [],
            "segments": [{"uri": "/srv/inbox/secret-leg-name.wav", "start": 0.0}]}


def kept_call(state, vault, account="acme", call_id="CA1", region="us"):
    path = manifest_path(state, account, call_id)
    write_manifest(path, document(account, call_id, region), vault.region(region).secrets)
    return path


def test_a_kept_manifest_holds_none_of_its_content_in_plain_text(state, vault):
    path = kept_call(state, vault)
    raw = path.read_bytes()
    for secret in (TICKET, NUMBER, NUMBER.lstrip("+"), "secret-leg-name", "CA1", "team"):
        assert secret.encode() not in raw
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    manifest = read_manifest(path, vault)
    assert (manifest.call_id, manifest.ticket_id, manifest.number.id) == ("CA1", TICKET, NUMBER)
    assert str(manifest.segments[0].location.path) == "/srv/inbox/secret-leg-name.wav"


def _flipped(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:]


DAMAGE = {
    "a ciphertext byte flipped": lambda raw: _flipped(raw, len(raw) - 20),
    "the tag's last byte flipped": lambda raw: _flipped(raw, len(raw) - 1),
    "the format line altered": lambda raw: _flipped(raw, 3),
    "the region swapped": lambda raw: raw.replace(b" us\n", b" eu\n", 1),
    "cut by one byte": lambda raw: raw[:-1],
    "cut after the first line": lambda raw: raw[:raw.index(b"\n") + 1],
    "cut inside the first line": lambda raw: raw[:10],
    "empty": lambda raw: b"",
    "bytes appended": lambda raw: raw + b"\x00",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_file_does_not_open_names_the_file_and_stays(state, vault, damage):
    path = kept_call(state, vault)
    damaged = damage(path.read_bytes())
    path.write_bytes(damaged)
    with pytest.raises(ManifestError) as caught:
        read_manifest(path, vault)
    message = str(caught.value)
    assert path.name in message and "cannot be opened" in message
    assert TICKET not in message and NUMBER.lstrip("+") not in message
    assert path.read_bytes() == damaged  # nothing lost: a fix and `callrec jobs retry` find it


def test_a_file_moved_to_another_account_or_call_does_not_open(state, vault):
    acme = kept_call(state, vault, "acme", "CA1")
    theirs, other_call = kept_call(state, vault, "globex", "CA1"), kept_call(state, vault, "acme", "CA2")
    for target in (theirs, other_call):
        target.write_bytes(acme.read_bytes())  # swapped in for another account's call, or another call's
        with pytest.raises(ManifestError, match="cannot be opened"):
            read_manifest(target, vault)
    assert read_manifest(acme, vault).account.id == "acme"


def test_a_file_sealed_under_another_key_does_not_open(tmp_path, state, vault):
    elsewhere = tmp_path / "elsewhere"
    other_vault = build_vault(Settings.from_env({"CALLREC_DATA_DIR": str(elsewhere)}))
    path = kept_call(state, vault)
    path.write_bytes(kept_call(elsewhere, other_vault).read_bytes())
    with pytest.raises(ManifestError, match="cannot be opened"):
        read_manifest(path, vault)


def test_a_secrets_key_that_cannot_be_opened_is_the_servers_problem_not_a_bad_manifest(state, vault):
    """The region's secrets key wrapped under a KEK version since retired: the manifest is
    whole, the key is not (it read as "cannot be opened: altered...", a ManifestError: the
    job failed as bad input, the API answered 4xx); KeyUnavailableError instead, and the file
    stays."""
    path = kept_call(state, vault)
    sealed = path.read_bytes()
    keys = vault.region("us").keys
    old = keys.current()
    keys.rotate()
    keys.retire(old)  # by hand: `keys rotate` re-wraps the secrets key first
    fresh = build_vault(Settings.from_env({"CALLREC_DATA_DIR": str(state)}))  # no key opened yet
    with pytest.raises(KeyUnavailableError, match="region us cannot be opened"):
        read_manifest(path, fresh)
    assert path.read_bytes() == sealed

def test_a_region_this_deployment_does_not_serve_is_named(state, vault):
    path = kept_call(state, vault, region="au")
    only_us = build_vault(Settings.from_env({"CALLREC_DATA_DIR": str(state), "CALLREC_REGIONS": "us"}))
    with pytest.raises(ManifestError, match="region au, which this deployment does not serve") as caught:
        read_manifest(path, only_us)
    assert path.name in str(caught.value)


def test_a_manifest_kept_in_plain_json_by_an_older_version_is_refused_until_migrated(state, vault):
    path = manifest_path(state, "acme", "CA1")
    path.parent.mkdir(parents=True)
    plain = json.dumps(document()).encode()
    path.write_bytes(plain)
    with pytest.raises(MigrationNeededError, match="run `callrec keys migrate`") as caught:
        read_manifest(path, vault)
    assert path.name in str(caught.value) and TICKET not in str(caught.value)
    assert path.read_bytes() == plain


def test_migration_seals_plain_manifests_and_removes_plain_partial_writes(state, vault):
    plain = manifest_path(state, "acme", "CA1")
    plain.parent.mkdir(parents=True)
    plain.write_text(json.dumps(document()))
    partial = plain.parent / f".{plain.name}.k1ll3d.tmp"  # an older writer killed mid-write
    partial.write_text(json.dumps(document())[:40])
    sealed = kept_call(state, vault, "acme", "CA2")
    before = sealed.read_bytes()
    moved = manifest_path(state, "globex", "CA1")  # acme's plain file under globex's name
    moved.parent.mkdir(parents=True)
    moved.write_text(json.dumps(document()))
    report = seal_plain_manifests(state, vault)
    assert (report.sealed, report.refused, report.partial_removed) == (1, 1, 1)
    assert TICKET.encode() not in plain.read_bytes() and read_manifest(plain, vault).ticket_id == TICKET
    assert not partial.exists() and sealed.read_bytes() == before
    assert moved.read_text() == json.dumps(document())  # refused: left for an operator's look
    again = seal_plain_manifests(state, vault)
    assert (again.sealed, again.refused, again.partial_removed) == (0, 1, 0)


# -- a failed job's manifest: kept for a retry, then expired by the retention sweep ---------

from datetime import UTC, datetime, timedelta  # noqa: E402

from worker.calls import kept  # noqa: E402
from worker.calls.kept import (  # noqa: E402
    FailedManifests,
    clear_failed,
    expire_failed,
    failure_mark,
    mark_failed,
)

FAILED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def expire(state, vault, days_later, *, days=30, **options) -> int:
    return expire_failed(FailedManifests(state, days), vault, now=FAILED_AT + timedelta(days=days_later), **options)


def test_a_failed_jobs_manifest_stays_its_window_then_goes_with_its_mark_and_partial_writes(state, vault):
    path = kept_call(state, vault)
    assert mark_failed(path, FAILED_AT)
    partial = path.parent / f".{failure_mark(path).name}.k1ll3d.tmp"  # a mark's writer killed
    partial.write_text("{")
    assert expire(state, vault, 29.9) == 0 and path.exists()
    assert expire(state, vault, 30, dry_run=True) == 1 and path.exists()
    assert expire(state, vault, 30) == 1
    assert list(path.parent.iterdir()) == []
    assert expire(state, vault, 30) == 0


def test_a_call_sent_again_while_the_sweep_judges_its_old_manifest_keeps_the_new_one(state, vault, monkeypatch):
    """Session 58: the sweep compared the file with its failure mark, then removed whatever was at
    the name: the call sent again over the API in between (its manifest written anew, its job
    queued) lost its new manifest, and its job failed for want of it. The removal is now
    conditional: under the account directory's lock, which the API's writes take too, only the
    file the mark was made on goes."""
    path = kept_call(state, vault)
    assert mark_failed(path, FAILED_AT)
    real_window, sent = kept.failure_window_days, []

    def the_call_sent_again_meanwhile(*args, **kwargs):
        if not sent:
            sent.append(kept_call(state, vault))
        return real_window(*args, **kwargs)

    monkeypatch.setattr(kept, "failure_window_days", the_call_sent_again_meanwhile)
    assert expire(state, vault, 31) == 0
    monkeypatch.undo()
    assert sent == [path] and read_manifest(path, vault).call_id == "CA1"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_manifest_whose_job_is_not_failed_never_expires(state, vault):
    path = kept_call(state, vault)  # queued, running or retrying: no failure mark
    assert expire(state, vault, 36500) == 0 and path.exists()
    mark_failed(path, FAILED_AT)
    clear_failed(path)  # `callrec jobs retry`: queued again
    assert expire(state, vault, 36500) == 0 and path.exists()


def test_the_call_sent_again_clears_the_mark_and_a_stale_mark_is_no_end_date(state, vault):
    path = kept_call(state, vault)
    mark_failed(path, FAILED_AT)
    kept_call(state, vault)  # sent again over the API: written anew, its job queued anew
    assert not failure_mark(path).exists()
    mark_failed(path, FAILED_AT)
    stale = failure_mark(path).read_bytes()
    kept_call(state, vault)
    failure_mark(path).write_bytes(stale)  # a mark of the file before (a race with the new write)
    assert expire(state, vault, 31) == 0 and path.exists()
    assert not failure_mark(path).exists()  # the stale mark goes, the new file stays


def test_the_accounts_shorter_retention_window_applies_as_it_is_at_the_sweep(state, vault):
    path = kept_call(state, vault, "acme", "CA1")
    mark_failed(path, FAILED_AT)
    region = vault.region("us")
    region.set_policy("acme", 7)
    assert expire(state, vault, 6.9) == 0
    region.set_policy("acme", None)  # no limit: the setting's days apply
    assert expire(state, vault, 8) == 0
    region.set_policy("acme", 3)  # shortened later: applies to what is kept already
    assert expire(state, vault, 3) == 1 and not path.exists()


def test_without_a_policy_the_window_the_manifest_names_applies(state, vault):
    path = manifest_path(state, "acme", "CA1")
    body = document()
    body["account"]["retention_days"] = 2
    write_manifest(path, body, vault.region("us").secrets)
    mark_failed(path, FAILED_AT)
    assert expire(state, vault, 1.9) == 0
    assert expire(state, vault, 2, days=1) == 1  # the setting shorter still


def test_a_file_that_does_not_open_expires_after_the_settings_days(state, vault):
    path = kept_call(state, vault)
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # its job failed "cannot be opened"
    mark_failed(path, FAILED_AT)
    assert expire(state, vault, 10, days=11) == 0
    assert expire(state, vault, 11, days=11) == 1 and not path.exists()


def test_the_sweep_of_one_account_expires_only_its_files(state, vault):
    acme, globex = kept_call(state, vault, "acme", "CA1"), kept_call(state, vault, "globex", "CA1")
    for path in (acme, globex):
        mark_failed(path, FAILED_AT)
    assert expire(state, vault, 31, account_id="globex") == 1
    assert acme.exists() and not globex.exists()


def test_a_mark_holds_no_content_of_the_manifest(state, vault):
    path = kept_call(state, vault)
    mark_failed(path, FAILED_AT)
    mark = failure_mark(path).read_bytes()
    for secret in (TICKET, NUMBER.lstrip("+"), "secret-leg-name", "CA1", "acme"):
        assert secret.encode() not in mark
    assert os.stat(failure_mark(path)).st_mode & 0o777 == 0o600
    assert not mark_failed(manifest_path(state, "acme", "CA-none"), FAILED_AT)  # no file: no mark


# -- jobs failed before failure marks existed: marked by the sweep from their job records --------

from worker.queue.jobs import ProcessCall  # noqa: E402
from worker.queue.records import FailedCallJobs, JobRecords  # noqa: E402


def failed_call(records, path, account="acme", call_id="CA1", at=FAILED_AT):
    """A call's job recorded failed ``at`` as before failure marks: the record, no mark."""
    job = ProcessCall.for_call(str(path), account, call_id)
    records.create(job)
    records.running(job.job_id)
    stamped = JobRecords(records.client, clock=lambda: at.timestamp())
    stamped.failed(job.job_id, "ManifestError: bad")
    assert not failure_mark(path).exists()
    return job


def expire_with(state, vault, records, days_later, **options) -> int:
    manifests = FailedManifests(state, 30, jobs=FailedCallJobs(records))
    return expire_failed(manifests, vault, now=FAILED_AT + timedelta(days=days_later), **options)


@pytest.fixture
def records(redis_client):
    return JobRecords(redis_client)


def test_a_manifest_whose_job_failed_without_a_mark_expires_from_the_records_failure_time(
        state, vault, records):
    path = kept_call(state, vault)
    failed_call(records, path)
    assert expire(state, vault, 36500) == 0 and path.exists()  # without the records: never, as before
    assert expire_with(state, vault, records, 31, dry_run=True) == 1
    assert path.exists() and not failure_mark(path).exists()  # a dry run writes nothing
    assert expire_with(state, vault, records, 29) == 0 and path.exists()
    assert failure_mark(path).exists()  # marked by the sweep: when its job record says it failed
    assert expire(state, vault, 36500) == 0 and path.exists()  # the sweep's mark: judged with the records only
    assert expire_with(state, vault, records, 29.9) == 0 and expire_with(state, vault, records, 30) == 1
    assert list(path.parent.iterdir()) == []


def test_without_a_failure_time_the_sweep_that_first_found_it_counts(state, vault, records):
    path = kept_call(state, vault)
    job = failed_call(records, path)
    records.client.hdel(f"callrec:job:{job.job_id}", "finished_at")
    assert expire_with(state, vault, records, 100) == 0 and failure_mark(path).exists()
    assert expire_with(state, vault, records, 129.9) == 0 and path.exists()  # found at +100
    assert expire_with(state, vault, records, 130) == 1 and not path.exists()


def test_manifests_of_queued_running_or_retrying_jobs_are_never_marked(state, vault, records):
    paths = [kept_call(state, vault, "acme", f"CA{n}") for n in range(3)]
    jobs = [ProcessCall.for_call(str(p), "acme", f"CA{n}") for n, p in enumerate(paths)]
    for job in jobs:
        records.create(job)
    records.running(jobs[1].job_id)
    records.running(jobs[2].job_id)
    records.retrying(jobs[2].job_id, "TransientError")
    failed_call(records, kept_call(state, vault, "acme", "CA9"), call_id="CA9")
    records.create(jobs[0], replace=True)  # a failed job retried (`callrec jobs retry`): queued
    assert expire_with(state, vault, records, 36500) == 1
    for path in paths:
        assert path.exists() and not failure_mark(path).exists()


def test_a_mark_the_sweep_wrote_counts_only_while_its_job_is_still_failed(state, vault, records):
    path = kept_call(state, vault)
    job = failed_call(records, path)
    assert expire_with(state, vault, records, 1) == 0 and failure_mark(path).exists()
    records.create(job, replace=True)  # queued again in a race with the sweep's mark
    assert expire_with(state, vault, records, 36500) == 0 and path.exists()
    assert not failure_mark(path).exists()  # dropped: the job is no longer failed
    assert expire(state, vault, 36500) == 0 and path.exists()


def test_the_sweep_never_replaces_a_workers_mark(state, vault, records):
    path = kept_call(state, vault)
    failed_call(records, path, at=FAILED_AT - timedelta(days=300))  # an older failure in the records
    mark_failed(path, FAILED_AT)  # the worker's mark of its last failure
    assert expire_with(state, vault, records, 29) == 0 and path.exists()
    assert expire_with(state, vault, records, 30) == 1


def test_a_call_job_whose_manifest_is_not_kept_by_the_api_is_left_alone(state, vault, records, tmp_path):
    own = tmp_path / "calls" / manifest_path(state, "acme", "CA1").name  # an operator's manifest
    own.parent.mkdir()
    own.write_text("{}")
    failed_call(records, own)
    assert expire_with(state, vault, records, 36500) == 0
    assert sorted(p.name for p in own.parent.iterdir()) == [own.name]


def test_a_call_forgotten_while_the_sweep_writes_its_mark_is_left_forgotten(state, vault, records, monkeypatch):
    """The sweep writes a recorded failure's mark aside, then links it in; a worker that finished
    the call's retried job in between forgot the call, its partial writes with it (the mark's
    temporary name among them), and the link failed with "No such file or directory": the
    retention sweep failed at its last step (its report lost, the job retried). The call is gone:
    nothing to mark, and nothing is left."""
    path = kept_call(state, vault)
    failed_call(records, path)
    real_link = os.link
    forgotten = []

    def a_worker_forgets_the_call_first(src, dst, *args, **kwargs):
        if not forgotten:
            forgotten.append(forget_call(state, "acme", "CA1"))
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", a_worker_forgets_the_call_first)
    assert expire_with(state, vault, records, 36500) == 0
    monkeypatch.undo()
    assert forgotten == [2]  # the manifest and the mark's temporary file: in the window
    assert list(path.parent.iterdir()) == []
