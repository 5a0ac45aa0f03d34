"""Stored recordings: metadata, the redacted audio and transcript, re-redaction, deletion.

Audio and transcript follow ``callrec export``'s access rules (an agent with the ticket, or
the end user who requested it where recordings are public; ``as``, ``tickets`` and
``requester_of`` query parameters, as the CLI's flags), and every access and refusal is
audited. Another account's recording is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from vault.access import PRINCIPAL_KINDS, Principal
from vault.errors import RangeNotSatisfiableError
from worker.api.auth import authenticate
from worker.api.errors import ApiError, DownloadWithdrawnError, not_found
from worker.api.handlers import blocking, endpoint
from worker.api.routes.common import accepted, account_recording, requester, text_param
from worker.api.sources import inbox_named
from worker.calls.source_names import with_inputs_named
from worker.queue.jobs import DeleteRecordings, JobDecodeError, RedactRecording, reference_problem
from worker.settings import Settings
from worker.stored.operations import (AudioRanges, admit_headers, audio_ranges, export_recording,
                                      refuse_past_retention, still_admitted, ticket_has_recordings)
from worker.workdirs import WorkDir

#: Reason recorded for deletions asked over the API without one.
DEFAULT_REASON = "deleted over the API"


@endpoint
async def metadata(request: Request):
    key = await authenticate(request)
    rid = request.path_params["recording_id"]

    def read() -> dict:
        region_vault, entry = account_recording(request, key, rid)
        if entry.artifact("metadata") is None:
            raise ApiError(410, "deleted", f"recording {rid} was deleted ({entry.tombstone.reason})"
                           if entry.tombstone else f"recording {rid} has no metadata")
        # as its audio is (session 53: served until a sweep)
        refuse_past_retention(region_vault, entry, "metadata", f"api-key:{key.key_id}")
        out = io.BytesIO()
        region_vault.read(entry, "metadata", out)
        region_vault.audit("metadata", "allowed", rid, f"api-key:{key.key_id}")
        # a recording stored before its inputs' names were kept without query strings: served so
        return _inbox_relative(with_inputs_named(json.loads(out.getvalue())), request.app.state.services.settings,
                               key.account_id)

    return JSONResponse(await blocking(read))


def _inbox_relative(metadata: dict, settings: Settings, account_id: str) -> dict:
    """``metadata`` with each input in the account's inbox named as its manifest named it
    (``file:`` and its path in the inbox), not by the server's own path of the inbox."""
    digests = metadata.get("digests")
    if not settings.api_inbox or not isinstance(digests, dict) or not isinstance(digests.get("inputs"), list):
        return metadata

    def named(uri: object) -> object:
        return inbox_named(uri, settings, account_id) if isinstance(uri, str) else uri

    shown = [{**item, "uri": named(item.get("uri"))} if isinstance(item, dict) else item for item in digests["inputs"]]
    return {**metadata, "digests": {**digests, "inputs": shown}}


def principal_of(request: Request, key) -> Principal:
    """The principal the caller (API key ``key``) vouches for: ``as=agent:A&tickets=T1,T2`` or
    ``as=end-user:U&requester_of=T`` (the CLI's ``--as``, ``--tickets``, ``--requester-of``);
    the audit trail names both."""
    account_id = key.account_id
    who = text_param(request, "as")
    kind, sep, ident = (who or "").partition(":")
    if who is None or not sep or kind not in PRINCIPAL_KINDS:
        raise ApiError(400, "bad_request", "as: give agent:A (with tickets) or end-user:U "
                       "(with requester_of)", "as")
    problem = reference_problem(ident)  # checked as callrec export's --as: it goes into the audit trail
    if problem is not None:
        raise ApiError(400, "bad_request", f"as: the id of {kind}:ID {problem}", "as")
    tickets, requester_of = text_param(request, "tickets"), text_param(request, "requester_of")
    for name, listed in (("tickets", tickets), ("requester_of", requester_of)):
        for item in (listed or "").split(","):
            problem = reference_problem(item.strip()) if item.strip() else None
            if problem is not None:
                raise ApiError(400, "bad_request", f"{name}: a ticket id {problem}", name)
    if kind == "agent" and (tickets is None or requester_of is not None):
        raise ApiError(400, "bad_request", "as=agent:A needs tickets=T1,T2 (and no requester_of)", "tickets")
    if kind == "end-user" and (requester_of is None or tickets is not None):
        raise ApiError(400, "bad_request", "as=end-user:U needs requester_of=T (and no tickets)", "requester_of")
    listed = tickets if kind == "agent" else requester_of
    return Principal.parse(who, account_id, frozenset(t.strip() for t in (listed or "").split(",") if t.strip()),
                           vouched_by=requester(key))


