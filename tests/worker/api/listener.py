"""A real HTTP listener on 127.0.0.1 that records what it receives (webhook deliveries)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Listener:
    """Records each POST (headers, body); answers 500 to the first ``fail_first`` ones."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.attempts = 0
        #: Connections accepted, whatever came over them (a TLS handshake is no POST).
        self.connections = 0
        self.fail_first = fail_first
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    listener.attempts += 1
                    failing = listener.attempts <= listener.fail_first
                    if not failing:
                        listener.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request, client_address):
                with lock:
                    listener.connections += 1
                return True

        lock = threading.Lock()
        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
