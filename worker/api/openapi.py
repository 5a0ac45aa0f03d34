"""The OpenAPI 3.1 document of the API (``GET /v1/openapi.json``), written out by hand from the
routes (worker/api/routes, worker/api/ingress, worker/api/review.py).

What every route can answer is added by ``_op`` from what the route is, never copied:
``429`` (``Retry-After``) and ``503`` on every route (Redis not answering, or more than
``CALLREC_API_MAX_CONNECTIONS`` connections: JSON as every error, ``worker.api.connections``);
``401`` (``WWW-Authenticate``) on routes that take an API key; ``400``, ``408``, ``413`` and
``415`` on routes that read a body; ``X-Request-Id`` on every answer (``_with_request_id``).
Starlette answers ``HEAD`` wherever it answers ``GET``: each GET's HEAD is documented from it
(``_with_heads``). A method a path does not take is ``405`` with ``Allow``
(components.responses.MethodNotAllowed): it is no operation's answer.
"""

from __future__ import annotations

import copy
from typing import Any

from worker.api.openapi_schemas import SCHEMAS
from worker.settings import Settings


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(name)}}


def _header(description: str, required: bool = True, schema: dict | None = None) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema or {"type": "string"}}


_RETRY_AFTER = {"type": "integer", "minimum": 1}
_REQUEST_ID = _header("the request's id: the client's own X-Request-Id when well formed (1 to 128 of A-Z a-z 0-9 . _ -, "
                      "no card number, no 4+ digits outside a word with a letter), else a new one (32 hex digits); "
                      "a JSON error's request_id, and named in the service's log lines and audit records of the request",
                      schema={"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"})
_REQUEST_ID_PARAMETER = {"name": "X-Request-Id", "in": "header", "schema": {"type": "string", "maxLength": 128},
                         "description": "the client's id of the request, kept when well formed (else a new one is "
                                        "made); answered as X-Request-Id"}


def _with_request_id(responses: dict[str, Any]) -> dict[str, Any]:
    """``responses``, each with the ``X-Request-Id`` header every answer carries."""
    return {status: {**response, "headers": {**response.get("headers", {}), "X-Request-Id": _REQUEST_ID}}
            for status, response in responses.items()}


#: Each error status: what it means, which error codes it carries, and its headers.
_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Bad request (`bad_request`): the body is not JSON (or names a field twice), a parameter or header "
          "is malformed, a recording id is malformed, or one not the account's holds a run of 12 or more digits "
          "(whether or not another account has it)", {}),
    401: ("No, unknown or revoked API key (`unauthorized`)", {"WWW-Authenticate": _header(
        'Bearer realm="callrec" (with error="invalid_token" for an unknown or revoked key)')}),
    403: ("Refused by the access rules, or a Twilio callback not from the account's Account SID or badly "
          "signed (`forbidden`)", {}),
    404: ("Not found, or another account's: a key learns nothing (`not_found`)", {}),
    408: ("The request body was not sent within CALLREC_API_BODY_TIMEOUT_S (`request_timeout`); the "
          "connection closes", {"Connection": _header("close")}),
    409: ("Conflict: the Twilio Account SID is another account's, or the call was already taken with another "
          "manifest (`conflict`, field `call_id`: its job is queued, running or done; nothing of this request was "
          "read or queued), or the account has no profile yet (`no_profile`: the one answer of every route that "
          "needs one; set it with PUT /v1/profile)", {}),
    410: ("The recording was deleted (`deleted`)", {}),
    413: ("The body is larger than CALLREC_API_MAX_BODY_BYTES (`payload_too_large`)", {}),
    415: ("The body is not sent as the media type this route takes (`unsupported_media_type`)", {}),
    422: ("Invalid content, the field named (`invalid_manifest`, `invalid_request`, `invalid_contact_record`, "
          "`idempotency_key_reused`)", {}),
    429: ("Rate limited (`rate_limited`): per API key (CALLREC_API_RATE_PER_S), or per address for requests "
          "without a valid key (CALLREC_API_RATE_PER_CLIENT_S)",
          {"Retry-After": _header("whole seconds to wait", schema=_RETRY_AFTER)}),
    503: ("Unavailable (`unavailable`): the job queue (Redis) or a store did not answer (with Retry-After "
          "when Redis did not), a key of the server's cannot be opened (its KEK version retired: an operator's "
          "matter, no Retry-After), or the server holds CALLREC_API_MAX_CONNECTIONS connections (with Retry-After; "
          "the connection closes)", {"Retry-After": _header("whole seconds to wait", False, _RETRY_AFTER)}),
}


