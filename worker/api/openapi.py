"""The OpenAPI 3.1 document of the API (``GET /v1/openapi.json``), written out by hand."""

from __future__ import annotations

from typing import Any

from worker.settings import Settings

_ERROR = {"$ref": "#/components/schemas/Error"}
_JOB = {"$ref": "#/components/schemas/Job"}


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "Bad request", 401: "No or unknown API key", 403: "Refused by the access rules",
             404: "Not found (or another account's)", 409: "Conflict", 410: "Deleted",
             413: "Body too large", 415: "Not JSON", 422: "Invalid content",
             429: "Rate limited (see Retry-After)", 503: "Queue or store unavailable"}
    return {str(c): {"description": names[c], "content": {"application/json": {"schema": _ERROR}}}
            for c in codes}


def _accepted() -> dict[str, Any]:
    return {"202": {"description": "Job accepted (or the same job, for a repeated request)",
                    "content": {"application/json": {"schema": _JOB}}}}


_RID = {"name": "recording_id", "in": "path", "required": True, "schema": {"type": "string"}}
_PRINCIPAL = [
    {"name": "as", "in": "query", "required": True, "schema": {"type": "string"},
     "description": "agent:ID or end-user:ID (as `callrec export --as`)"},
    {"name": "tickets", "in": "query", "schema": {"type": "string"},
     "description": "tickets the agent has access to, comma-separated"},
    {"name": "requester_of", "in": "query", "schema": {"type": "string"},
     "description": "tickets the end user requested, comma-separated"},
]
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255},
                "description": "a retried POST with the same key and body returns the same job"}

