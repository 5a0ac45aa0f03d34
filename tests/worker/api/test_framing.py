"""A request framed two ways (Content-Length and Transfer-Encoding both) is refused and its
connection closed (RFC 9112 6.3: the server MUST close it). Session 54: it was served by its
chunks and the connection kept alive, so a proxy in front framing it by its Content-Length
would have sent the rest of the chunks as the next request on that connection (smuggling)."""

from __future__ import annotations

import json
import socket

import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from tests.worker.api.test_slow_clients import answer_of, closed_within, echo, serving
from worker.settings import Settings


@pytest.fixture
def server():
    settings = Settings(api_host="127.0.0.1", api_head_timeout_s=5, api_body_timeout_s=5)
    with serving(Starlette(routes=[Route("/echo", echo, methods=["POST"])]), settings) as settings:
        yield settings


@pytest.mark.parametrize("transfer_encoding", ["chunked", "Chunked"])  # (any other is h11's 400 already)
def test_a_request_with_a_content_length_and_a_transfer_encoding_is_refused_and_its_connection_closed(
        server, transfer_encoding: str) -> None:
    smuggled = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                     b"Transfer-Encoding: " + transfer_encoding.encode() + b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + smuggled)
        answer = answer_of(sock)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ") and b"connection: close" in head.lower()
        error = json.loads(body)["error"]
        assert (error["code"], error["field"]) == ("bad_request", "Transfer-Encoding")
        assert error["message"] == ("a request with both Content-Length and Transfer-Encoding "
                                    "(which of them frames its body would be a guess)")
        assert closed_within(sock, 3.0)  # the smuggled request is never read


def test_a_chunked_request_without_a_content_length_is_served(server) -> None:
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        assert answer_of(sock).endswith(b'{"bytes":3}')
