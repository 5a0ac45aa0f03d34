"""``/v1/webhooks``: register (the secret is shown once), list and remove an account's endpoints.

The store's calls (Redis, and the key store or KMS sealing and opening secrets) block: they
run in the thread pool, off the event loop."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callrec.errors import shown
from worker.api.auth import authenticate
from worker.api.errors import ApiError, not_found
from worker.api.handlers import blocking, endpoint
from worker.api.requests import read_json
from worker.api.webhooks import EVENT_TYPES, WebhookStore
from worker.errors import UsageError


def _store(request: Request) -> WebhookStore:
    services = request.app.state.services
    return WebhookStore(services.client, services.vault, private_hosts=services.settings.webhook_private_hosts)


def _shown(hook) -> dict:
    return {"id": hook.endpoint_id, "url": hook.url, "created_at": hook.created_at, "events": list(EVENT_TYPES)}


@endpoint
async def register(request: Request):
    key = await authenticate(request)
    body = await read_json(request, request.app.state.services.settings.api_max_body_bytes)
    if not isinstance(body, dict) or set(body) != {"url"}:
        raise ApiError(422, "invalid_request", 'send {"url": "https://..."}', "url")
    try:
        hook = await blocking(_store(request).register, key.account_id, body["url"])
    except UsageError as exc:
        raise ApiError(422, "invalid_request", str(exc), "url") from None
    return JSONResponse({**_shown(hook), "secret": hook.secret}, status_code=201)


@endpoint
async def listing(request: Request):
    key = await authenticate(request)
    hooks = await blocking(_store(request).endpoints, key.account_id)
    return JSONResponse({"webhooks": [_shown(h) for h in hooks]})


@endpoint
async def remove(request: Request):
    key = await authenticate(request)
    endpoint_id = request.path_params["endpoint_id"]
    if not await blocking(_store(request).remove, key.account_id, endpoint_id):
        raise not_found(f"webhook {shown(endpoint_id)}")
    return Response(status_code=204)


ROUTES = [
    Route("/v1/webhooks", register, methods=["POST"], name="webhooks"),
    Route("/v1/webhooks", listing, methods=["GET"]),
    Route("/v1/webhooks/{endpoint_id}", remove, methods=["DELETE"]),
]
