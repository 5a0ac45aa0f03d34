"""The product's actors on a real Dramatiq worker, the real Redis and the local vault."""

import pytest

from worker.queue.jobs import DeleteRecordings, ProcessCall, Reprocess, RetentionSweep
from tests.worker.queue_calls import job_of, write_call
from tests.worker.stored_recordings import store_recordings


@pytest.fixture(scope="module")
def worker(inprocess_worker):
    return inprocess_worker


@pytest.fixture
def queue(worker, redis_client):
    from worker.queue.records import JobRecords

    status = JobRecords(worker.client)

    def run(job):
        from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
        from worker.queue.submit import JobQueue

        sent = JobQueue(worker, SETTINGS).submit(job)
        for name in ("calls", "recordings", "batch"):
            worker.join(name, timeout=20_000)
        return sent, status.get(job.job_id)

    return run


def stored(recording_id):
    from tests.worker.conftest import queue_backends as backends

    return backends().vault.for_recording(recording_id).find(recording_id)


def test_post_call_job_end_to_end(queue, tmp_path):
    manifest = write_call(tmp_path, "CA-E2E", seconds=2.0)
    sent, status = queue(job_of(str(manifest)))
    assert sent and status.state == "done" and status.attempts == 1
    rid = status.result["recording_id"]
    assert status.result == {"recording_id": rid, "stored": "yes"}
    entry = stored(rid)
    assert (entry.call_id, entry.account_id, entry.deleted) == ("CA-E2E", "acme", False)
    assert not (tmp_path / "CA-E2E.wav").exists()  # raw segment destroyed once stored


def test_the_same_call_enqueued_again_is_one_job(queue, tmp_path):
    job = job_of(str(write_call(tmp_path, "CA-TWICE")))
    assert queue(job)[0] is True
    sent, status = queue(job)
    assert sent is False and status.state == "done" and status.attempts == 1


def test_a_redelivered_message_after_success_stores_nothing_new(queue, worker, tmp_path):
    from tests.worker.conftest import queue_broker

    process_call = queue_broker().get_actor("process_call")

    job = job_of(str(write_call(tmp_path, "CA-REDELIVER")))
    _, first = queue(job)
    process_call.send(job.encode())  # the queue delivers the same job again
    worker.join("calls", timeout=20_000)
    again = queue(job)[1]
    assert again.attempts == first.attempts == 1
    assert again.result == first.result


def test_a_bad_manifest_fails_at_once_with_its_reason(queue, tmp_path):
    manifest = write_call(tmp_path, "CA-BAD")
    manifest.write_text(manifest.read_text().replace('"agent"', '"lunch"'))
    _, status = queue(job_of(str(manifest)))
    assert (status.state, status.attempts) == ("failed", 1)
    assert status.reason.startswith("ManifestError: events[0].type")


def test_reprocess_rewrap_after_key_rotation(queue, tmp_path):
    from tests.worker.conftest import queue_backends as backends

    _, done = queue(job_of(str(write_call(tmp_path, "CA-REWRAP"))))
    rid = done.result["recording_id"]
    region = backends().vault.for_recording(rid)
    new_version = region.keys.rotate()
    _, status = queue(Reprocess.for_batch("bt1", rid, ("rewrap",)))
    assert status.state == "done" and status.result["keys_rewrapped"] == "2"  # audio + metadata
    assert stored(rid).key_versions() == (new_version,)


def test_delete_job_shreds_and_is_idempotent(queue, tmp_path):
    _, done = queue(job_of(str(write_call(tmp_path, "CA-DEL"))))
    rid = done.result["recording_id"]
    _, status = queue(DeleteRecordings.for_target(recording_id=rid, reason="customer request"))
    assert status.result == {"recordings": "1", "deleted": "1", "already_deleted": "0", "reclaimed": "0"}
    entry = stored(rid)
    assert entry.deleted and entry.tombstone.deleted_by == "callrec-queue"
    assert entry.tombstone.reason == "customer request"


def test_retention_sweep_job(queue):
    from tests.worker.conftest import queue_backends as backends

    region = backends().vault.region("us")
    due = store_recordings(region, "shortlived", 2)  # created 2026-01-01
    kept, = store_recordings(region, "longlived", 1)
    region.set_policy("shortlived", 30)  # a window set later applies to it too
    region.set_policy("longlived", 36500)
    # The worker shares its vault with the other tests of this process (which ones depends on
    # how pytest-xdist shares the tests out): take stock of what they left, so the sweep's counts
    # are known exactly, not just ">= 1" (a dry run says what else is due).
    from worker.stored.operations import retention_sweep

    before = {entry.recording_id: entry.deleted for entry in backends().vault.entries()}
    others_due = retention_sweep(backends().vault, dry_run=True).due - 2
    _, status = queue(RetentionSweep(job_id="sweep-test"))
    assert status.state == "done"
    assert status.result == {"scanned": str(len(before)), "due": str(2 + others_due),
                             "deleted": str(2 + others_due), "dry_run": "no", "reclaimed": "0",
                             "manifests_expired": "0", "tickets_marked": "0"}
    after = {entry.recording_id: entry.deleted for entry in backends().vault.entries()}
    newly = {rid for rid, gone in after.items() if gone} - {rid for rid, gone in before.items() if gone}
    assert set(due) <= newly and len(newly) == 2 + others_due
    assert all(stored(rid).tombstone.deleted_by == "retention" for rid in due)
    assert not stored(kept).deleted


