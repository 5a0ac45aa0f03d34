"""Connections: those that never finish a request head are closed (found by the session-46
audit), and past the cap a request is answered with the API's JSON 503.

uvicorn closes a connection left idle only after a response (its keep-alive timeout): one that
sends nothing, or its request head a byte at a time, it held for ever, so 20,000 such sockets
used up ``callrec serve``'s file descriptors. ``HeadBoundedProtocol`` (uvicorn's h11 protocol)
closes a connection whose request head is not whole ``head_timeout_s`` after it opened or
after its last response ended. A body sent too slowly is ``worker.api.requests.read_body``'s
to end (408).

Past ``max_connections`` (``CALLREC_API_MAX_CONNECTIONS``) connections or requests at once,
uvicorn's own cap (``limit_concurrency``) answered ``503`` as text/plain, unlike every other
error, from an app of its own the server cannot be given. So ``serve`` leaves that off and
``HeadBoundedProtocol`` makes the same check where uvicorn makes it (when a request head is
whole, uvicorn reads the protocol's ``app``): past the cap the request runs ``over_capacity``,
the API's JSON ``503`` with ``Retry-After`` and the request's id; its connection closes.

Connections running no request (opened and silent, a head not whole yet, kept alive after a
response) give way first: past the cap, the one idle the longest is closed for the new one, so a
few idle sockets no longer lock every other client out until their head timeout (session 51).
The 503 is for a cap full of requests running.
"""

from __future__ import annotations

import asyncio
import json
import logging

import h11

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from worker.api.errors import ApiError, error_body, error_response
from worker.api.request_ids import RequestIds, new_request_id
from worker.queue import logs

log = logging.getLogger("callrec.api")
#: What a request head h11 cannot parse is told.
BAD_HEAD = "not a valid HTTP request (its request line or headers)"
#: Seconds an answer past the connection cap asks the client to wait.
OVER_CAPACITY_RETRY_S = 1


async def _over_capacity(scope: Scope, receive: Receive, send: Send) -> None:
    logs.event(log, "api_over_capacity", logging.WARNING)
    await error_response(ApiError(
        503, "unavailable", "the server holds as many connections as it takes (CALLREC_API_MAX_CONNECTIONS); "
        "try again shortly", headers={"Retry-After": str(OVER_CAPACITY_RETRY_S), "Connection": "close"},
    ))(scope, receive, send)


#: The app of a request past the connection cap: no route, no Redis, the request's id as any answer's.
over_capacity = RequestIds(_over_capacity)


