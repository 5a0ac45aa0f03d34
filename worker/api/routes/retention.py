"""``PUT /v1/retention``: set (or clear, with null) the account's retention window."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from worker.api.auth import authenticate
from worker.api.errors import ApiError
from worker.api.handlers import blocking, endpoint
from worker.api.requests import read_json
from worker.calls.manifest import MAX_RETENTION_DAYS
from worker.stored.operations import set_retention
from worker.vaults import served_regions


@endpoint
async def put_retention(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    body = await read_json(request, services.settings.api_max_body_bytes)
    if not isinstance(body, dict) or set(body) != {"days"}:
        raise ApiError(422, "invalid_request", 'send {"days": N} or {"days": null}', "days")
    days = body["days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_RETENTION_DAYS):
        raise ApiError(422, "invalid_request", f"days: must be 1 or more (at most {MAX_RETENTION_DAYS}), "
                       "or null for no limit", "days")
    regions = served_regions(services.settings)
    await blocking(set_retention, key.account_id, days, services.vault, regions=regions)
    return JSONResponse({"account_id": key.account_id, "days": days, "regions": list(regions),
                         "note": "the next sweep applies it to stored recordings"})


ROUTES = [Route("/v1/retention", put_retention, methods=["PUT"], name="retention")]
