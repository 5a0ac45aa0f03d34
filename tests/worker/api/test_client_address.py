"""The client address the per-client rate limit counts is the peer's, whatever headers it sends.
Session 54: uvicorn trusts X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1 by default, so a
client on the machine (or every client behind a local TCP proxy or tunnel) named any address it
liked and sent 40 requests with a wrong key in a second without one 429 (the limit 20)."""

from __future__ import annotations

import socket

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.worker.api.server import free_port
from tests.worker.api.test_slow_clients import answer_of, serving
from worker.api.auth import client_address
from worker.settings import Settings


async def peer(request):
    return JSONResponse({"client": client_address(request.scope), "scheme": request.url.scheme})


@pytest.fixture
def server():
    settings = Settings(api_host="127.0.0.1", api_port=free_port())
    with serving(Starlette(routes=[Route("/peer", peer)]), settings):
        yield settings


def test_forwarded_headers_name_neither_the_client_nor_the_scheme(server) -> None:
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"GET /peer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.8.7\r\nX-Forwarded-Proto: https\r\n\r\n")
        assert answer_of(sock).endswith(b'{"client":"127.0.0.1","scheme":"http"}')
