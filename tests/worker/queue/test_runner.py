"""The job runner under a real Dramatiq worker on the real (embedded) Redis.

A test actor runs a plain operation through JobRunner exactly like the product's actors, so
these tests pin the queue semantics: transient errors retry with backoff, bad input fails at
once without a retry, poison messages are listed, a finished job is never run again.
"""

import contextlib
import json
import threading
from pathlib import Path

import dramatiq
import prometheus_client
import pytest

from worker.errors import ManifestError, WorkerError
from worker.queue.jobs import ProcessCall
from worker.queue.runner import JobResult


class Flaky(WorkerError):
    """Raised by the test operation to simulate a store that is briefly unavailable."""


class Script:
    """What the test operation does per call, and a record of the calls."""

    def __init__(self):
        self.plan = []
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, job):
        with self.lock:
            self.calls.append(job.job_id)
            step = self.plan.pop(0) if self.plan else "ok"
        if step == "flaky":
            raise Flaky("store unavailable")
        if step == "bad":
            raise ManifestError("events[0].type: 'lunch' is not an event type")
        if step == "bug":
            raise KeyError("4111111111111111")
        return JobResult(references={"recording_id": f"rec-{job.job_id}"})


SCRIPT = Script()


@pytest.fixture(scope="module")
def queue(inprocess_worker):
    from tests.worker.conftest import QUEUE_SETTINGS
    from worker.queue.runner import job_runner

    runner = job_runner(inprocess_worker.client, QUEUE_SETTINGS)

    @dramatiq.actor(broker=inprocess_worker, queue_name="test-runner", actor_name="test_runner_job")
    def test_job(body):
        runner.run(body, ProcessCall, SCRIPT)

    return inprocess_worker, test_job


@pytest.fixture
def env(queue, redis_client):
    from worker.queue.records import JobRecords

    broker, actor = queue
    SCRIPT.plan.clear()
    SCRIPT.calls.clear()
    return broker, actor, JobRecords(broker.client)


def send(actor, status, manifest):
    job = ProcessCall.for_call(manifest, "acme", Path(manifest).stem)
    status.create(job)
    actor.send(job.encode())
    return job


def test_success_records_done_and_result(env):
    broker, actor, status = env
    job = send(actor, status, "/calls/a.json")
    broker.join("test-runner", timeout=10_000)
    state = status.get(job.job_id)
    assert (state.state, state.attempts, state.result) == ("done", 1, {"recording_id": f"rec-{job.job_id}"})


def test_transient_error_is_retried_with_backoff(env):
    broker, actor, status = env
    SCRIPT.plan[:] = ["flaky", "flaky"]
    job = send(actor, status, "/calls/b.json")
    broker.join("test-runner", timeout=20_000)
    state = status.get(job.job_id)
    assert (state.state, state.attempts) == ("done", 3)
    assert SCRIPT.calls == [job.job_id] * 3


def test_bad_input_fails_at_once_without_retry(env):
    broker, actor, status = env
    SCRIPT.plan[:] = ["bad"]
    job = send(actor, status, "/calls/c.json")
    broker.join("test-runner", timeout=10_000)
    state = status.get(job.job_id)
    assert (state.state, state.attempts) == ("failed", 1)
    assert state.reason == "ManifestError: events[0].type: 'lunch' is not an event type"
    assert [s.job_id for s in status.failed_jobs()] == [job.job_id]
    assert state.dead_letter.startswith("test-runner/")


def test_foreign_exception_is_retried(env):
    broker, actor, status = env
    SCRIPT.plan[:] = ["bug"]
    job = send(actor, status, "/calls/d.json")
    broker.join("test-runner", timeout=10_000)
    state = status.get(job.job_id)
    assert (state.state, state.attempts) == ("done", 2)


def test_requeued_messages_carry_no_traceback(queue):
    from worker.queue.lifecycle import JobLifecycle
    from worker.settings import Settings

    broker, actor = queue
    message = actor.message("{}").copy(options={"traceback": "KeyError: '4111111111111111'",
                                                "retries": 1})
    JobLifecycle(Settings.from_env({})).before_enqueue(broker, message, 100)
    assert message.options == {"retries": 1}


def test_failed_job_is_retried_after_a_fix(env):
    broker, actor, status = env
    SCRIPT.plan[:] = ["bad"]
    job = send(actor, status, "/calls/e.json")
    broker.join("test-runner", timeout=10_000)
    assert status.get(job.job_id).state == "failed"
    dead = f"{broker.namespace}:test-runner.XQ"
    assert broker.client.zcard(dead) == 1

    # what JobQueue.resubmit does, sending to the test actor
    status.create(job, replace=True)
    actor.send(job.encode())
    broker.join("test-runner", timeout=10_000)
    assert status.get(job.job_id).state == "done"
    assert status.failed_jobs() == []


def test_a_finished_job_delivered_again_does_not_run_again(env):
    broker, actor, status = env
    job = send(actor, status, "/calls/f.json")
    broker.join("test-runner", timeout=10_000)
    actor.send(job.encode())  # a redelivery: same job, new message
    broker.join("test-runner", timeout=10_000)
    assert SCRIPT.calls == [job.job_id]
    assert status.get(job.job_id).state == "done"


def test_poison_message_fails_at_once_and_is_listed(env):
    broker, actor, status = env
    message = actor.send("this is not a job")
    good = send(actor, status, "/calls/g.json")
    broker.join("test-runner", timeout=10_000)
    assert SCRIPT.calls == [good.job_id]  # the poison did not block the queue
    failed = status.failed_jobs()
    assert [(f.job_id, f.kind, f.reason) for f in failed] == [
        (message.message_id, "?", "JobDecodeError: job message is not JSON")]