async def _framed_twice(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(ApiError(
        400, "bad_request", "a request with both Content-Length and Transfer-Encoding (which of them frames its body "
        "would be a guess)", "Transfer-Encoding", headers={"Connection": "close"},
    ))(scope, receive, send)


#: The app of a request framed both by Content-Length and Transfer-Encoding (RFC 9112 6.3: the server
#: MUST close its connection; h11 served it by its chunks and kept the connection, session 54).
framed_twice = RequestIds(_framed_twice)


class HeadBoundedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on every request head."""

    #: Seconds from a connection's start (or its last response's end) to a whole request head.
    head_timeout_s = 10.0
    #: Connections or requests at once the server takes; a request past them is answered
    #: ``over_capacity`` (uvicorn's ``limit_concurrency`` refused the cap's own); None: no cap.
    max_connections: int | None = None
    #: Close a connection past ``max_connections`` as soon as it opens (the cap is what the
    #: process's file limit allows: an idle socket past it would hold a descriptor until its
    #: head timeout, and enough of them left accept() failing for everyone).
    close_past_cap: bool = False
    #: The server's connections running no request, the one idle the longest first (an ordered set:
    #: ``bounded_protocol`` gives each server its own), and those closed for a new one, not yet gone.
    idle: dict[HeadBoundedProtocol, None] = {}
    dropped: set[HeadBoundedProtocol] = set()

    @property
    def app(self) -> ASGIApp:
        """The app of the request whose head is whole (uvicorn reads it then, its ``headers`` set): past the
        cap, ``over_capacity``; framed both by its length and by chunks, ``framed_twice``."""
        names = {name for name, _ in getattr(self, "headers", ())}
        if b"content-length" in names and b"transfer-encoding" in names:
            return framed_twice
        cap = self.max_connections
        # this connection is among ``connections``; the request is not yet among ``tasks``
        if cap is not None and (self._over_cap() and not self._drop_idle() or len(self.tasks) >= cap):
            return over_capacity
        return self._app

    @app.setter
    def app(self, app: ASGIApp) -> None:  # uvicorn sets its loaded app
        self._app = app

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = self.loop.call_later(self.head_timeout_s, self._too_slow)
        self.idle[self] = None
        if self.max_connections is not None and self._over_cap() and not self._drop_idle() and self.close_past_cap:
            transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # a whole head: its request runs (a finished request's cycle stays until the next head)
        if self.cycle is not None and not self.cycle.response_complete and self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
            self.idle.pop(self, None)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # kept alive: the next request's head has the same deadline
            self._head_deadline = self.loop.call_later(self.head_timeout_s, self._too_slow)
            self.idle[self] = None  # (last among the idle)

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_head_deadline", None) is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
        self.idle.pop(self, None)
        self.dropped.discard(self)
        super().connection_lost(exc)

    def _over_cap(self) -> bool:
        """Whether the server holds more connections than its cap (those closed for others not counted)."""
        return len(self.connections) - len(self.dropped) > self.max_connections

    def _drop_idle(self) -> bool:
        """Close the connection idle the longest (not this one) for this one; False when none is idle."""
        victim = next((other for other in self.idle if other is not self), None)
        if victim is None:
            return False
        del self.idle[victim]
        self.dropped.add(victim)
        victim.transport.close()
        return True

    def send_400_response(self, msg: str) -> None:
        """A request head h11 cannot parse (a negative Content-Length, a broken header line):
        the API's JSON 400 with a request id, not uvicorn's text/plain one (session-50 audit)."""
        request_id = new_request_id()
        body = json.dumps(error_body(ApiError(400, "bad_request", BAD_HEAD), request_id)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"x-request-id", request_id.encode()), (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                      h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _too_slow(self) -> None:
        self._head_deadline = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


#: File descriptors kept apart from connections: the listening socket, Redis, logs, the vault's.
SPARE_FDS = 64
#: Descriptors one connection may hold: its socket and a file it streams (an export).
FDS_PER_CONNECTION = 2


def connection_cap(requested: int) -> tuple[int, bool]:
    """``requested`` connections at once, or as many as the process may open files for (its soft
    limit, RLIMIT_NOFILE, raised as far as the hard one lets it first), and whether that limit
    set the cap (then a connection past it is closed as it opens: ``close_past_cap``). Past the
    limit, accept() failed in a loop and nothing was answered, not even /v1/health (session-50
    audit: 400 idle sockets under a limit of 256, the cap 1000)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = requested * FDS_PER_CONNECTION + SPARE_FDS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            if target > soft:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return requested, False
    capped = max(1, (soft - SPARE_FDS) // FDS_PER_CONNECTION)
    logs.event(log, "api_connections_capped", logging.WARNING, requested=requested, cap=capped, open_files=soft,
               setting="CALLREC_API_MAX_CONNECTIONS")
    return capped, True


def bounded_protocol(head_timeout_s: float, max_connections: int | None = None,
                     close_past_cap: bool = False) -> type[HeadBoundedProtocol]:
    """The protocol class with ``head_timeout_s``, ``max_connections`` and ``close_past_cap``
    (uvicorn takes a class and builds one per connection)."""
    return type("HeadBounded", (HeadBoundedProtocol,), {"head_timeout_s": head_timeout_s,
                                                       "max_connections": max_connections,
                                                       "close_past_cap": close_past_cap,
                                                       "idle": {}, "dropped": set()})