def _error(status: int, **more_content: Any) -> dict[str, Any]:
    description, headers = _ERRORS[status]
    content = {**_json("Error"), **more_content}
    return {"description": description, "content": content, **({"headers": headers} if headers else {})}


_LOCATION = {"Location": _header("the job's status URL (`status_url`)")}
_RANGE_HEADERS = {"ETag": _header("the stored version (a weak one for a transcoding served whole)"),
                  "Accept-Ranges": _header("`bytes`, or `none` for a transcoding served whole"),
                  "Cache-Control": _header("private, no-store")}
_AUDIO = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ("audio/wav", "audio/flac", "audio/ogg")}
_BYTES = {"schema": {"type": "string", "format": "binary"}}


def _accepted(description: str = "Job accepted (or the same job, for a repeated request)") -> dict[str, Any]:
    return {"202": {"description": description, "headers": _LOCATION, "content": _json("Job")}}


def _ok(status: int, description: str, content: dict[str, Any] | None = None, **headers: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if content:
        response["content"] = content
    if headers:
        response["headers"] = {name.replace("_", "-"): value for name, value in headers.items()}
    return {str(status): response}


def _op(summary: str, responses: dict[str, Any], errors: tuple[int, ...] = (), *, keyed: bool = True,
        body: dict[str, Any] | None = None, parameters: list | tuple = ()) -> dict[str, Any]:
    """An operation: its own ``responses`` and ``errors``, and what every route of its kind answers."""
    codes = {*errors, 429, 503} | ({401} if keyed else set()) | ({400, 408, 413, 415} if body else set())
    op: dict[str, Any] = {"summary": summary, "parameters": [*parameters, _REQUEST_ID_PARAMETER]}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    op["responses"] = _with_request_id({**{str(c): _error(c) for c in sorted(codes)}, **responses})
    if not keyed:
        op["security"] = []
    return op


def _path(name: str, description: str | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            **({"description": description} if description else {})}


_RID = _path("recording_id", "rec_<us|eu|au>_<32 hex digits>")
_PRINCIPAL = [
    {"name": "as", "in": "query", "required": True, "schema": {"type": "string"},
     "description": "agent:ID or end-user:ID (as `callrec export --as`)"},
    {"name": "tickets", "in": "query", "schema": {"type": "string"},
     "description": "tickets the agent has access to, comma-separated"},
    {"name": "requester_of", "in": "query", "schema": {"type": "string"},
     "description": "tickets the end user requested, comma-separated"},
]
_REASON = {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 500},
           "description": "kept in the audit trail: letters, spaces and , . _ ' - only (no digits)"}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "minLength": 1,
                                                                      "maxLength": 255},
                "description": "a retried POST with the same key and body returns the same job"}
_RANGES = [{"name": "Range", "in": "header", "schema": {"type": "string"},
            "description": "one byte range (`bytes=A-B`, `A-`, `-N`) is served as 206; anything else gets the whole file"},
           {"name": "If-Range", "in": "header", "schema": {"type": "string"},
            "description": "the ETag a range belongs to: another version gets the whole file"}]
_PART = {"Content-Range": _header("bytes A-B/SIZE"), **_RANGE_HEADERS}
_UNSATISFIABLE = {"416": {"description": "The range starts past the end (no body)",
                          "headers": {"Content-Range": _header("bytes */SIZE")}}}

