"""``callrec batch --account A [--since DATE] --steps redact,rewrap [--rate N]``.

Enqueues one reprocessing job per stored recording of the account that is not yet at the
target detector and key versions, then shows a progress bar (done, failed, rate, ETA) until
every recording is done or failed. Running the same command again resumes the same batch:
recordings at the targets are skipped, jobs in flight are not sent twice, failed ones are
sent again; once all is done it enqueues nothing. Exit 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from callrec.errors import shown
from worker.cli.checks import reference

#: The slowest --rate: one job every 1000 s.
MIN_RATE_PER_S = 0.001

if TYPE_CHECKING:
    from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch", help="reprocess an account's stored recordings through the queue",
        description="Reprocess stored recordings (redact with the current detector, re-wrap "
                    "keys under the primary key, apply retention) with one queue job each; "
                    "resumable.")
    parser.add_argument("--account", required=True, type=reference, help="account id")
    parser.add_argument("--since", type=_date, help="only recordings created on or after this "
                        "UTC date or time (ISO 8601, e.g. 2024-01-31)")
    parser.add_argument("--steps", required=True, type=_steps,
                        help="comma-separated: redact, rewrap, retention")
    parser.add_argument("--rate", type=_rate, help="enqueue at most N jobs a second")
    parser.add_argument("--detach", action="store_true", help="enqueue and exit; no progress bar")
    parser.add_argument("--timeout", type=float, help="stop watching after this many seconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.cli.on_queue import on_queue

    return on_queue(lambda settings: _run(args, settings))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from worker.stored import operations
    from worker.queue.batch import BatchRequest, Pacer, Targets, jobs_of, plan_batch
    from worker.queue.broker import build_broker, ensure_redis
    from worker.boot import build_backends
    from worker.queue.effects import detector_version, past_window, retention_judge
    from worker.cli.progress import watch
    from worker.queue.submit import JobQueue

    broker = build_broker(settings)

    request = BatchRequest(account=args.account, steps=args.steps, since=args.since)
    detector = None
    backends = build_backends(settings)
    vault = backends.vault
    if "redact" in request.steps:
        detector = detector_version(backends)
    targets = Targets(detector_version=detector,
                      key_versions={r: vault.region(r).keys.primary()[0] for r in vault.regions})
    # read once, before planning: a policy out of range refuses the batch (not one job per recording)
    due = retention_judge(request.account, backends) if "retention" in request.steps else (lambda entry: False)
    entries = operations.entries(vault, account_id=request.account, since=request.since)
    plan = plan_batch(request, entries, targets, due,
                      past_window=lambda entry: past_window(entry, backends))

    ensure_redis(settings)
    queue = JobQueue(broker, settings)
    status = queue.status
    status.start_batch(plan.batch_id, plan.work + plan.settled)
    status.batch_done(plan.batch_id, plan.settled)
    pacer = Pacer(args.rate)
    queued = in_flight = 0
    for job in jobs_of(plan):
        pacer.wait()
        if queue.submit(job):
            queued += 1
            continue
        current = status.get(job.job_id)
        if current is not None and current.state in ("failed", "done"):
            # failed: sent again after a fix; done: its recording needs work again (the plan says
            # so: a retention window now due), though the job finished in an earlier run
            status.batch_sent_again(plan.batch_id, job.recording_id)
            queue.resubmit(job)
            queued += 1
        else:
            in_flight += 1
    past = (f", {len(plan.past_window)} past their retention window left out (not redacted: the next sweep "
            "deletes them)") if plan.past_window else ""
    print(f"batch {plan.batch_id}: {plan.total} recording(s) of {request.account}, "
          f"{len(plan.settled)} at target already, {queued} queued, {in_flight} in flight{past}",
          file=sys.stderr)
    if args.detach:
        return 0
    final = watch(lambda: status.batch_progress(plan.batch_id), sys.stderr, timeout_s=args.timeout)
    return 0 if final.finished and final.failed == 0 else 1


def _steps(text: str) -> tuple[str, ...]:
    from worker.errors import JobDecodeError
    from worker.queue.jobs import check_steps

    try:
        return check_steps(tuple(step.strip() for step in text.split(",") if step.strip()))
    except JobDecodeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a number") from None
    if not MIN_RATE_PER_S <= value < math.inf:  # NaN paced nothing, 1e-300 overflowed the wait
        raise argparse.ArgumentTypeError(f"{shown(text)} must be a number of jobs a second from {MIN_RATE_PER_S:g} "
                                         "(one every 1000 s) up, finite")
    return value

