"""The job record: status, claims and results of one job in one Redis hash; batches."""

import threading

import pytest

from callrec.errors import is_permanent
from worker.errors import JobBusy, ManifestError, PoisonJob
from worker.queue.jobs import ProcessCall, RedactRecording, Reprocess
from worker.queue.records import JobRecords, failure_reason

RID = "rec_us_0123456789abcdef0123456789abcdef"
RID2 = "rec_us_fedcba9876543210fedcba9876543210"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(redis_client, clock):
    return JobRecords(redis_client, clock=clock)


def test_job_passes_through_its_states(store, clock):
    job = ProcessCall.for_call("/m.json", "acme", "m")
    assert store.create(job) is True
    assert store.create(job) is False  # enqueued twice: one job
    clock.now = 1001.5
    store.running(job.job_id)
    clock.now = 1003.0
    store.done(job.job_id, {"recording_id": RID})
    status = store.get(job.job_id)
    assert (status.state, status.attempts, status.kind) == ("done", 1, "process_call")
    assert (status.enqueued_at, status.started_at, status.finished_at) == (1000.0, 1001.5, 1003.0)
    assert status.result == {"recording_id": RID}
    assert status.decode_job() == job


def test_failed_jobs_are_listed_until_retried(store, clock):
    a, b = ProcessCall.for_call("/a.json", "acme", "a"), ProcessCall.for_call("/b.json", "acme", "b")
    store.create(a), store.create(b)
    store.failed(b.job_id, "ManifestError: events[0].type: unknown")
    clock.now += 1
    store.failed(a.job_id, "ManifestError: x")
    assert [s.job_id for s in store.failed_jobs()] == [b.job_id, a.job_id]
    store.create(b, replace=True)
    assert [s.job_id for s in store.failed_jobs()] == [a.job_id]
    assert store.get(b.job_id).state == "queued" and store.get(b.job_id).reason is None


def test_unknown_job_has_no_status(store):
    assert store.get("nope") is None


def test_batch_counts_each_recording_once(store):
    store.start_batch("b1", [RID, RID2, "rec_us_00000000000000000000000000000000"])
    jobs = [Reprocess.for_batch("b1", rid, ("redact",)) for rid in (RID, RID2)]
    for job in jobs:
        store.create(job)
    store.failed(jobs[0].job_id, "StoreError")
    store.done(jobs[1].job_id, {})
    store.done(jobs[1].job_id, {})  # redelivered: still one
    store.batch_done("b1", ["rec_us_00000000000000000000000000000000"])
    progress = store.batch_progress("b1")
    assert (progress.total, progress.done, progress.failed, progress.finished) == (3, 2, 1, True)
    store.done(jobs[0].job_id, {})  # retried after a fix
    progress = store.batch_progress("b1")
    assert (progress.done, progress.failed) == (3, 0)


def test_failure_reason_keeps_our_messages_and_only_the_class_of_others():
    assert failure_reason(ManifestError("events[2].end: before start")) == \
        "ManifestError: events[2].end: before start"
    assert failure_reason(ValueError("4111 1111 1111 1111")) == "ValueError"


def test_reasons_are_stored_with_digit_runs_scrubbed(store):
    reason = failure_reason(ManifestError("account.plan: '4111111111111111' is not a plan"))
    assert reason == "ManifestError: account.plan: '################' is not a plan"
    job = Reprocess.for_batch("b3", RID, ("rewrap",))
    store.create(job)
    store.retrying(job.job_id, "StoreError: 4111 1111 1111 1111")
    assert store.get(job.job_id).reason == "StoreError: #### #### #### ####"
    store.failed(job.job_id, "StoreError: card 4111-1111-1111-1111")
    assert store.get(job.job_id).reason == "StoreError: card ####-####-####-####"


def test_stored_reasons_keep_recording_ids_whose_hex_has_long_digit_runs(store):
    rid = "rec_eu_9f30412785506843129d6a0b1e2c3d4f"  # 12 digits in a row: once hidden
    job = Reprocess.for_batch("b3", rid, ("rewrap",))
    store.create(job)
    store.failed(job.job_id, failure_reason(ManifestError(f"{rid}: no such recording (card 4111111111111111)")))
    assert store.get(job.job_id).reason == f"ManifestError: {rid}: no such recording (card ################)"


