"""Decrypted audio the API serves lives in a work dir (``worker.workdirs``): the server sweeps the
ones a dead process left, when it starts and every ``workdir_sweep_interval_s`` (found by the audit:
a ``serve`` SIGKILLed mid-download left a playable copy in /tmp that no deletion or sweep removed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from starlette.testclient import TestClient

from worker.api.app import create_app
from worker.workdirs import PREFIX


def _left_by_a_killed_process() -> Path:
    """A work dir made, with a file in it, by a process then SIGKILLed."""
    code = ("import sys, time; from worker.workdirs import WorkDir; d = WorkDir(); "
            "(d.path / 'audio.wav').write_bytes(b'RIFF'); print(d.path, flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    path = Path(child.stdout.readline().strip())
    child.kill()
    child.wait()
    assert path.name.startswith(PREFIX) and (path / "audio.wav").exists()
    return path


def test_the_server_sweeps_work_dirs_a_killed_process_left_when_it_starts_and_then_every_interval() -> None:
    stale = _left_by_a_killed_process()
    services = SimpleNamespace(settings=SimpleNamespace(workdir_sweep_interval_s=0.2))
    with TestClient(create_app(services)):
        assert not stale.exists()  # swept as the server started
        later = _left_by_a_killed_process()
        deadline = time.monotonic() + 10
        while later.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not later.exists()  # and by the next periodic sweep


def test_a_served_files_work_dir_is_closed_when_the_client_is_gone_mid_response() -> None:
    """A background task runs only when the response returns: the served file's work dir is closed in
    a ``finally``, so a client gone mid-download under an ASGI 2.4 server (its send raising) leaves
    nothing behind either (fails with the close after the response instead)."""
    import asyncio

    import pytest

    from worker.api.routes.recordings import ClosingFileResponse
    from worker.workdirs import WorkDir

    workdir = WorkDir()
    served = workdir.path / "audio.wav"
    served.write_bytes(b"RIFF" + bytes(300_000))
    response = ClosingFileResponse(served, workdir=workdir)

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client is gone")

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    with pytest.raises(OSError, match="the client is gone"):
        asyncio.run(response({"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}},
                             receive, send))
    assert not workdir.path.exists()
