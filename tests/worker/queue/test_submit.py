"""Submitting jobs: a call's job keeps the digest of the manifest it was made from, and the call
sent again with another manifest while that job is queued, running or done is refused (found by
hand, session 53: it was answered as that job, and the legs it named were never stored nor
destroyed)."""

import pytest

from callrec.errors import is_permanent
from worker.errors import CallTakenError, JobDecodeError
from worker.queue.jobs import Job, ProcessCall

FIRST, OTHER = "a" * 64, "p" * 64


def call_job(digest: str | None, uri: str = "/srv/in/CA-1/manifest.json") -> ProcessCall:
    return ProcessCall.for_call(uri, "acme", "CA-1", digest)


@pytest.fixture
def queue(redis_client, only_worker_processes):
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS, queue_broker
    from worker.queue.submit import JobQueue

    return JobQueue(queue_broker(), SETTINGS)


def test_a_call_job_keeps_its_manifests_digest_and_an_old_one_reads_without():
    job = call_job(FIRST)
    assert Job.decode(job.encode()) == job and f'"manifest_digest": "{FIRST}"' in job.encode()
    old = '{"job_id": "call-x", "kind": "process_call", "manifest_uri": "/srv/in/m.json"}'
    assert Job.decode(old).manifest_digest is None and Job.decode(old).encode() == old
    for bad in ("A" * 64, "a" * 63, "0123456789" * 7):  # digits never: it could read as a card number
        with pytest.raises(JobDecodeError, match=r"^process_call job: manifest_digest is not a valid reference$"):
            call_job(bad)


def test_the_same_manifest_is_the_same_job_and_another_is_refused(queue):
    assert queue.submit(call_job(FIRST)) is True
    assert queue.submit(call_job(FIRST, "/srv/elsewhere/manifest.json")) is False  # another path: the same job
    with pytest.raises(CallTakenError) as refused:
        queue.submit(call_job(OTHER))
    assert str(refused.value) == ("call_id: this call was already taken with another manifest (its job is queued); "
                                  "nothing of this one was read or queued")
    assert is_permanent(refused.value)
    assert queue.broker.do_qsize("calls") == 1
    assert queue.status.get(call_job(FIRST).job_id).decode_job().manifest_digest == FIRST


@pytest.mark.parametrize("state", ["running", "retrying", "done"])
def test_a_call_is_refused_with_another_manifest_in_every_state_but_failed(queue, state):
    job = call_job(FIRST)
    assert queue.status.create(job)
    queue.status.client.hset(queue.status._job_key(job.job_id), "state", state)
    with pytest.raises(CallTakenError, match=rf"\(its job is {state}\)"):
        queue.submit(call_job(OTHER))


def test_a_failed_call_may_be_sent_again_with_another_manifest(queue):
    """Its correction: the callers resubmit it (``queued again``), as before."""
    job = call_job(FIRST)
    assert queue.status.create(job)
    queue.status.failed(job.job_id, "ManifestError: segments[0].uri: no such file")
    assert queue.submit(call_job(OTHER)) is False  # not refused: not sent either
    queue.refuse_another_manifest(call_job(OTHER))


def test_a_job_without_a_digest_takes_any_manifest_as_before(queue):
    assert queue.status.create(call_job(None))
    assert queue.submit(call_job(OTHER)) is False
    assert queue.status.create(call_job(None, "/srv/other.json")) is False
    queue.status.forget(call_job(None).job_id)
    assert queue.submit(call_job(None)) is True
    assert queue.submit(call_job(OTHER)) is False  # a digest-less job cannot tell: the same call


def test_prepare_runs_once_the_job_is_recorded_and_a_failing_one_leaves_no_job(queue):
    seen = []

    def prepare():
        seen.append(queue.status.get(call_job(FIRST).job_id).state)  # recorded before it is prepared
        raise OSError("disk full")

    with pytest.raises(OSError):
        queue.submit(call_job(FIRST), prepare=prepare)
    assert seen == ["queued"] and queue.status.get(call_job(FIRST).job_id) is None
    assert queue.broker.do_qsize("calls") == 0
    assert queue.submit(call_job(FIRST), prepare=lambda: seen.append("kept")) is True
    assert queue.submit(call_job(FIRST), prepare=lambda: seen.append("kept again")) is False
    assert seen == ["queued", "kept"] and queue.broker.do_qsize("calls") == 1


def test_a_failed_call_is_sent_again_with_one_correction_and_the_next_is_refused(queue):
    job = call_job(FIRST)
    assert queue.submit(job)
    queue.status.failed(job.job_id, "ManifestError: segments[0].uri: no such file")
    assert queue.resubmit_failed(call_job(OTHER)) is True
    assert queue.status.get(job.job_id).state == "queued" and queue.status.failed_count() == 0
    assert queue.resubmit_failed(call_job(OTHER)) is False  # the same correction again: that job
    with pytest.raises(CallTakenError):
        queue.resubmit_failed(call_job(FIRST))  # another one, once the first correction is queued
    assert queue.broker.do_qsize("calls") == 2
    assert queue.status.get(job.job_id).decode_job().manifest_digest == OTHER


def test_a_correction_that_cannot_be_prepared_leaves_its_call_failed(queue):
    job = call_job(FIRST)
    assert queue.status.create(job)
    queue.status.failed(job.job_id, "ManifestError: segments[0].uri: no such file")

    def prepare():
        raise OSError("disk full")

    with pytest.raises(OSError):
        queue.resubmit_failed(call_job(OTHER), prepare=prepare)
    status = queue.status.get(job.job_id)
    assert (status.state, status.reason) == ("failed", "OSError") and queue.status.failed_count() == 1
    assert queue.broker.do_qsize("calls") == 0
