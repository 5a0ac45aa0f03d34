"""The JSON schemas of the OpenAPI document's bodies (``components.schemas``), from the
constants the code checks against. Each schema stands alone (no ``$ref`` inside one): a
checker that resolves only an operation's own ``$ref`` reads them as they are."""

from __future__ import annotations

from typing import Any

from worker.api.review_links import MAX_TTL_S
from worker.api.webhooks import EVENT_TYPES
from worker.calls.manifest import (AGENT_VIA, CONSENT_MODES, CONSENT_VALUES, CONTROL_ACTIONS, DIRECTIONS,
                                   EVENT_TYPES as CALL_EVENTS, MAX_RETENTION_DAYS, PAUSE_BEHAVIORS, PLANS,
                                   REDACTION_MODES, REGIONS, TRANSCRIPT_CLOCKS, TRANSCRIPT_FORMATS)
from worker.queue.records import STATES

_STRING = {"type": "string"}
_SECONDS = {"type": "number", "minimum": 0}
_DAYS = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_RETENTION_DAYS,
         "description": "days a recording is kept; null: no limit"}

#: The manifest's ``account`` fields an account's profile sets (worker.api.profiles.ACCOUNT_FIELDS).
ACCOUNT_FIELDS: dict[str, Any] = {
    "plan": {"enum": list(PLANS)}, "region": {"enum": list(REGIONS)}, "retention_days": _DAYS,
    "recordings_public": {"type": "boolean"}, "pause_behavior": {"enum": list(PAUSE_BEHAVIORS)},
    "redaction": {"enum": list(REDACTION_MODES)},
}
_SID = {"type": "string", "pattern": "^AC[0-9a-fA-F]{32}$"}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "field", "request_id"],
        "properties": {"code": {"type": "string", "description": "bad_request, unauthorized, forbidden, not_found, "
                                "method_not_allowed, request_timeout, payload_too_large, unsupported_media_type, "
                                "invalid_manifest, invalid_request, invalid_contact_record, idempotency_key_reused, "
                                "conflict, no_profile, deleted, rate_limited, unavailable, internal"},
                       "message": _STRING, "field": {"type": ["string", "null"]},
                       "request_id": {"type": "string", "description": "the answer's X-Request-Id"}}}}},
    "Job": {"type": "object", "required": ["job_id"], "properties": {
        "job_id": _STRING, "kind": _STRING, "state": {"enum": list(STATES)},
        "attempts": {"type": "integer"}, "enqueued_at": {"type": ["number", "null"]},
        "started_at": {"type": ["number", "null"]}, "finished_at": {"type": ["number", "null"]},
        "reason": {"type": ["string", "null"]},
        "result": {"type": "object", "additionalProperties": _STRING},
        "status_url": _STRING,
        "warnings": {"type": "array", "items": _STRING,
                     "description": "Amazon Connect ingress: what of the contact record was not used"}}},
    "Manifest": {"type": "object", "description": "The call manifest (DESIGN.md §3, as `callrec enqueue` reads it)",
                 "required": ["call_id", "ticket_id", "account", "number", "direction", "consent", "events",
                              "controls", "segments"],
                 "properties": {
        "call_id": _STRING, "ticket_id": _STRING,
        "account": {"type": "object", "required": ["id", *ACCOUNT_FIELDS],
                    "properties": {"id": _STRING, **ACCOUNT_FIELDS}},
        "number": {"type": "object", "required": ["id", "recording", "consent_mode"], "properties": {
            "id": _STRING, "recording": {"type": "boolean"}, "consent_mode": {"enum": list(CONSENT_MODES)}}},
        "direction": {"enum": list(DIRECTIONS)}, "consent": {"enum": list(CONSENT_VALUES)},
        "events": {"type": "array", "items": {"type": "object", "required": ["type", "start", "end"], "properties": {
            "type": {"enum": list(CALL_EVENTS)}, "start": _SECONDS, "end": _SECONDS, "via": {"enum": list(AGENT_VIA)}}}},
        "controls": {"type": "array", "items": {"type": "object", "required": ["action", "at"], "properties": {
            "action": {"enum": list(CONTROL_ACTIONS)}, "at": _SECONDS}}},
        "segments": {"type": "array", "items": {"type": "object", "required": ["uri", "start"], "properties": {
            "uri": {"type": "string", "description": "file: in the account's inbox, s3://, or a Twilio recording URL"},
            "start": _SECONDS}}},
        "transcript": {"type": "object", "required": ["uri", "format"], "properties": {
            "uri": _STRING, "format": {"enum": list(TRANSCRIPT_FORMATS)}, "clock": {"enum": list(TRANSCRIPT_CLOCKS)}}},
    }},
    "Metadata": {"type": "object", "description": "Recording metadata (DESIGN.md §3): no audio, no digits",
                 "required": ["recording_id", "call_id", "ticket_id", "region"], "properties": {
        "recording_id": _STRING, "account_id": _STRING, "call_id": _STRING, "ticket_id": _STRING,
        "region": {"enum": list(REGIONS)}, "kind": _STRING,
        "call_duration_s": {"type": "number"}, "recorded_duration_s": {"type": "number"},
        "frames": {"type": "integer"}, "beeps": {"type": "array"}, "cuts": {"type": "array"},
        "time_map": {"type": "object"}, "redaction": {"type": ["object", "null"]},
        "digests": {"type": "object"}, "codec": {"type": "object"}, "key": {"type": "object"},
        "transcript": {"type": ["object", "null"]}, "pipeline_version": _STRING,
        "created_at": _STRING, "retention_days": {"type": ["integer", "null"]},
        "delete_after": {"type": ["string", "null"]}}},
    "ProfileInput": {"type": "object", "required": list(ACCOUNT_FIELDS), "additionalProperties": False,
                     "properties": {**ACCOUNT_FIELDS, "twilio_account_sid": _SID}},
    "Profile": {"type": "object", "required": ["account_id", *ACCOUNT_FIELDS],
                "properties": {"account_id": _STRING, **ACCOUNT_FIELDS, "twilio_account_sid": _SID}},
    "RetentionInput": {"type": "object", "required": ["days"], "additionalProperties": False,
                       "properties": {"days": _DAYS}},
    "Retention": {"type": "object", "required": ["account_id", "days", "regions"], "properties": {
        "account_id": _STRING, "days": _DAYS, "regions": {"type": "array", "items": {"enum": list(REGIONS)}},
        "note": _STRING}},
    "Webhook": {"type": "object", "required": ["id", "url", "created_at", "events"], "properties": {
        "id": _STRING, "url": _STRING, "created_at": {"type": "number"},
        "events": {"type": "array", "items": {"enum": list(EVENT_TYPES)}}}},
    "WebhookCreated": {"type": "object", "required": ["id", "url", "created_at", "events", "secret"], "properties": {
        "id": _STRING, "url": _STRING, "created_at": {"type": "number"},
        "events": {"type": "array", "items": {"enum": list(EVENT_TYPES)}},
        "secret": {"type": "string", "description": "the signing secret: shown this once"}}},
    "WebhookList": {"type": "object", "required": ["webhooks"], "properties": {"webhooks": {
        "type": "array", "items": {"type": "object", "required": ["id", "url", "created_at", "events"],
                                   "properties": {"id": _STRING, "url": _STRING, "created_at": {"type": "number"},
                                                  "events": {"type": "array", "items": _STRING}}}}}},
    "ReviewLinkInput": {"type": "object", "required": ["as"], "additionalProperties": False, "properties": {
        "as": {"type": "string", "pattern": "^agent:", "description": "agent:ID"},
        "tickets": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "ttl_s": {"type": "integer", "minimum": 60, "maximum": MAX_TTL_S, "default": 3600}}},
    "ReviewLink": {"type": "object", "required": ["url", "expires_at"], "properties": {
        "url": _STRING, "expires_at": {"type": "integer", "description": "Unix time"}}},
    "ConnectInput": {"type": "object", "required": ["ticket_id", "contact_record"], "additionalProperties": False,
                     "properties": {
        "ticket_id": _STRING, "contact_record": {"type": "object"},
        "holds": {"type": "array", "items": {"type": "object", "properties": {"start": _STRING, "end": _STRING}}},
        "contact_lens": _STRING}},
    "Ignored": {"type": "object", "required": ["ignored"], "properties": {"ignored": _STRING}},
    "Health": {"type": "object", "required": ["status"], "properties": {
        "status": {"enum": ["ok", "unavailable"]}, "redis": {"const": "no answer"}}},
}