#: Audio formats the API serves (the codecs of ``callrec export --format``) and their media types.
AUDIO_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "opus": "audio/ogg"}


def exported(request: Request, key, artifact: str, audio_format: str = "wav",
             wanted: tuple[int | None, int | None] | None = None) -> tuple[Path, str, WorkDir, Callable[[], bool]]:
    """Decrypt ``artifact`` into a private work dir for the principal (audited, as export);
    returns its path, an ETag naming the stored version (stable across Range requests), the
    work dir, which the response closes, and the check the response makes now and then while it
    streams (``still_admitted``: the recording not deleted, nor out of the principal's reach).
    ``wanted``: the one audio range the response will serve (its ``If-Range``, if any, naming
    this version): RangeNotSatisfiableError, audited as refused, when it starts past the end."""
    rid = request.path_params["recording_id"]
    principal = principal_of(request, key)
    _, entry = account_recording(request, key, rid)
    stored = entry.artifact(artifact)
    if stored is None and not entry.deleted:
        raise ApiError(404, "not_found", f"recording {rid} has no {artifact}")
    etag = f'"{stored.generation}-{stored.tag}"' if stored is not None else '"none"'
    services = request.app.state.services
    # a work dir as the workers' (``worker.workdirs``): locked while the response streams, swept
    # by the next sweep (this server's or a worker's) if the process dies, however it dies
    check = partial(still_admitted, rid, principal, services.vault, artifact)
    workdir = WorkDir()
    try:
        if artifact != "audio":
            return export_recording(rid, workdir.path / artifact, principal, services.vault,
                                    artifact=artifact).path, etag, workdir, check
        if_range = request.headers.get("if-range")
        if if_range is not None and if_range.strip() != etag[:-1] + f'-{audio_format}"':
            wanted = None  # another version: the whole file is served, whatever the range
        return export_recording(rid, workdir.path / f"audio.{audio_format}", principal, services.vault,
                                artifact="audio", audio_format=audio_format, byte_range=wanted).path, etag, workdir, check
    except BaseException:
        workdir.close()
        raise


@endpoint
async def audio(request: Request):
    key = await authenticate(request)
    audio_format = text_param(request, "format", "wav")
    if audio_format not in AUDIO_TYPES:
        raise ApiError(400, "bad_request", f"format: one of {', '.join(AUDIO_TYPES)}", "format")
    wanted = single_range(request.headers.get("range")) if request.method == "GET" else None
    if wanted is not None or request.method == "HEAD":  # HEAD: the whole file's headers, no body
        served = await blocking(ranged, request, key, audio_format, wanted or (0, None), request.method == "HEAD")
        if served is not None:
            return served
    stable = audio_format in BYTE_STABLE
    if request.method == "HEAD":  # a transcoding: its headers without transcoding it (its length unknown)
        return await blocking(transcoding_head, request, key, audio_format)
    try:
        path, etag, workdir, check = await blocking(exported, request, key, "audio", audio_format,
                                                    wanted if stable else None)
    except RangeNotSatisfiableError as exc:  # audited as refused: no byte exported
        return Response(status_code=416, headers={"cache-control": "private, no-store", "accept-ranges": "bytes",
                                                  "content-range": f"bytes */{exc.size_bytes}"})
    etag = etag[:-1] + f'-{audio_format}"'
    headers = {"etag": etag, "cache-control": "private, no-store"}
    if not stable:  # a fresh encoding: the whole of it, whatever range was asked for
        headers.update({"etag": "W/" + etag, "accept-ranges": "none"})
    # One range of a stable transcoding is cut from the export; anything else asked of the
    # Range header (several ranges, a malformed one) gets the whole file, as the audit says.
    return (ClosingFileResponse if stable and wanted is not None else WholeFileResponse)(
        path, media_type=AUDIO_TYPES[audio_format], filename=f"{request.path_params['recording_id']}.{audio_format}",
        headers=headers, workdir=workdir, still_admitted=check)


