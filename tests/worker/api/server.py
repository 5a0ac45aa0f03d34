"""The real API server on 127.0.0.1 (uvicorn in a thread of the test process)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn


@contextlib.contextmanager
def unused_port() -> Iterator[int]:
    """A port of 127.0.0.1 nobody answers on: bound by this block's socket, which never listens, so
    a connection to it is refused and no other process can take it meanwhile (a port found free,
    then let go, can be: session 58)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def bound_port(server: uvicorn.Server) -> int:
    """The port the started ``server`` listens on (it was given port 0: the kernel chose one)."""
    return server.servers[0].sockets[0].getsockname()[1]


def started(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Wait until ``server`` (run by ``thread``) listens; AssertionError when it stopped first."""
    while not server.started:
        if not thread.is_alive():
            raise AssertionError("the API server did not start")
        time.sleep(0.01)


class ThreadedServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread until :meth:`stop`, on a port the
    kernel chooses as it binds (:attr:`port`, once started): a port found free first could be
    taken by another process before the server bound it."""

    def __init__(self, app) -> None:
        self.port = 0
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedServer:
        self.thread.start()
        started(self.server, self.thread)
        self.port = bound_port(self.server)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
