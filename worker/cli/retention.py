"""``callrec retention sweep [--dry-run]`` and ``callrec retention set --account A --days N``."""

from __future__ import annotations

import argparse
import sys

from vault.regions import REGIONS
from vault.retention import MAX_RETENTION_DAYS
from worker.calls.kept import FailedManifests
from worker.cli.checks import reference
from worker.errors import UsageError
from worker.stored.operations import retention_sweep, set_retention
from worker.settings import Settings
from worker.vaults import build_vault, served_regions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "retention", help="apply or set accounts' retention windows",
        description="Retention windows apply retroactively: a new or shortened window also "
                    "deletes recordings stored before it was set, at the next sweep.")
    actions = parser.add_subparsers(dest="action", required=True)
    sweep = actions.add_parser("sweep", help="delete every recording past its account's window")
    sweep.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    sweep.add_argument("--account", metavar="A", type=reference, help="only this account")
    sweep.set_defaults(func=run_sweep)
    setter = actions.add_parser("set", help="set or clear an account's window")
    setter.add_argument("--account", metavar="A", required=True, type=reference)
    days = setter.add_mutually_exclusive_group(required=True)
    days.add_argument("--days", type=int, metavar="N")
    days.add_argument("--none", action="store_true", help="keep without time limit")
    setter.add_argument("--region", action="append", choices=REGIONS,
                        help="region(s) holding the account's recordings (default: CALLREC_REGIONS)")
    setter.set_defaults(func=run_set)


def run_sweep(args: argparse.Namespace) -> int:
    """Exit 1 when an entry was skipped: everything else was swept, but one needs a look."""
    settings = Settings.from_env()
    from worker.queue.broker import queue_errors

    with queue_errors(settings):
        report = retention_sweep(build_vault(settings), dry_run=args.dry_run, account_id=args.account,
                                 failed_manifests=FailedManifests.from_settings(settings, _job_states(settings)))
    verb = "would delete" if report.dry_run else "deleted"
    skipped = f", skipped {len(report.skipped)}" if report.skipped else ""
    reclaimed = f", reclaimed {report.reclaimed} object(s) left under deleted ones" if report.reclaimed else ""
    expired = ""
    if report.manifests_expired:
        expired = (f", {'would remove' if report.dry_run else 'removed'} {report.manifests_expired} "
                   f"expired manifest(s) of failed jobs")
    marked = f", wrote {report.tickets_marked} missing ticket marker(s)" if report.tickets_marked else ""
    if report.markers_removed:
        marked += f", removed {report.markers_removed} ticket marker(s) of writes that never committed"
    print(f"scanned {report.scanned}, due {report.due}, {verb} {report.due if report.dry_run else report.deleted}, "
          f"kept {report.kept}, already deleted {report.already_deleted}{reclaimed}{expired}{marked}{skipped}")
    for name, why in report.skipped:
        print(f"callrec retention: skipped {name}: {why}", file=sys.stderr)
    return 1 if report.skipped else 0


def _job_states(settings: Settings):
    """The job records, to mark the kept manifests of jobs that failed without a failure mark
    (worker.calls.kept.mark_recorded_failures): REDIS_URL's, or the embedded Redis when it
    runs (not started for a sweep: with it stopped no worker runs, and those manifests wait for
    a sweep that finds it running, or for the queued sweep)."""
    from worker.queue.broker import redis_client
    from worker.queue.records import FailedCallJobs, JobRecords
    from worker.queue.redis_server import EmbeddedRedis

    if not settings.redis_url and not EmbeddedRedis(settings.data_dir).is_running():
        return None
    return FailedCallJobs(JobRecords(redis_client(settings)))


def run_set(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        raise UsageError(f"--days {args.days}: must be 1 or more (or --none)")
    if args.days is not None and args.days > MAX_RETENTION_DAYS:
        raise UsageError(f"--days {args.days}: must be at most {MAX_RETENTION_DAYS} (100 years) or --none")
    settings = Settings.from_env()
    regions = tuple(args.region) if args.region else served_regions(settings)
    set_retention(args.account, None if args.none else args.days, build_vault(settings, regions=regions),
                  regions=regions)
    window = "no limit" if args.none else f"{args.days} days"
    print(f"account {args.account}: retention {window} in {', '.join(regions)}; "
          "the next sweep applies it to stored recordings")
    return 0