def test_finished_jobs_and_batches_expire_failed_jobs_stay(store, redis_client):
    from worker.queue.records import FINISHED_TTL_S

    done, failed = (Reprocess.for_batch("b2", rid, ("rewrap",)) for rid in (RID, RID2))
    store.start_batch("b2", [RID, RID2])
    for job in (done, failed):
        store.create(job)
    store.done(done.job_id, {})
    store.failed(failed.job_id, "StoreError")
    assert 0 < redis_client.ttl(f"callrec:job:{done.job_id}") <= FINISHED_TTL_S
    assert redis_client.ttl(f"callrec:job:{failed.job_id}") == -1
    for part in ("", ":done", ":failed", ":members"):
        assert 0 < redis_client.ttl(f"callrec:batch:b2{part}") <= FINISHED_TTL_S


def test_a_batch_run_again_counts_only_the_recordings_it_still_has(store):
    """Found by the session-46 audit: a batch run again after two of its recordings were deleted
    planned 4 and showed ``6/4 done``: the first run's counts of the deleted ones stayed."""
    ids = [f"rec_us_{n:032x}" for n in range(6)]
    store.start_batch("b4", ids)
    store.batch_done("b4", ids[:5])
    failed = Reprocess.for_batch("b4", ids[5], ("rewrap",))
    store.create(failed)
    store.failed(failed.job_id, "StoreError")
    store.start_batch("b4", ids[2:])  # ids 0 and 1 deleted meanwhile: the same batch, planned again
    progress = store.batch_progress("b4")
    assert (progress.total, progress.done, progress.failed, progress.finished) == (4, 3, 1, True)
    late = Reprocess.for_batch("b4", ids[0], ("rewrap",))  # a job of the first run, finished late
    store.create(late)
    store.done(late.job_id, {})
    assert (store.batch_progress("b4").done, store.batch_progress("b4").failed) == (3, 1)


# -- claims ------------------------------------------------------------------------------

@pytest.fixture
def claims(redis_client):
    return JobRecords(redis_client, lease_s=0.3, max_crashes=2)


def test_claim_complete_then_done(claims):
    claim = claims.claim("j1")
    assert claim is not None and claim.crashes == 0
    claims.complete(claim, {"recording_id": "r1"})
    assert claims.claim("j1") is None
    assert claims.result("j1") == {"recording_id": "r1"}


def test_a_live_lease_makes_others_wait(claims):
    claims.claim("j1")
    with pytest.raises(JobBusy) as info:
        claims.claim("j1")
    assert not is_permanent(info.value)


def test_release_lets_a_retry_claim_at_once_without_counting_a_crash(claims):
    claims.release(claims.claim("j1"))
    claim = claims.claim("j1")
    assert claim.crashes == 0


def lapse(claims, job_id: str) -> None:
    """The lease of ``job_id`` runs out (its holder died and stopped renewing): what its TTL
    does once it has passed, done at once rather than by sleeping past it."""
    assert claims.client.delete(f"callrec:lease:{job_id}") == 1


def test_a_claim_holds_its_lease_for_the_lease_period_only(claims, redis_client):
    claims.claim("j1")
    assert 0 < redis_client.pttl("callrec:lease:j1") <= 300


def test_an_expired_lease_counts_a_crash_and_then_poison(claims):
    claims.claim("j1")  # the holder dies: never completes, never releases
    lapse(claims, "j1")
    assert claims.claim("j1").crashes == 1
    lapse(claims, "j1")
    with pytest.raises(PoisonJob, match="stopped its worker 2 times") as info:
        claims.claim("j1")
    assert is_permanent(info.value)


