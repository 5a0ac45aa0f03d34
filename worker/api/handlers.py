"""Endpoint glue: errors to JSON responses, blocking work off the event loop."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from callrec.errors import CallrecError
from worker.queue import logs
from worker.api.errors import ApiError, error_response, from_service_error

log = logging.getLogger("callrec.api")


def endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Turn ApiError and service errors into JSON errors; a bug into a 500 naming nothing."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc)
        except CallrecError as exc:
            return error_response(from_service_error(exc))
        except Exception as exc:  # a bug: logged with its class and stack, never its message
            logs.event(log, "api_error", logging.ERROR, path=route_of(request.scope), exc_type=type(exc).__name__)
            log.debug("api error", exc_info=True)
            return error_response(from_service_error(exc))

    return wrapped


def route_of(scope) -> str:  # noqa: ANN001 (an ASGI scope)
    """The matched route's template (``/v1/recordings/{recording_id}``), never the path the
    caller sent: a made-up id can hold a card number in a shape the digit scrubber keeps
    (``x4111_1111_1111_1111``, two words split by an encoded space)."""
    route = scope.get("route")
    return getattr(route, "path", None) or "(no route)"


async def blocking(function, *args, **kwargs):
    """Run a blocking call (vault, files) in the thread pool."""
    return await run_in_threadpool(function, *args, **kwargs)
