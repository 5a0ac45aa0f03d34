"""Twilio recording status callbacks into post-call jobs.

Point a recording's ``recordingStatusCallback`` at

    POST {CALLREC_API_PUBLIC_URL}/v1/ingress/twilio/{account}/recording?ticket=T-1001[&number=+15550100][&direction=outbound]

Twilio posts form fields (``AccountSid``, ``CallSid``, ``RecordingSid``, ``RecordingUrl``,
``RecordingStatus``, ``RecordingDuration``, ``RecordingChannels``, ``RecordingStartTime``...)
signed with the Account SID's auth token (``X-Twilio-Signature``). The Account SID must be
the one the account's profile names (``PUT /v1/profile``) and have a token in
``CALLREC_TWILIO_AUTH_TOKENS``; anything else is ``403``. A ``completed`` recording becomes a
manifest whose one segment is ``<RecordingUrl>.wav`` (a dual-channel recording asked for
with both channels, which assembly mixes to mono), fetched by the worker with the account's
credentials (worker.calls.fetch); other statuses are acknowledged and ignored.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callrec.errors import shown
from worker.api.errors import ApiError, not_found
from worker.api.handlers import blocking, endpoint
from worker.api.ingress.twilio_signature import valid_signature
from worker.api.keys import ACCOUNT
from worker.api.profiles import account_document, profiles_of
from worker.api.requests import read_body
from worker.api.routes.common import accepted, text_param
from worker.api.routes.calls import submit_manifest
from worker.calls.fetch_hosts import parse_twilio_tokens
from worker.calls.manifest import id_problem
from worker.calls.numbers import number_id_problem
from vault.regions import card_number_problem, may_hold_card_number

#: Twilio's recording statuses other than ``completed`` (a callback for one is acknowledged, ignored).
RECORDING_STATUSES = frozenset({"in-progress", "paused", "stopped", "processing", "absent", "failed"})
_SID = {"CallSid": re.compile(r"CA[0-9a-fA-F]{32}"), "RecordingSid": re.compile(r"RE[0-9a-fA-F]{32}")}


def signed_url(request: Request) -> str:
    """The URL Twilio signed: the public URL's origin with this request's path and query."""
    public = request.app.state.services.settings.api_public_url.rstrip("/")
    tail = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{public}{tail}" if public else str(request.url)


def manifest_of(account_id: str, profile: dict, fields: dict[str, str], ticket: str, number: str,
                direction: str) -> dict:
    for name, pattern in _SID.items():
        if not pattern.fullmatch(fields.get(name, "")):
            raise ApiError(400, "bad_request", f"{name}: missing or not a Twilio SID", name)
    try:
        duration_s = float(fields.get("RecordingDuration", ""))
    except ValueError:
        raise ApiError(400, "bad_request", "RecordingDuration: expected seconds", "RecordingDuration") from None
    if not 0 < duration_s <= 24 * 3600:
        raise ApiError(400, "bad_request", "RecordingDuration: expected 1 to 86400 seconds", "RecordingDuration")
    url = fields.get("RecordingUrl", "")
    if not url.startswith("https://"):
        raise ApiError(400, "bad_request", "RecordingUrl: expected an https:// URL", "RecordingUrl")
    channels = fields.get("RecordingChannels", "1")
    if channels not in ("1", "2"):
        raise ApiError(400, "bad_request", "RecordingChannels: expected 1 or 2", "RecordingChannels")
    media = url.split("?", 1)[0] + ".wav" + ("?RequestedChannels=2" if channels == "2" else "")
    return {
        "call_id": f"{fields['CallSid']}.{fields['RecordingSid']}", "ticket_id": ticket,
        "account": account_document(account_id, profile),
        "number": {"id": number, "recording": True, "consent_mode": "none"},
        "direction": direction, "consent": "none",
        "events": [{"type": "agent", "start": 0.0, "end": duration_s}],
        "controls": [], "segments": [{"uri": media, "start": 0.0}],
    }


@endpoint
async def recording_callback(request: Request):
    services = request.app.state.services
    account_id = request.path_params["account"]
    if not ACCOUNT.fullmatch(account_id) or may_hold_card_number(account_id):
        raise not_found(f"account {shown(account_id)}")  # no account's id holds one (api-keys, manifests)
    body = await read_body(request, services.settings.api_max_body_bytes)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise ApiError(415, "unsupported_media_type", "Twilio callbacks are application/x-www-form-urlencoded")
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "bad_request", "callback body is not form-encoded") from None
    fields = dict(params)
    profiles = profiles_of(services)
    profile = await blocking(profiles.get, account_id)
    sid = fields.get("AccountSid", "")
    token = dict(parse_twilio_tokens(services.settings.twilio_auth_tokens)).get(sid)
    if profile is None or profile.get("twilio_account_sid") != sid or token is None \
            or await blocking(profiles.owned_sid, account_id, profile) != sid:
        raise ApiError(403, "forbidden", "this account takes no Twilio callbacks from that AccountSid")
    if not valid_signature(token, signed_url(request), params, request.headers.get("x-twilio-signature", "")):
        raise ApiError(403, "forbidden", "X-Twilio-Signature does not match (URL, parameters or token)")
    status = fields.get("RecordingStatus", "completed")
    if status != "completed":  # named only when it is one of Twilio's: nothing of the input echoed
        said = f"RecordingStatus {status}" if status in RECORDING_STATUSES else "RecordingStatus is not completed"
        return JSONResponse({"ignored": said}, status_code=200)
    ticket = text_param(request, "ticket")
    if not ticket:
        raise ApiError(400, "bad_request", "ticket: add ?ticket=T to the callback URL", "ticket")
    problem = card_number_problem(ticket) or id_problem(ticket)
    if problem is not None:  # refused here, naming the query parameter (not the manifest's ticket_id)
        raise ApiError(400, "bad_request", f"ticket: {problem}", "ticket")
    number = text_param(request, "number", "twilio")
    if number.startswith(" "):  # a "+" written as is (number=+15550100, E.164 as people write it): form
        number = "+" + number[1:]  # encoding read it as a space; no number id holds a space
    problem = number_id_problem(number) or id_problem(number)
    if problem is not None:  # refused here, naming the query parameter (not the manifest's number.id)
        raise ApiError(400, "bad_request", f"number: {problem}", "number")
    direction = text_param(request, "direction", "inbound")
    data = manifest_of(account_id, profile, fields, ticket, number, direction)
    return accepted(request, await blocking(submit_manifest, services, account_id, data, profile))


ROUTES = [Route("/v1/ingress/twilio/{account}/recording", recording_callback, methods=["POST"],
                name="twilio_recording")]
