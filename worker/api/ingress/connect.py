"""Amazon Connect contact records (CTR) into post-call jobs.

``POST /v1/ingress/connect`` (API key) with ``{"ticket_id", "contact_record", "holds"?,
"contact_lens"?}``: the contact record as Connect streams it (Kinesis, or its S3 export)
becomes a manifest on the call's clock (``InitiationTimestamp`` is 0 s):

- ``ivr`` from the start to ``Queue.EnqueueTimestamp`` (or to the agent, without a queue),
- ``queue`` from ``Queue.EnqueueTimestamp`` to ``Queue.DequeueTimestamp``,
- ``agent`` from ``Agent.ConnectedToAgentTimestamp`` to the transfer, the after-contact
  work or the disconnect, whichever comes first,
- ``external_transfer`` from ``TransferCompletedTimestamp`` to the disconnect when the
  contact went to a telephone number,
- ``hold``: a contact record gives only hold totals (``CustomerHoldDuration``,
  ``NumberOfHolds``), never when; holds the helpdesk knows (agent events) are passed as
  ``holds: [{"start", "end"}]`` (ISO 8601) and cut; otherwise the response warns that the
  hold time stays in the recording,
- the one segment: the record's audio recording (``Recordings[]`` or ``Recording``,
  ``bucket/key`` in S3) from its start (or the agent's connection),
- the transcript: Contact Lens output (``contact_lens``: an ``s3://`` URI). Its offsets
  count from the recording's start, so with it the call's clock starts there (the transcript
  then maps through hold cuts exactly; IVR and queue time drop out of the call duration).
- the number: ``SystemEndpoint.Address``, the number dialled; for an endpoint that is no phone
  number (``VOIP``: in-app, web and video calls; ``CONNECT_PHONENUMBER_ARN``; ``CONTACT_FLOW``)
  a label of its type, the address kept nowhere (``_number_id``).

The account's plan, region and retention come from its profile (``PUT /v1/profile``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.routing import Route

from worker.api.auth import authenticate
from worker.api.errors import ApiError, CtrError
from worker.api.handlers import blocking, endpoint
from worker.api.profiles import account_document, required_profile
from worker.api.requests import read_json
from worker.api.routes.calls import submit_manifest
from worker.api.routes.common import accepted
from worker.calls.manifest import TRANSCRIPT_FORMATS, id_problem
from worker.calls.call_ids import call_id_problem
from worker.calls.numbers import number_id_problem

#: The manifest's number id for a system endpoint that is no phone number, by
#: ``SystemEndpoint.Type`` (Connect's Endpoint types; a type Connect adds later: ``connect``).
NOT_A_NUMBER = {"VOIP": "connect:voip", "CONTACT_FLOW": "connect:contact-flow",
                "CONNECT_PHONENUMBER_ARN": "connect:phone-number-arn", "EMAIL_ADDRESS": "connect:email-address"}
#: Transcript format names a Contact Lens reader may have (the first one present is used).
CONTACT_LENS_FORMATS = ("contact_lens", "contact-lens", "auto")


def contact_lens_format() -> str | None:
    return next((name for name in CONTACT_LENS_FORMATS if name in TRANSCRIPT_FORMATS), None)


def _get(record: dict, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _time(record: dict, path: str, required: bool = False, name: str | None = None) -> datetime | None:
    """The ISO 8601 time at ``path`` of ``record``; errors name ``name`` (by default
    ``contact_record.<path>``)."""
    name = name or f"contact_record.{path}"
    raw = _get(record, path)
    if raw in (None, ""):
        if required:
            raise CtrError(name, "missing (required)")
        return None
    if not isinstance(raw, str):
        raise CtrError(name, "expected an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CtrError(name, "expected an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise CtrError(name, "needs a time zone (Connect writes Z)")
    return moment


def _plain(value: Any) -> str:
    """``value`` written out when it is a number of seconds or holds a call could have (under
    a million, so no card number), else empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1_000_000:
        return f"{value:g}"
    return ""


def _s3_uri(location: str) -> str:
    """The ``s3://`` URI of Connect's raw ``bucket/key``: the key percent-encoded where a URI reader
    would take it otherwise (``#``, ``?``, ``;``, ``%``), as the manifest reads its URIs (session 53:
    the key was cut at ``#`` or ``?``, or its ``%XX`` decoded, naming another object)."""
    bucket, _, key = location.strip("/").partition("/")
    return f"s3://{bucket}/{quote(key, safe=_KEY_SAFE)}"


#: Characters of an S3 key written as they are in its URI (RFC 3986 pchar, without ``;`` and ``%``).
_KEY_SAFE = "/:@!$&'()*+,=-._~ "


#: ``RecordingInfo.StorageType`` values (Connect's API reference): only S3 holds an object to fetch.
_STORAGE_TYPES = frozenset({"S3", "KINESIS_VIDEO_STREAM"})


