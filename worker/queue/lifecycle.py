"""Middleware that records what happened to a job after Dramatiq's Retries decided its fate.

It sits before Retries in the broker's middleware list: Dramatiq runs ``after_*`` hooks in
reverse order, so by the time this one runs a message that will not be retried is marked
failed. A failed job goes to the failed list (``callrec jobs failed``) with its reason; a
retried one shows ``retrying``. A message that is not a job at all (a poison message) is
listed under its queue message id. Tracebacks are kept out of requeued messages. Worker
processes log JSON from boot on and cap numeric libraries' threads (``math_threads``). Each
worker sweeps the temp work dirs of dead workers (unredacted audio, ``worker.workdirs``) when
it starts, every ``workdir_sweep_interval_s`` and once more when it stops, logging and counting
what it removed.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

import threadpoolctl
from dramatiq.common import q_name
from dramatiq.middleware import Middleware, SkipMessage

from worker.errors import JobBusy
from worker.queue import logs
from worker.queue.jobs import Job, JobDecodeError, ProcessCall, reference_problem
from worker.queue.metrics import job_metrics
from worker.settings import Settings
from worker.queue.records import JobRecords, failure_reason
from worker.workdirs import sweep_logged

log = logging.getLogger("callrec.jobs")


def cap_math_threads(settings: Settings) -> None:
    """Limit numeric libraries' thread pools to ``settings.math_threads`` (0: leave them).

    One BLAS thread pool per process, sized for the machine, in every one of N worker
    processes oversubscribes the cores; measured 6-10x slower jobs here. Our numeric work
    is many small products, which gain nothing from more threads in one process either.
    """
    if settings.math_threads:
        threadpoolctl.threadpool_limits(limits=settings.math_threads)


def sweep_workdirs() -> int:
    """Remove the temp work dirs of dead workers; log each and count them. Returns how many."""
    removed = sweep_logged(log)
    if removed:
        job_metrics().swept(len(removed))
    return len(removed)


class JobLifecycle(Middleware):
    """Job status, failure metrics and logs for every processed message; temp sweeps."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop_sweeps = threading.Event()
        self._sweeper: threading.Thread | None = None

    def after_process_boot(self, broker: Any) -> None:
        logs.configure(self.settings.log_level)
        cap_math_threads(self.settings)

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        """Sweep now (metrics are set up by then), then every ``workdir_sweep_interval_s``."""
        sweep_workdirs()
        interval_s = self.settings.workdir_sweep_interval_s
        if interval_s > 0:
            self._stop_sweeps.clear()
            self._sweeper = threading.Thread(target=self._sweep_every, args=(interval_s,),
                                             name="callrec-sweep", daemon=True)
            self._sweeper.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Stop the sweeps; a sweep in progress finishes (logged and counted) first."""
        self._stop_sweeps.set()
        if self._sweeper is not None:
            self._sweeper.join()
            self._sweeper = None

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Sweep once more, last: a process that died since the previous sweep (a sibling
        killed, after which the master stops this one and exits) would otherwise leave its
        work dir until some worker starts here again, if one ever does."""
        self._sweep()

    def _sweep_every(self, interval_s: float) -> None:
        while not self._stop_sweeps.wait(interval_s):
            self._sweep()

    def _sweep(self) -> None:
        try:
            sweep_workdirs()
        except Exception as exc:  # a sweep must never stop (or fail to stop) the worker
            logs.event(log, "workdir_sweep_failed", logging.ERROR, error=type(exc).__name__)

    def before_enqueue(self, broker: Any, message: Any, delay: int | None) -> None:
        # Retries stores the formatted traceback in the message it enqueues again; a foreign
        # exception's text could echo data, and queue messages carry references only.
        message.options.pop("traceback", None)

    def before_process_message(self, broker: Any, message: Any) -> None:
        """Refuse a message that is not a job (a poison message): dead-lettered once, listed."""
        if len(message.args) == 1 and not message.kwargs:
            try:
                Job.decode(message.args[0])
                return
            except JobDecodeError as exc:
                reason = failure_reason(exc)
        else:
            reason = "JobDecodeError: a job message has exactly one argument, the encoded job"
        message.fail()  # no retry can make it a job
        records = JobRecords(broker.client)
        records.record_poison(message.message_id, reason)
        named = _named_job_id(message.args)
        current = records.get(named) if named is not None else None
        if current is not None and current.state in ("queued", "retrying"):
            # a job from a newer enqueuer (a kind or field unknown here): its own record says so
            dead_letter = f"{q_name(message.queue_name)}/{message.options.get('redis_message_id', '')}"
            records.failed(named, reason, dead_letter=dead_letter)
        job_metrics().failed(message.actor_name, "JobDecodeError")
        logs.event(log, "poison_message", logging.ERROR, message_id=message.message_id,
                   actor=message.actor_name, reason=reason)
        raise SkipMessage(reason)

    def after_process_message(self, broker: Any, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        if exception is None or isinstance(exception, JobBusy):
            return  # a delivery that found another running the job: that one's record stands
        status = JobRecords(broker.client)
        reason = failure_reason(exception)
        job_id = Job.decode(message.args[0]).job_id  # checked before processing
        attempt = message.options.get("retries", 0)
        if message.failed:
            self._mark_failed(Job.decode(message.args[0]))
            dead_letter = f"{q_name(message.queue_name)}/{message.options.get('redis_message_id', '')}"
            status.failed(job_id, reason, dead_letter=dead_letter)
            job_metrics().failed(message.actor_name, type(exception).__name__)
            logs.event(log, "job_failed", logging.ERROR, job_id=job_id, actor=message.actor_name,
                       attempt=attempt, reason=reason)
        else:
            status.retrying(job_id, reason)
            logs.event(log, "job_retrying", logging.WARNING, job_id=job_id,
                       actor=message.actor_name, attempt=attempt, reason=reason)

    def _mark_failed(self, job: Job) -> None:
        """Mark a failed call's kept manifest as failed (its end date counts from now), before
        the job shows failed: a call sent again once it shows failed clears a mark already made."""
        if not isinstance(job, ProcessCall):
            return
        from worker.queue.effects import mark_failed  # the pipeline's imports: workers only

        try:
            mark_failed(job, self.settings, datetime.now(UTC))
        except Exception as exc:  # no mark: the manifest stays as before; the failure still shows
            logs.event(log, "failure_mark_not_written", logging.ERROR, job_id=job.job_id,
                       error=type(exc).__name__)


def _named_job_id(args: tuple[Any, ...]) -> str | None:
    """The job id a message this worker cannot read as a job still names (a JSON object's
    ``job_id`` that is a valid id), else None."""
    if len(args) != 1 or not isinstance(args[0], str):
        return None
    try:
        body = json.loads(args[0])
    except ValueError:
        return None
    job_id = body.get("job_id") if isinstance(body, dict) else None
    return job_id if isinstance(job_id, str) and reference_problem(job_id) is None else None