def test_message_without_a_job_argument_is_dead_lettered_once(env):
    broker, actor, status = env
    message = actor.send_with_options(args=(), kwargs={})
    broker.join("test-runner", timeout=10_000)
    assert SCRIPT.calls == []
    (failed,) = status.failed_jobs()
    assert (failed.job_id, failed.reason) == (
        message.message_id, "JobDecodeError: a job message has exactly one argument, the encoded job")
    assert broker.client.zcard(f"{broker.namespace}:test-runner.XQ") == 1


def test_failure_after_another_delivery_finished_the_job_is_moot(redis_client):
    from worker.queue.metrics import JobMetrics
    from worker.queue.records import JobRecords
    from worker.queue.runner import JobRunner

    status = JobRecords(redis_client, lease_s=60, max_crashes=3)
    runner = JobRunner(status, lambda: JobMetrics(prometheus_client.CollectorRegistry()))
    job = ProcessCall.for_call("/calls/race.json", "acme", "race")
    status.create(job)

    def slow_then_fail(job):
        assert redis_client.delete(f"callrec:lease:{job.job_id}") == 1  # the lease lapses (renewal is paused
        # as if Redis were away: what its TTL does once past, at once rather than by sleeping past it)...
        other = status.claim(job.job_id)  # ...another delivery claims and finishes
        status.complete(other, {"recording_id": "rec-other"})
        raise ManifestError("recording is stored already")

    status.held = lambda claim: contextlib.nullcontext()  # no renewal
    assert runner.run(job.encode(), ProcessCall, slow_then_fail) is None
    state = status.get(job.job_id)
    assert (state.state, state.result) == ("done", {"recording_id": "rec-other"})


def test_a_delivery_that_finds_the_job_done_counts_it_in_its_batch(redis_client):
    """The delivery that completed the job lost Redis before counting it in its batch: the
    redelivery finds the job done, runs nothing and counts it (once)."""
    import redis

    from worker.queue.jobs import Reprocess
    from worker.queue.metrics import JobMetrics
    from worker.queue.records import JobRecords
    from worker.queue.runner import JobRunner

    rid = "rec_us_0123456789abcdef0123456789abcdef"
    records = JobRecords(redis_client, lease_s=5, max_crashes=3)
    runner = JobRunner(records, lambda: JobMetrics(prometheus_client.CollectorRegistry()))
    job = Reprocess.for_batch("b-count", rid, ("rewrap",))
    records.start_batch("b-count", [job.recording_id])
    records.create(job)
    counting = records._count_in_batch

    def redis_gone(job_id, outcome):
        raise redis.ConnectionError("Redis restarting")

    records._count_in_batch = redis_gone
    with pytest.raises(redis.ConnectionError):
        runner.run(job.encode(), Reprocess, lambda job: JobResult(references={"recording_id": rid}))
    records._count_in_batch = counting
    assert records.get(job.job_id).state == "done" and records.batch_progress("b-count").done == 0

    assert runner.run(job.encode(), Reprocess, lambda job: pytest.fail("ran again")) is None
    assert runner.run(job.encode(), Reprocess, lambda job: pytest.fail("ran again")) is None
    assert records.batch_progress("b-count").done == 1


def test_finished_runs_once_the_job_is_done_and_again_for_a_delivery_that_finds_it_done(redis_client):
    """What a job leaves for its own use only (the API's manifest) goes once it is done: never
    while it may run again (failed, retried, killed mid-way), and again for a delivery that
    finds it done (the one that completed it may have died before)."""
    from worker.queue.metrics import JobMetrics
    from worker.queue.records import JobRecords
    from worker.queue.runner import JobRunner

    records = JobRecords(redis_client, lease_s=5, max_crashes=3)
    runner = JobRunner(records, lambda: JobMetrics(prometheus_client.CollectorRegistry()))
    job = ProcessCall.for_call("/calls/fin.json", "acme", "fin")
    records.create(job)
    seen = []

    def finished(job):
        seen.append(records.get(job.job_id).state)

    def flaky(job):
        raise Flaky("store unavailable")

    with pytest.raises(Flaky):
        runner.run(job.encode(), ProcessCall, flaky, finished=finished)
    assert seen == []
    runner.run(job.encode(), ProcessCall, lambda job: JobResult(), finished=finished)
    assert seen == ["done"]
    assert runner.run(job.encode(), ProcessCall, lambda job: pytest.fail("ran again"), finished=finished) is None
    assert seen == ["done", "done"]

    def full_disk(job):
        raise OSError("no space left")

    with pytest.raises(OSError):  # Dramatiq retries: the next delivery finds it done, finishes again
        runner.run(job.encode(), ProcessCall, lambda job: pytest.fail("ran again"), finished=full_disk)


def test_a_job_this_worker_cannot_read_fails_its_own_record(env):
    """Found by the session-46 audit: a job from a newer enqueuer (a field or kind this worker
    does not know, in a rolling upgrade) was dead-lettered under its message id, and its own
    record, which ``callrec status`` shows, stayed queued for ever."""
    broker, actor, status = env
    job = ProcessCall.for_call("/calls/newer.json", "acme", "newer")
    status.create(job)
    body = json.loads(job.encode())
    body["priority_hint"] = "high"  # a field from a newer version
    actor.send(json.dumps(body))
    broker.join("test-runner", timeout=10_000)
    record = status.get(job.job_id)
    assert (record.state, record.reason) == ("failed", "JobDecodeError: process_call job: unknown field 'priority_hint'")
