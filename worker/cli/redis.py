"""``callrec redis status|start|stop``: the embedded Redis under the data dir (no REDIS_URL).

``callrec worker`` stops the embedded Redis it started when it exits (unless other workers
still use it); one started by ``enqueue``, ``batch`` or ``status`` keeps running until
``callrec redis stop``. Its append-only file keeps queued jobs across a stop and start.
"""

from __future__ import annotations

import argparse

from worker.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "redis", help="start, stop or show the embedded Redis",
        description="Manage the embedded redis-server under the data dir (used when REDIS_URL is "
                    "unset). Exit 0 done; status exits 1 when it is not running.")
    parser.add_argument("action", choices=("status", "start", "stop"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.queue.redis_server import EmbeddedRedis
    from worker.settings import Settings

    settings = Settings.from_env()
    if settings.redis_url:
        raise UsageError("REDIS_URL is set: that Redis is not the embedded one; manage it where it runs")
    server = EmbeddedRedis(settings.data_dir)
    if args.action == "start":
        verb = "started" if server.start() else "already running"
        print(f"embedded redis {verb} ({server.url})")
    elif args.action == "stop":
        running = server.is_running()
        server.stop()
        print("embedded redis stopped" if running else "embedded redis was not running")
    else:
        running = server.is_running()
        print(f"embedded redis {'running' if running else 'not running'} ({server.url})")
        return 0 if running else 1
    return 0
