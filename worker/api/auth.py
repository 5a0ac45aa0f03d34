"""Who is asking: the API key (``Authorization: Bearer crk_...``) and its rate limit.

A request without a valid key (a Twilio callback, a review page, a missing or wrong key) is
limited per client address instead (``ClientRateLimit``, before any route; an IPv6 client by its
/64: ``rate_client``), so nobody can flood the service or guess keys unmetered, nor skip the
count with a made-up key.
"""

from __future__ import annotations

import ipaddress

import redis
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from worker.api.errors import ApiError, error_response
from worker.api.keys import ApiKey


async def authenticate(request: Request) -> ApiKey:
    """The request's active API key (401 without one) within its rate (429 past it). The key
    lookup and the rate count go to Redis: they run in the thread pool, never on the event loop."""
    return await run_in_threadpool(_authenticate, request)


def _authenticate(request: Request) -> ApiKey:
    services = request.app.state.services
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer crk_...",
                       headers={"WWW-Authenticate": 'Bearer realm="callrec"'})
    key = services.keys.verify(token.strip())
    if key is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked",
                       headers={"WWW-Authenticate": 'Bearer realm="callrec", error="invalid_token"'})
    wait_s = services.limiter.retry_after_s(key.key_id)
    if wait_s is not None:
        raise ApiError(429, "rate_limited", f"more than {services.limiter.rate_per_s} requests per "
                       "second with this key (CALLREC_API_RATE_PER_S)", headers={"Retry-After": str(wait_s)})
    return key


def client_address(scope: Scope) -> str:
    """The peer's address: a proxy's, behind one (forwarded headers can be forged), unless it is
    one of ``CALLREC_API_TRUSTED_PROXIES``: then the client it forwarded for (uvicorn's middleware)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def rate_client(address: str) -> str:
    """Who ``address`` counts as for the per-client limit: an IPv4 address itself (an IPv4-mapped
    IPv6 one too), an IPv6 address its /64, which one client holds whole (its LAN's prefix; privacy
    addresses rotate through it: session 54's review), anything else (no peer; behind a trusted
    proxy, whatever X-Forwarded-For said) as one client, "unknown": counted as it was, it named a
    Redis key (card digits, free text) and a client sending another string each time was never
    limited (session 55's review)."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])  # (a zone: "fe80::1%eth0")
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def check_client_rate(services, address: str) -> None:
    """Count one request from ``address`` without a valid key; 429 past the limit."""
    limiter = services.client_limiter
    wait_s = limiter.retry_after_s(address) if limiter is not None else None
    if wait_s is not None:
        raise ApiError(429, "rate_limited", f"more than {limiter.rate_per_s} requests per second from this "
                       "address without an API key (CALLREC_API_RATE_PER_CLIENT_S)",
                       headers={"Retry-After": str(wait_s)})


class ClientRateLimit:
    """ASGI middleware: an HTTP request carrying no API key counts against its address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = scope["app"].state.services if scope["type"] == "http" else None
        try:
            if services is not None:  # Redis calls: in the thread pool, never on the event loop
                await run_in_threadpool(_count_keyless, services, scope)
        except ApiError as exc:
            await error_response(exc)(scope, receive, send)
            return
        except redis.RedisError:
            pass  # Redis is out: the route answers (503 where it needs Redis)
        await self.app(scope, receive, send)


def _count_keyless(services, scope: Scope) -> None:
    if not _valid_key(services, scope):
        check_client_rate(services, rate_client(client_address(scope)))


def _valid_key(services, scope: Scope) -> bool:
    """The request carries an active API key (verified keys are cached: no second lookup
    when the route authenticates)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip()) and \
                services.keys.verify(token.strip()) is not None
    return False