PATHS: dict[str, Any] = {
    "/v1/health": {"get": _op("The server is up and its Redis answers (503 while it does not)",
                              {**_ok(200, "Up", _json("Health")),
                               "503": {**_error(503), "content": {"application/json": {"schema": {"anyOf": [
                                   _ref("Health"), _ref("Error")]}}}}}, keyed=False)},
    "/v1/openapi.json": {"get": _op("This document", _ok(200, "The OpenAPI document",
                                                        {"application/json": {"schema": {"type": "object"}}}),
                                    keyed=False)},
    "/v1/calls": {"post": _op(
        "Submit a call (manifest JSON) for post-call processing; the same call sent again with its manifest "
        "is its job, with another manifest it is 409 `conflict`", _accepted(), (409, 422),
        parameters=[_IDEMPOTENCY], body=_json("Manifest"))},
    "/v1/jobs/{job_id}": {"get": _op(
        "A job's status", _ok(200, "The job", _json("Job")), (404,), parameters=[_path("job_id")])},
    "/v1/recordings/{recording_id}": {
        "get": _op("Recording metadata (no audio, no digits)", _ok(200, "The metadata document", _json("Metadata")),
                   (400, 404, 410), parameters=[_RID]),
        "delete": _op("Delete a recording beyond recovery", _accepted(), (400, 404), parameters=[_RID, _REASON])},
    "/v1/recordings/{recording_id}/audio": {"get": _op(
        "The redacted audio (WAV, or FLAC or Opus with format; one Range served as 206, but an Opus transcoding "
        "is served whole); audited",
        {**_ok(200, "The audio", _AUDIO, **_RANGE_HEADERS, Content_Disposition=_header("attachment; filename=...")),
         **_ok(206, "One range of the audio (Range)", _AUDIO, **_PART), **_UNSATISFIABLE},
        (400, 403, 404, 410),
        parameters=[_RID, *_PRINCIPAL, {"name": "format", "in": "query", "schema": {
            "enum": ["wav", "flac", "opus"], "default": "wav"}}, *_RANGES])},
    "/v1/recordings/{recording_id}/transcript": {"get": _op(
        "The redacted transcript, in its provider's format, always whole (a Range gets the whole file); audited",
        _ok(200, "The transcript", {"application/octet-stream": _BYTES},
            ETag=_header("the stored version"), Accept_Ranges=_header("none"), Cache_Control=_header("private, no-store")),
        (400, 403, 404, 410), parameters=[_RID, *_PRINCIPAL])},
    "/v1/recordings/{recording_id}/redact": {"post": _op(
        "Redact a stored recording in place (403 once past its retention window)", _accepted(), (400, 403, 404, 410),
        parameters=[_RID])},
    "/v1/recordings/{recording_id}/review-links": {"post": _op(
        "A signed, expiring link to the review page for an agent with the ticket",
        _ok(201, "The link", _json("ReviewLink")), (403, 404, 410, 422), parameters=[_RID],
        body=_json("ReviewLinkInput"))},
    "/v1/tickets/{ticket_id}/recordings": {"delete": _op(
        "Delete every recording of one of the account's tickets (404 when the account has none of it)",
        _accepted(), (400, 404),
        parameters=[_path("ticket_id"), _REASON])},
    "/v1/retention": {"put": _op(
        "Set the account's retention window (the next sweep applies it to stored recordings)",
        _ok(200, "Set", _json("Retention")), (422,), body=_json("RetentionInput"))},
    "/v1/webhooks": {
        "post": _op("Register a webhook endpoint (its signing secret is returned once)",
                    _ok(201, "Registered; `secret` shown once", _json("WebhookCreated")), (422,),
                    body={"application/json": {"schema": {"type": "object", "required": ["url"],
                                                          "additionalProperties": False,
                                                          "properties": {"url": {"type": "string"}}}}}),
        "get": _op("The account's webhook endpoints (no secrets)", _ok(200, "Endpoints", _json("WebhookList")))},
    "/v1/webhooks/{endpoint_id}": {"delete": _op(
        "Remove a webhook endpoint", _ok(204, "Removed"), (404,), parameters=[_path("endpoint_id")])},
    "/v1/profile": {
        "put": _op("Set the account's profile (plan, region, retention, redaction; Twilio Account SID) used by "
                   "ingress", _ok(200, "Set", _json("Profile")), (409, 422), body=_json("ProfileInput")),
        "get": _op("The account's profile (409 no_profile when it has none)", _ok(200, "The profile",
                                                                                   _json("Profile")), (409,))},
    "/v1/ingress/twilio/{account}/recording": {"post": _op(
        "Twilio recording status callback (form-encoded, X-Twilio-Signature checked, no API key)",
        {**_accepted(), **_ok(200, "Not a completed recording: ignored", _json("Ignored"))},
        (403, 404, 409, 422), keyed=False,
        parameters=[_path("account", "the account's id (a malformed one is 404)"),
                    {"name": "ticket", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "number", "in": "query", "schema": {"type": "string"}},
                    {"name": "direction", "in": "query", "schema": {"enum": ["inbound", "outbound"]}},
                    {"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
        body={"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            name: {"type": "string"} for name in ("AccountSid", "CallSid", "RecordingSid", "RecordingUrl",
                                                  "RecordingStatus", "RecordingDuration", "RecordingChannels")}}}})},
    "/v1/ingress/connect": {"post": _op(
        "Amazon Connect contact record (+ its S3 recording, optional Contact Lens output) as a call",
        _accepted(), (409, 422), body=_json("ConnectInput"))},
    "/review/{token}": {"get": _op(
        "The review page of a review link (HTML, for a browser; no API key)",
        _ok(200, "The page", {"text/html": {"schema": {"type": "string"}}}), (403, 404, 410), keyed=False,
        parameters=[_path("token")])},
    "/review/{token}/audio": {"get": _op(
        "The review page's player: the redacted audio as WAV (one Range served as 206)",
        {**_ok(200, "The audio", {"audio/wav": _BYTES}), **_ok(206, "One range of the audio", {"audio/wav": _BYTES},
                                                               Content_Range=_header("bytes A-B/SIZE")),
         **_UNSATISFIABLE},
        (403, 404, 410), keyed=False, parameters=[_path("token"), *_RANGES])},
}

