"""The Starlette application of ``callrec serve``: routes, JSON errors, shared services."""

from __future__ import annotations

import asyncio
import contextlib

import redis
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match, Route

from worker.api import openapi
from worker.api.auth import ClientRateLimit
from worker.api.errors import ApiError, error_response
from worker.api import review
from worker.api.request_ids import RequestIds
from worker.api.ingress import connect, twilio
from worker.api.routes import calls, jobs, profile, recordings, retention, webhooks
from worker.api.services import Services
from worker.queue.lifecycle import sweep_workdirs

#: Route modules, each with ROUTES.
MODULES = [calls, jobs, recordings, retention, webhooks, profile, twilio, connect, review]


async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(openapi.document(request.app.state.services.settings))


async def health(request: Request) -> JSONResponse:
    """ok while the job queue's Redis answers; else 503 (every route that needs it would be)."""
    try:
        await run_in_threadpool(request.app.state.services.client.ping)
    except redis.RedisError:
        return JSONResponse({"status": "unavailable", "redis": "no answer"}, status_code=503,
                            headers={"Retry-After": "5"})
    return JSONResponse({"status": "ok"})


async def http_error(request: Request, exc: HTTPException):
    codes = {404: "not_found", 405: "method_not_allowed"}
    message = {404: f"no such endpoint: {request.url.path}",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_methods_of(request))
    return error_response(ApiError(exc.status_code, codes.get(exc.status_code, "bad_request"), message,
                                   headers=headers))


def _methods_of(request: Request) -> list[str]:
    """Every method the routes matching the request's path take (each method is a route of its
    own here, and Starlette's 405 names the first matching route's only: RFC 9110 wants all)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


@contextlib.asynccontextmanager
async def _sweeping(app: Starlette):
    """While the server runs: the work dirs of dead processes swept (``worker.workdirs``: the
    decrypted audio a killed server or worker left) when it starts and every
    ``workdir_sweep_interval_s``, as the workers sweep theirs (an API host may run no worker)."""
    interval_s = app.state.services.settings.workdir_sweep_interval_s

    async def sweeps() -> None:
        while interval_s > 0:
            await asyncio.sleep(interval_s)
            await run_in_threadpool(sweep_workdirs)

    await run_in_threadpool(sweep_workdirs)  # before the first request
    task = asyncio.create_task(sweeps())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(services: Services, modules=None) -> Starlette:
    routes = [Route("/v1/openapi.json", openapi_document, methods=["GET"]),
              Route("/v1/health", health, methods=["GET"])]
    for module in modules if modules is not None else MODULES:
        routes.extend(module.ROUTES)
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error},
                    middleware=[Middleware(RequestIds), Middleware(ClientRateLimit)], lifespan=_sweeping)
    # A path with a trailing slash is an unknown path (the JSON 404), not a 307 to the path
    # without it: an empty-bodied redirect no API client expects, and a POST never is one.
    app.router.redirect_slashes = False
    app.state.services = services
    return app
