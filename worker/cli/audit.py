"""``callrec audit [--recording ID] [--region R]``: the audit trail, one JSON line an event."""

from __future__ import annotations

import argparse
import json
import sys

from vault.audit import Missing, Tampered
from vault.index import Unreadable
from vault.regions import REGIONS, region_of
from worker.cli.checks import check_recording_id
from worker.settings import Settings
from worker.vaults import build_vault


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit", help="print audited accesses, refusals and deletions",
        description="Print the audit trail (who, what, when, outcome, why; never content) as "
                    "JSON lines in time order, per region.")
    parser.add_argument("--recording", metavar="ID", help="only this recording (and its region)")
    parser.add_argument("--region", action="append", choices=REGIONS, help="default: CALLREC_REGIONS")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Exit 1 when an audit object was not an event, an event did not verify (named by its
    object, never shown) or one its recording's head names is missing: every other one was printed."""
    if args.recording is not None:
        check_recording_id("--recording", args.recording)
    regions = (region_of(args.recording),) if args.recording else args.region
    vault = build_vault(Settings.from_env(), regions=regions)
    skipped = 0
    for region in vault.regions:
        for event in vault.region(region).audit_events(args.recording):
            if isinstance(event, Missing):  # removed from the trail its recording's head names
                print(f"callrec audit: audit event {event.name} {event.reason}", file=sys.stderr)
                skipped += 1
                continue
            if isinstance(event, Tampered):
                print(f"callrec audit: tampered {event.name}: {event.reason}; not shown", file=sys.stderr)
                skipped += 1
                continue
            if isinstance(event, Unreadable):
                print(f"callrec audit: skipped {event.name}: {event.reason}", file=sys.stderr)
                skipped += 1
                continue
            print(json.dumps({"region": region, **json.loads(event.encode())}, sort_keys=True))
    return 1 if skipped else 0
