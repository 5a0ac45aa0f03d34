"""``/v1/webhooks`` runs its store calls (Redis, and the key store or KMS that seals and opens
secrets) in the thread pool, never on the event loop, where a slow KMS would stall every
other request of the server."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from worker.api.routes import webhooks as routes
from worker.api.webhooks import Endpoint


class LoopCheckingStore:
    """Stands in for WebhookStore: records, per call, whether it ran on the event loop."""

    def __init__(self):
        self.on_loop: dict[str, bool] = {}

    def _note(self, name: str) -> None:
        try:
            asyncio.get_running_loop()
            self.on_loop[name] = True
        except RuntimeError:
            self.on_loop[name] = False

    def register(self, account_id, url):
        self._note("register")
        return Endpoint("we_" + "0a" * 8, account_id, url, "whsec_test", 1.0)

    def endpoints(self, account_id):
        self._note("endpoints")
        return [Endpoint("we_" + "0a" * 8, account_id, "https://hooks.example.com/x", None, 1.0)]

    def remove(self, account_id, endpoint_id):
        self._note("remove")
        return True


@pytest.fixture
def client_and_store(monkeypatch):
    store = LoopCheckingStore()
    async def authenticate(request):
        return SimpleNamespace(account_id="acme")

    monkeypatch.setattr(routes, "authenticate", authenticate)
    monkeypatch.setattr(routes, "_store", lambda request: store)
    app = Starlette(routes=routes.ROUTES)
    app.state.services = SimpleNamespace(settings=SimpleNamespace(api_max_body_bytes=10_000))
    return TestClient(app), store


def test_store_calls_run_off_the_event_loop(client_and_store):
    client, store = client_and_store
    assert client.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"}).status_code == 201
    assert client.get("/v1/webhooks").json()["webhooks"][0]["id"] == "we_" + "0a" * 8
    assert client.delete("/v1/webhooks/we_" + "0a" * 8).status_code == 204
    assert store.on_loop == {"register": False, "endpoints": False, "remove": False}
