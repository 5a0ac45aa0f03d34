"""A full temp disk (issue 10, defect 6) is a transient failure, not bad input: it is retried
by the queue, exits 1 on the command line and says it is about disk space ("not an audio
file", exit 2 and no retry, is what it used to be)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

import audio.decode
from audio.decode import DecodeLimits, open_source
from audio.errors import AudioResourceError
from worker.cli import main
from worker.errors import ResourceError, is_permanent, is_retryable
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.boot import build_backends

from tests.worker.stored_calls import write_call


@pytest.fixture
def m4a(tmp_path) -> Path:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    path = tmp_path / "call" / "CA1-a.m4a"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=500:sample_rate=8000", "-t", "2", "-c:a", "aac", str(path)], check=True)
    return path


@pytest.fixture
def full_temp_disk(tmp_path, monkeypatch):
    """Every transcode's output is /dev/full: writes fail with ENOSPC, as on a full disk."""
    real_mkdtemp = tempfile.mkdtemp

    def full_mkdtemp(*args, **kwargs):
        path = Path(real_mkdtemp(*args, **kwargs))
        if kwargs.get("prefix") == "callrec-decode-":
            (path / "decoded.wav").symlink_to("/dev/full")
        return str(path)

    monkeypatch.setattr(audio.decode.tempfile, "mkdtemp", full_mkdtemp)


def test_a_transcode_on_a_full_disk_is_transient(m4a, tmp_path, full_temp_disk):
    with pytest.raises(AudioResourceError, match=r"CA1-a\.m4a: out of disk space while decoding") as caught:
        open_source(m4a, DecodeLimits(max_duration_s=60), temp_parent=tmp_path)
    assert not is_permanent(caught.value) and is_retryable(caught.value)
    assert not list(tmp_path.glob("callrec-decode-*"))


def test_assemble_on_a_full_disk_exits_1_with_a_distinct_message(m4a, tmp_path, full_temp_disk, capsys):
    manifest = write_call(tmp_path / "call")
    data = json.loads(manifest.read_text())
    data["segments"][0]["uri"] = "file:CA1-a.m4a"
    manifest.write_text(json.dumps(data))
    code = main(["assemble", str(manifest), "-o", str(tmp_path / "out.wav")])
    err = capsys.readouterr().err
    assert code == 1 and "out of disk space" in err and "not an audio file" not in err
    assert not (tmp_path / "out.wav").exists()


def test_a_full_disk_in_the_pipeline_is_retried_not_failed(tmp_path, monkeypatch):
    """ENOSPC raised by our own writes in the work dir (here the redacted transcript copy)."""
    real_write_text = Path.write_text

    def full(self, *args, **kwargs):
        if self.name == "transcript.redacted":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    manifest = write_call(tmp_path / "call", transcript="1.00 1.10 hello\n")
    with pytest.raises(ResourceError, match=r"out of disk space in the worker's temp space \(ENOSPC\)") as caught:
        process_call(manifest, build_backends(Settings(data_dir=tmp_path / "state")))
    assert is_retryable(caught.value) and not is_permanent(caught.value)
