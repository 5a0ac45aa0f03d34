"""``callrec delete --recording ID | --ticket T --account A [--reason ...]``: deletion beyond recovery."""

from __future__ import annotations

import argparse
import getpass

from worker.errors import UsageError
from worker.operations import delete_recording, delete_ticket
from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "delete", help="delete recordings beyond recovery (crypto-shredding)",
        description="Destroy a recording's data keys and ciphertext, leaving an audit tombstone "
                    "(who, when, why). A voicemail's redacted transcription stays with the ticket.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--recording", metavar="ID")
    target.add_argument("--ticket", metavar="T", help="every recording of this ticket")
    parser.add_argument("--account", metavar="A", help="with --ticket (required): the ticket's account")
    parser.add_argument("--reason", default="manual deletion")
    parser.add_argument("--by", default=None, help="who asks (default operator:<login>)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.ticket is not None and args.account is None:
        raise UsageError("--ticket needs --account: ticket ids are per account")
    settings = Settings.from_env()
    actor = args.by or f"operator:{getpass.getuser()}"
    if args.recording is not None:
        outcome = delete_recording(args.recording, settings, actor=actor, reason=args.reason)
    else:
        outcome = delete_ticket(args.ticket, args.account, settings, actor=actor, reason=args.reason)
    print(f"deleted {outcome.deleted}, already deleted {outcome.already_deleted} "
          f"({len(outcome.recording_ids)} recording(s))")
    return 0
