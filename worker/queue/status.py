"""Job status and batch progress in Redis (read by ``callrec status``, ``jobs`` and ``batch``).

A job's status is a hash ``callrec:job:<id>`` holding the encoded job (references only), its
state and times, the reason of its last failure and its result references. Failed jobs are
also listed in the sorted set ``callrec:failed`` (by time) until retried. A batch keeps the
sets of its recordings done and failed, so counting is idempotent under redelivery.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import redis

from callrec.errors import CallrecError
from worker.errors import scrub_digits
from worker.queue.jobs import Job

#: Job states, in the order a job normally passes them.
STATES = ("queued", "running", "retrying", "done", "failed")

#: Longest failure reason kept (reasons name what is wrong, never content).
MAX_REASON_CHARS = 300

#: How long a finished job's status and a batch's progress stay readable (failed jobs stay
#: listed until retried). Bounds Redis memory when batches run over millions of recordings.
FINISHED_TTL_S = 30 * 86400


@dataclass(frozen=True)
class JobStatus:
    """What is known about one job."""

    job_id: str
    kind: str
    state: str
    job: str
    attempts: int = 0
    enqueued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    reason: str | None = None
    batch_id: str | None = None
    result: Mapping[str, str] = field(default_factory=dict)
    #: Where Dramatiq keeps the failed message (``<queue>/<redis message id>``).
    dead_letter: str | None = None

    def decode_job(self) -> Job:
        return Job.decode(self.job)


@dataclass(frozen=True)
class BatchProgress:
    """Counts of one batch: recordings selected, done (including already at target), failed."""

    batch_id: str
    total: int
    done: int
    failed: int
    started_at: float

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total


def failure_reason(exc: BaseException) -> str:
    """A short reason safe to store and show: our errors' messages (digit runs scrubbed),
    else the class name only."""
    name = type(exc).__name__
    if isinstance(exc, CallrecError):
        return _reason(f"{name}: {exc}")
    return name  # a foreign message could echo data; its class is enough to triage


class StatusStore:
    """Reads and writes job status and batch progress."""

    def __init__(self, client: redis.Redis, *, namespace: str = "callrec", clock=time.time) -> None:
        self.client = client
        self.namespace = namespace
        self.clock = clock

    # -- jobs -------------------------------------------------------------------------

    def create(self, job: Job, *, replace: bool = False) -> bool:
        """Record a job as queued; False (and nothing written) when it exists already.

        ``replace`` re-queues an existing job (an operator's retry).
        """
        key = self._job_key(job.job_id)
        values = {"job": job.encode(), "kind": job.kind, "state": "queued",
                  "enqueued_at": f"{self.clock():.3f}", "attempts": 0}
        batch_id = getattr(job, "batch_id", None)
        if batch_id:
            values["batch_id"] = batch_id
        if replace:
            with self.client.pipeline() as pipe:
                pipe.delete(key)  # also drops the TTL of a finished job
                pipe.hset(key, mapping=values)
                pipe.zrem(self._failed_key(), job.job_id)
                pipe.execute()
            return True
        if not self.client.hsetnx(key, "job", values["job"]):
            return False
        self.client.hset(key, mapping=values)
        return True

    def running(self, job_id: str) -> None:
        key = self._job_key(job_id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"state": "running", "started_at": f"{self.clock():.3f}"})
            pipe.hincrby(key, "attempts", 1)
            pipe.execute()

    def done(self, job_id: str, result: Mapping[str, str]) -> None:
        key = self._job_key(job_id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"state": "done", "finished_at": f"{self.clock():.3f}",
                                    "result": json.dumps(dict(result), sort_keys=True)})
            pipe.hdel(key, "reason")
            pipe.zrem(self._failed_key(), job_id)
            pipe.expire(key, FINISHED_TTL_S)
            pipe.execute()
        self._count_in_batch(job_id, "done")

    def retrying(self, job_id: str, reason: str) -> None:
        self.client.hset(self._job_key(job_id), mapping={"state": "retrying", "reason": _reason(reason)})

    def failed(self, job_id: str, reason: str, *, dead_letter: str | None = None) -> None:
        now = self.clock()
        values = {"state": "failed", "reason": _reason(reason), "finished_at": f"{now:.3f}"}
        if dead_letter:
            values["dead_letter"] = dead_letter
        with self.client.pipeline() as pipe:
            pipe.hset(self._job_key(job_id), mapping=values)
            pipe.zadd(self._failed_key(), {job_id: now})
            pipe.execute()
        self._count_in_batch(job_id, "failed")

    def get(self, job_id: str) -> JobStatus | None:
        raw = self.client.hgetall(self._job_key(job_id))
        if not raw:
            return None
        data = {key.decode(): value.decode() for key, value in raw.items()}
        return JobStatus(
            job_id=job_id, kind=data.get("kind", "?"), state=data.get("state", "?"),
            job=data.get("job", ""), attempts=int(data.get("attempts", 0)),
            enqueued_at=_float(data.get("enqueued_at")), started_at=_float(data.get("started_at")),
            finished_at=_float(data.get("finished_at")), reason=data.get("reason"),
            batch_id=data.get("batch_id"), result=json.loads(data.get("result", "{}")),
            dead_letter=data.get("dead_letter"),
        )

    def forget(self, job_id: str) -> None:
        """Drop a job's status (it was never sent after all)."""
        with self.client.pipeline() as pipe:
            pipe.delete(self._job_key(job_id))
            pipe.zrem(self._failed_key(), job_id)
            pipe.execute()

    def failed_jobs(self, limit: int = 100) -> list[JobStatus]:
        """Failed jobs, oldest first."""
        ids = self.client.zrange(self._failed_key(), 0, limit - 1)
        statuses = (self.get(job_id.decode()) for job_id in ids)
        return [status for status in statuses if status is not None]

    def record_poison(self, message_id: str, reason: str) -> None:
        """Remember a message that is not a job at all, under its queue message id."""
        now = self.clock()
        with self.client.pipeline() as pipe:
            pipe.hset(self._job_key(message_id), mapping={
                "kind": "?", "state": "failed", "reason": _reason(reason), "job": "",
                "finished_at": f"{now:.3f}"})
            pipe.zadd(self._failed_key(), {message_id: now})
            pipe.execute()

    # -- batches ----------------------------------------------------------------------

    def start_batch(self, batch_id: str, total: int) -> None:
        key = self._batch_key(batch_id)
        with self.client.pipeline() as pipe:
            pipe.hsetnx(key, "started_at", f"{self.clock():.3f}")
            pipe.hset(key, "total", total)
            pipe.expire(key, FINISHED_TTL_S)
            pipe.execute()

    def batch_done(self, batch_id: str, recording_ids: Iterable[str]) -> None:
        """Count recordings as done without a job (already at the target versions)."""
        ids = list(recording_ids)
        if ids:
            with self.client.pipeline() as pipe:
                pipe.sadd(self._batch_key(batch_id, "done"), *ids)
                pipe.srem(self._batch_key(batch_id, "failed"), *ids)
                self._expire_batch(pipe, batch_id)
                pipe.execute()

    def batch_progress(self, batch_id: str) -> BatchProgress | None:
        key = self._batch_key(batch_id)
        with self.client.pipeline() as pipe:
            pipe.hmget(key, ["total", "started_at"])
            pipe.scard(self._batch_key(batch_id, "done"))
            pipe.scard(self._batch_key(batch_id, "failed"))
            (total, started_at), done, failed = pipe.execute()
        if total is None:
            return None
        return BatchProgress(batch_id=batch_id, total=int(total), done=done, failed=failed,
                             started_at=float(started_at))

    def _count_in_batch(self, job_id: str, outcome: str) -> None:
        status = self.get(job_id)
        if status is None or not status.batch_id:
            return
        recording_id = json.loads(status.job).get("recording_id")
        other = "failed" if outcome == "done" else "done"
        with self.client.pipeline() as pipe:
            pipe.sadd(self._batch_key(status.batch_id, outcome), recording_id)
            pipe.srem(self._batch_key(status.batch_id, other), recording_id)
            self._expire_batch(pipe, status.batch_id)
            pipe.execute()

    def _expire_batch(self, pipe, batch_id: str) -> None:
        for part in ("", "done", "failed"):
            pipe.expire(self._batch_key(batch_id, part), FINISHED_TTL_S)

    def _job_key(self, job_id: str) -> str:
        return f"{self.namespace}:job:{job_id}"

    def _failed_key(self) -> str:
        return f"{self.namespace}:failed"

    def _batch_key(self, batch_id: str, part: str = "") -> str:
        return f"{self.namespace}:batch:{batch_id}" + (f":{part}" if part else "")


def _reason(text: str) -> str:
    """A reason as stored: digit runs scrubbed (worker.errors.scrub_digits), bounded."""
    return scrub_digits(text)[:MAX_REASON_CHARS]


def _float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)