PATHS: dict[str, Any] = {
    "/v1/calls": {"post": {
        "summary": "Submit a call (manifest JSON) for post-call processing",
        "parameters": [_IDEMPOTENCY],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {**_accepted(), **_errors(400, 401, 413, 415, 422, 429, 503)}}},
    "/v1/jobs/{job_id}": {"get": {
        "summary": "A job's status",
        "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The job", "content": {"application/json": {"schema": _JOB}}},
                      **_errors(401, 404, 429)}}},
    "/v1/recordings/{recording_id}": {
        "get": {"summary": "Recording metadata (no audio, no digits)", "parameters": [_RID],
                "responses": {"200": {"description": "The metadata document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              **_errors(401, 404, 410, 429)}},
        "delete": {"summary": "Delete a recording beyond recovery", "parameters": [
            _RID, {"name": "reason", "in": "query", "schema": {"type": "string"}}],
            "responses": {**_accepted(), **_errors(400, 401, 404, 429)}}},
    "/v1/recordings/{recording_id}/audio": {"get": {
        "summary": ("The redacted audio (WAV, or FLAC or Opus with format; Range requests supported, but an Opus "
                    "transcoding is served whole); audited"),
        "parameters": [_RID, *_PRINCIPAL, {"name": "format", "in": "query",
                                           "schema": {"enum": ["wav", "flac", "opus"], "default": "wav"}}],
        "responses": {"200": {"description": "WAV", "content": {"audio/wav": {}, "audio/flac": {},
                                                                 "audio/ogg": {}}},
                      "206": {"description": "Part of the audio (Range)", "content": {"audio/wav": {}, "audio/flac": {},
                                                                                     "audio/ogg": {}}},
                      "416": {"description": "The range starts past the audio's end (Content-Range: bytes */size)"},
                      **_errors(400, 401, 403, 404, 429)}}},
    "/v1/recordings/{recording_id}/transcript": {"get": {
        "summary": "The redacted transcript; audited", "parameters": [_RID, *_PRINCIPAL],
        "responses": {"200": {"description": "The transcript, in its provider's format"},
                      **_errors(400, 401, 403, 404, 429)}}},
    "/v1/recordings/{recording_id}/redact": {"post": {
        "summary": "Redact a stored recording in place", "parameters": [_RID],
        "responses": {**_accepted(), **_errors(401, 404, 429)}}},
    "/v1/tickets/{ticket_id}/recordings": {"delete": {
        "summary": "Delete every recording of one of the account's tickets",
        "parameters": [{"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "reason", "in": "query", "schema": {"type": "string"}}],
        "responses": {**_accepted(), **_errors(400, 401, 429)}}},
    "/v1/retention": {"put": {
        "summary": "Set the account's retention window (applies to stored recordings too)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["days"],
            "properties": {"days": {"type": ["integer", "null"], "minimum": 1}}}}}},
        "responses": {"200": {"description": "Set"}, **_errors(401, 415, 422, 429)}}},
    "/v1/webhooks": {
        "post": {"summary": "Register a webhook endpoint (its signing secret is returned once)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}}}}},
                 "responses": {"201": {"description": "Registered; `secret` shown once"},
                               **_errors(401, 415, 422, 429)}},
        "get": {"summary": "The account's webhook endpoints (no secrets)",
                "responses": {"200": {"description": "Endpoints"}, **_errors(401, 429)}}},
    "/v1/webhooks/{endpoint_id}": {"delete": {
        "summary": "Remove a webhook endpoint",
        "parameters": [{"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "Removed"}, **_errors(401, 404, 429)}}},
    "/v1/profile": {
        "put": {"summary": "Set the account's profile (plan, region, retention, redaction; Twilio Account SID) "
                           "used by ingress",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "Set"}, **_errors(401, 415, 422, 429)}},
        "get": {"summary": "The account's profile", "responses": {"200": {"description": "The profile"},
                                                                  **_errors(401, 404, 429)}}},
    "/v1/ingress/twilio/{account}/recording": {"post": {
        "summary": "Twilio recording status callback (form-encoded, X-Twilio-Signature checked, no API key)",
        "security": [],
        "parameters": [{"name": "account", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "ticket", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "number", "in": "query", "schema": {"type": "string"}},
                       {"name": "direction", "in": "query", "schema": {"enum": ["inbound", "outbound"]}}],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object"}}}},
        "responses": {**_accepted(), "200": {"description": "Not a completed recording: ignored"},
                      **_errors(400, 403, 413, 415, 422)}}},
    "/v1/ingress/connect": {"post": {
        "summary": "Amazon Connect contact record (+ its S3 recording, optional Contact Lens output) as a call",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ticket_id", "contact_record"],
            "properties": {"ticket_id": {"type": "string"}, "contact_record": {"type": "object"},
                           "holds": {"type": "array", "items": {"type": "object", "properties": {
                               "start": {"type": "string"}, "end": {"type": "string"}}}},
                           "contact_lens": {"type": "string"}}}}}},
        "responses": {**_accepted(), **_errors(401, 409, 413, 415, 422, 429)}}},
    "/v1/recordings/{recording_id}/review-links": {"post": {
        "summary": "A signed, expiring link to the review page for an agent with the ticket",
        "parameters": [_RID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["as"],
            "properties": {"as": {"type": "string"}, "tickets": {"type": "array", "items": {"type": "string"}},
                           "ttl_s": {"type": "integer", "minimum": 60, "maximum": 86400}}}}}},
        "responses": {"201": {"description": "`url` and `expires_at`"}, **_errors(401, 403, 404, 422, 429)}}},
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "field"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": ["string", "null"]}}}}},
    "Job": {"type": "object", "required": ["job_id"], "properties": {
        "job_id": {"type": "string"}, "kind": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "running", "retrying", "done", "failed"]},
        "attempts": {"type": "integer"}, "enqueued_at": {"type": ["number", "null"]},
        "started_at": {"type": ["number", "null"]}, "finished_at": {"type": ["number", "null"]},
        "reason": {"type": ["string", "null"]},
        "result": {"type": "object", "additionalProperties": {"type": "string"}},
        "status_url": {"type": "string"}}},
}


def document(settings: Settings) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "callrec redaction add-on", "version": "1",
                 "description": "Post-call processing, card-data redaction and encrypted storage of "
                                "call recordings. Authenticate with `Authorization: Bearer <API key>` "
                                "(`callrec api-keys create --account A`)."},
        "servers": [{"url": settings.api_public_url or f"http://{settings.api_host}:{settings.api_port}"}],
        "security": [{"apiKey": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
    }
