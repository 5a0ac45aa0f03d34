"""Runs one job exactly once in effect: decode, claim, run the operation, record the result.

Actors are thin: each hands its message body and a plain operation to :meth:`JobRunner.run`.
The operation is a function of the job returning a :class:`JobResult` (references and
counts only). Failures propagate to Dramatiq's Retries middleware, which retries transient
errors and fails bad input at once; worker.queue.lifecycle records both in the job status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import redis

from callrec.request_ids import REQUEST_ID
from worker.queue import logs
from worker.queue.jobs import Job, JobDecodeError, ProcessCall
from worker.queue.metrics import JobMetrics, job_metrics
from worker.settings import Settings
from worker.queue.records import JobRecords

J = TypeVar("J", bound=Job)
log = logging.getLogger("callrec.jobs")


@dataclass(frozen=True)
class JobResult:
    """What a job did: references to show in its status, and counts for the metrics."""

    references: Mapping[str, str] = field(default_factory=dict)
    recorded_s: float = 0.0
    spans_by_kind: Mapping[str, int] = field(default_factory=dict)


class JobRunner:
    """Bookkeeping around an operation: the job's record (claim, status, result), metrics, logs."""

    def __init__(self, records: JobRecords, metrics: Callable[[], JobMetrics], *,
                 clock: Callable[[], float] = time.time) -> None:
        self.records = records
        self.metrics = metrics
        self.clock = clock

    def run(self, body: str, kind: type[J], operation: Callable[[J], JobResult],
            *, enqueued_at_s: float | None = None,
            finished: Callable[[J], None] | None = None) -> JobResult | None:
        """Run ``operation`` unless the job is done already; None when it was.

        ``finished(job)`` runs once the job is recorded done, and again whenever a delivery
        finds it done (the delivery that completed it may have died before it ran): it drops
        what only the job needed (the HTTP API's manifest). Never before, so a job retried,
        failed or killed mid-way still has it. When it raises, the message is retried as
        after any failure (worker.queue.lifecycle marks the job retrying, so the next
        delivery runs its idempotent operation again, then ``finished``)."""
        job = Job.decode(body)
        if not isinstance(job, kind):
            raise JobDecodeError(f"a {job.kind} job was sent to the {kind.kind} actor")
        token = REQUEST_ID.set(job.request_id)  # its log lines and audit records name the request that asked
        try:
            return self._run(job, operation, enqueued_at_s, finished)
        finally:
            REQUEST_ID.reset(token)

    def _run(self, job: J, operation: Callable[[J], JobResult], enqueued_at_s: float | None,
             finished: Callable[[J], None] | None) -> JobResult | None:
        claim = self.records.claim(job.job_id)
        if claim is None:
            self._already_done(job, finished)
            return None
        self.records.running(job.job_id)
        logs.event(log, "job_started", job_id=job.job_id, kind=job.kind, crashes=claim.crashes)
        try:
            with self.records.held(claim):
                result = operation(job)
        except BaseException as exc:
            self.records.release(claim)
            if isinstance(exc, Exception) and self.records.result(job.job_id) is not None:
                # Our lease lapsed (Redis away too long) and another delivery finished the
                # job meanwhile; its effect stands, this failure is moot.
                self._already_done(job, finished)
                return None
            raise
        self.records.complete(claim, result.references)
        metrics = self.metrics()
        if isinstance(job, ProcessCall) and result.recorded_s > 0:
            metrics.stored(result.recorded_s)
        metrics.masked(result.spans_by_kind)
        if enqueued_at_s is not None:
            metrics.finished(job.kind, self.clock() - enqueued_at_s)
        logs.event(log, "job_done", job_id=job.job_id, kind=job.kind, **_plain(result.references))
        if finished is not None:
            finished(job)
        return result

    def _already_done(self, job: Job, finished: Callable[[Job], None] | None = None) -> None:
        self.records.count_done(job.job_id)
        logs.event(log, "job_already_done", job_id=job.job_id, kind=job.kind)
        if finished is not None:
            finished(job)


def _plain(references: Mapping[str, str]) -> dict[str, str]:
    return {str(key): str(value) for key, value in references.items()}


def job_runner(client: redis.Redis, settings: Settings) -> JobRunner:
    """The job runner of a worker process, over the queue's Redis ``client``."""
    records = JobRecords(client, lease_s=settings.job_lease_s, max_crashes=settings.job_max_deliveries)
    return JobRunner(records, job_metrics)
