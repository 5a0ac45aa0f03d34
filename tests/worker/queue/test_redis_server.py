import os
import signal
import threading
from pathlib import Path

import pytest
import redis

from worker.errors import EmbeddedRedisError
from worker.queue import redis_server
from worker.queue.redis_server import MAX_SOCKET_PATH, PROBE_TIMEOUT_S, EmbeddedRedis

#: Only a hang fails this: the probe's bound itself is checked by ``probe_clients``.
HANG_S = 60 * PROBE_TIMEOUT_S


def alive(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie (a daemon's parent is init)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def probe_clients(monkeypatch) -> list[redis.Redis]:
    """The clients ``EmbeddedRedis`` makes from now on (each one's settings can be checked)."""
    made = []
    make = EmbeddedRedis._client

    def spy(self, timeout_s):
        made.append(make(self, timeout_s))
        return made[-1]

    monkeypatch.setattr(EmbeddedRedis, "_client", spy)
    return made


def bounded_by_the_probe(client: redis.Redis) -> bool:
    """True when ``client`` waits PROBE_TIMEOUT_S at most for each step and tries once."""
    settings = client.connection_pool.connection_kwargs
    return settings["socket_timeout"] == PROBE_TIMEOUT_S and settings["retry"].get_retries() == 0


def test_start_is_shared_and_data_survives_a_restart(tmp_path):
    server = EmbeddedRedis(tmp_path)
    assert not server.is_running()
    assert server.start() is True
    try:
        assert server.start() is False  # a second process finds it running
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        client.close()
        server.stop()
        assert not server.is_running()
        server.start()
        client = redis.Redis.from_url(server.url)
        assert client.get("k") == b"v"  # append-only file, flushed on shutdown
        client.close()
    finally:
        server.stop()


def test_socket_is_private_to_the_user(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.start()
    try:
        assert server.socket_path.stat().st_mode & 0o777 == 0o700
    finally:
        server.stop()


def test_deep_data_dirs_get_a_short_socket_path(tmp_path):
    deep = tmp_path / ("d" * 120)
    server = EmbeddedRedis(deep)
    assert len(str(server.socket_path)) <= MAX_SOCKET_PATH
    assert EmbeddedRedis(deep).socket_path == server.socket_path
    assert server.url == f"unix://{server.socket_path}"


def test_stop_when_not_running_does_nothing(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.stop()
    assert not server.is_running()
    # no server was started on the way: no socket, no pid file, no config, no data
    assert not server.socket_path.exists()
    assert sorted(path.name for path in server.directory.iterdir()) == ["start.lock"]


def test_stop_ends_the_server_process(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.start()
    pid = int(server.pid_path.read_text())
    assert alive(pid)
    server.stop()
    assert not alive(pid)
    assert not server.socket_path.exists()


def test_a_stale_socket_left_by_a_crash_is_not_a_running_server(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.directory.mkdir(parents=True)
    server.socket_path.touch()  # what a killed server leaves behind
    assert not server.is_running()
    server.stop()  # nothing to stop, no error
    assert server.start() is True
    try:
        client = redis.Redis.from_url(server.url)
        assert client.ping() is True
        client.close()
    finally:
        server.stop()


def paused(pid: int, seconds: float) -> threading.Timer:
    """SIGSTOP the server now and SIGCONT it ``seconds`` later: a server that a busy machine
    does not schedule for that long (it answers nothing meanwhile)."""
    os.kill(pid, signal.SIGSTOP)
    timer = threading.Timer(seconds, os.kill, (pid, signal.SIGCONT))
    timer.start()
    return timer


def test_stop_waits_for_a_slow_shutdown_save(tmp_path, monkeypatch):
    """``SHUTDOWN SAVE`` answered after more than the 2 s socket timeout (a busy machine, one
    full-suite run): the server is waited for, its data saved, no error."""
    server = EmbeddedRedis(tmp_path)
    server.start()
    pid = int(server.pid_path.read_text())
    client = redis.Redis.from_url(server.url)
    client.set("k", "v")
    client.close()
    timers = []
    shutdown = redis.Redis.shutdown

    def slow_shutdown(self, *args, **kwargs):
        timers.append(paused(pid, 3.0))
        return shutdown(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "shutdown", slow_shutdown)
    try:
        server.stop()
    finally:
        for timer in timers:
            timer.join()
        monkeypatch.undo()
    assert timers, "SHUTDOWN was not sent"
    assert not alive(pid) and not server.socket_path.exists()
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        assert client.get("k") == b"v"
        client.close()
    finally:
        server.stop()


def test_stop_waits_for_a_server_slow_to_answer(tmp_path):
    """A server that answers nothing for 3 s when ``stop`` begins is still stopped (it used to
    count as not running: left running, silently)."""
    server = EmbeddedRedis(tmp_path)
    server.start()
    pid = int(server.pid_path.read_text())
    timer = paused(pid, 3.0)
    try:
        server.stop()
    finally:
        timer.join()
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert not alive(pid) and not server.socket_path.exists()


def test_a_server_that_never_stops_is_an_error(tmp_path, monkeypatch):
    """Past the stop timeout a server that does not answer is a failure, not "not running"."""
    monkeypatch.setattr(redis_server, "STOP_TIMEOUT_S", 1.0)
    server = EmbeddedRedis(tmp_path)
    server.start()
    pid = int(server.pid_path.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(EmbeddedRedisError, match="within 1 s"):
            server.stop()
        assert alive(pid)
    finally:
        os.kill(pid, signal.SIGCONT)
        monkeypatch.undo()
        server.stop()
    assert not alive(pid)


def test_a_paused_server_is_running_at_once_and_start_never_runs_a_second_one(tmp_path, monkeypatch):
    """A server that answers nothing (not scheduled, stopped, busy) still listens: the liveness
    probe says so within its short bound, and ``start`` (e.g. ``callrec worker``, ``enqueue``)
    does not start a second redis-server over the same socket, pid file and append-only file."""
    import time

    server = EmbeddedRedis(tmp_path)
    server.start()
    pid = int(server.pid_path.read_text())
    started = []
    os.kill(pid, signal.SIGSTOP)
    try:
        clients = probe_clients(monkeypatch)
        began = time.monotonic()
        assert server.is_running()
        assert time.monotonic() - began < HANG_S
        assert len(clients) == 1 and bounded_by_the_probe(clients[0])
        started.append(server.start())
        assert started == [False]
        assert int(server.pid_path.read_text()) == pid
    finally:
        os.kill(pid, signal.SIGCONT)
        second = int(server.pid_path.read_text())
        server.stop()
        for other in {pid, second}:  # a second server this test made start
            if alive(other):
                os.kill(other, signal.SIGKILL)
    assert not alive(pid)


class FakeServer:
    """A unix socket whose peer answers every command with ``reply`` (None: never answers)."""

    def __init__(self, path: Path, reply: bytes | None) -> None:
        import socket

        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        self.reply = reply
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            if self.reply is not None:
                connection.recv(1024)
                connection.sendall(self.reply)

    def close(self) -> None:
        import socket

        for connection in self.connections:
            connection.close()
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@pytest.mark.parametrize("reply", [b"-LOADING Redis is loading the dataset in memory\r\n", None],
                         ids=["loading its append-only file", "not answering"])
def test_a_server_loading_or_silent_counts_as_running_within_the_probes_bound(tmp_path, monkeypatch, reply):
    import time

    server = EmbeddedRedis(tmp_path)
    server.directory.mkdir(parents=True)
    fake = FakeServer(server.socket_path, reply)
    clients = probe_clients(monkeypatch)
    try:
        began = time.monotonic()
        assert server.is_running()
        assert time.monotonic() - began < HANG_S
        assert len(clients) == 1 and bounded_by_the_probe(clients[0])
    finally:
        fake.close()
