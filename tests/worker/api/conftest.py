"""The API under test: the real server on 127.0.0.1, a real ``callrec worker`` process, the
embedded Redis of the queue tests, and a real HTTP client (httpx)."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.worker.api.server import ThreadedServer
from tests.worker.workers import WorkerProcess

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.fixture(scope="session")
def api_env(data_dir) -> dict[str, str]:
    """Settings the server and the worker process share (beyond the queue tests' ones)."""
    inbox = data_dir / "inbox"
    inbox.mkdir(exist_ok=True)
    return {"CALLREC_API_INBOX": str(inbox), "CALLREC_API_S3_BUCKETS": "calls-in"}


@pytest.fixture(scope="session")
def api_settings(api_env, redis_url):
    from worker.broker import SETTINGS

    return replace(SETTINGS, api_inbox=api_env["CALLREC_API_INBOX"], api_s3_buckets="calls-in",
                   api_rate_per_s=1000, api_max_body_bytes=64 * 1024)


@pytest.fixture(scope="session")
def api_server(api_settings):
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.broker import broker

    import worker.actors  # noqa: F401

    server = ThreadedServer(create_app(build_services(api_settings, broker))).start()
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
    """A sample call's manifest with its legs copied into a fresh ``inbox/<dir>/`` (relative
    file: URIs): the pipeline destroys a call's sources, so no two calls share files."""
    directory = f"{name}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(SAMPLES / name, inbox / directory)
    data = json.loads((SAMPLES / name / "manifest.json").read_text())
    for segment in data["segments"]:
        segment["uri"] = f"file:{directory}/{segment['uri'].removeprefix('file:')}"
    if "transcript" in data:
        data["transcript"]["uri"] = f"file:{directory}/{data['transcript']['uri'].removeprefix('file:')}"
    if call_id is not None:
        data["call_id"] = call_id
    return data
