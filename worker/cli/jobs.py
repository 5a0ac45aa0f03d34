"""``callrec jobs failed`` and ``callrec jobs retry JOB ... | --all``: failed jobs after a fix."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from callrec.errors import shown
from worker.cli.checks import positive_up_to
from worker.errors import UsageError

#: Most failed jobs one `jobs failed` lists (more was a Redis error, exit 1).
MAX_LISTED = 100_000

if TYPE_CHECKING:
    from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "jobs", help="list failed jobs and retry them",
        description="Failed jobs (bad input, or transient errors past their retries) stay listed "
                    "with their reason until retried.")
    actions = parser.add_subparsers(dest="action", required=True)
    failed = actions.add_parser("failed", help="list failed jobs, oldest first")
    failed.add_argument("--limit", type=positive_up_to(MAX_LISTED, "jobs listed at once"), default=100,
                        help=f"at most this many (default 100, at most {MAX_LISTED})")
    retry = actions.add_parser("retry", help="enqueue failed jobs again")
    retry.add_argument("job_ids", nargs="*", metavar="JOB")
    retry.add_argument("--all", action="store_true", help="every failed job")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.cli.on_queue import on_queue

    return on_queue(lambda settings: _run(args, settings))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from worker.cli.on_queue import started_broker
    from worker.queue.submit import JobQueue

    queue = JobQueue(started_broker(settings), settings)
    status = queue.status
    if args.action == "failed":
        failed = status.failed_jobs(args.limit)
        for job in failed:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(job.finished_at or 0))
            print(f"{job.job_id}\t{job.kind}\t{stamp}\t{job.reason or ''}")
        total = status.failed_count()
        print(f"{total} failed job(s)" + (f", the oldest {len(failed)} shown (--limit)" if len(failed) < total else ""))
        return 0
    if bool(args.job_ids) == bool(args.all):
        raise UsageError("jobs retry: give JOB ids or --all")
    targets = (status.failed_jobs(limit=1_000_000) if args.all
               else [_failed(status, j, settings) for j in args.job_ids])  # all checked before any is queued
    retried = 0
    for job_status in targets:
        if not job_status.job:
            print(f"{job_status.job_id}\tnot a job (poison message): dropped from the list")
            status.forget(job_status.job_id)
            continue
        job = job_status.decode_job()
        expired = _expired(job, settings)
        if expired:
            print(f"{job_status.job_id}\t{expired}: dropped from the list")
            status.forget(job_status.job_id)
            continue
        _clear_failure_mark(job, settings)
        queue.resubmit(job)
        print(f"{job_status.job_id}\tqueued")
        retried += 1
    print(f"{retried} job(s) queued again")
    return 0


def _failed(status, job_id: str, settings):
    job_status = status.get(job_id)
    if job_status is None:
        raise UsageError(f"no job {shown(job_id)}")
    if job_status.state != "failed":
        raise UsageError(f"job {job_id} is {job_status.state}, not failed")
    expired = _expired(job_status.decode_job(), settings) if job_status.job else None
    if expired:
        raise UsageError(f"job {job_id}: {expired}")
    return job_status


def _kept_manifest(job, settings):
    """The manifest the HTTP API kept for ``job`` (a call's job), else None."""
    from pathlib import Path

    from worker.calls.kept import is_kept
    from worker.queue.effects import manifest_path
    from worker.queue.jobs import ProcessCall

    if not isinstance(job, ProcessCall) or job.manifest_uri.startswith("s3://"):
        return None
    path = manifest_path(job.manifest_uri)
    return Path(path) if is_kept(settings.data_dir, path) else None


def _expired(job, settings) -> str | None:
    """Why ``job`` cannot run again when the manifest the HTTP API kept for it is gone: the
    retention sweep removed it once the job had been failed for its window."""
    path = _kept_manifest(job, settings)
    if path is None or path.exists():
        return None
    return (f"its manifest, kept by the HTTP API, expired and was removed (a failed job's manifest is kept "
            f"CALLREC_FAILED_MANIFEST_DAYS={settings.failed_manifest_days} days, or its account's retention "
            "window when shorter); send the call again")


def _clear_failure_mark(job, settings) -> None:
    """The job is queued again: its kept manifest no longer counts as failed (no end date)."""
    path = _kept_manifest(job, settings)
    if path is not None:
        from worker.calls.kept import clear_failed

        clear_failed(path)
