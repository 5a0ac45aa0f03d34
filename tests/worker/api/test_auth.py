"""Authentication looks the key up and counts the request in Redis: in the thread pool, never
on the event loop, where a slow Redis would stall every other request of the server (the
route's ``authenticate`` and the keyless-client middleware alike)."""

from __future__ import annotations

from types import SimpleNamespace

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from worker.api.auth import ClientRateLimit, authenticate
from worker.api.handlers import endpoint
from tests.worker.api.event_loop import on_loop


class LoopChecking:
    """Stands in for the key store and both limiters: records, per call, whether it ran on
    the event loop; knows one key, ``crk_good``."""

    def __init__(self, calls: list[tuple[str, bool]], name: str):
        self.calls, self.name, self.rate_per_s = calls, name, 3

    def verify(self, text):
        self.calls.append((f"{self.name}.verify", on_loop()))
        return SimpleNamespace(key_id="k1", account_id="acme") if text == "crk_good" else None

    def retry_after_s(self, key):
        self.calls.append((f"{self.name}.retry_after_s", on_loop()))
        return None


def client(calls):
    @endpoint
    async def whoami(request):
        key = await authenticate(request)
        return JSONResponse({"account": key.account_id})

    app = Starlette(routes=[Route("/whoami", whoami)], middleware=[Middleware(ClientRateLimit)])
    app.state.services = SimpleNamespace(keys=LoopChecking(calls, "keys"), limiter=LoopChecking(calls, "limiter"),
                                         client_limiter=LoopChecking(calls, "client_limiter"))
    return TestClient(app)


def test_a_keyed_request_looks_up_and_counts_off_the_event_loop():
    calls: list[tuple[str, bool]] = []
    response = client(calls).get("/whoami", headers={"Authorization": "Bearer crk_good"})
    assert (response.status_code, response.json()) == (200, {"account": "acme"})
    assert calls == [("keys.verify", False), ("keys.verify", False), ("limiter.retry_after_s", False)]


def test_a_keyless_request_is_counted_off_the_event_loop_and_refused():
    calls: list[tuple[str, bool]] = []
    response = client(calls).get("/whoami", headers={"Authorization": "Bearer crk_bad"})
    assert response.status_code == 401
    assert calls == [("keys.verify", False), ("client_limiter.retry_after_s", False), ("keys.verify", False)]
