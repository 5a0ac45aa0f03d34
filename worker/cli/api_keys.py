"""``callrec api-keys create|list|revoke --account A``: per-account keys of the HTTP API.

A key is printed once, when created; only its SHA-256 digest is stored (in Redis, beside the
job state), so a lost key is revoked and replaced, never recovered.
"""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "api-keys", help="create, list or revoke an account's HTTP API keys",
        description="Per-account API keys for `callrec serve`. A key sees only its own account.")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a key (printed once)")
    create.add_argument("--account", required=True, metavar="A")
    create.add_argument("--label", default="", help="what the key is for (at most 100 characters, no digit runs)")
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="the account's keys (ids, never secrets)")
    listing.add_argument("--account", required=True, metavar="A")
    listing.set_defaults(func=run_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("--account", required=True, metavar="A")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(func=run_revoke)


def _store():
    from worker.api.keys import KeyStore
    from worker.queue.broker import ensure_redis, redis_client
    from worker.settings import Settings

    settings = Settings.from_env()

    ensure_redis(settings)
    return KeyStore(redis_client(settings))


def _queue_errors():
    from worker.queue.broker import queue_errors
    from worker.settings import Settings

    settings = Settings.from_env()

    return queue_errors(settings)


def run_create(args: argparse.Namespace) -> int:
    with _queue_errors():
        record, text = _store().create(args.account, args.label)
    print(text)
    print(f"key {record.key_id} for account {record.account_id}: shown once, store it now",
          file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from worker.errors import scrub_digits

    with _queue_errors():
        keys = _store().list(args.account)
    for key in keys:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(key.created_at))
        state = "active" if key.active else "revoked " + time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(key.revoked_at))
        # a label made before labels were checked may hold digit runs: hidden as in any printed error
        print(f"{key.key_id}\t{created}\t{state}\t{scrub_digits(key.label)}".rstrip())
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    with _queue_errors():
        key = _store().revoke(args.account, args.key_id)
    print(f"key {key.key_id} of account {key.account_id}: revoked")
    return 0
