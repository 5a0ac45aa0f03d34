"""Reading a request body within the size limit, and decoding JSON bodies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request

from callrec.jsonfields import holds_lone_surrogate
from worker.api.errors import ApiError
from worker.errors import ManifestError
from worker.calls.manifest import unique_fields

#: Content codings named back in a 415 (RFC 9110's registry); any other value is not echoed.
_KNOWN_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate", "compress", "x-compress", "br", "zstd", "aes128gcm"})
#: Seconds a body may take when the app sets none (``worker.cli.serve.server_config`` sets it).
DEFAULT_BODY_TIMEOUT_S = 30.0


async def read_body(request: Request, limit_bytes: int) -> bytes:
    """The whole body, or 415 when it is sent compressed (``Content-Encoding``: RFC 7694; session 53,
    it was read as a plain body), 413 as soon as it passes ``limit_bytes`` (declared or sent), or 408
    when it is not whole within the app's ``body_timeout_s`` (``serve`` sets it from
    ``CALLREC_API_BODY_TIMEOUT_S``): a client sending it a byte at a time held a connection and
    up to the limit in memory for as long as it liked."""
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):  # (read as a plain body: a "not UTF-8" 400, or a lie taken)
        named = encoding if encoding in _KNOWN_ENCODINGS else "another encoding"
        raise ApiError(415, "unsupported_media_type", f"Content-Encoding: send the body uncompressed (identity), "
                       f"not {named}", "Content-Encoding")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "bad_request", "Content-Length is not a number")
        if int(declared) > limit_bytes:
            raise _too_large(limit_bytes)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(getattr(request.app.state, "body_timeout_s", DEFAULT_BODY_TIMEOUT_S)):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit_bytes:
                    raise _too_large(limit_bytes)
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, "request_timeout", "the request body was not sent in time",
                       headers={"Connection": "close"}) from None
    return b"".join(chunks)


async def read_json(request: Request, limit_bytes: int, what: str = "request body") -> Any:
    """The body decoded as JSON; 415 when it is not sent as JSON, 400 when it is not JSON."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported_media_type", f"{what}: send it as application/json")
    return decode_json(await read_body(request, limit_bytes), what)


def decode_json(body: bytes, what: str) -> Any:
    try:
        text = body.decode("utf-8")
        document = json.loads(text, object_pairs_hook=unique_fields)
    except ManifestError as exc:  # a field given twice: refused as the CLI refuses it
        raise ApiError(400, "bad_request", f"{what}: {exc}") from None
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", f"{what}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "bad_request",
                       f"{what}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError):
        raise ApiError(400, "bad_request",
                       f"{what}: not usable JSON (a number too long or nesting too deep)") from None
    if holds_lone_surrogate(text, document):  # no UTF-8 text holds one: Redis's write of it was a 500
        raise ApiError(400, "bad_request", f"{what}: holds an escaped half of a surrogate pair (\\ud800...), "
                       "which is no text")
    return document


def _too_large(limit_bytes: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"request body is larger than {limit_bytes} bytes "
                    "(CALLREC_API_MAX_BODY_BYTES)")
