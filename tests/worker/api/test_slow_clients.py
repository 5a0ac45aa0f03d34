"""Clients that hold connections without finishing a request (found by the session-46 audit:
20,000 idle sockets took ``callrec serve`` down, its file descriptors used up; 400 held
bodies added 416 MB). The server ``serve`` runs (``worker.cli.serve.server_config``) closes a
connection whose request head is not whole within ``CALLREC_API_HEAD_TIMEOUT_S`` and answers
408 to a body not whole within ``CALLREC_API_BODY_TIMEOUT_S``."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import replace
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.worker.api.openapi_contract import contract_problems
from tests.worker.api.server import bound_port, started
from tests.worker.workers import wait_for
from worker.api import openapi
from worker.api.requests import read_body
from worker.api.errors import ApiError
from worker.cli.serve import server_config
from worker.settings import Settings


async def echo(request):
    try:
        body = await read_body(request, 1 << 20)
    except ApiError as exc:
        return JSONResponse({"error": exc.code}, status_code=exc.status)
    return JSONResponse({"bytes": len(body)})


@contextlib.contextmanager
def serving(app, settings: Settings):
    """``app`` served as ``callrec serve`` serves (``server_config``) in a thread, until the block
    ends, on a port the kernel chooses as it binds: yields ``settings`` with that ``api_port``."""
    config = server_config(app, settings)
    config.port = 0  # not a port found free first: another process could take it meanwhile
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        started(running, thread)
        yield replace(settings, api_port=bound_port(running))
    finally:
        running.should_exit = True
        thread.join(10)


@pytest.fixture
def server():
    settings = Settings(api_host="127.0.0.1", api_head_timeout_s=0.5, api_body_timeout_s=0.5)
    with serving(Starlette(routes=[Route("/echo", echo, methods=["POST"])]), settings) as served:
        yield served


def closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except socket.timeout:
        return False


def answer_of(sock: socket.socket, seconds: float = 5.0) -> bytes:
    """What the server sends until its JSON body ends (or it closes, or ``seconds`` pass)."""
    sock.settimeout(seconds)
    answer = b""
    while not answer.endswith(b"}"):
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        answer += chunk
    return answer


def cut_off_dripping_a_head(sock: socket.socket) -> bool:
    """Whether the server closes ``sock`` while a request head is sent on it a byte every 0.1 s,
    before the head's 138 bytes are all sent (11 s of head: 22 times the ``server`` fixture's
    0.5 s head timeout, however slow the machine); every read is prompt, so only a deadline on
    the whole head cuts it off."""
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    sent = 0
    try:
        for byte in head:
            sock.sendall(bytes([byte]))
            sent += 1
            time.sleep(0.1)
    except OSError:
        pass  # closed under it
    return sent < len(head) and closed_within(sock, 10.0)


def test_a_connection_that_sends_nothing_is_closed(server):
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        assert closed_within(sock, 3.0)


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(server):
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        assert cut_off_dripping_a_head(sock)


def test_a_body_sent_too_slowly_gets_408(server):
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        answer = answer_of(sock)
    assert answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer


def test_a_prompt_request_is_served(server):
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert answer_of(sock).endswith(b'{"bytes":3}')


def test_a_download_whose_client_stops_reading_ends_and_its_decrypted_copy_goes(tmp_path, monkeypatch):
    """Found by the session-46 audit: a client that asked for a whole recording and stopped
    reading held its decrypted copy on disk for as long as it liked (40 such: 732 MB), and still
    got the audio after the recording was deleted. A send that waits past SEND_TIMEOUT_S ends the
    response, and its work dir goes."""
    from starlette.routing import Route

    from worker.api.routes import recordings
    from worker.workdirs import WorkDir

    monkeypatch.setattr(recordings, "SEND_TIMEOUT_S", 0.5)
    made = []

    async def download(request):
        workdir = WorkDir(tmp_path)
        (workdir.path / "audio.wav").write_bytes(bytes(32 << 20))  # more than the sockets' buffers hold
        made.append(workdir.path)
        return recordings.WholeFileResponse(workdir.path / "audio.wav", workdir=workdir)

    with serving(Starlette(routes=[Route("/audio", download)]), Settings(api_host="127.0.0.1")) as settings:
        with socket.create_connection((settings.api_host, settings.api_port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /audio HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (made and not made[0].exists()):
                time.sleep(0.1)  # never reading
            assert made and not made[0].exists()


def test_a_download_read_steadily_ends_once_its_recording_may_no_longer_be_had(tmp_path, monkeypatch):
    """Found by the session-46 audit: a client reading a whole recording slowly but steadily (never
    stalled for SEND_TIMEOUT_S) finished its download after the recording was deleted. The
    response asks ``still_admitted`` every ACCESS_CHECK_S: once it says no, the response ends
    unfinished and its work dir goes."""
    from starlette.routing import Route

    from worker.api.routes import recordings
    from worker.workdirs import WorkDir

    monkeypatch.setattr(recordings, "ACCESS_CHECK_S", 0.2)
    size = 32 << 20  # more than the sockets' buffers hold
    deleted = threading.Event()
    made, checks = [], []

    def still_admitted() -> bool:
        checks.append(not deleted.is_set())
        return checks[-1]

    async def download(request):
        workdir = WorkDir(tmp_path)
        (workdir.path / "audio.wav").write_bytes(bytes(size))
        made.append(workdir.path)
        return recordings.WholeFileResponse(workdir.path / "audio.wav", workdir=workdir, still_admitted=still_admitted)

    with serving(Starlette(routes=[Route("/audio", download)]), Settings(api_host="127.0.0.1")) as settings:
        with socket.create_connection((settings.api_host, settings.api_port)) as sock:
            sock.sendall(b"GET /audio HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(5)
            received = 0
            while (chunk := sock.recv(65536)) and received < size:
                received += len(chunk)
                if checks:
                    deleted.set()  # the recording deleted once the download was checked and admitted
                time.sleep(0.005)  # steady (about 10 MB/s): never stalled for anything like SEND_TIMEOUT_S
            assert chunk == b"" and received < size  # closed unfinished (what the sockets' buffers held got through)
        assert checks[0] and not checks[-1] and not made[0].exists()  # checked while it might, and until it might not


def test_a_kept_alive_connection_s_next_head_has_the_same_deadline(server):
    """After a response the finished request's cycle stays on the connection: a next head sent a
    byte at a time must not pass for a whole one."""
    with socket.create_connection((server.api_host, server.api_port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        assert answer_of(sock).endswith(b'{"bytes":3}')
        assert cut_off_dripping_a_head(sock)


def test_past_the_connection_cap_the_answer_is_a_json_503_with_retry_after():
    """Past ``CALLREC_API_MAX_CONNECTIONS`` uvicorn answered ``503`` as text/plain ("Service
    Unavailable"), unlike every other error: now the API's JSON error, with Retry-After and
    the request's id, and the connection closes (as uvicorn's did)."""
    settings = Settings(api_host="127.0.0.1", api_max_connections=3, api_head_timeout_s=30,
                        api_body_timeout_s=30)
    running = []

    async def counted_echo(request):
        running.append(True)  # its head is whole: the connection is no longer idle
        return await echo(request)

    with serving(Starlette(routes=[Route("/echo", counted_echo, methods=["POST"])]), settings) as settings:
        url = f"http://127.0.0.1:{settings.api_port}/echo"
        held = [socket.create_connection(("127.0.0.1", settings.api_port)) for _ in range(2)]
        try:  # the cap's own connection is taken: 3 at once (uvicorn's check refused the 3rd)
            time.sleep(0.2)
            assert httpx.post(url, content=b"x").status_code == 200
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.2)  # the server has seen them close
        # three requests running (their bodies awaited): an idle connection would give way (session 51)
        held = [socket.create_connection(("127.0.0.1", settings.api_port)) for _ in range(3)]
        try:
            running.clear()
            for sock in held:
                sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx")
            wait_for(lambda: len(running) == 3, timeout_s=30, what="the server to run the 3 requests")
            over = httpx.get(f"http://127.0.0.1:{settings.api_port}/v1/health", headers={"X-Request-Id": "over-cap-1"})
        finally:
            for sock in held:
                sock.close()
        assert over.status_code == 503
        assert over.headers["content-type"] == "application/json"
        assert (over.headers["retry-after"], over.headers["connection"]) == ("1", "close")
        assert over.headers["x-request-id"] == "over-cap-1"
        assert over.json() == {"error": {"code": "unavailable", "field": None, "request_id": "over-cap-1",
                                         "message": "the server holds as many connections as it takes "
                                                    "(CALLREC_API_MAX_CONNECTIONS); try again shortly"}}
        assert contract_problems(openapi.document(settings), over) == []  # as the OpenAPI document says
        served = None
        for _ in range(50):  # once the server has seen them close
            served = httpx.post(url, content=b"xy")
            if served.status_code == 200:
                break
            time.sleep(0.05)
        assert served.json() == {"bytes": 2}
