"""``callrec worker [--processes N] [--threads M] [--queues Q ...]``: run queue workers.

Runs Dramatiq's worker processes over ``worker.actors``. Without REDIS_URL the embedded
Redis under the data dir is started first (or joined, when another command started it).
"""

from __future__ import annotations

import argparse
import os

from worker.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker", help="run queue workers (Dramatiq on Redis)",
        description="Run queue worker processes that take post-call, redaction and batch jobs "
                    "from Redis (REDIS_URL, else the embedded one). Stop with Ctrl-C or SIGTERM: "
                    "jobs in progress finish or go back to the queue.")
    parser.add_argument("--processes", "-p", type=_positive, default=os.cpu_count() or 1,
                        help="worker processes (default: one per CPU)")
    parser.add_argument("--threads", "-t", type=_positive, default=2,
                        help="worker threads per process (default: 2)")
    parser.add_argument("--queues", "-Q", nargs="+", metavar="QUEUE",
                        help="only these queues: calls, recordings, batch (default: all)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    from worker import logs
    from worker.actors import QUEUES
    from worker.broker import SETTINGS, ensure_redis

    for queue in args.queues or ():
        if queue not in QUEUES:
            raise UsageError(f"--queues: {queue!r} is not one of {', '.join(QUEUES)}")
    ensure_redis(SETTINGS)
    logs.configure(SETTINGS.log_level)  # JSON here too; worker processes configure on boot
    argv = ["worker.broker", "worker.actors", "--processes", str(args.processes),
            "--threads", str(args.threads), "--skip-logging"]
    if args.queues:
        argv += ["--queues", *args.queues]
    return int(dramatiq_main(make_argument_parser().parse_args(argv)) or 0)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value
