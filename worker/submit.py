"""Putting jobs on the queue: one status record and one message per job id."""

from __future__ import annotations

from worker.actors import ACTORS, QUEUES
from worker.broker import broker
from worker.idempotency import IdempotencyStore
from worker.jobs import Job
from worker.status import StatusStore


def submit(job: Job, status: StatusStore) -> bool:
    """Enqueue ``job`` unless a job with its id exists already; True when it was sent."""
    if not status.create(job):
        return False
    _send(job, status)
    return True


def resubmit(job: Job, status: StatusStore, idempotency: IdempotencyStore) -> None:
    """Enqueue a failed job again (after a fix): its crash count and dead letter go."""
    current = status.get(job.job_id)
    idempotency.forget(job.job_id)
    status.create(job, replace=True)
    if current is not None and current.dead_letter:
        drop_dead_letter(current.dead_letter)
    _send(job, status)


def drop_dead_letter(reference: str) -> None:
    """Remove a message from Dramatiq's dead-letter set (``<queue>/<redis message id>``)."""
    queue, _, message_id = reference.partition("/")
    if queue in QUEUES and message_id:
        dead = f"{broker.namespace}:{queue}.XQ"
        broker.client.zrem(dead, message_id)
        broker.client.hdel(f"{dead}.msgs", message_id)


def _send(job: Job, status: StatusStore) -> None:
    try:
        ACTORS[job.kind].send(job.encode())
    except BaseException:
        status.forget(job.job_id)  # no message went out: leave no job that never runs
        raise
