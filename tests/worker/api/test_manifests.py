"""The manifests the API keeps for the workers (worker.calls.kept): there while the call's job
needs them, gone once it is done, and never beyond the call's recording; sealed at rest, and
a damaged one fails its job (named, kept) without taking the worker down."""

from __future__ import annotations

import json
import shutil
import uuid

from tests.worker.api.conftest import SAMPLES, sample_manifest
from tests.worker.api.jobs import wait_done, wait_job
from tests.worker.workers import wait_for
from worker.calls.kept import manifest_path, write_manifest
from worker.errors import scrub_digits
from worker.vaults import build_vault


def submit(api, headers, data):
    return api.post("/v1/calls", content=json.dumps(data), headers={**headers, "Content-Type": "application/json"})


def kept_of(api_settings, data):
    return manifest_path(api_settings.data_dir, data["account"]["id"], data["call_id"])


def left_of(api_settings, data) -> list:
    """Files under ``<data_dir>/api`` that name the call or hold its id (other tests' calls
    may have left theirs: a failed job keeps its manifest for a retry)."""
    kept = kept_of(api_settings, data)
    return [p for p in (api_settings.data_dir / "api").rglob("*")
            if p.is_file() and (kept.name in p.name or data["call_id"].encode() in p.read_bytes())]


def gone(api_settings, data) -> None:
    """Wait until nothing under ``<data_dir>/api`` names the call: a job is recorded done just
    before its worker removes the manifest (worker.queue.runner), so a poll may come between."""
    wait_for(lambda: left_of(api_settings, data) == [], timeout_s=10, what="the call's manifest to go")


def test_a_processed_call_leaves_nothing_under_the_apis_data_dir_nor_does_its_deletion(
        api, acme, inbox, worker_process, api_settings):
    data = sample_manifest(inbox, call_id=f"CA-kept-{uuid.uuid4().hex[:8]}")
    kept = kept_of(api_settings, data)
    job = submit(api, acme, data).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    gone(api_settings, data)  # its job is done: the workers no longer need it
    again = submit(api, acme, data)  # the same call sent again is the job done already
    assert again.json()["job_id"] == job["job_id"] and again.json()["state"] == "done"
    assert left_of(api_settings, data) == []
    write_manifest(kept, data, build_vault(api_settings).region("us").secrets)  # as a worker killed
    # between done and removing it leaves it
    deleting = api.delete(f"/v1/recordings/{rid}", headers=acme)
    assert wait_done(api, acme, deleting.json()["job_id"], worker=worker_process)["result"]["deleted"] == "1"
    assert left_of(api_settings, data) == []


def test_a_call_not_recorded_leaves_nothing_either(api, acme, inbox, worker_process, api_settings):
    data = sample_manifest(inbox, call_id=f"CA-off-{uuid.uuid4().hex[:8]}")
    data["number"]["recording"] = False
    job = submit(api, acme, data).json()
    assert wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["stored"] == "no"
    gone(api_settings, data)


def test_a_failed_call_keeps_its_manifest_until_sent_again_and_done(api, acme, inbox, worker_process,
                                                                     api_settings):
    data = sample_manifest(inbox, call_id=f"CA-fix-{uuid.uuid4().hex[:8]}")
    leg = inbox / data["segments"][0]["uri"].removeprefix("file:")
    leg.write_bytes(b"RIFF not audio")
    job = submit(api, acme, data).json()
    assert wait_job(api, acme, job["job_id"], worker=worker_process)["state"] == "failed"
    kept = kept_of(api_settings, data)
    assert kept.exists()  # `callrec jobs retry` after a fix reads it
    raw = kept.read_bytes()  # sealed: none of the call's personal data or sources in plain text
    for plain in (data["call_id"], data["ticket_id"], data["number"]["id"].lstrip("+"),
                  data["segments"][0]["uri"].removeprefix("file:"), str(inbox)):
        assert plain.encode() not in raw
    name = data["segments"][0]["uri"].removeprefix("file:").split("/", 2)[2]  # <call_id>/<dir>/legs/...
    shutil.copyfile(SAMPLES / "01-plain-inbound" / name, leg)  # the fix
    again = submit(api, acme, data).json()
    assert again["job_id"] == job["job_id"]
    wait_done(api, acme, job["job_id"], worker=worker_process)
    gone(api_settings, data)


def test_a_damaged_kept_manifest_fails_its_job_by_name_and_stays_and_the_worker_goes_on(
        api, acme, inbox, worker_process, api_settings):
    from tests.worker.conftest import queue_broker
    from worker.queue.submit import JobQueue

    data = sample_manifest(inbox, call_id=f"CA-dmg-{uuid.uuid4().hex[:8]}")
    leg = inbox / data["segments"][0]["uri"].removeprefix("file:")
    good_leg = leg.read_bytes()
    leg.write_bytes(b"RIFF not audio")
    job = submit(api, acme, data).json()
    assert wait_job(api, acme, job["job_id"], worker=worker_process)["state"] == "failed"
    kept = kept_of(api_settings, data)
    raw = kept.read_bytes()
    damaged = raw[:-1] + bytes([raw[-1] ^ 1])
    kept.write_bytes(damaged)
    leg.write_bytes(good_leg)
    queue = JobQueue(queue_broker(), api_settings)
    queue.resubmit(queue.status.get(job["job_id"]).decode_job())  # `callrec jobs retry JOB`
    failed = wait_job(api, acme, job["job_id"], worker=worker_process)
    # named as every stored reason is: through the digit scrubber (a digest of a random call id
    # holds a run of 12+ digits, hidden like a card number, about 3 times in 100)
    assert failed["state"] == "failed" and scrub_digits(kept.name) in failed["reason"]
    assert "cannot be opened" in failed["reason"]
    assert data["ticket_id"] not in failed["reason"]
    assert kept.read_bytes() == damaged  # nothing lost
    again = submit(api, acme, data).json()  # the call sent again: sealed anew, and the same worker runs it
    assert again["job_id"] == job["job_id"]
    wait_done(api, acme, job["job_id"], worker=worker_process)
    gone(api_settings, data)
    assert worker_process.process.poll() is None


