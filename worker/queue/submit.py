"""Putting jobs on the queue: one status record and one message per job id."""

from __future__ import annotations

from dramatiq.brokers.redis import RedisBroker

from worker.queue.actors import QUEUES, declare_actors
from worker.queue.jobs import Job
from worker.settings import Settings
from worker.queue.records import JobRecords


class JobQueue:
    """Sends jobs through ``broker`` and keeps their status next to the queue."""

    def __init__(self, broker: RedisBroker, settings: Settings) -> None:
        self.broker = broker
        self.actors = declare_actors(broker)  # the worker's own when it declared them first
        #: The jobs' records (status, claims, results; batch progress).
        self.status = JobRecords(broker.client, lease_s=settings.job_lease_s,
                                 max_crashes=settings.job_max_deliveries)

    def submit(self, job: Job) -> bool:
        """Enqueue ``job`` unless a job with its id exists already (a repeatable one that finished runs
        again: ``Job.repeatable``); True when it was sent."""
        if not (self.status.create(job) or (job.repeatable and self.status.requeue_done(job))):
            return False
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
