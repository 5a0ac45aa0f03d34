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

from tests.worker.api.test_slow_clients import answer_of, serving
from worker.api.auth import client_address
from worker.settings import Settings


async def peer(request):
    return JSONResponse({"client": client_address(request.scope), "scheme": request.url.scheme})


@pytest.fixture
def server():
    with serving(Starlette(routes=[Route("/peer", peer)]), Settings(api_host="127.0.0.1")) as settings:
        yield settings


def test_forwarded_headers_name_neither_the_client_nor_the_scheme(server) -> None:
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"GET /peer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.8.7\r\nX-Forwarded-Proto: https\r\n\r\n")
        assert answer_of(sock).endswith(b'{"client":"127.0.0.1","scheme":"http"}')


@pytest.mark.parametrize(("trusted", "client", "scheme"), [
    ("127.0.0.1", "10.9.8.7", "https"),  # the proxy is trusted: the client it names, the scheme it was asked by
    ("10.0.0.0/8, ::1", "127.0.0.1", "http"),  # this peer is no trusted proxy: its headers are not read
])
def test_trusted_proxies_name_the_client_and_the_scheme(trusted, client, scheme) -> None:
    """CALLREC_API_TRUSTED_PROXIES (off by default): behind a proxy every client had the proxy's
    address, so every client shared one per-client rate; the proxies listed name it (uvicorn's
    ProxyHeadersMiddleware: the rightmost address of X-Forwarded-For that is not a listed proxy)."""
    settings = Settings(api_host="127.0.0.1", api_trusted_proxies=trusted)
    with serving(Starlette(routes=[Route("/peer", peer)]), settings) as settings, \
            socket.create_connection((settings.api_host, settings.api_port)) as sock:
        sock.sendall(b"GET /peer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 192.0.2.1, 10.9.8.7\r\n"
                     b"X-Forwarded-Proto: https\r\n\r\n")
        assert answer_of(sock).endswith(b'{"client":"%s","scheme":"%s"}' % (client.encode(), scheme.encode()))