def test_redact_recording_job_for_the_add_on(queue, tmp_path):
    from tests.worker.conftest import queue_backends as backends
    from worker.queue.effects import detector_version
    from worker.queue.jobs import RedactRecording

    _, done = queue(job_of(str(write_call(tmp_path, "CA-ADDON"))))
    rid = done.result["recording_id"]
    before = stored(rid)
    assert not before.redacted
    _, status = queue(RedactRecording.for_recording(rid))
    assert status.state == "done"
    assert status.result == {"recording_id": rid, "redacted": "yes", "detector_version": detector_version(backends())}
    after = stored(rid)
    assert after.redacted and after.detector_version == detector_version(backends())
    assert after.artifact("audio").generation == before.artifact("audio").generation + 1
    # the unredacted generation is gone: ciphertext and its data key
    store = backends().vault.for_recording(rid).store
    assert not list(store.names(f"data/{rid}/audio.{before.artifact('audio').generation}"))


def test_a_job_that_crashed_after_storing_reruns_to_the_same_single_recording(queue, tmp_path):
    import time

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS, queue_broker
    from tests.worker.conftest import queue_backends as backends
    from worker.queue.records import JobRecords
    from worker.calls.pipeline import process_call

    broker = queue_broker()

    manifest = write_call(tmp_path, "CA-HALF")
    job = job_of(str(manifest))
    # a worker claimed the job, stored the recording, destroyed the sources... and died
    JobRecords(broker.client, lease_s=SETTINGS.job_lease_s, max_crashes=5).claim(job.job_id)
    first = process_call(str(manifest), backends())
    assert not (tmp_path / "CA-HALF.wav").exists()
    time.sleep(SETTINGS.job_lease_s)  # its lease runs out
    _, status = queue(job)
    assert status.state == "done" and status.result["recording_id"] == first.recording_id
    assert [e.recording_id for e in backends().vault.region("us").entries() if e.call_id == "CA-HALF"] == \
        [first.recording_id]
    assert broker.client.hget(f"callrec:job:{job.job_id}", "crashes") == b"1"


def test_manifest_references():
    from worker.queue.effects import manifest_path
    from worker.errors import ManifestError

    assert manifest_path("/calls/a.json") == "/calls/a.json"
    assert manifest_path("file:/calls/a.json") == "/calls/a.json"
    assert manifest_path("file:///calls/a.json") == "/calls/a.json"
    with pytest.raises(ManifestError, match="s3:// manifests are not supported"):
        manifest_path("s3://bucket/a.json")


def test_webhook_deliveries_are_retried_for_about_a_day_other_jobs_as_configured():
    """Found by the session-47 audit: with the defaults a receiver down for more than about 21
    minutes lost its events for good (8 retries, backoff to 10 minutes), where webhook senders
    users know (Stripe, GitHub, Zendesk) keep trying for hours to days. Deliveries back off to an
    hour and are retried for 16 to 31 hours (backoff jittered); the other jobs keep
    CALLREC_JOB_MAX_RETRIES."""
    from tests.worker.conftest import queue_broker
    from worker.errors import JobBusy, ManifestError, WebhookDeliveryError
    from worker.queue.actors import WEBHOOK_MAX_BACKOFF_S, WEBHOOK_RETRIES, declare_actors

    actors = declare_actors(queue_broker())
    webhook = actors["deliver_webhook"].options
    assert webhook["max_backoff"] == WEBHOOK_MAX_BACKOFF_S * 1000 == 3_600_000
    retry_when = webhook["retry_when"]
    assert retry_when(WEBHOOK_RETRIES - 1, WebhookDeliveryError("answered 503"))
    assert not retry_when(WEBHOOK_RETRIES, WebhookDeliveryError("answered 503"))
    assert retry_when(10_000, JobBusy("running elsewhere"))
    assert not retry_when(0, ManifestError("bad"))
    from worker.settings import Settings

    first_s = Settings().job_min_backoff_s  # Dramatiq backs off first_s * 2**n, jittered to half of it at least
    shortest_s = sum(min(first_s * 2 ** n, WEBHOOK_MAX_BACKOFF_S) / 2 for n in range(WEBHOOK_RETRIES))
    longest_s = sum(min(first_s * 2 ** n, WEBHOOK_MAX_BACKOFF_S) for n in range(WEBHOOK_RETRIES))
    assert 15 * 3600 < shortest_s and longest_s < 32 * 3600
    other = actors["process_call"].options  # the broker's policy (CALLREC_JOB_MAX_RETRIES, backoff to 10 minutes)
    assert "retry_when" not in other and "max_backoff" not in other