def transcript_head(request: Request, key) -> Response:
    """A HEAD of the transcript: the account's recording (404 otherwise, as the GET), checked and
    audited as headers only, nothing decrypted."""
    rid = request.path_params["recording_id"]
    principal = principal_of(request, key)
    _, entry = account_recording(request, key, rid)
    if entry.artifact("transcript") is None and not entry.deleted:
        raise ApiError(404, "not_found", f"recording {rid} has no transcript")
    stored = admit_headers(rid, principal, request.app.state.services.vault, "transcript").artifact("transcript")
    return headers_only("application/octet-stream", {"etag": f'"{stored.generation}-{stored.tag}"',
                                                     "cache-control": "private, no-store", "accept-ranges": "none"})


def headers_only(media_type: str, headers: dict[str, str]) -> Response:
    """A HEAD's ``200``: ``headers``, no body, and no ``Content-Length`` (the GET's length is the
    export's, which only exporting would tell; RFC 9110 9.3.2 lets a HEAD omit it)."""
    response = Response(status_code=200, media_type=media_type, headers=headers)
    del response.headers["content-length"]
    return response


def transcoding_head(request: Request, key, audio_format: str) -> Response:
    """A HEAD of audio served as a transcoding (``ranged``, which decrypted the stored audio's first
    segment to see its codec, cannot say its length): checked and audited as an export of headers
    only, nothing transcoded; the GET's headers but ``Content-Length`` (``headers_only``)."""
    rid = request.path_params["recording_id"]
    entry = admit_headers(rid, principal_of(request, key), request.app.state.services.vault)
    stored = entry.artifact("audio")
    etag = f'"{stored.generation}-{stored.tag}-{audio_format}"'
    stable = audio_format in BYTE_STABLE
    return headers_only(AUDIO_TYPES[audio_format], {
        "etag": etag if stable else "W/" + etag, "cache-control": "private, no-store",
        "accept-ranges": "bytes" if stable else "none",
        "content-disposition": f'attachment; filename="{rid}.{audio_format}"'})


#: Formats whose export gives the same bytes every time, so that its ranges may be served
#: apart (a client joins them): WAV and FLAC. An Opus encoding differs from one export to the
#: next (its Ogg stream's serial number is random), so an Opus transcoding (audio stored
#: otherwise) is served whole, under a weak ETag, whatever range is asked for; Opus as stored is
#: served in ranges from its segments (``ranged``), its bytes being the stored ones.
BYTE_STABLE = frozenset({"wav", "flac"})


#: Seconds one send of a whole-file response may wait for its client to read (flow control):
#: past it the response ends and its decrypted copy goes (session-46 audit: a client that stopped
#: reading held it, and got the audio after the recording was deleted).
SEND_TIMEOUT_S = 30.0
#: Seconds between a whole-file response's checks that its principal may still have the file
#: (``still_admitted``): a recording deleted meanwhile ends a download however steadily it reads.
ACCESS_CHECK_S = 5.0


class ClosingFileResponse(FileResponse):
    """A ``FileResponse`` of a file in ``workdir`` (``worker.workdirs.WorkDir``: decrypted audio or a
    transcript), which is closed (removed) once the response ends, however it ends. Starlette runs a
    background task only when the response returns: a send that raises (an ASGI 2.4 server's for a
    client gone mid-download) or a cancelled request skips it, and the dir would stay, unswept while
    this process lives (its lock held). Under uvicorn (ASGI 2.3) a disconnect returns normally.

    ``still_admitted`` (blocking) is asked every ``ACCESS_CHECK_S`` while the body streams: False
    (the recording deleted, say) ends the response unfinished, as a client that stops reading
    for ``SEND_TIMEOUT_S`` does. No ``Last-Modified``: the file's time is the decryption's, not
    the recording's (the ETag names the stored version)."""

    def __init__(self, *args: Any, workdir: WorkDir, still_admitted: Callable[[], bool] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workdir = workdir
        self.still_admitted = still_admitted

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 (ASGI)
        loop = asyncio.get_running_loop()
        next_check_s = loop.time() + ACCESS_CHECK_S

        async def bounded(message) -> None:  # noqa: ANN001 (ASGI)
            nonlocal next_check_s
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message["headers"] if k != b"last-modified"]}
            elif self.still_admitted is not None and loop.time() >= next_check_s:
                if not await run_in_threadpool(self.still_admitted):
                    raise DownloadWithdrawnError(f"export of {self.filename} withdrawn")
                next_check_s = loop.time() + ACCESS_CHECK_S
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await send(message)

        try:
            await super().__call__(scope, receive, bounded)
        except (TimeoutError, DownloadWithdrawnError):
            pass  # the client stopped reading, or may no longer: the response ends unfinished, its connection closes
        finally:
            await run_in_threadpool(self.workdir.close)


