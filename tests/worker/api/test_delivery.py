"""Delivering one event to one endpoint: bounded in bytes read and in wall time, against a
real HTTP server on 127.0.0.1 (the operator lets deliveries go there: private_hosts)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from worker.errors import WebhookDeliveryError, is_permanent

#: What the receivers below are allowed to be reached at (the operator's opt-in).
LOCAL = "127.0.0.1"


class Receiver:
    """An HTTP server on 127.0.0.1 whose POST handler is ``answer(handler, stop)``; it
    counts the bytes of the answer it managed to write before the client went away."""

    def __init__(self, answer) -> None:
        self.sent_bytes = 0
        self.stop = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    answer(self, receiver)
                except OSError:  # the client closed the connection: what a bounded delivery does
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((LOCAL, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def write(self, handler, data: bytes) -> None:
        handler.wfile.write(data)
        handler.wfile.flush()
        self.sent_bytes += len(data)

    @property
    def url(self) -> str:
        return f"http://{LOCAL}:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def _job(redis_client, api_settings, url: str):
    from worker.api.webhooks import WebhookStore
    from worker.queue.jobs import DeliverWebhook
    from worker.vaults import build_vault

    store = WebhookStore(redis_client, build_vault(api_settings), private_hosts=LOCAL)
    hook = store.register("acme", url)
    event = store.put_event("acme", "job.done", {"job_id": "j"}, "evt_" + hook.endpoint_id)
    return store, DeliverWebhook.for_event(hook.endpoint_id, event["id"])


def endless_fast_body(handler, receiver: Receiver) -> None:
    """200, then a chunked body of 1 MiB chunks as fast as the client takes them (for at
    most 20 s or 512 MiB, so that a client reading it all still ends)."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % (1 << 20) + b"x" * (1 << 20) + b"\r\n"
    ends = time.monotonic() + 20
    while not receiver.stop.is_set() and time.monotonic() < ends and receiver.sent_bytes < 512 << 20:
        receiver.write(handler, chunk)


def dripping_headers(handler, receiver: Receiver) -> None:
    """A status line, then a header byte every 0.5 s (for at most 30 s): every single read
    is quick, the answer never complete."""
    receiver.write(handler, b"HTTP/1.1 200 OK\r\n")
    ends = time.monotonic() + 30
    while not receiver.stop.is_set() and time.monotonic() < ends:
        receiver.write(handler, b"X")
        receiver.stop.wait(0.5)


def dripping_body(handler, receiver: Receiver) -> None:
    """200 with whole headers, then a body byte every 0.5 s (for at most 30 s)."""
    receiver.write(handler, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    ends = time.monotonic() + 30
    while not receiver.stop.is_set() and time.monotonic() < ends:
        receiver.write(handler, b"1\r\nx\r\n")
        receiver.stop.wait(0.5)


def test_an_endless_body_is_not_read(redis_client, api_settings):
    """Found by the audit: the whole answer was read into memory (an endless body grew a
    worker to 6.5 GB). The status is all a delivery needs: the body is not read."""
    from worker.api.delivery import TIMEOUT_S, deliver

    with Receiver(endless_fast_body) as receiver:
        store, job = _job(redis_client, api_settings, receiver.url)
        started = time.monotonic()
        done = deliver(job, store, private_hosts=LOCAL)
        took_s = time.monotonic() - started
    assert done.references == {"delivered": "yes", "status": "200"}
    assert took_s < TIMEOUT_S
    assert receiver.sent_bytes < 64 << 20  # socket buffers at most, not the stream


def test_an_answer_dripping_past_the_deadline_is_a_failed_attempt(redis_client, api_settings, monkeypatch):
    """Found by the audit: the timeout bounded each read, not the exchange: headers or a
    body dripping a byte every few seconds held a worker thread until the job's time limit
    (an hour), starving every other job. The whole exchange now has TIMEOUT_S; past it the
    attempt fails and is retried with backoff like any unanswered one."""
    from worker.api import delivery

    monkeypatch.setattr(delivery, "TIMEOUT_S", 2.0)
    with Receiver(dripping_headers) as receiver:
        store, job = _job(redis_client, api_settings, receiver.url)
        started = time.monotonic()
        with pytest.raises(WebhookDeliveryError, match="no answer within 2 s") as caught:
            delivery.deliver(job, store, private_hosts=LOCAL)
        took_s = time.monotonic() - started
    assert 2.0 <= took_s < 15.0  # cut at the deadline, not when the drip ends (30 s); 15: only a hang fails
    assert not is_permanent(caught.value)


def test_a_dripping_body_after_a_2xx_does_not_hold_the_delivery(redis_client, api_settings, monkeypatch):
    from worker.api import delivery

    monkeypatch.setattr(delivery, "TIMEOUT_S", 2.0)
    with Receiver(dripping_body) as receiver:
        store, job = _job(redis_client, api_settings, receiver.url)
        started = time.monotonic()
        done = delivery.deliver(job, store, private_hosts=LOCAL)
        took_s = time.monotonic() - started
    # Answered, not the deadline's error: the delivery ended within TIMEOUT_S (2 s) by the
    # asyncio clock, before the body (30 s of drip); 15 s of wall clock: only a hang fails it.
    assert done.references == {"delivered": "yes", "status": "200"}
    assert took_s < 15.0