def _recording(record: dict) -> tuple[str, str | None, str]:
    """The audio recording's ``bucket/key``, its start time (if the record says) and the
    field the start time came from."""
    recordings = record.get("Recordings")
    if recordings is not None and not isinstance(recordings, list):
        raise CtrError("contact_record.Recordings", "expected a list of recordings")
    deleted = None  # the field of a recording Connect deleted (Status DELETED): no object to fetch
    streamed = None  # the field of a live media stream (Kinesis Video Streams: an ARN, no object either)
    for k, item in enumerate(recordings or []):
        if isinstance(item, dict) and item.get("MediaStreamType", "AUDIO") == "AUDIO" and item.get("Location"):
            if not isinstance(item["Location"], str):
                raise CtrError(f"contact_record.Recordings[{k}].Location", "expected bucket/key (a string)")
            if not isinstance(item.get("StorageType", "S3"), str):
                raise CtrError(f"contact_record.Recordings[{k}].StorageType", "expected a storage type (a string)")
            if item.get("Status") == "DELETED":
                deleted = deleted or f"contact_record.Recordings[{k}].Status"
                continue
            if item.get("StorageType", "S3") != "S3":  # (taken as s3://arn:aws:kinesisvideo:...: session 53)
                streamed = streamed or (f"contact_record.Recordings[{k}].StorageType", item["StorageType"])
                continue
            return item["Location"], item.get("StartTimestamp"), f"contact_record.Recordings[{k}].StartTimestamp"
    single = record.get("Recording")
    if isinstance(single, dict) and single.get("Location") and single.get("Type", "AUDIO") == "AUDIO":
        if not isinstance(single["Location"], str):
            raise CtrError("contact_record.Recording.Location", "expected bucket/key (a string)")
        if single.get("Status") != "DELETED":
            return single["Location"], None, ""
        deleted = deleted or "contact_record.Recording.Status"
    if deleted is not None:
        raise CtrError(deleted, "DELETED: Amazon Connect deleted the contact's recording; there is nothing to fetch")
    if streamed is not None:
        field, storage = streamed
        named = storage if storage in _STORAGE_TYPES else "not S3"  # a value of the record's, echoed only if Connect's
        raise CtrError(field, f"{named}: a live media stream, not a recording in S3; there is nothing to fetch")
    raise CtrError("contact_record.Recording.Location", "the contact has no audio recording")


def _number_id(record: dict) -> str:
    """The manifest's ``number.id``: the number dialled (``SystemEndpoint.Address``), checked as
    the manifest will check it but named as the record names it; for a system endpoint that is
    no phone number (``SystemEndpoint.Type`` VOIP: in-app, web and video calls; CONTACT_FLOW;
    CONNECT_PHONENUMBER_ARN: a claimed number named by its ARN), a label of the type, the address
    kept nowhere. Such contacts are calls recorded like any other, and the number id decides
    nothing of how (the account's profile gives plan, region and redaction; ingress never turns a
    number's recording off), so they are taken rather than refused."""
    kind = _get(record, "SystemEndpoint.Type")
    if kind is not None and kind != "TELEPHONE_NUMBER":
        if not isinstance(kind, str):
            raise CtrError("contact_record.SystemEndpoint.Type", "expected an endpoint type (a string)")
        return NOT_A_NUMBER.get(kind, "connect")
    address = _get(record, "SystemEndpoint.Address") or "connect"
    if not isinstance(address, str):
        raise CtrError("contact_record.SystemEndpoint.Address", "expected the number dialled (a string)")
    problem = number_id_problem(address) or id_problem(address)
    if problem is not None:
        raise CtrError("contact_record.SystemEndpoint.Address", problem)
    return address