class WholeFileResponse(ClosingFileResponse):
    """A ``FileResponse`` that ignores ``Range`` and ``If-Range`` (RFC 9110 lets a server send the
    whole representation): for bytes that differ from one export to the next, and for a Range
    header that asks for anything but one range (several ranges, a malformed one), which
    Starlette would answer with parts or a ``400`` after the export was audited as served."""

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 (ASGI)
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"range", b"if-range")]
        await super().__call__({**scope, "headers": headers}, receive, send)


#: A byte position of a Range header: ASCII digits (RFC 9110's DIGIT).
_ASCII_DIGITS = re.compile(r"[0-9]+")


def single_range(header: str | None) -> tuple[int | None, int | None] | None:
    """``Range: bytes=A-B`` / ``A-`` / ``-N`` as (first, last) with None for an open end (a
    suffix is (None, N)); None for anything else (several ranges, another unit, malformed),
    which the whole-file path answers as it always has."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    first, dash, last = spec.strip().partition("-")
    if unit.strip().lower() != "bytes" or not dash or "," in spec:
        return None
    first, last = first.strip(), last.strip()
    if not (_ASCII_DIGITS.fullmatch(first) or not first) or not (_ASCII_DIGITS.fullmatch(last) or not last) \
            or not (first or last):
        return None  # (str.isdigit takes "²" and other scripts' digits, which int() then refused: a 500)
    first, last = first.lstrip("0") or first[:1], last.lstrip("0") or last[:1]  # ("000" is 0)
    if first and last and (len(last), last) < (len(first), first):
        return None
    return (_position(first) if first else None), (_position(last) if last else None)


#: A byte position past any file's length: what a Range position longer than that reads as.
BEYOND_ANY_FILE = 10**18


def _position(digits: str) -> int:
    """A Range position of ASCII digits without leading zeros, at most ``BEYOND_ANY_FILE``: int()
    reads at most 4,300 digits (a ValueError past them, a 500: session 56's red team)."""
    return int(digits) if len(digits) <= 18 else BEYOND_ANY_FILE


def ranged(request: Request, key, audio_format: str, wanted: tuple[int | None, int | None], head: bool = False):
    """A ``206`` of one byte range of audio stored as ``audio_format``, or of the WAV of audio
    stored as FLAC, decrypted from the ciphertext segments the range covers only
    (worker.stored.operations.audio_ranges; checked and audited as ``callrec export``),
    streamed a segment (or a block of frames) at a time; ``416`` past its end. None when the
    whole-file path must answer: another transcoding (no stored range maps to its bytes), or
    ``If-Range`` names another version. ``head``: a HEAD request's ``200``, the whole file's
    headers (its length known without decrypting it, let alone transcoding it), no body."""
    rid = request.path_params["recording_id"]
    principal = principal_of(request, key)
    _, entry = account_recording(request, key, rid)
    stored = entry.artifact("audio")
    if stored is None:
        return None  # deleted, or no audio: the whole-file path says which
    etag = f'"{stored.generation}-{stored.tag}-{audio_format}"'
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        return None
    headers = {"etag": etag, "cache-control": "private, no-store", "accept-ranges": "bytes"}
    try:
        ranges = audio_ranges(rid, principal, request.app.state.services.vault, audio_format, wanted, head=head)
    except RangeNotSatisfiableError as exc:  # audited as refused: no byte exported
        return Response(status_code=416, headers={**headers, "content-range": f"bytes */{exc.size_bytes}"})
    if ranges is None:
        return None
    headers["content-disposition"] = f'attachment; filename="{rid}.{audio_format}"'
    return range_response(ranges, AUDIO_TYPES[audio_format], headers, head)


def range_response(ranges: AudioRanges, media_type: str, headers: dict[str, str], head: bool = False) -> Response:
    """The ``206`` of ``ranges`` (its resolved range, streamed as ``AudioRanges.chunks`` gives
    it), or with ``head`` a HEAD's ``200``: the whole file's length, no body. ``headers``: the
    caller's own (ETag, caching, disposition); the range's are added. The API's audio and the
    review page's player both answer with it."""
    size, first, last = ranges.size_bytes, ranges.first, ranges.last
    if head:
        return Response(status_code=200, media_type=media_type, headers={**headers, "content-length": str(size)})
    return StreamingResponse(ranges.chunks(first, last + 1), status_code=206, media_type=media_type,
                             headers={**headers, "content-range": f"bytes {first}-{last}/{size}",
                                      "content-length": str(last - first + 1)})


@endpoint
async def transcript(request: Request):
    """The redacted transcript, whole (small: no ranges; a Range header gets the whole file, as
    audited); a HEAD is checked and audited as headers only, nothing decrypted."""
    key = await authenticate(request)
    if request.method == "HEAD":
        return await blocking(transcript_head, request, key)
    path, etag, workdir, check = await blocking(exported, request, key, "transcript")
    return WholeFileResponse(path, media_type="application/octet-stream",
                               headers={"etag": etag, "cache-control": "private, no-store", "accept-ranges": "none"},
                               filename=f"{request.path_params['recording_id']}.transcript", workdir=workdir,
                               still_admitted=check)


@endpoint
async def redact(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    rid = request.path_params["recording_id"]
    region_vault, entry = await blocking(account_recording, request, key, rid)
    if entry.deleted:  # as every route of a deleted recording answers
        raise ApiError(410, "deleted", f"recording {rid} was deleted; there is nothing to redact")
    # past its window: 403 as its reads are, audited, no job (session 53: one was queued)
    await blocking(refuse_past_retention, region_vault, entry, "redact", f"api-key:{key.key_id}")
    job = RedactRecording.for_recording(rid, requested_by=requester(key))
    submitted = await blocking(services.submitter.submit, job, key.account_id,
                               retry_failed=True)
    return accepted(request, submitted)


def _reason(request: Request) -> str:
    return text_param(request, "reason", DEFAULT_REASON)


@endpoint
async def delete_recording(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    rid = request.path_params["recording_id"]
    await blocking(account_recording, request, key, rid)
    job = _job(lambda: DeleteRecordings.for_target(recording_id=rid, reason=_reason(request),
                                                   requested_by=requester(key)))
    return accepted(request, await blocking(services.submitter.submit, job, key.account_id, retry_failed=True))


@endpoint
async def delete_ticket(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    ticket = request.path_params["ticket_id"]
    job = _job(lambda: DeleteRecordings.for_target(ticket_id=ticket, account_id=key.account_id,
                                                   reason=_reason(request), requested_by=requester(key)))
    # none of the account's (deleted ones count: a repeated deletion reclaims under their tombstones):
    # 404 now, as for a recording, not a job that fails ("no recordings"); another account's ticket alike
    if not await blocking(ticket_has_recordings, ticket, key.account_id, services.vault):
        raise not_found(f"recordings of ticket {ticket} in this account")
    return accepted(request, await blocking(services.submitter.submit, job, key.account_id))


def _job(make):
    try:
        return make()
    except JobDecodeError as exc:
        field = "reason" if "reason" in str(exc) else "ticket_id"
        message = ("reason: letters, spaces and , . _ ' - only (no digits)" if field == "reason"
                   else "ticket_id: not a valid ticket id")
        raise ApiError(400, "bad_request", message, field) from None


ROUTES = [
    Route("/v1/recordings/{recording_id}", metadata, methods=["GET"], name="recording"),
    Route("/v1/recordings/{recording_id}", delete_recording, methods=["DELETE"]),
    Route("/v1/recordings/{recording_id}/audio", audio, methods=["GET", "HEAD"], name="audio"),
    Route("/v1/recordings/{recording_id}/transcript", transcript, methods=["GET", "HEAD"], name="transcript"),
    Route("/v1/recordings/{recording_id}/redact", redact, methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/recordings", delete_ticket, methods=["DELETE"]),
]
