from worker.cli import main
from worker.queue import presence


def test_healthy_when_redis_answers_even_without_workers(redis_client, monkeypatch, capsys):
    monkeypatch.setenv("CALLREC_METRICS_PORT", "1")
    assert main(["health"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "redis    up"
    assert out[1].startswith("workers  ")  # the in-process test worker, if started, counts
    assert out[2] == "metrics  down (http://127.0.0.1:1/: URLError)"
    assert out[-1] == "healthy"


def test_a_worker_probe_needs_live_workers_and_metrics(redis_client, monkeypatch, capsys):
    monkeypatch.setenv("CALLREC_METRICS_PORT", "1")
    # presence keys of this test's own: an in-process test worker started by another test renews
    # its key every few seconds, and once wrote it between the test's delete and the probe (a
    # loaded machine, 2026-12-06)
    monkeypatch.setattr(presence, "PREFIX", "callrec:test-health-worker:")
    redis_client.delete(*redis_client.keys(f"{presence.PREFIX}*") or ["none"])
    assert main(["health", "--worker"]) == 1
    captured = capsys.readouterr()
    assert "workers  none alive" in captured.out
    assert captured.err.strip() == "unhealthy: no worker process alive; metrics http://127.0.0.1:1/: URLError"
    redis_client.set(f"{presence.PREFIX}host-a:123", "1", ex=15)
    monkeypatch.setenv("CALLREC_METRICS_PORT", "0")
    assert main(["health", "--worker"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["redis    up", "workers  1 alive (seen in the last 15 s)", "metrics  off (CALLREC_METRICS_PORT=0)",
                   "healthy"]


def test_unhealthy_when_redis_does_not_answer(monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("CALLREC_METRICS_PORT", "0")
    assert main(["health"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "redis    down (ConnectionError)"
    assert captured.err.strip() == "unhealthy: redis: ConnectionError"
