"""``callrec worker [--processes N] [--threads M] [--queues Q ...]``: run queue workers.

Runs Dramatiq's worker processes, each configured by ``worker.boot.start_worker``. Without
REDIS_URL the embedded Redis under the data dir is started first (or joined, when another
command started it).
A worker that started the embedded Redis stops it when it exits, unless other worker
processes still use it (its own, one of them killed, do not count); ``callrec redis stop``
stops it by hand (e.g. after ``enqueue``).
"""

from __future__ import annotations

import argparse
import os

from callrec.errors import shown
from worker.cli.checks import MAX_THREADS, PROCESSES_PER_CPU, positive_up_to, worker_processes
from worker.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker", help="run queue workers (Dramatiq on Redis)",
        description="Run queue worker processes that take post-call, redaction and batch jobs "
                    "from Redis (REDIS_URL, else the embedded one). Stop with Ctrl-C or SIGTERM: "
                    "jobs in progress finish or go back to the queue.")
    parser.add_argument("--processes", "-p", type=worker_processes(), default=os.cpu_count() or 1,
                        help=f"worker processes (default: one per CPU; at most {PROCESSES_PER_CPU} per CPU)")
    parser.add_argument("--threads", "-t", type=positive_up_to(MAX_THREADS, "threads per process"), default=2,
                        help=f"worker threads per process (default: 2; at most {MAX_THREADS})")
    parser.add_argument("--queues", "-Q", nargs="+", metavar="QUEUE",
                        help="only these queues: calls, recordings, batch, webhooks (default: all)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    from worker.queue import logs
    from worker.queue.actors import QUEUES
    from worker.queue.broker import ensure_redis
    from worker.settings import Settings
    from worker.queue.metrics import prometheus
    from worker import workdirs

    workdirs.settle_temp_dir()  # before anything uses tempfile (a kill mid-probe left a file)
    settings = Settings.from_env()

    for queue in args.queues or ():
        if queue not in QUEUES:
            raise UsageError(f"--queues: {shown(queue)} is not one of {', '.join(QUEUES)}")
    started_redis = ensure_redis(settings)
    logs.configure(settings.log_level)  # JSON here too; worker processes configure on boot
    if settings.metrics_port:
        prometheus(settings.data_dir).use_metrics_dir(settings.data_dir)
    argv = ["worker.boot:start_worker", "--processes", str(args.processes),
            "--threads", str(args.threads), "--skip-logging"]
    if args.queues:
        argv += ["--queues", *args.queues]
    try:
        return int(dramatiq_main(make_argument_parser().parse_args(argv)) or 0)
    finally:
        if started_redis:
            stop_embedded_redis(settings)


def stop_embedded_redis(settings) -> None:
    """Stop the embedded Redis this worker started, unless other workers still use it."""
    import logging

    import redis

    from worker.queue import logs
    from worker.queue.presence import live_workers
    from worker.queue.redis_server import EmbeddedRedis

    log = logging.getLogger("callrec.worker")
    server = EmbeddedRedis(settings.data_dir)
    try:
        client = redis.Redis.from_url(server.url, socket_timeout=2.0)
        try:
            # Its own processes have all exited by now (Dramatiq waits for them), but one that
            # was SIGKILLed left its presence key for up to 15 s: not another worker.
            others = live_workers(client, not_children_of=os.getpid())
        finally:
            client.close()
    except redis.RedisError:
        others = []  # not answering: stopping it is all that is left to do
    if others:
        logs.event(log, "embedded_redis_kept", workers=len(others), socket=str(server.socket_path))
        return
    server.stop()
    logs.event(log, "embedded_redis_stopped", socket=str(server.socket_path))
