"""``callrec worker`` argument checks (a real run is in tests/worker/queue/test_crash.py)."""

import pytest

from worker.cli import main


@pytest.mark.parametrize("argv, message", [
    (["worker", "--processes", "0"], "'0' must be at least 1"),
    (["worker", "--threads", "many"], "'many' is not a whole number"),
])
def test_bad_counts_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_unknown_queue_exits_2(capsys):
    assert main(["worker", "--queues", "calls", "urgent"]) == 2
    assert "--queues: 'urgent' is not one of calls, recordings, batch, webhooks" in capsys.readouterr().err


def test_the_help_and_the_readme_name_every_queue(capsys):
    """Found by the session-47 audit: the README's compose file and ``--help`` named three queues;
    the webhooks queue, which no worker of that compose file took, piled deliveries up in Redis."""
    from pathlib import Path

    from worker.queue.actors import QUEUES

    with pytest.raises(SystemExit):
        main(["worker", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert f"only these queues: {', '.join(QUEUES)}" in helped
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    assert f"[--queues {' '.join(QUEUES)}]" in readme
    commands = [line for line in readme.splitlines() if line.strip().startswith('command: ["worker"')]
    taken = {queue for line in commands for queue in QUEUES if f'"{queue}"' in line}
    assert commands and taken == set(QUEUES)  # every queue has a worker in the compose file


@pytest.mark.parametrize("command", ["worker", "serve"])
@pytest.mark.parametrize("name, bad, message", [
    ("CALLREC_JOB_LEASE_S", "0", "must be 1 s or more"),
    ("CALLREC_METRICS_PORT", "70000", "must be 0 to 65535"),
    ("CALLREC_API_PORT", "99999", "must be 1 to 65535"),
    ("CALLREC_API_MAX_CONNECTIONS", "0", "must be 1 to 1000000"),
])
def test_a_server_with_a_setting_out_of_range_does_not_start(command, name, bad, message, tmp_path,
                                                              monkeypatch, capsys):
    """It started, then crashed in a worker process or a thread, or refused every request."""
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(name, bad)
    assert main([command]) == 2
    assert capsys.readouterr().err == f"callrec {command}: setting {name}: {message}\n"
    assert not (tmp_path / "state").exists()


@pytest.mark.skipif(bool(__import__("os").environ.get("REDIS_URL")), reason="about the embedded Redis")
def test_a_worker_stops_the_embedded_redis_it_started_and_says_it_was_alive(tmp_path, capsys):
    import os

    import redis

    from tests.worker.workers import WorkerProcess, wait_for
    from worker.queue.presence import live_workers
    from worker.queue.redis_server import EmbeddedRedis

    state = tmp_path / "state"
    server = EmbeddedRedis(state)
    worker = WorkerProcess(tmp_path / "worker.log", processes=2, env={"CALLREC_DATA_DIR": str(state)})
    try:
        wait_for(server.is_running, timeout_s=60, what="the embedded Redis")
        client = redis.Redis.from_url(server.url)
        alive = wait_for(lambda: len(live_workers(client)) == 2 and live_workers(client), timeout_s=60,
                         what="two worker processes' presence", workers=(worker,))
        client.close()
        assert {entry.rsplit(":", 1)[1] for entry in alive}.isdisjoint({str(os.getpid()), str(worker.process.pid)})
    finally:
        worker.stop()
    assert worker.process.returncode == 0
    assert not server.is_running() and not server.socket_path.exists()


@pytest.mark.skipif(bool(__import__("os").environ.get("REDIS_URL")), reason="about the embedded Redis")
def test_redis_command_starts_shows_and_stops_the_embedded_redis(tmp_path, monkeypatch, capsys):
    from worker.queue.redis_server import EmbeddedRedis

    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path))
    server = EmbeddedRedis(tmp_path)
    try:
        assert main(["redis", "status"]) == 1
        assert capsys.readouterr().out.startswith("embedded redis not running")
        assert main(["redis", "start"]) == 0 and server.is_running()
        assert main(["redis", "start"]) == 0
        assert main(["redis", "status"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert [line.split(" (")[0] for line in out] == ["embedded redis started", "embedded redis already running",
                                                          "embedded redis running"]
        assert main(["redis", "stop"]) == 0 and not server.is_running()
        assert capsys.readouterr().out == "embedded redis stopped\n"
    finally:
        server.stop()


def test_redis_command_refuses_an_external_redis(monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    assert main(["redis", "stop"]) == 2
    assert "REDIS_URL is set" in capsys.readouterr().err


@pytest.mark.skipif(bool(__import__("os").environ.get("REDIS_URL")), reason="about the embedded Redis")
def test_a_worker_one_of_whose_processes_was_killed_still_stops_the_embedded_redis_it_started(tmp_path):
    """SIGKILL of one of the two worker processes: the master stops the other and exits, and
    the embedded Redis it started goes with it (the killed process's presence key, alive for
    15 s more, used to count as another worker still using it: Redis was left running)."""
    import os
    import signal
    import subprocess

    import redis

    from tests.worker.workers import WorkerProcess, wait_for
    from worker.queue.presence import live_workers
    from worker.queue.redis_server import EmbeddedRedis

    state = tmp_path / "state"
    server = EmbeddedRedis(state)
    worker = WorkerProcess(tmp_path / "worker.log", processes=2,
                           env={"CALLREC_DATA_DIR": str(state), "PYTHONUNBUFFERED": "1"})
    try:
        wait_for(server.is_running, timeout_s=60, what="the embedded Redis")
        client = redis.Redis.from_url(server.url)
        alive = wait_for(lambda: len(live_workers(client)) == 2 and live_workers(client), timeout_s=60,
                         what="two worker processes' presence", workers=(worker,))
        client.close()
        # Killed only once both have booted: Dramatiq's master waits for each process's boot
        # event (up to its fork timeout) before it watches them, and a process writes its
        # presence key before its boot ends (a kill in between left the master waiting).
        wait_for(lambda: (tmp_path / "worker.log").read_bytes().count(b"Worker process is ready for action.") >= 2,
                 timeout_s=60, what="both worker processes to boot", workers=(worker,))
        victim = int(alive[0].rsplit(":", 1)[1])
        os.kill(victim, signal.SIGKILL)
        try:
            worker.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the master did not exit: {worker.dump_stacks()}\n"
                                 f"{(tmp_path / 'worker.log').read_text()[-3000:]}") from None
        assert not server.is_running() and not server.socket_path.exists(), (
            (tmp_path / "worker.log").read_text()[-2000:])
    finally:
        worker.stop()
        server.stop()
