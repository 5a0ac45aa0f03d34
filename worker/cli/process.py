"""``callrec process MANIFEST``: the whole post-call pipeline into the vault, in-process."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from worker.boot import build_backends
from worker.calls.pipeline import process_call
from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "process", help="assemble, redact, encrypt and store one call (no queue)",
        description="Run the post-call pipeline on one manifest: assemble the recording, redact "
                    "card data where the account needs it, encrypt it and store it in the "
                    "account's region, then destroy the raw segments (unless "
                    "CALLREC_KEEP_SOURCES). Running it twice stores one recording.")
    parser.add_argument("manifest", type=Path, help="call manifest (JSON, DESIGN.md §3)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outcome = process_call(args.manifest, build_backends(Settings.from_env()))
    if args.json:
        print(json.dumps(outcome.to_dict(), sort_keys=True))
    elif outcome.stored:
        spans = ", ".join(f"{kind} {count}" for kind, count in outcome.spans_by_kind) or "none"
        verb = "already stored" if outcome.already_stored else "stored"
        print(f"{outcome.recording_id}: {verb} in {outcome.region} "
              f"({outcome.recorded_duration_s:.1f} s recording of a {outcome.call_duration_s:.1f} s call; "
              f"redacted: {'yes' if outcome.redacted else 'no'}; masked spans: {spans}; "
              f"sources destroyed: {outcome.sources_destroyed})")
    else:
        print(f"{outcome.recording_id}: not stored ({outcome.reason}); sources destroyed: "
              f"{outcome.sources_destroyed}")
    return 0
