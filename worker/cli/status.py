"""``callrec status JOB [--json]``: a job's state, attempts, times, reason and result."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from callrec.errors import shown
from worker.errors import UsageError

if TYPE_CHECKING:
    from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="show a queued job's status",
        description="Show a job's state (queued, running, retrying, done, failed), attempts, "
                    "times, failure reason and result references. Exit 2 for an unknown job.")
    parser.add_argument("job_ids", nargs="+", metavar="JOB", help="job id printed by enqueue")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.cli.on_queue import on_queue

    return on_queue(lambda settings: _run(args, settings))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from worker.cli.on_queue import started_broker
    from worker.queue.records import JobRecords

    store = JobRecords(started_broker(settings).client)
    statuses = []
    for job_id in args.job_ids:
        status = store.get(job_id)
        if status is None:
            raise UsageError(f"no job {shown(job_id)} (ids are printed by callrec enqueue)")
        statuses.append(status)
    for status in statuses:
        if args.json:
            body = asdict(status)
            body.pop("job")
            print(json.dumps(body, sort_keys=True))
        else:
            print(format_status(status))
    return 0


def format_status(status) -> str:
    lines = [f"job       {status.job_id}", f"kind      {status.kind}", f"state     {status.state}",
             f"attempts  {status.attempts}"]
    for name in ("enqueued_at", "started_at", "finished_at"):
        value = getattr(status, name)
        if value is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))
            lines.append(f"{name.replace('_at', ''):<9} {stamp} UTC")
    if status.reason:
        lines.append(f"reason    {status.reason}")
    for key, value in sorted(status.result.items()):
        lines.append(f"{key:<9} {value}")
    return "\n".join(lines)
