"""The API while its Redis does not answer (found by the session-47 audit: every request waited
32-65 s, riding out a restart as the workers do, before its 503, and /v1/health said ok)."""

from __future__ import annotations

import time

import httpx
import redis

from tests.worker.api.server import ThreadedServer, unused_port
from worker.cli.serve import build
from worker.queue import broker
from worker.queue.broker import API_REDIS_RETRIES, API_REDIS_TIMEOUT_S
from worker.settings import Settings


#: Only a hang fails this (the answers take about 4 s; they took 32 s and 65 s): what makes them
#: prompt, the API's Redis client retrying briefly and timing out, is checked on the client.
HANG_S = 25.0


def test_requests_get_a_prompt_503_and_health_says_unavailable(tmp_path, monkeypatch):
    clients = []
    make = broker.redis_client

    def spy(settings, **options):
        clients.append(make(settings, **options))
        return clients[-1]

    monkeypatch.setattr(broker, "redis_client", spy)
    with unused_port() as port:  # nobody there, for as long as the test runs
        answered_without_redis(Settings(data_dir=tmp_path / "state", redis_url=f"redis://127.0.0.1:{port}/0"))
    assert clients and all(prompt(client) for client in clients)


def prompt(client: redis.Redis) -> bool:
    """Whether ``client`` gives up as the API's must: API_REDIS_RETRIES, API_REDIS_TIMEOUT_S."""
    settings = client.connection_pool.connection_kwargs
    return (settings["retry"].get_retries(), settings["socket_timeout"], settings["socket_connect_timeout"]) == (
        API_REDIS_RETRIES, API_REDIS_TIMEOUT_S, API_REDIS_TIMEOUT_S)


def answered_without_redis(settings: Settings) -> None:
    server = ThreadedServer(build(settings)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            started = time.monotonic()
            answer = client.get("/v1/jobs/x", headers={"Authorization": "Bearer crk_0123456789abcdef_" + "A" * 43})
            assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
            assert answer.json()["error"]["code"] == "unavailable"
            health = client.get("/v1/health")
            assert health.status_code == 503 and health.json() == {"status": "unavailable", "redis": "no answer"}
            from tests.worker.api.openapi_contract import contract_problems

            document = client.get("/v1/openapi.json").json()  # answered without Redis
            assert contract_problems(document, health) == [] and contract_problems(document, answer) == []
            assert time.monotonic() - started < HANG_S
    finally:
        server.stop()
