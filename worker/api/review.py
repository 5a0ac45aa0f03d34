"""The review page: an authorised agent sees what was cut and masked, and plays the result.

``POST /v1/recordings/{id}/review-links`` (API key; ``{"as": "agent:A", "tickets": [...]}``)
returns a signed link (worker.api.review_links). ``GET /review/{token}`` renders the page:
the waveform of the redacted audio with the beep, the cuts (with reasons) and the masked
spans (kind, detector, confidence; never digits), a player of the redacted audio
(``/review/{token}/audio``, Range supported) and the recording's audit trail. Plain HTML
with one inline script (nonce-bound by its Content-Security-Policy), nothing fetched from
elsewhere. Each view and each audio access is checked and audited as ``callrec export``.
"""

from __future__ import annotations

import html
import io
import json
import secrets
from functools import partial
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from audio.peaks import waveform_peaks
from vault.access import Principal
from vault.audit import AuditEvent, Tampered
from vault.errors import AuditTamperedError, RangeNotSatisfiableError, VaultInputError
from worker.api.auth import authenticate
from worker.api.errors import ApiError, not_found
from worker.api.handlers import blocking, endpoint
from worker.api.requests import read_json
from worker.api.review_links import MAX_TOKEN_CHARS, MAX_TTL_S, ReviewLinks
from worker.api.routes.common import account_recording, requester
from worker.queue.jobs import reference_problem
from worker.stored.operations import admit_headers, audio_ranges, export_recording, refusal_now, still_admitted
from worker.workdirs import WorkDir

TEMPLATE = Template((Path(__file__).parent / "templates" / "review.html").read_text(encoding="utf-8"))
#: Waveform columns drawn (min and max per column).
PEAKS = 500


