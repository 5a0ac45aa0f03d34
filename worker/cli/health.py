"""``callrec health [--worker]``: what is up and what is not, for people and probes.

Prints one line each for Redis (the queue and job state), the worker processes that use it
(their presence keys, see worker.queue.presence) and the metrics server. Exit codes:

- 0: healthy. Without ``--worker``: Redis answers (jobs can be enqueued; workers and metrics
  are reported, not required). With ``--worker`` (a liveness probe of ``callrec worker``):
  Redis answers, at least one worker process is alive and, when CALLREC_METRICS_PORT is
  set, the metrics server answers.
- 1: unhealthy (what is down is also said on stderr).
- 2: bad usage.
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
        "health", help="report whether Redis, worker processes and the metrics server are up",
        description="Report Redis (REDIS_URL or the embedded one), live worker processes and the "
                    "metrics server. Exit 0 when Redis answers (with --worker: and a worker process "
                    "is alive and the metrics server, if enabled, answers), 1 otherwise.")
    parser.add_argument("--worker", action="store_true",
                        help="liveness probe of a worker: also require live worker processes and metrics")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import redis

    from worker.queue.broker import redis_url
    from worker.settings import Settings
    from worker.queue.presence import TTL_S, live_workers

    settings = Settings.from_env()

    problems, lines = [], []
    client = redis.Redis.from_url(redis_url(settings), socket_timeout=CHECK_TIMEOUT_S,
                                  socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        client.ping()
        lines.append("redis    up")
        workers = live_workers(client)
        lines.append(f"workers  {len(workers)} alive (seen in the last {TTL_S:g} s)" if workers
                     else "workers  none alive")
        if args.worker and not workers:
            problems.append("no worker process alive")
    except redis.RedisError as exc:
        lines += [f"redis    down ({type(exc).__name__})", "workers  unknown (no Redis)"]
        problems.append(f"redis: {type(exc).__name__}")
    finally:
        client.close()
    if settings.metrics_port:
        host = "127.0.0.1" if settings.metrics_host in ("0.0.0.0", "") else settings.metrics_host
        url = f"http://{host}:{settings.metrics_port}/"
        try:
            with urllib.request.urlopen(url, timeout=CHECK_TIMEOUT_S) as response:
                response.read(1)
            lines.append(f"metrics  up ({url})")
        except (OSError, urllib.error.URLError) as exc:
            lines.append(f"metrics  down ({url}: {type(exc).__name__})")
            if args.worker:
                problems.append(f"metrics {url}: {type(exc).__name__}")
    else:
        lines.append("metrics  off (CALLREC_METRICS_PORT=0)")
    print("\n".join(lines))
    if problems:
        print("unhealthy: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("healthy")
    return 0
