"""``callrec health``: exit 0 when Redis answers and (if enabled) the metrics server does.

Meant for container health checks and liveness probes of ``callrec worker``.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

#: Seconds each check may take.
CHECK_TIMEOUT_S = 3.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "health", help="check that Redis and the worker's metrics server answer",
        description="Exit 0 when Redis (REDIS_URL or the embedded one) answers PING and, when "
                    "CALLREC_METRICS_PORT is set, http://127.0.0.1:<port>/ answers; else 1.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import redis

    from worker.broker import SETTINGS, redis_url

    problems = []
    client = redis.Redis.from_url(redis_url(SETTINGS), socket_timeout=CHECK_TIMEOUT_S,
                                  socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        client.ping()
    except redis.RedisError as exc:
        problems.append(f"redis: {type(exc).__name__}")
    finally:
        client.close()
    if SETTINGS.metrics_port:
        url = f"http://127.0.0.1:{SETTINGS.metrics_port}/"
        try:
            with urllib.request.urlopen(url, timeout=CHECK_TIMEOUT_S) as response:
                response.read(1)
        except (OSError, urllib.error.URLError) as exc:
            problems.append(f"metrics {url}: {type(exc).__name__}")
    if problems:
        print("unhealthy: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("healthy")
    return 0