def manifest_of(account_id: str, profile: dict, body: dict) -> tuple[dict, list[str]]:
    """The manifest of a contact record, and warnings (what it cannot express)."""
    record = body.get("contact_record")
    if not isinstance(record, dict):
        raise CtrError("contact_record", "expected the contact record (an object)")
    if record.get("Channel", "VOICE") != "VOICE":
        raise CtrError("contact_record.Channel", "only VOICE contacts have recordings")
    contact_id = record.get("ContactId")
    if not isinstance(contact_id, str) or not contact_id:
        raise CtrError("contact_record.ContactId", "missing (required)")
    problem = id_problem(contact_id) or call_id_problem(contact_id)  # the manifest's call_id, named as the record does
    if problem is not None:
        raise CtrError("contact_record.ContactId", problem)
    start = _time(record, "InitiationTimestamp", required=True)
    end = _time(record, "DisconnectTimestamp", required=True)
    location, recording_start, recording_start_field = _recording(record)
    lens, lens_format = body.get("contact_lens"), contact_lens_format()
    if lens is not None and lens_format is not None:
        # Contact Lens offsets count from the recording's start: the call's clock starts there
        # too, so the transcript maps through cuts (holds) exactly; IVR and queue time before
        # it drop out of the call's duration.
        start = _time({"t": recording_start}, "t", name=recording_start_field) if recording_start else _time(
            record, "Agent.ConnectedToAgentTimestamp", required=True)

    def at(moment: datetime) -> float:
        return round(max(0.0, (moment - start).total_seconds()), 3)

    events: list[dict] = []
    warnings: list[str] = []
    enqueued, dequeued = _time(record, "Queue.EnqueueTimestamp"), _time(record, "Queue.DequeueTimestamp")
    agent_at = _time(record, "Agent.ConnectedToAgentTimestamp")
    if agent_at is None:
        raise CtrError("contact_record.Agent.ConnectedToAgentTimestamp", "no agent took the contact: nothing "
                       "was recorded")
    first_routed = enqueued or agent_at
    if at(first_routed) > 0:
        events.append({"type": "ivr", "start": 0.0, "end": at(first_routed)})
    if enqueued is not None and dequeued is not None and at(dequeued) > at(enqueued):
        events.append({"type": "queue", "start": at(enqueued), "end": at(dequeued)})
    transferred = _time(record, "TransferCompletedTimestamp")
    external = _get(record, "TransferredToEndpoint.Type") == "TELEPHONE_NUMBER" and transferred is not None
    agent_end = min(t for t in (transferred, _time(record, "Agent.AfterContactWorkStartTimestamp"), end)
                    if t is not None)
    if agent_end <= agent_at:
        raise CtrError("contact_record.Agent", "the agent's part ends before it starts")
    events.append({"type": "agent", "start": at(agent_at), "end": at(agent_end), "via": "browser"})
    if external and end > transferred:
        events.append({"type": "external_transfer", "start": at(transferred), "end": at(end)})
    holds = body.get("holds") or []
    if not isinstance(holds, list):
        raise CtrError("holds", "expected a list of {start, end}")
    for index, hold in enumerate(holds):
        if not isinstance(hold, dict):
            raise CtrError(f"holds[{index}]", "expected {start, end}")
        h0 = _time(hold, "start", True, f"holds[{index}].start")
        h1 = _time(hold, "end", True, f"holds[{index}].end")
        if h1 <= h0:
            raise CtrError(f"holds[{index}].end", "is not after the hold's start")
        events.append({"type": "hold", "start": at(h0), "end": at(h1)})
    count = _get(record, "Agent.NumberOfHolds") or 0
    if isinstance(count, int) and count > len(holds):
        # named only as plain numbers a call could have: the record's values are echoed in the 202
        total = _plain(_get(record, "Agent.CustomerHoldDuration"))
        warnings.append(f"hold: the contact record gives {_plain(count) or 'some'} hold(s)"
                        f"{f', {total} s in all,' if total else ''} without times; "
                        "pass holds to cut them (they stay in the recording)")
    if "/" not in location.strip("/"):
        raise CtrError("contact_record.Recording.Location", "expected bucket/key")
    segment_at = _time({"t": recording_start}, "t", name=recording_start_field) if recording_start else agent_at
    number_id = _number_id(record)
    manifest = {
        "call_id": contact_id, "ticket_id": body.get("ticket_id"),
        "account": account_document(account_id, profile),
        "number": {"id": number_id, "recording": True, "consent_mode": "none"},
        "direction": "outbound" if record.get("InitiationMethod") == "OUTBOUND" else "inbound",
        "consent": "none", "events": events, "controls": [],
        "segments": [{"uri": _s3_uri(location), "start": at(segment_at)}],
    }
    if lens is not None:
        if lens_format is None:
            warnings.append("contact_lens: this version has no Contact Lens reader; the built-in recognizer "
                            "listens for spoken card data instead")
        else:
            manifest["transcript"] = {"uri": lens, "format": lens_format, "clock": "call"}
    return manifest, warnings


@endpoint
async def contact_record(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    body = await read_json(request, services.settings.api_max_body_bytes, "contact record")
    if not isinstance(body, dict) or not set(body) <= {"ticket_id", "contact_record", "holds", "contact_lens"}:
        raise ApiError(422, "invalid_request", 'send {"ticket_id", "contact_record", "holds"?, "contact_lens"?}')
    profile = await required_profile(services, key.account_id)
    try:
        manifest, warnings = manifest_of(key.account_id, profile, body)
    except CtrError as exc:
        raise ApiError(422, "invalid_contact_record", str(exc), exc.field) from None
    submitted = await blocking(submit_manifest, services, key.account_id, manifest, profile)
    return accepted(request, submitted, **({"warnings": warnings} if warnings else {}))


ROUTES = [Route("/v1/ingress/connect", contact_record, methods=["POST"], name="connect")]
