"""worker.cli.on_queue: what the queue commands (jobs, status, enqueue, batch) share."""

from __future__ import annotations

import pytest
import redis

from worker.cli.on_queue import on_queue
from worker.errors import QueueUnavailableError


def test_the_work_gets_the_environments_settings_and_its_exit_status_is_returned(monkeypatch):
    monkeypatch.setenv("CALLREC_API_PORT", "8181")
    assert on_queue(lambda settings: settings.api_port - 8181 + 3) == 3


def test_a_redis_error_in_the_work_names_the_server_without_its_password(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://user:s3cret@cache.internal:6380/1")

    def work(settings):
        raise redis.ConnectionError("refused")

    with pytest.raises(QueueUnavailableError) as caught:
        on_queue(work)
    assert str(caught.value) == "Redis at redis://cache.internal:6380/1 did not answer (ConnectionError)"
