"""The API under test: the real server on 127.0.0.1, a real ``callrec worker`` process, the
embedded Redis of the queue tests, and a real HTTP client (httpx)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from tests.worker.api.server import ThreadedServer
from tests.worker.api.tls import HttpsServer, make_certificate
from tests.worker.workers import WorkerProcess

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


#: The Twilio account the tests' callbacks come from, and its auth token.
TWILIO_SID, TWILIO_TOKEN = "AC" + "5e" * 16, "7d" * 16


class MediaHandler(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (status, headers, body)``; records every request."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        status, headers, body = self.server.routes.get(self.path, (404, {}, b""))
        if callable(body):
            body = body(self)
            if body is None:  # the route wrote its own response (bytes dripped, a cut)
                return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value.replace("{port}", str(self.server.server_address[1])))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """An https server on 127.0.0.1 (self-signed for 127.0.0.1 and localhost): Twilio's media."""
    cert, key = make_certificate(tmp_path_factory.mktemp("tls"))
    server = HttpsServer(MediaHandler, cert, key)
    server.server.routes, server.server.requests = {}, []
    server.cert = cert
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def moto_s3(moto_url):
    """An S3 client of moto on 127.0.0.1, with the bucket of acme's Amazon Connect recordings."""
    from tests.aws import aws_client

    client = aws_client("s3", moto_url, "us")
    client.create_bucket(Bucket="connect-acme")
    return client


@pytest.fixture(scope="session")
def api_env(media, moto_url, tmp_path_factory) -> dict[str, str]:
    """Settings the server and the worker process share (beyond the queue tests' ones). The
    inbox is not under the data dir: nothing there is ever destroyed."""
    inbox = tmp_path_factory.mktemp("api-inbox")
    roots = f"{inbox},s3://calls-in/,s3://connect-acme/,https://127.0.0.1:{media.port}/"
    return {"CALLREC_SOURCE_ROOTS": roots, "CALLREC_INBOX": f"{inbox},s3://connect-acme/",
            "CALLREC_API_INBOX": str(inbox), "CALLREC_API_S3_BUCKETS": "calls-in,acme=connect-acme",
            "CALLREC_FETCH_HOSTS": f"127.0.0.1:{media.port}", "CALLREC_FETCH_CA_FILE": str(media.cert),
            "CALLREC_TWILIO_AUTH_TOKENS": f"{TWILIO_SID}:{TWILIO_TOKEN}", "AWS_ENDPOINT_URL": moto_url,
            "CALLREC_TWILIO_HOSTS": f"127.0.0.1:{media.port}",  # the media server stands in for api.twilio.com
            # webhook listeners (tests.worker.api.listener) are http:// on 127.0.0.1: the operator's opt-in
            "CALLREC_WEBHOOK_PRIVATE_HOSTS": "127.0.0.1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def api_settings(api_env, redis_url):
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS

    return replace(SETTINGS, source_roots=api_env["CALLREC_SOURCE_ROOTS"], inbox=api_env["CALLREC_INBOX"],
                   api_inbox=api_env["CALLREC_API_INBOX"], api_s3_buckets=api_env["CALLREC_API_S3_BUCKETS"],
                   fetch_hosts=api_env["CALLREC_FETCH_HOSTS"], fetch_ca_file=api_env["CALLREC_FETCH_CA_FILE"],
                   twilio_auth_tokens=api_env["CALLREC_TWILIO_AUTH_TOKENS"], twilio_hosts=api_env["CALLREC_TWILIO_HOSTS"],
                   webhook_private_hosts=api_env["CALLREC_WEBHOOK_PRIVATE_HOSTS"],
                   api_rate_per_s=1000,
                   api_rate_per_client_s=1000,
                   api_max_body_bytes=64 * 1024)


@pytest.fixture(scope="session")
def api_server(api_settings):
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.vaults import build_vault
    from tests.worker.conftest import queue_broker

    broker = queue_broker()
    server = ThreadedServer(create_app(build_services(api_settings, broker, build_vault(api_settings)))).start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def worker_process(api_env, api_server, tmp_path_factory):
    """A real ``callrec worker`` process, stopped after this package's tests: left running it
    would take other tests' jobs."""
    log = tmp_path_factory.mktemp("api-worker") / "worker.log"
    process = WorkerProcess(log, env=api_env)
    yield process
    process.stop()


@pytest.fixture
def api(api_server, redis_client, only_worker_processes):
    """An httpx client of the server (Redis emptied first: no keys, jobs or limits left)."""
    with httpx.Client(base_url=api_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def keys(redis_client):
    from worker.api.keys import KeyStore

    return KeyStore(redis_client)


@pytest.fixture
def acme(keys) -> dict[str, str]:
    """Authorization headers of an API key of account ``acme``."""
    return {"Authorization": f"Bearer {keys.create('acme')[1]}"}


@pytest.fixture
def inbox(api_settings) -> Path:
    """``acme``'s inbox (each sample call gets its own directory in it)."""
    path = Path(api_settings.api_inbox) / "acme"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sample_manifest(inbox: Path, name: str = "01-plain-inbound", call_id: str | None = None) -> dict:
    """A sample call's manifest with its legs copied into a fresh ``inbox/<call_id>/<dir>/`` (relative
    file: URIs; a call's files in the inbox lie in its folder): the pipeline destroys a call's
    sources, so no two calls share files."""
    data = json.loads((SAMPLES / name / "manifest.json").read_text())
    directory = f"{call_id or data['call_id']}/{name}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(SAMPLES / name, inbox / directory)
    for segment in data["segments"]:
        segment["uri"] = f"file:{directory}/{segment['uri'].removeprefix('file:')}"
    if "transcript" in data:
        data["transcript"]["uri"] = f"file:{directory}/{data['transcript']['uri'].removeprefix('file:')}"
    if call_id is not None:
        data["call_id"] = call_id
    return data


@pytest.fixture
def profile_reads(monkeypatch) -> list[str]:
    """The Redis keys of account profiles read (GET) in this process from now on: the server runs here."""
    import redis

    reads: list[str] = []
    get = redis.Redis.get

    def counted(self, name):
        key = name.decode() if isinstance(name, bytes) else str(name)
        if ":profile:" in key:
            reads.append(key)
        return get(self, name)

    monkeypatch.setattr(redis.Redis, "get", counted)
    return reads


def error_of(response) -> dict:  # noqa: ANN001 (an httpx.Response)
    """A JSON error's ``{"code", "message", "field"}``, once its ``request_id`` is checked to
    be the answer's ``X-Request-Id``."""
    error = dict(response.json()["error"])
    assert error.pop("request_id") == response.headers["x-request-id"], response.text
    return error


@contextlib.contextmanager
def api_log(level: int = logging.INFO):
    """The lines the API logs (logger ``callrec.api``) at ``level`` and above, as the service
    writes them (JSON lines), in the stream it yields."""
    from worker.queue.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("callrec.api")
    was = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(was)
