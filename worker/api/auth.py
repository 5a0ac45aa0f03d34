"""Who is asking: the API key (``Authorization: Bearer crk_...``) and its rate limit."""

from __future__ import annotations

from starlette.requests import Request

from worker.api.errors import ApiError
from worker.api.keys import ApiKey


def authenticate(request: Request) -> ApiKey:
    """The request's active API key (401 without one) within its rate (429 past it)."""
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
