"""``callrec delete --recording ID | --ticket T --account A [--reason ...]``: deletion beyond recovery."""

from __future__ import annotations

import argparse
import getpass

from vault.regions import region_of
from worker.cli.checks import check_free_text, check_recording_id, reference
from worker.errors import UsageError
from worker.stored.operations import delete_recording, delete_ticket
from worker.settings import Settings
from worker.vaults import build_vault


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "delete", help="delete recordings beyond recovery (crypto-shredding)",
        description="Destroy a recording's data keys and ciphertext, leaving an audit tombstone "
                    "(who, when, why). A voicemail's redacted transcription stays with the ticket.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--recording", metavar="ID")
    target.add_argument("--ticket", metavar="T", type=reference, help="every recording of this ticket")
    parser.add_argument("--account", metavar="A", type=reference, help="with --ticket (required): the ticket's account")
    parser.add_argument("--reason", default="manual deletion",
                        help="why (kept in the audit trail; at most 200 characters, no digit runs)")
    parser.add_argument("--by", default=None, help="who asks (default operator:<login>)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.ticket is not None and args.account is None:
        raise UsageError("--ticket needs --account: ticket ids are per account")
    if args.recording is not None:
        check_recording_id("--recording", args.recording)
    check_free_text("--reason", args.reason)
    if args.by is not None:
        check_free_text("--by", args.by)
    settings = Settings.from_env()
    actor = args.by or f"operator:{getpass.getuser()}"
    if args.recording is not None:
        vault = build_vault(settings, regions=(region_of(args.recording),))
        outcome = delete_recording(args.recording, vault, actor=actor, reason=args.reason)
    else:
        outcome = delete_ticket(args.ticket, args.account, build_vault(settings), actor=actor, reason=args.reason)
    reclaimed = f", reclaimed {outcome.reclaimed} object(s) left under them" if outcome.reclaimed else ""
    print(f"deleted {outcome.deleted}, already deleted {outcome.already_deleted}{reclaimed} "
          f"({len(outcome.recording_ids)} recording(s))")
    return 0