@endpoint
async def create_link(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    rid = request.path_params["recording_id"]
    body = await read_json(request, services.settings.api_max_body_bytes)
    if not isinstance(body, dict) or not set(body) <= {"as", "tickets", "ttl_s"} or "as" not in body:
        raise ApiError(422, "invalid_request", 'send {"as": "agent:A", "tickets": ["T-1"], "ttl_s": 3600}', "as")
    tickets, ttl_s = body.get("tickets", []), body.get("ttl_s", 3600)
    if not isinstance(tickets, list) or not all(isinstance(t, str) and t for t in tickets):
        raise ApiError(422, "invalid_request", "tickets: a list of ticket ids", "tickets")
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or not 60 <= ttl_s <= MAX_TTL_S:
        raise ApiError(422, "invalid_request", f"ttl_s: whole seconds from 60 to {MAX_TTL_S}", "ttl_s")
    if not isinstance(body["as"], str) or not body["as"].startswith("agent:"):
        raise ApiError(422, "invalid_request", "as: review links are for agents (agent:A)", "as")
    problem = reference_problem(body["as"].removeprefix("agent:"))  # audited, and kept in the link's token
    if problem is not None:
        raise ApiError(422, "invalid_request", f"as: the id of agent:ID {problem}", "as")
    problem = next(filter(None, map(reference_problem, tickets)), None)
    if problem is not None:
        raise ApiError(422, "invalid_request", f"tickets: a ticket id {problem}", "tickets")
    principal = Principal.parse(body["as"], key.account_id, frozenset(tickets), vouched_by=requester(key))
    region_vault, entry = await blocking(account_recording, request, key, rid)
    why = await blocking(refusal_now, region_vault, entry, principal, "audio")  # its window too
    if why is not None:
        await blocking(region_vault.audit, "review", "refused", rid, str(principal), why)
        if entry.deleted:  # as every route of a deleted recording answers
            raise ApiError(410, "deleted", f"{principal} may not review {rid}: {why}")
        raise ApiError(403, "forbidden", f"{principal} may not review {rid}: {why}")
    token, expires_at = await blocking(ReviewLinks(services.client).issue, rid, principal, ttl_s, key.key_id)
    if len(token) > MAX_TOKEN_CHARS:  # the page would never open it
        raise ApiError(422, "invalid_request", f"tickets: too many for one link (its token would pass "
                       f"{MAX_TOKEN_CHARS} characters): name the recording's ticket", "tickets")
    return JSONResponse({"url": f"{_origin(request)}/review/{token}", "expires_at": expires_at}, status_code=201)


def _origin(request: Request) -> str:
    public = request.app.state.services.settings.api_public_url.rstrip("/")
    return public or f"{request.url.scheme}://{request.url.netloc}"


def _grant(request: Request):
    services = request.app.state.services
    grant = ReviewLinks(services.client).check(request.path_params["token"])
    if grant is None:
        raise ApiError(404, "not_found", "this review link is unknown or expired; ask for a new one")
    if grant.key_id is not None and not services.keys.active(grant.key_id):
        raise ApiError(404, "not_found", "this review link was made with an API key since revoked; ask for a new one")
    return grant


def _export(request: Request, grant, artifact: str, workdir: Path,
            wanted: tuple[int | None, int | None] | None = None) -> Path:
    """``wanted``: the one range of audio the response serves (RangeNotSatisfiableError,
    audited as refused, when it starts past the end)."""
    services = request.app.state.services
    return export_recording(grant.recording_id, workdir / f"{artifact}.wav", grant.principal, services.vault,
                            artifact=artifact, byte_range=wanted).path


def _ranged(request: Request, grant, wanted: tuple[int | None, int | None], head: bool = False) -> Response | None:
    """A ``206`` of the one range of WAV the player asks for, decoded from the ciphertext
    segments it covers (worker.stored.operations.audio_ranges: a seek in a long recording
    stored as FLAC does not transcode it whole), or with ``head`` a HEAD's ``200`` (the whole
    file's headers, no body); None when it must be exported whole."""
    from worker.api.routes.recordings import range_response

    ranges = audio_ranges(grant.recording_id, grant.principal, request.app.state.services.vault, "wav", wanted,
                          head=head)
    if ranges is None:
        return None
    return range_response(ranges, "audio/wav", {"cache-control": "private, no-store", "accept-ranges": "bytes"}, head)


def peaks(path: Path, columns: int = PEAKS) -> list[list[float]]:
    """``[min, max]`` of each of ``columns`` equal stretches of the audio (streamed)."""
    return waveform_peaks(path, columns)


def recording_time_s(time_map: dict, call_s: float) -> float:
    """Where call time ``call_s`` falls in the recording (a cut: where the recording resumes)."""
    pieces = sorted(time_map.get("pieces", []), key=lambda p: p["call_start_s"])
    for piece in pieces:
        if call_s < piece["call_end_s"]:
            return piece["recording_start_s"] + max(0.0, call_s - piece["call_start_s"])
    if pieces:
        last = pieces[-1]
        return last["recording_start_s"] + last["call_end_s"] - last["call_start_s"]
    return 0.0


def page_data(meta: dict, audio_peaks: list, audit: list) -> dict:
    """What the page's script draws: references, times and kinds only (never digits heard)."""
    redaction = meta.get("redaction") or {}
    spans = [{"start_s": s["start_s"], "end_s": s["end_s"], "kind": s["kind"], "entity": s["entity"],
              "detector": s["detector"], "confidence": s["confidence"]} for s in redaction.get("spans", [])]
    cuts = [{"start_s": c["start_s"], "end_s": c["end_s"], "reason": c["reason"],
             "at_s": round(recording_time_s(meta.get("time_map", {}), c["end_s"]), 3)} for c in meta.get("cuts", [])]
    beeps = [{"start_s": b["start_s"], "end_s": b["end_s"], "kind": b["kind"]} for b in meta.get("beeps", [])]
    return {"duration_s": meta["recorded_duration_s"], "peaks": audio_peaks, "spans": spans, "cuts": cuts,
            "beeps": beeps, "audit": audit}


def verified_trail(region_vault, recording_id: str) -> list[AuditEvent]:
    """The recording's audit events for its page. An object that is no event is left out (whose
    it was cannot be told); an event of the recording that does not verify, or one its head names
    that is missing (``audit.Missing``), fails the page as an index entry that does not verify does
    (``400``, naming the event's object, never its content)."""
    trail = []
    for event in region_vault.audit_events(recording_id):
        if isinstance(event, Tampered):
            raise AuditTamperedError(f"audit event {event.name} {event.reason}")
        if isinstance(event, AuditEvent):
            trail.append(event)
    return trail


def render(request: Request, grant) -> tuple[str, str]:
    """The page's HTML and its script nonce (blocking: decrypts metadata and audio)."""
    services = request.app.state.services
    try:
        region_vault = services.vault.for_recording(grant.recording_id)
    except VaultInputError:
        raise not_found(f"recording {grant.recording_id}") from None
    with WorkDir() as workdir:  # swept (``worker.workdirs``) if this process dies meanwhile
        audio = _export(request, grant, "audio", workdir)  # checks access, audits
        entry = region_vault.get(grant.recording_id)
        out = io.BytesIO()
        region_vault.read(entry, "metadata", out)
        meta = json.loads(out.getvalue())
        audio_peaks = peaks(audio)
    region_vault.audit("review", "allowed", grant.recording_id, str(grant.principal))
    audit = [{"at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "action": e.action, "outcome": e.outcome,
              "principal": e.principal, "reason": e.reason}
             for e in verified_trail(region_vault, grant.recording_id)]
    data = page_data(meta, audio_peaks, audit)
    nonce = secrets.token_urlsafe(16)
    redaction = meta.get("redaction")
    verdict = ("off" if not redaction else f"{len(data['spans'])} masked span(s), "
               f"{'verified' if redaction.get('verified') else 'NOT verified'}")
    page = TEMPLATE.substitute(
        nonce=nonce, recording_id=html.escape(grant.recording_id), ticket_id=html.escape(meta["ticket_id"]),
        call_s=f"{meta['call_duration_s']:.1f}", recorded_s=f"{meta['recorded_duration_s']:.1f}",
        redaction=html.escape(verdict), principal=html.escape(str(grant.principal)),
        audio_url=html.escape(f"/review/{request.path_params['token']}/audio"),
        data=json.dumps(data).replace("<", "\\u003c"))
    return page, nonce


def head_checked(request: Request, grant) -> None:
    """A HEAD of the page: the link and its principal's access checked and audited (a review
    of headers only), nothing decrypted (the GET decrypts the audio to draw its waveform)."""
    vault = request.app.state.services.vault
    try:
        vault.for_recording(grant.recording_id)
    except VaultInputError:
        raise not_found(f"recording {grant.recording_id}") from None
    admit_headers(grant.recording_id, grant.principal, vault, action="review")


@endpoint
async def page(request: Request):
    grant = await blocking(_grant, request)  # Redis (the links' secret): off the event loop
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer"}
    if request.method == "HEAD":
        await blocking(head_checked, request, grant)
        from worker.api.routes.recordings import headers_only

        return headers_only("text/html; charset=utf-8", headers)  # the page's length is the GET's to tell
    body, nonce = await blocking(render, request, grant)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
           "media-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return HTMLResponse(body, headers={"Content-Security-Policy": csp, **headers})


@endpoint
async def audio(request: Request):
    from worker.api.routes.recordings import ClosingFileResponse, WholeFileResponse, single_range

    grant = await blocking(_grant, request)  # Redis (the links' secret): off the event loop
    # The one range the player asks for (with no If-Range: the served file's own ETag is new
    # each time, so an If-Range never matches and the whole file is served).
    wanted = (single_range(request.headers.get("range"))
              if request.method == "GET" and "if-range" not in request.headers else None)
    if wanted is not None or request.method == "HEAD":
        try:
            served = await blocking(_ranged, request, grant, wanted or (0, None), request.method == "HEAD")
        except RangeNotSatisfiableError as exc:  # audited as refused: no byte exported
            return Response(status_code=416, headers={"Cache-Control": "private, no-store",
                                                      "Content-Range": f"bytes */{exc.size_bytes}"})
        if served is not None:
            return served
    workdir = await blocking(WorkDir)
    try:
        path = await blocking(_export, request, grant, "audio", workdir.path, wanted)
    except RangeNotSatisfiableError as exc:  # audited as refused: no byte exported
        workdir.close()
        return Response(status_code=416, headers={"Cache-Control": "private, no-store",
                                                  "Content-Range": f"bytes */{exc.size_bytes}"})
    except BaseException:
        workdir.close()
        raise
    # one range the segments' path could not serve is cut from the export; anything else asked
    # of the Range header (several ranges, a malformed one) gets the whole file, as audited
    check = partial(still_admitted, grant.recording_id, grant.principal, request.app.state.services.vault)
    return (ClosingFileResponse if wanted is not None else WholeFileResponse)(
        path, media_type="audio/wav", headers={"Cache-Control": "private, no-store"}, workdir=workdir,
        still_admitted=check)


ROUTES = [
    Route("/v1/recordings/{recording_id}/review-links", create_link, methods=["POST"], name="review_links"),
    Route("/review/{token}", page, methods=["GET", "HEAD"], name="review"),
    Route("/review/{token}/audio", audio, methods=["GET", "HEAD"], name="review_audio"),
]
