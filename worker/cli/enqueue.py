"""``callrec enqueue MANIFEST ...`` (post-call jobs) and jobs on stored recordings.

    callrec enqueue calls/CA0001/manifest.json
    callrec enqueue --redact REC_ID ...          # redaction add-on, one job per recording
    callrec enqueue --delete REC_ID ... [--reason TEXT]
    callrec enqueue --delete-ticket T-1001 --account ACME [--reason TEXT]
    callrec enqueue --retention-sweep

A manifest is validated before it is enqueued (bad input: exit 2, nothing enqueued), its
limits and its sources checked as the worker will check them (with this process's settings), and so is
a call already taken with another manifest (its job queued, running or done). Prints one line
per job: its id and whether it was queued or exists already.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from worker.cli.checks import reference
from worker.errors import UsageError

if TYPE_CHECKING:
    from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enqueue", help="put post-call or stored-recording jobs on the queue",
        description="Enqueue one post-call job per MANIFEST, or jobs on stored recordings.")
    parser.add_argument("manifests", nargs="*", type=Path, metavar="MANIFEST",
                        help="call manifest (JSON); its segments must stay until processed")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--redact", nargs="+", metavar="REC_ID", default=(),
                        help="redact these stored recordings in place")
    target.add_argument("--delete", nargs="+", metavar="REC_ID", default=(),
                        help="delete these recordings beyond recovery")
    target.add_argument("--delete-ticket", nargs="+", metavar="TICKET", default=(), type=reference,
                        help="delete every recording of these tickets")
    target.add_argument("--retention-sweep", action="store_true",
                        help="apply every account's retention window")
    parser.add_argument("--account", metavar="A", type=reference, help="with --delete-ticket (required): the tickets' account")
    parser.add_argument("--reason", default="manual",
                        help="why (for deletions; letters, spaces and ,._'- only; at most 200)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.cli.on_queue import on_queue

    return on_queue(lambda settings: _run(args, settings))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from worker.cli.checks import check_recording_id
    from worker.errors import JobDecodeError
    from worker.queue.jobs import DeleteRecordings, ProcessCall, RedactRecording, RetentionSweep
    from callrec.errors import heading
    from worker.calls.kept import is_kept
    from worker.calls.manifest import load_manifest
    from worker.calls.manifest_digest import manifest_digest
    from worker.calls.limits import InputLimits
    from worker.calls.sources import check_sources

    if args.manifests and (args.redact or args.delete or args.delete_ticket or args.retention_sweep):
        raise UsageError("give manifests or one of --redact/--delete/--delete-ticket/--retention-sweep")
    if args.delete_ticket and args.account is None:
        raise UsageError("--delete-ticket needs --account: ticket ids are per account")
    for rid in (*args.redact, *args.delete):
        check_recording_id("--redact" if args.redact else "--delete", rid)
    jobs = []
    first_of: dict[str, int] = {}  # a call's job id -> the position of its first manifest
    for path in args.manifests:
        if is_kept(settings.data_dir, path):
            raise UsageError(f"{heading(path)}: a manifest the HTTP API keeps, sealed, for its own job: "
                             "that job runs again with `callrec jobs retry JOB` (`callrec jobs failed` lists failed jobs)")
        manifest = load_manifest(path)  # bad input fails here, before anything is enqueued
        InputLimits.from_settings(settings).check_manifest(manifest)  # as the worker will, but now
        check_sources(manifest, settings, path)  # (session 58: refused only in a worker, its job failed)
        job = ProcessCall.for_call(str(path.resolve()), manifest.account.id, manifest.call_id,
                                   manifest_digest(manifest))
        n = first_of.setdefault(job.job_id, len(jobs))
        if n < len(jobs) and not jobs[n].same_manifest(job):  # one call twice, other contents: neither is queued
            raise UsageError(f"call_id: manifests {n + 1} and {len(jobs) + 1} are of one call, with other "
                             "contents; nothing was queued")
        jobs.append(job)
    _refuse_past_retention(args.redact, settings)
    jobs += [RedactRecording.for_recording(rid) for rid in args.redact]
    try:
        jobs += [DeleteRecordings.for_target(recording_id=rid, reason=args.reason) for rid in args.delete]
        jobs += [DeleteRecordings.for_target(ticket_id=t, account_id=args.account, reason=args.reason)
                 for t in args.delete_ticket]
    except JobDecodeError as exc:
        if "reason" not in str(exc):
            raise
        # worded as the API's (it read "delete job: reason is not a valid reference": session 53)
        raise UsageError("--reason: letters, spaces and , . _ ' - only (no digits), at most 200 characters") from None
    if args.retention_sweep:
        jobs.append(RetentionSweep(job_id=f"sweep-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"))
    if not jobs:
        raise UsageError("nothing to enqueue: give a MANIFEST or a --redact/--delete/... option")

    from worker.cli.on_queue import started_broker
    from worker.queue.submit import JobQueue

    queue = JobQueue(started_broker(settings), settings)
    for job in jobs:  # a call taken with another manifest: exit 2 before anything is enqueued
        queue.refuse_another_manifest(job)
    for job in jobs:
        if queue.submit(job):
            print(f"{job.job_id}\tqueued")
            continue
        current = queue.status.get(job.job_id)
        if current.state == "failed" and isinstance(job, ProcessCall) and current.job != job.encode() \
                and queue.resubmit_failed(job):
            # the call's corrected manifest, under another path: run it (a retry would run the old one)
            print(f"{job.job_id}\tqueued again (it had failed with another manifest)")
            continue
        current = queue.status.get(job.job_id)
        hint = " (callrec jobs retry)" if current.state == "failed" else ""
        print(f"{job.job_id}\t{current.state} already{hint}")
    return 0


def _refuse_past_retention(recording_ids, settings: Settings) -> None:
    """Exit 2 (audited) when a recording to redact again is past its retention window, as the
    API's 403 (worker.stored.operations.refuse_past_retention); before anything is enqueued."""
    if not recording_ids:
        return
    from vault.errors import AccessDeniedError, VaultInputError
    from worker.stored.operations import refuse_past_retention
    from worker.vaults import build_vault

    vault = build_vault(settings)
    for rid in recording_ids:
        try:
            region_vault = vault.for_recording(rid)
        except VaultInputError:
            continue  # a region not served here: its job says so
        entry = region_vault.find(rid)
        if entry is None or entry.deleted:
            continue  # its job says so
        try:
            refuse_past_retention(region_vault, entry, "redact", "operator")
        except AccessDeniedError as exc:
            raise UsageError(f"--redact: {exc}") from None
