"""API errors as JSON: ``{"error": {"code", "message", "field", "request_id"}}``, worded as the CLI
words them (``request_id``: the answer's ``X-Request-Id``, ``worker.api.request_ids``).

A service error's message is the CLI's message (``callrec enqueue: <message>`` on stderr);
over HTTP it is the same text, with the field path (``events[3].end``...) it starts with
split out into ``field``. Bad input is a 4xx, a queue or store outage a 503, a bug a 500
whose message names nothing.
"""

from __future__ import annotations

import re

import redis
from starlette.responses import JSONResponse

from callrec.errors import CallrecError
from callrec.request_ids import current_request_id
from vault.errors import AccessDeniedError, KeyUnavailableError, ObjectMissingError, RecordingDeletedError
from worker.errors import CallTakenError, ManifestError, QueueUnavailableError, WorkerError, scrub_digits

#: A message that starts with a field path: ``account.plan: ...``, ``events[3].end: ...``.
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)*): ")


class ApiError(WorkerError):
    """Raised when a request cannot be served; carries its HTTP status and error code."""

    permanent = True

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


class DownloadWithdrawnError(WorkerError):
    """Raised when a whole-file response's principal may no longer have the file (its recording
    deleted, say), while it streams: the response ends unfinished, its connection closes."""


class FieldError(WorkerError):
    """Raised when a request body's field is bad (bad input: a 422 naming ``field``)."""

    permanent = True

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ProfileError(FieldError):
    """Raised when a profile is malformed (the message names the field)."""


class CtrError(FieldError):
    """Raised when a contact record lacks what a manifest needs (names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, f"{field}: {message}")


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no {what}")


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc, current_request_id()), status_code=exc.status, headers=exc.headers)


def error_body(exc: ApiError, request_id: str | None) -> dict:
    """The API's JSON error body of ``exc`` (also written where no app runs: a request head
    uvicorn's parser refused, worker.api.connections)."""
    # A bad value is echoed as the CLI echoes it, and may be a card number: hidden as on stderr.
    # So may the field's name: the caller's own key names an unknown field.
    return {"error": {"code": exc.code, "message": scrub_digits(exc.message, card_numbers_only=True),
                      "field": None if exc.field is None else scrub_digits(exc.field, card_numbers_only=True),
                      "request_id": request_id}}


def from_service_error(exc: BaseException) -> ApiError:
    """The ApiError for a service error raised by the operations the API calls."""
    if isinstance(exc, ApiError):
        return exc
    message = str(exc)
    if isinstance(exc, RecordingDeletedError):
        return ApiError(410, "deleted", message)  # as the recording's metadata answers
    if isinstance(exc, AccessDeniedError):
        return ApiError(403, "forbidden", message)
    if isinstance(exc, ObjectMissingError):
        return ApiError(404, "not_found", message)
    if isinstance(exc, CallTakenError):
        return ApiError(409, "conflict", message, "call_id")
    if isinstance(exc, ManifestError):
        match = _FIELD.match(message)
        return ApiError(422, "invalid_manifest", message, match.group(1) if match else None)
    if isinstance(exc, QueueUnavailableError):
        return ApiError(503, "unavailable", message)
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):  # BusyLoadingError is a ConnectionError
        return ApiError(503, "unavailable", "the job queue (Redis) did not answer; try again shortly",
                        headers={"Retry-After": "5"})
    if isinstance(exc, KeyUnavailableError):  # the server's key, not the caller's input: no retry soon helps
        return ApiError(503, "unavailable", message)
    if isinstance(exc, CallrecError) and exc.permanent:
        return ApiError(400, "bad_request", message)
    if isinstance(exc, CallrecError):
        return ApiError(503, "unavailable", message)
    return ApiError(500, "internal", f"internal error ({type(exc).__name__})")
