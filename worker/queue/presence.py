"""Worker processes announce themselves in Redis, so ``callrec health`` can count them.

Each worker process keeps a key ``callrec:worker:<host>:<pid>`` alive: written at boot and
every ``INTERVAL_S``, it expires ``TTL_S`` after the last write, so a killed process stops
counting within ``TTL_S``; a process that shuts down cleanly removes its key at once. The
key's value is the time of the last write and the pid of the process's parent (the
``callrec worker`` master), so a master that has outlived its processes, one of them killed,
knows that key for its own dead process's, not another worker's (``live_workers``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import redis
from dramatiq.middleware import Middleware

#: How often a worker process renews its key, and how long the key outlives the last renewal.
INTERVAL_S = 5.0
TTL_S = 15.0

PREFIX = "callrec:worker:"


class Presence(Middleware):
    """Keeps this worker process's presence key alive while it runs."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        key = f"{PREFIX}{socket.gethostname()}:{os.getpid()}"
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(broker.client, key), daemon=True,
                                        name="callrec-presence")
        self._thread.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=INTERVAL_S)
        try:
            broker.client.delete(f"{PREFIX}{socket.gethostname()}:{os.getpid()}")
        except redis.RedisError:
            pass  # it expires by itself

    def _run(self, client: redis.Redis, key: str) -> None:
        while not self._stop.is_set():
            try:
                client.set(key, f"{time.time():.0f} {os.getppid()}", ex=int(TTL_S))
            except redis.RedisError:
                pass  # Redis restarting: the next round writes it again
            self._stop.wait(INTERVAL_S)


def live_workers(client: redis.Redis, *, not_children_of: int | None = None) -> list[str]:
    """``host:pid`` of every worker process whose key has not expired; with ``not_children_of``
    (a master's pid, once all its processes have exited) leaving out the keys its own processes
    left on this host: those of a process killed before it could remove its key live on for
    up to ``TTL_S``, though the process is gone."""
    keys = sorted(client.scan_iter(match=f"{PREFIX}*", count=1000))
    if not_children_of is None or not keys:
        return [key.decode()[len(PREFIX):] for key in keys]
    mine = f"{socket.gethostname()}:"
    values = client.mget(keys)
    workers = []
    for key, value in zip(keys, values):
        entry = key.decode()[len(PREFIX):]
        parent = (value or b"").decode("ascii", "replace").partition(" ")[2]
        if value is None or (entry.startswith(mine) and parent == str(not_children_of)):
            continue  # expired meanwhile, or one of the master's own (dead) processes
        workers.append(entry)
    return workers
