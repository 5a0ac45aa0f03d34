"""Rate limits per client address (requests without a valid API key) and per key, with the
real server and client; the limiters' clock is frozen inside one second, so the counts are
exact however slow the machine."""

from __future__ import annotations

import uuid
from dataclasses import replace

import httpx
import pytest

from worker.api.auth import rate_client
from worker.api.ratelimit import RateLimiter

#: Half-way through one second: every request falls in the same window, Retry-After is 1.
FROZEN_S = 1_000_000.5


@pytest.fixture
def limited_app(api_settings, redis_client):
    """The app with limits of 3 requests per key and 3 per address without a key."""
    from tests.worker.conftest import queue_broker
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.vaults import build_vault

    broker = queue_broker()
    services = build_services(api_settings, broker, build_vault(api_settings))
    def frozen(rate_per_s: int) -> RateLimiter:
        return RateLimiter(broker.client, rate_per_s, namespace=f"t{uuid.uuid4().hex}", clock=lambda: FROZEN_S)

    return create_app(replace(services, limiter=frozen(3), client_limiter=frozen(3)))


@pytest.fixture
def limited(limited_app):
    """A server of ``limited_app``."""
    from tests.worker.api.server import ThreadedServer

    server = ThreadedServer(limited_app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield client
    finally:
        server.stop()


def assert_limited(response, setting: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and setting in error["message"]


def test_requests_without_a_key_are_limited_per_address(limited, keys):
    codes = [limited.get("/v1/health").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert_limited(limited.get("/v1/health"), "CALLREC_API_RATE_PER_CLIENT_S")
    assert_limited(limited.get("/v1/openapi.json"), "CALLREC_API_RATE_PER_CLIENT_S")
    assert_limited(limited.get("/review/not-a-token"), "CALLREC_API_RATE_PER_CLIENT_S")
    good = {"Authorization": f"Bearer {keys.create('acme')[1]}"}
    assert limited.get("/v1/jobs/x", headers=good).status_code == 404  # a key has its own limit


def test_twilio_callbacks_are_limited_per_address(limited):
    form = {"AccountSid": "AC" + "0" * 32, "RecordingSid": "RE1", "RecordingUrl": "https://x/y"}
    codes = [limited.post("/v1/ingress/twilio/acme/recording", data=form).status_code for _ in range(3)]
    assert codes == [403, 403, 403]  # no profile, no token: refused, and counted
    assert_limited(limited.post("/v1/ingress/twilio/acme/recording", data=form), "CALLREC_API_RATE_PER_CLIENT_S")
    made_up = {"Authorization": "Bearer crk_" + "x" * 40}  # a key nobody has does not skip the count
    assert_limited(limited.post("/v1/ingress/twilio/acme/recording", data=form, headers=made_up),
                   "CALLREC_API_RATE_PER_CLIENT_S")


def test_guessing_keys_is_limited_per_address(limited, keys):
    wrong = {"Authorization": "Bearer crk_" + "x" * 40}
    codes = [limited.get("/v1/jobs/x", headers=wrong).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    assert_limited(limited.get("/v1/jobs/x", headers=wrong), "CALLREC_API_RATE_PER_CLIENT_S")
    good = {"Authorization": f"Bearer {keys.create('acme')[1]}"}
    assert limited.get("/v1/jobs/x", headers=good).status_code == 404


def test_each_key_is_limited_on_its_own(limited, keys):
    one = {"Authorization": f"Bearer {keys.create('acme')[1]}"}
    other = {"Authorization": f"Bearer {keys.create('acme')[1]}"}
    codes = [limited.get("/v1/jobs/x", headers=one).status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    assert_limited(limited.get("/v1/jobs/x", headers=one), "CALLREC_API_RATE_PER_S")
    assert limited.get("/v1/jobs/x", headers=other).status_code == 404
    assert limited.get("/v1/health").status_code == 200  # the address's own count is untouched


def test_no_second_passes_more_than_the_rate_across_a_boundary(redis_client):
    """Found by the session-47 audit: fixed one-second windows let 100 requests of a key with a
    rate of 50 through in 0.154 s (the end of one window and the start of the next). The
    limit holds over every second, wherever it starts: a request passes only when fewer than
    ``rate_per_s`` passed in the second before it."""
    now = [100.9]
    limiter = RateLimiter(redis_client, 3, namespace=f"t{uuid.uuid4().hex}", clock=lambda: now[0])
    assert [limiter.retry_after_s("k") for _ in range(3)] == [None, None, None]  # at 100.9 s
    now[0] = 101.1  # a new fixed window, but 0.2 s later
    assert limiter.retry_after_s("k") == 1  # the three at 100.9 s are still in the last second
    now[0] = 101.85
    assert limiter.retry_after_s("k") == 1
    now[0] = 101.91  # the three at 100.9 s are a second ago; the refused ones never counted
    assert [limiter.retry_after_s("k") for _ in range(4)] == [None, None, None, 1]
    assert limiter.retry_after_s("other") is None  # each key on its own


def health_from(app, address: str) -> int:
    """The status of a keyless request from ``address``."""
    from starlette.testclient import TestClient

    return TestClient(app, client=(address, 50000)).get("/v1/health").status_code


def test_an_ipv6_client_is_counted_by_its_64_and_an_ipv4_one_by_its_address(limited_app):
    """Session 54's review: the count went by the whole IPv6 address, and a client holds a /64
    (its LAN's prefix: 2^64 addresses, privacy addresses rotate through it), so it sent as many
    requests as it liked by changing its address."""
    same_64 = ["2001:db8:1:2::a", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:DB8:1:2:0:0:0:c"]
    assert [health_from(limited_app, address) for address in same_64] == [200, 200, 200]
    assert health_from(limited_app, "2001:db8:1:2:abcd::1") == 429
    assert health_from(limited_app, "2001:db8:1:3::a") == 200  # the next /64: another client
    assert [health_from(limited_app, "192.0.2.1") for _ in range(3)] == [200, 200, 200]
    assert health_from(limited_app, "::ffff:192.0.2.1") == 429  # the same IPv4 address, mapped
    assert health_from(limited_app, "192.0.2.2") == 200  # IPv4: each address its own


def test_addresses_that_are_no_ip_address_share_one_count_and_name_nothing_in_redis(limited_app, redis_client):
    """Session 55's review: behind a trusted proxy the client is what X-Forwarded-For says
    (``X-Forwarded-For: 4111111111111111, 10.0.0.7`` or free text), and an address that was no IP
    address was counted as it was: a Redis key's name held it (card digits in Redis), and a client
    sending another string each time was never limited. Any such address counts as "unknown"."""
    assert [health_from(limited_app, address) for address in ("proxy said this", "4111111111111111", "x")] == [
        200, 200, 200]
    assert health_from(limited_app, "anything else") == 429
    assert health_from(limited_app, "192.0.2.1") == 200  # an IP address: its own count
    names = redis_client.keys("*:rate:*")
    assert len(names) == 2 and not [name for name in names if b"4111" in name or b"proxy" in name]


@pytest.mark.parametrize(("address", "counted"), [
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), ("2001:db8::1", "2001:db8::/64"), ("::1", "::/64"),
    ("fe80::1%eth0", "fe80::/64"), ("::ffff:192.0.2.1", "192.0.2.1"), ("192.0.2.1", "192.0.2.1"),
    ("unknown", "unknown"), ("not an address", "unknown"), ("", "unknown"), ("4111111111111111", "unknown"),
    ("10.0.0.7, 4111111111111111", "unknown"),
])
def test_the_counted_client_of_each_address(address, counted):
    assert rate_client(address) == counted
