"""Which account submitted a job over the API (``callrec:api:job:<id>``), for job status
and webhook events. Imports nothing of the queue, so the broker's middleware may use it."""

from __future__ import annotations

import redis

from worker.queue.records import FINISHED_TTL_S

NAMESPACE = "callrec:api"


def record_owner(client: redis.Redis, job_id: str, account_id: str) -> None:
    name = f"{NAMESPACE}:job:{job_id}"
    with client.pipeline() as pipe:
        pipe.hsetnx(name, "account_id", account_id)
        pipe.expire(name, FINISHED_TTL_S)
        pipe.execute()


def job_owner(client: redis.Redis, job_id: str) -> str | None:
    """The account that submitted ``job_id`` over the API, or None."""
    value = client.hget(f"{NAMESPACE}:job:{job_id}", "account_id")
    return value.decode() if value else None