def test_held_renews_the_lease_while_the_body_runs(redis_client, monkeypatch):
    """Each tick of the renewal loop is the test's to give (it slept through two lease periods,
    and a renewing thread held up longer than one by a loaded machine would have failed it)."""
    import types

    import worker.queue.records as records

    ticks, renewed = threading.Semaphore(0), threading.Semaphore(0)

    class Ticked(threading.Event):
        def wait(self, timeout=None):  # the loop's wait between renewals: until a tick or the stop
            ticks.acquire()
            return self.is_set()

        def set(self):
            super().set()
            ticks.release()

    monkeypatch.setattr(records, "threading", types.SimpleNamespace(Event=Ticked, Thread=threading.Thread))
    claims = JobRecords(redis_client, lease_s=60, max_crashes=2)
    real_renew = claims.renew

    def renew(claim):
        try:
            return real_renew(claim)
        finally:
            renewed.release()

    claims.renew = renew
    claim = claims.claim("j1")
    with claims.held(claim):
        for _ in range(2):
            redis_client.pexpire("callrec:lease:j1", 30_000)  # most of the lease gone
            ticks.release()
            assert renewed.acquire(timeout=30)
            assert 30_000 < redis_client.pttl("callrec:lease:j1") <= 60_000  # a whole lease again
            with pytest.raises(JobBusy):
                claims.claim("j1")
    redis_client.pexpire("callrec:lease:j1", 30_000)
    ticks.release()  # the body is over: no renewal comes of it
    assert not renewed.acquire(blocking=False)
    assert redis_client.pttl("callrec:lease:j1") <= 30_000
    claims.complete(claim, {})


def test_forget_clears_the_crash_count(claims):
    claims.claim("j1")
    lapse(claims, "j1")
    claims.claim("j1")
    claims.forget("j1")
    assert claims.claim("j1").crashes == 0


def test_only_one_of_many_concurrent_claims_wins(claims):
    wins, busy = [], []

    def attempt():
        try:
            wins.append(claims.claim("j1"))
        except JobBusy:
            busy.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(wins), len(busy)) == (1, 7)


def test_lease_must_be_positive(redis_client):
    with pytest.raises(ValueError, match="lease_s must be positive"):
        JobRecords(redis_client, lease_s=0, max_crashes=1)


def test_status_and_claim_share_one_record(redis_client):
    records = JobRecords(redis_client, lease_s=5, max_crashes=2)
    job = ProcessCall.for_call("/one.json", "acme", "one")
    records.create(job)
    claim = records.claim(job.job_id)
    records.running(job.job_id)
    assert records.get(job.job_id).state == "running" and records.result(job.job_id) is None
    records.complete(claim, {"recording_id": RID})
    assert sorted(key.decode() for key in redis_client.scan_iter("callrec:*")) == [f"callrec:job:{job.job_id}"]
    status = records.get(job.job_id)
    assert (status.state, status.result) == ("done", {"recording_id": RID})
    assert records.result(job.job_id) == {"recording_id": RID} and records.claim(job.job_id) is None
    assert 0 < redis_client.ttl(f"callrec:job:{job.job_id}") <= 30 * 86400


def test_a_finished_job_is_queued_again_only_while_it_is_done(store, clock):
    """A repeatable job asked for again after it finished (re-redact with newer detectors, delete
    again to reclaim leftovers) runs again; one queued, running or failed is left as it is."""
    job = RedactRecording.for_recording(RID)
    assert store.requeue_done(job) is False  # no such job
    store.create(job)
    assert store.requeue_done(job) is False  # queued
    store.running(job.job_id)
    assert store.requeue_done(job) is False  # running: its claim stays
    store.done(job.job_id, {"outcome": "up_to_date"})
    clock.now += 5
    assert store.requeue_done(job) is True
    status = store.get(job.job_id)
    assert (status.state, status.attempts, status.result, status.enqueued_at) == ("queued", 0, {}, clock.now)
    assert store.requeue_done(job) is False  # queued again: a second request adds nothing
    store.failed(job.job_id, "RuntimeError: x")
    assert store.requeue_done(job) is False and store.get(job.job_id).state == "failed"


def test_an_operators_retry_keeps_a_live_lease(claims):
    """Found by the session-46 audit: ``jobs retry`` of a job marked failed while a delivery still
    ran it deleted that delivery's live lease, and the retry ran the job a second time at once."""
    job = ProcessCall.for_call("/calls/r.json", "acme", "r")
    claims.create(job)
    claims.claim(job.job_id)  # a delivery runs it
    claims.failed(job.job_id, "WorkerError: store unavailable")
    claims.create(job, replace=True)
    with pytest.raises(JobBusy):
        claims.claim(job.job_id)  # the retry waits for the running one