#: GETs whose HEAD never answers 206 (it gives the whole file's headers).
_WHOLE_HEADS = {"/v1/recordings/{recording_id}/audio", "/review/{token}/audio"}


def _with_heads(paths: dict[str, Any]) -> dict[str, Any]:
    """``paths`` with each GET's HEAD: its responses' headers, no bodies."""
    out = copy.deepcopy(paths)
    for path, item in out.items():
        if "get" in item:
            head = copy.deepcopy(item["get"])
            head["summary"] = "Headers of: " + head["summary"]
            head["responses"] = {status: {k: v for k, v in response.items() if k != "content"}
                                 for status, response in head["responses"].items()
                                 if not (status == "206" and path in _WHOLE_HEADS)}
            item["head"] = head
    return out


RESPONSES = _with_request_id({"MethodNotAllowed": {
    "description": "A method the path does not take (`method_not_allowed`)",
    "headers": {"Allow": _header("the methods the path takes")}, "content": _json("Error")}})


def document(settings: Settings) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "callrec redaction add-on", "version": "1",
                 "description": "Post-call processing, card-data redaction and encrypted storage of "
                                "call recordings. Authenticate with `Authorization: Bearer <API key>` "
                                "(`callrec api-keys create --account A`). Errors are JSON "
                                '(`{"error": {"code", "message", "field", "request_id"}}`); a method a path '
                                "does not take is 405 with Allow. Every answer carries X-Request-Id (the "
                                "client's own when well formed): quote it when reporting a problem."},
        "servers": [{"url": settings.api_public_url or served_origin(settings)}],
        "security": [{"apiKey": []}],
        "paths": _with_heads(PATHS),
        "components": {"schemas": SCHEMAS, "responses": RESPONSES,
                       "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
    }


def served_origin(settings) -> str:
    """``http://host:port`` of the address ``callrec serve`` listens on, an IPv6 address in brackets
    (``http://::1:8080`` was documented and printed, which no client parses: session 53)."""
    host = f"[{settings.api_host}]" if ":" in settings.api_host else settings.api_host
    return f"http://{host}:{settings.api_port}"