def test_a_failed_calls_kept_manifest_expires_at_the_sweep_after_its_window_and_retry_says_so(
        api, keys, inbox, worker_process, api_settings, capsys):
    from datetime import UTC, datetime, timedelta

    from worker.calls.kept import FailedManifests
    from worker.cli import main
    from worker.stored.operations import retention_sweep

    account = f"exp{uuid.uuid4().hex[:8]}"  # its own account: the sweeps below judge only its files
    headers = {"Authorization": f"Bearer {keys.create(account)[1]}"}
    own_inbox = inbox.parent / account
    own_inbox.mkdir()
    data = sample_manifest(own_inbox, call_id=f"CA-exp-{uuid.uuid4().hex[:8]}")
    data["account"]["id"] = account
    leg = own_inbox / data["segments"][0]["uri"].removeprefix("file:")
    good_leg = leg.read_bytes()
    leg.write_bytes(b"RIFF not audio")
    job = submit(api, headers, data).json()
    assert wait_job(api, headers, job["job_id"], worker=worker_process)["state"] == "failed"
    kept = kept_of(api_settings, data)
    assert kept.exists()

    def sweep(days_later: float, **options):
        later = datetime.now(UTC) + timedelta(days=days_later)
        return retention_sweep(build_vault(api_settings, clock=lambda: later), account_id=account,
                               failed_manifests=FailedManifests.from_settings(api_settings), **options)

    assert sweep(29).manifests_expired == 0 and kept.exists()  # within the default 30 days: kept
    assert sweep(31, dry_run=True).manifests_expired == 1 and kept.exists()
    assert sweep(31).manifests_expired == 1
    assert left_of(api_settings, data) == []  # the manifest, its failure mark, nothing left
    assert sweep(31).manifests_expired == 0

    capsys.readouterr()
    assert main(["jobs", "retry", job["job_id"]]) == 2
    err = capsys.readouterr().err
    assert "expired" in err and "send the call again" in err, err
    assert data["ticket_id"] not in err and data["call_id"] not in err

    leg.write_bytes(good_leg)  # the fix; the call sent again is kept anew and runs
    again = submit(api, headers, data).json()
    assert again["job_id"] == job["job_id"]
    wait_done(api, headers, job["job_id"], worker=worker_process)
    gone(api_settings, data)


def test_a_call_failed_before_failure_marks_existed_is_marked_by_the_sweep_then_expires(
        api, keys, inbox, worker_process, api_settings, redis_url, capsys):
    """Its job recorded failed, no mark beside its manifest (failed before b96277e, or the
    mark could not be written): the sweep marks it from the job record (the CLI's and the
    queued one), then it expires after its window counted from the recorded failure."""
    from datetime import UTC, datetime, timedelta

    import redis

    from worker.calls.kept import FailedManifests, failure_mark
    from worker.cli import main
    from worker.queue.records import FailedCallJobs, JobRecords
    from worker.stored.operations import retention_sweep

    account = f"old{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {keys.create(account)[1]}"}
    own_inbox = inbox.parent / account
    own_inbox.mkdir()
    data = sample_manifest(own_inbox, call_id=f"CA-old-{uuid.uuid4().hex[:8]}")
    data["account"]["id"] = account
    (own_inbox / data["segments"][0]["uri"].removeprefix("file:")).write_bytes(b"RIFF not audio")
    job = submit(api, headers, data).json()
    assert wait_job(api, headers, job["job_id"], worker=worker_process)["state"] == "failed"
    kept = kept_of(api_settings, data)
    failure_mark(kept).unlink()  # as a job failed before marks were written leaves it
    client = redis.Redis.from_url(redis_url)
    failed_at = JobRecords(client).get(job["job_id"]).finished_at

    def sweep(days_later: float):
        later = datetime.fromtimestamp(failed_at, UTC) + timedelta(days=days_later)
        return retention_sweep(build_vault(api_settings, clock=lambda: later), account_id=account,
                               failed_manifests=FailedManifests.from_settings(
                                   api_settings, FailedCallJobs(JobRecords(client))))

    assert main(["retention", "sweep", "--account", account]) == 0  # the CLI's sweep marks it, now
    assert failure_mark(kept).exists() and kept.exists()
    failure_mark(kept).unlink()
    assert main(["enqueue", "--retention-sweep"]) == 0  # and so does the queued one
    wait_for(lambda: failure_mark(kept).exists(), timeout_s=30, what="the queued sweep's mark",
             workers=(worker_process,))
    assert sweep(29.9).manifests_expired == 0 and kept.exists()
    assert sweep(30).manifests_expired == 1
    assert left_of(api_settings, data) == []
    capsys.readouterr()
    assert main(["jobs", "retry", job["job_id"]]) == 2
    assert "expired" in capsys.readouterr().err
    client.close()
