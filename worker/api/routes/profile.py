"""``PUT /v1/profile`` and ``GET /v1/profile``: the account's plan, region and ingress identity."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from worker.api.auth import authenticate
from worker.api.errors import ApiError, ProfileError
from worker.api.handlers import blocking, endpoint
from worker.api.profiles import check_profile, profiles_of, required_profile
from worker.api.requests import read_json


@endpoint
async def put_profile(request: Request):
    key = await authenticate(request)
    body = await read_json(request, request.app.state.services.settings.api_max_body_bytes)
    try:
        profile = check_profile(key.account_id, body)
    except ProfileError as exc:
        raise ApiError(422, "invalid_request", str(exc), exc.field) from None
    await blocking(profiles_of(request.app.state.services).put, key.account_id, profile)
    return JSONResponse({"account_id": key.account_id, **profile})


@endpoint
async def get_profile(request: Request):
    key = await authenticate(request)
    profile = await required_profile(request.app.state.services, key.account_id)
    return JSONResponse({"account_id": key.account_id, **profile})


ROUTES = [Route("/v1/profile", put_profile, methods=["PUT"], name="profile"),
          Route("/v1/profile", get_profile, methods=["GET"])]
