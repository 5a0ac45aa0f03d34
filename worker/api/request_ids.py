"""``X-Request-Id`` on every answer: the client's own when it is well formed, else a new one.

Well formed: 1 to 128 of ``A-Z a-z 0-9 . _ -``, no card number in it (``may_hold_card_number``:
the id reaches the logs and the audit trail) and nothing the log scrubber would hide (a line
holding ``####`` for it would tie to nothing). A new id is 32 random letters (``a``-``p``: 128
bits, hex with its digits written as letters), so no id the service makes holds a digit: a
check for card digits in an answer, a log line or a queue message never trips on one (a hex id
held "1111" about once in 2,000 answers, and the leak tests then failed at random). ``RequestIds`` (ASGI middleware, outermost) sets it as the request's id
(``callrec.request_ids``) and adds the header; a JSON error names it too (``request_id``).
It also logs one ``api_request`` line a request (INFO): method, route template (never the path
sent: ``worker.api.handlers.route_of``), status and time, so every request has a log line its id
finds.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callrec.request_ids import FORM, REQUEST_ID
from vault.regions import may_hold_card_number
from worker.api.handlers import route_of
from worker.errors import scrub_digits
from worker.queue import logs

log = logging.getLogger("callrec.api")

#: Methods an ``api_request`` line names as sent (any other is ``other``: a method is the caller's text).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def well_formed(request_id: str) -> bool:
    return bool(FORM.fullmatch(request_id)) and not may_hold_card_number(request_id) \
        and scrub_digits(request_id) == request_id


#: Hex digits written as letters: a new id holds no digit.
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def new_request_id() -> str:
    return uuid.uuid4().hex.translate(_LETTERS)


def request_id_of(scope: Scope) -> str:
    """The client's ``X-Request-Id`` when it sent one well formed, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            sent = value.decode("latin-1")
            return sent if well_formed(sent) else new_request_id()
    return new_request_id()


class RequestIds:
    """ASGI middleware: the request's id set for everything it runs, and sent as ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started_s = time.perf_counter()
        status = None

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode("ascii"))]}
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, with_id)
        finally:
            method = scope.get("method", "")
            logs.event(log, "api_request", method=method if method in _METHODS else "other", route=route_of(scope),
                       status=status, duration_ms=round((time.perf_counter() - started_s) * 1000, 3))
            REQUEST_ID.reset(token)
