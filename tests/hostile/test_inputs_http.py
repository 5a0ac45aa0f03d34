"""Requests that are not HTTP as the API reads it, sent to the server `callrec serve` runs.

Errors are JSON, `{"error": {"code", "message", "field", "request_id"}}`, whatever is wrong
(README, "HTTP API"). Found by the session-50 audit: a request head uvicorn's parser refuses
(a negative or malformed Content-Length, a broken header line) was answered by uvicorn itself,
`400` in text/plain, "Invalid HTTP request received.".
"""

from __future__ import annotations

import json
import socket

import pytest
from starlette.applications import Starlette

from tests.worker.api.test_slow_clients import serving
from worker.api.request_ids import well_formed
from worker.settings import Settings


@pytest.mark.parametrize("head", [b"Content-Length: -5\r\n", b"Content-Length: 1x\r\n", b"Bad Header Line\r\n"])
def test_a_request_head_the_parser_refuses_gets_the_apis_json_400(head):
    with serving(Starlette(routes=[]), Settings(api_host="127.0.0.1")) as settings:
        with socket.create_connection(("127.0.0.1", settings.api_port), timeout=5) as sock:
            sock.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n{}")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status == b"HTTP/1.1 400 Bad Request"
    assert b"content-type: application/json" in headers.lower() and b"connection: close" in headers.lower()
    error = json.loads(body)["error"]
    assert (error["code"], error["message"], error["field"]) == (
        "bad_request", "not a valid HTTP request (its request line or headers)", None)
    assert well_formed(error["request_id"])


@pytest.mark.parametrize("limits, raised, cap, closes", [((256, 256), None, 96, True),
                                                         ((256, 4096), (2064, 4096), 1000, False)])
def test_more_connections_than_the_process_may_open_files_are_not_taken(monkeypatch, limits, raised, cap, closes):
    """Found by the session-50 audit: under a file limit of 256 (systemd's and most shells' is
    1024) the default cap of 1000 connections was never reached: 400 idle sockets used up the
    descriptors, uvicorn logged `socket.accept() out of system resource` in a loop and answered
    nothing, not even /v1/health, until the head timeout closed them. `serve` raises its soft
    limit as far as the hard one lets it (a socket and a file for each connection, 64 spare), and
    takes fewer connections when that is not enough, closing one past them as it opens."""
    import resource

    from worker.cli.serve import server_config

    calls = []
    monkeypatch.setattr(resource, "getrlimit", lambda which: limits)

    def setrlimit(which, values):
        calls.append(values)
        if values[0] > limits[1]:
            raise ValueError("not allowed")
    monkeypatch.setattr(resource, "setrlimit", setrlimit)
    config = server_config(Starlette(routes=[]), Settings(api_max_connections=1000))
    assert (config.http.max_connections, config.http.close_past_cap) == (cap, closes)
    assert calls[-1:] == ([raised] if raised else [])


@pytest.mark.parametrize("idle, closes", [("silent", False), ("kept alive", False), ("silent", True)],
                         ids=["opened", "kept-alive", "cap-by-file-limit"])
def test_idle_connections_at_the_cap_give_way_to_a_request(monkeypatch, idle, closes):
    """Session 51: connections that ran no request (opened and silent, or kept alive after a
    response) filled the cap and every other client was answered 503 (or, with the cap the file
    limit sets, its connection closed as it opened) until the head timeout closed them (10 s by
    default): anyone could lock the API's clients out with a few idle sockets. Past the cap the
    connection idle the longest is dropped for the new one; the others stay."""
    import time

    import httpx
    from starlette.routing import Route

    from tests.worker.api.test_slow_clients import answer_of, closed_within, echo
    from worker.api import connections

    monkeypatch.setattr(connections, "connection_cap", lambda requested: (requested, closes))
    settings = Settings(api_host="127.0.0.1", api_max_connections=3, api_head_timeout_s=30)
    with serving(Starlette(routes=[Route("/echo", echo, methods=["POST"])]), settings) as settings:
        held = []
        try:
            for _ in range(3):
                sock = socket.create_connection(("127.0.0.1", settings.api_port), timeout=5)
                held.append(sock)
                if idle == "kept alive":
                    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
                    assert answer_of(sock).endswith(b'{"bytes":1}')
                time.sleep(0.1)  # idle in this order
            started = time.monotonic()
            served = httpx.post(f"http://127.0.0.1:{settings.api_port}/echo", content=b"xy", timeout=10)
            assert (served.status_code, served.json()) == (200, {"bytes": 2})
            # Served before the head timeout could have closed an idle one: the cap gave way.
            assert time.monotonic() - started < settings.api_head_timeout_s / 2
            assert closed_within(held[0], 10)  # the longest idle gave way (closed already: no wait)
            assert not closed_within(held[1], 0.3) and not closed_within(held[2], 0.01)
        finally:
            for sock in held:
                sock.close()
