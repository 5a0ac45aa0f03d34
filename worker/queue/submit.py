"""Putting jobs on the queue: one status record and one message per job id."""

from __future__ import annotations

from collections.abc import Callable

from dramatiq.brokers.redis import RedisBroker

from worker.errors import CallTakenError, JobDecodeError
from worker.queue.actors import QUEUES, declare_actors
from worker.queue.jobs import Job, ProcessCall
from worker.settings import Settings
from worker.queue.records import JobRecords, JobStatus, failure_reason


class JobQueue:
    """Sends jobs through ``broker`` and keeps their status next to the queue."""

    def __init__(self, broker: RedisBroker, settings: Settings) -> None:
        self.broker = broker
        self.actors = declare_actors(broker)  # the worker's own when it declared them first
        #: The jobs' records (status, claims, results; batch progress).
        self.status = JobRecords(broker.client, lease_s=settings.job_lease_s,
                                 max_crashes=settings.job_max_deliveries)

    def submit(self, job: Job, *, prepare: Callable[[], None] | None = None) -> bool:
        """Enqueue ``job`` unless a job with its id exists already (a repeatable one that finished runs
        again: ``Job.repeatable``); True when it was sent. ``prepare()`` (e.g. writing the manifest the
        job reads) runs once the job is recorded, before it is sent: of two submissions racing for one
        id, only the one that recorded it prepares it. A call's job that exists, queued, running or
        done, made from another manifest: CallTakenError (``refuse_another_manifest``)."""
        if not (self.status.create(job) or (job.repeatable and self.status.requeue_done(job))):
            self.refuse_another_manifest(job)
            return False
        if prepare is not None:
            try:
                prepare()
            except BaseException:
                self.status.forget(job.job_id)  # nothing was sent: leave no job that never runs
                raise
        self._send(job)
        return True

    def refuse_another_manifest(self, job: Job, current: JobStatus | None = None) -> None:
        """Raise CallTakenError when ``job`` is a call's whose job (``current``, else read now) is
        queued, running or done and was made from another manifest: that job neither reads the
        manifest sent again nor stores or destroys the legs it names. A failed job may be sent
        again with another manifest (its correction), and one made before digests were kept takes
        any (``ProcessCall.same_manifest``)."""
        if not isinstance(job, ProcessCall):
            return
        current = current if current is not None else self.status.get(job.job_id)
        if current is None or current.state == "failed":
            return
        try:
            recorded = current.decode_job()
        except JobDecodeError:
            return
        if isinstance(recorded, ProcessCall) and not recorded.same_manifest(job):
            raise CallTakenError(f"call_id: this call was already taken with another manifest (its job is "
                                 f"{current.state}); nothing of this one was read or queued")

    def resubmit_failed(self, job: Job, *, prepare: Callable[[], None] | None = None) -> bool:
        """Enqueue a failed job again as ``job`` (a call's corrected manifest) if it is failed at this
        moment; ``prepare()`` runs once it is recorded, before it is sent, as for ``submit``. False
        when it is not failed (another request sent it again meanwhile; CallTakenError when that
        one was made from another manifest)."""
        current = self.status.get(job.job_id)
        if current is None or not self.status.requeue_failed(job):
            self.refuse_another_manifest(job)
            return False
        if current.dead_letter:
            self.drop_dead_letter(current.dead_letter)
        if prepare is not None:
            try:
                prepare()
            except BaseException as exc:
                self.status.failed(job.job_id, failure_reason(exc))  # failed still: nothing was sent
                raise
        self._send(job)
        return True

    def resubmit(self, job: Job) -> None:
        """Enqueue a failed job again (after a fix): its crash count and dead letter go."""
        current = self.status.get(job.job_id)
        self.status.create(job, replace=True)  # its claim and crash count go too
        if current is not None and current.dead_letter:
            self.drop_dead_letter(current.dead_letter)
        self._send(job)

    def drop_dead_letter(self, reference: str) -> None:
        """Remove a message from Dramatiq's dead-letter set (``<queue>/<redis message id>``)."""
        queue, _, message_id = reference.partition("/")
        if queue in QUEUES and message_id:
            dead = f"{self.broker.namespace}:{queue}.XQ"
            self.broker.client.zrem(dead, message_id)
            self.broker.client.hdel(f"{dead}.msgs", message_id)

    def _send(self, job: Job) -> None:
        try:
            self.broker.enqueue(self.actors[job.kind].message(job.encode()))
        except BaseException:
            self.status.forget(job.job_id)  # no message went out: leave no job that never runs
            raise
