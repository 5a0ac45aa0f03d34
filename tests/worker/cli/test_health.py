from dataclasses import replace

from worker.cli import main


def test_healthy_when_redis_answers(redis_url, capsys):
    assert main(["health"]) == 0
    assert capsys.readouterr().out.strip() == "healthy"


def test_unhealthy_when_redis_or_metrics_do_not_answer(monkeypatch, capsys):
    import worker.broker

    broken = replace(worker.broker.SETTINGS, redis_url="redis://127.0.0.1:1/0", metrics_port=1)
    monkeypatch.setattr(worker.broker, "SETTINGS", broken)
    assert main(["health"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "unhealthy: redis: ConnectionError; metrics http://127.0.0.1:1/: URLError"
