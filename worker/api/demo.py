"""What ``callrec demo`` adds of the HTTP face: ``callrec serve`` on the demo's state, and a
review link for one sample recording (for an agent with its ticket)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from callrec.errors import quoted
from worker.errors import ServiceError

#: Longest wait for the service to answer.
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(data_dir: Path, log_path: Path, port: int) -> tuple[subprocess.Popen, str]:
    """``callrec serve`` on 127.0.0.1:``port`` over ``data_dir``; returns it and its URL once it answers."""
    env = {**os.environ, "CALLREC_DATA_DIR": str(data_dir), "CALLREC_STORE": "local", "CALLREC_KEYS": "local",
           "CALLREC_METRICS_PORT": "0", "CALLREC_API_PUBLIC_URL": ""}
    env.pop("REDIS_URL", None)
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "worker", "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_service(process)
            raise ServiceError(f"callrec serve did not start (see {quoted(log_path)})")
        time.sleep(0.2)


def review_link(client, vault, base_url: str, recording_id: str) -> str:
    """A review link for an agent with the recording's ticket; checked to render."""
    from vault.access import Principal
    from worker.api.review_links import ReviewLinks

    entry = vault.get(recording_id)
    principal = Principal("agent", "demo", entry.account_id, frozenset({entry.ticket_id}))
    token, _ = ReviewLinks(client).issue(recording_id, principal, 24 * 3600)
    url = f"{base_url}/review/{token}"
    page = httpx.get(url, timeout=60)
    if page.status_code != 200:
        raise ServiceError(f"the review page answered {page.status_code}")
    return url


def stop_service(process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """SIGTERM ``process`` (the service, or a worker master), then SIGKILL after ``timeout_s``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
