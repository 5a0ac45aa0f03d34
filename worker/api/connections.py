"""Connections that never finish a request head: closed (found by the session-46 audit).

uvicorn closes a connection left idle only after a response (its keep-alive timeout): one that
sends nothing, or its request head a byte at a time, it held for ever, so 20,000 such sockets
used up ``callrec serve``'s file descriptors. ``HeadBoundedProtocol`` (uvicorn's h11 protocol)
closes a connection whose request head is not whole ``head_timeout_s`` after it opened or
after its last response ended. A body sent too slowly is ``worker.api.requests.read_body``'s
to end (408).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeadBoundedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on every request head."""

    #: Seconds from a connection's start (or its last response's end) to a whole request head.
    head_timeout_s = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = self.loop.call_later(self.head_timeout_s, self._too_slow)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # a whole head: its request runs (a finished request's cycle stays until the next head)
        if self.cycle is not None and not self.cycle.response_complete and self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # kept alive: the next request's head has the same deadline
            self._head_deadline = self.loop.call_later(self.head_timeout_s, self._too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_head_deadline", None) is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._head_deadline = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


def bounded_protocol(head_timeout_s: float) -> type[HeadBoundedProtocol]:
    """The protocol class with ``head_timeout_s`` (uvicorn takes a class and builds one per connection)."""
    return type("HeadBounded", (HeadBoundedProtocol,), {"head_timeout_s": head_timeout_s})
