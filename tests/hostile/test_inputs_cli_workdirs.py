"""One-shot commands and their temp space (found by the session-46 audit): unredacted audio
only in locked work dirs, swept when their process is gone; a SIGTERM runs the clean-ups; a
temp dir that cannot be used is an error, never another dir (the current one least of all)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.hostile.test_inputs_workdirs import ROOT, killed_owner_dir
from tests.worker.queue_calls import write_call
from worker.workdirs import LOCK_NAME, PREFIX

#: Runs ``callrec ARGS`` with ``PATCH`` (python source) applied first: a step that sleeps, so the
#: command is surely mid-work when the test signals it.
SLOWED = """
import sys, time
{patch}
from worker.cli import main
sys.exit(main(sys.argv[1:]))
"""
#: The vault's commit waits (the assembled call is in the work dir by then).
SLOW_PUT = """
import vault.regional as regional
def put(self, *args, **kwargs):
    time.sleep(120)
regional.RegionVault.put = put
"""
#: The masked output is written in the command's work dir (since session 55: beside -o only once
#: verified), then the command waits.
SLOW_MASK = """
import redaction.engine as engine
masked = engine._mask_file
def mask_then_wait(*args, **kwargs):
    masked(*args, **kwargs)
    time.sleep(120)
engine._mask_file = mask_then_wait
"""


def env_for(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp), "CALLREC_DATA_DIR": str(tmp_path / "state"),
            "CALLREC_RECOGNIZER": "none", "CALLREC_METRICS_PORT": "0"}


def work_dirs(temp: Path) -> list[Path]:
    return sorted(p for p in temp.iterdir() if p.name.startswith("callrec-"))


def masked_in_work_dir(temp: Path) -> bool:
    """``redact``'s masked output written in its work dir (not yet verified, nor beside -o)."""
    return any("redacted" in p.name and p.stat().st_size > 0 for d in work_dirs(temp) for p in d.rglob("*"))


def _as_from_a_terminal() -> None:
    """The child's SIGINT and SIGHUP as a shell's foreground command has them: a test run started
    in the background (``nohup``, ``&``) passes them on ignored, and the command rightly keeps
    them so (a clean-clone CI run started that way timed out waiting for it to end)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def terminated_mid_work(tmp_path: Path, patch: str, args: list[str], ready,
                        signum: int = signal.SIGTERM) -> subprocess.CompletedProcess:
    """Start ``callrec args`` slowed by ``patch``, SIGTERM it (or ``signum``) once ``ready()`` holds."""
    env = env_for(tmp_path)
    process = subprocess.Popen([sys.executable, "-c", SLOWED.format(patch=patch), *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 60
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    time.sleep(0.2)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_terminated_process_command_leaves_no_unredacted_audio_behind(tmp_path):
    """SIGTERM (kill's, timeout's, systemd's and docker's default) ended ``callrec process``
    without its clean-ups: its work dir and the assembled call in it stayed in the temp dir."""
    manifest = write_call(tmp_path / "in", "CA-TERM", seconds=5.0)
    temp = tmp_path / "tmp"
    # ready once a work dir holds more than its lock file (the assembled call)
    done = terminated_mid_work(tmp_path, SLOW_PUT, ["process", str(manifest)],
                               lambda: any(len(list(d.iterdir())) > 1 for d in work_dirs(temp)))
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert work_dirs(temp) == []
    assert "Traceback" not in done.stderr


def test_an_interrupted_process_command_ends_with_one_line_and_exit_130(tmp_path):
    """Found by hand (session 53): Ctrl-C (SIGINT) ran the clean-ups, but printed Python's
    traceback of wherever the command was (the recognizer, the vault) and ended by the signal
    (status -2), not a line naming the command and the shell's 128 + 2."""
    manifest = write_call(tmp_path / "in", "CA-INT", seconds=5.0)
    temp = tmp_path / "tmp"
    done = terminated_mid_work(tmp_path, SLOW_PUT, ["process", str(manifest)],
                               lambda: any(len(list(d.iterdir())) > 1 for d in work_dirs(temp)), signal.SIGINT)
    assert (done.returncode, done.stderr) == (128 + signal.SIGINT, "callrec process: interrupted\n")
    assert work_dirs(temp) == []


def test_a_hung_up_redact_leaves_no_half_masked_output_nor_work_dir(tmp_path):
    """Found by hand (session 53): SIGHUP (the terminal or ssh session closed under a running
    command) ended ``callrec redact`` at once, as SIGTERM did before session 46: its staged,
    part-masked output stayed beside ``-o`` and its work dir in the temp dir. It ends as on
    SIGTERM, its clean-ups done, exit 128 + 1."""
    audio = tmp_path / "in.wav"
    soundfile.write(audio, (0.1 * np.sin(np.arange(8000 * 5) / 3)).astype(np.float32), 8000, subtype="PCM_16")
    out = tmp_path / "out"
    out.mkdir()
    done = terminated_mid_work(tmp_path, SLOW_MASK, ["redact", str(audio), "-o", str(out / "r.wav")],
                               lambda: masked_in_work_dir(tmp_path / "tmp"),
                               signal.SIGHUP)
    assert done.returncode == 128 + signal.SIGHUP, done.stderr
    assert list(out.iterdir()) == [] and work_dirs(tmp_path / "tmp") == []


def test_a_terminated_redact_leaves_no_half_masked_output(tmp_path):
    """A SIGTERMed ``callrec redact`` left its staged, part-masked output beside ``-o``."""
    audio = tmp_path / "in.wav"
    soundfile.write(audio, (0.1 * np.sin(np.arange(8000 * 5) / 3)).astype(np.float32), 8000, subtype="PCM_16")
    out = tmp_path / "out"
    out.mkdir()
    done = terminated_mid_work(tmp_path, SLOW_MASK, ["redact", str(audio), "-o", str(out / "r.wav")],
                               lambda: masked_in_work_dir(tmp_path / "tmp"))
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert list(out.iterdir()) == [] and work_dirs(tmp_path / "tmp") == []


@pytest.mark.parametrize("command", ["process", "redact", "assemble"])
def test_commands_that_work_on_audio_sweep_what_dead_processes_left(tmp_path, command):
    """Only ``worker`` and ``serve`` swept: a ``callrec process`` SIGKILLed mid-call left the
    assembled call in the temp dir for whichever worker started next, if one ever did."""
    env = env_for(tmp_path)
    temp = Path(env["TMPDIR"])
    dead = killed_owner_dir(temp)
    manifest = write_call(tmp_path / "in", "CA-SWEEP")
    args = {"process": [str(manifest)], "assemble": [str(manifest), "-o", str(tmp_path / "a.wav")],
            "redact": [str(manifest.with_suffix(".wav")), "-o", str(tmp_path / "r.wav")]}[command]
    done = subprocess.run([sys.executable, "-m", "worker", command, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not dead.exists() and work_dirs(temp) == []


def test_a_temp_dir_that_cannot_be_used_is_an_error_not_another_dir(tmp_path, monkeypatch):
    """tempfile falls back from an unusable TMPDIR to /tmp, /var/tmp and at last the current
    dir: a full or read-only TMPDIR sent the unredacted call to the working directory."""
    from worker import workdirs
    from worker.errors import ResourceError

    not_a_dir = tmp_path / "file"
    not_a_dir.write_bytes(b"")
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("TMPDIR", str(not_a_dir))
    with pytest.raises(ResourceError, match=r"TMPDIR .* cannot hold the work dirs"):
        workdirs.settle_temp_dir()
    monkeypatch.delenv("TMPDIR")
    monkeypatch.delenv("TEMP", raising=False)
    monkeypatch.delenv("TMP", raising=False)
    monkeypatch.setattr(workdirs, "SYSTEM_TEMP_DIRS", (str(tmp_path / "missing"),))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ResourceError, match=r"no usable temp dir"):
        workdirs.settle_temp_dir()
    assert tempfile.tempdir is None


def test_a_fetched_source_is_staged_in_a_locked_work_dir(tmp_path, monkeypatch):
    """An https source was staged in ``callrec-fetch-*`` (tempfile's), which no sweep takes: a
    process killed mid-download left the unredacted call there for good."""
    from worker.calls import fetch, sources
    from worker.calls.manifest import Location
    from worker.settings import Settings

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []

    def fetched(self, uri, target, what, limit=None):
        seen.append((target.parent.name, (target.parent / LOCK_NAME).exists()))
        target.write_bytes(b"RIFF")

    monkeypatch.setattr(fetch.FetchPolicy, "fetch", fetched)
    location = Location(uri="https://media.example.com/r/a.wav", path=None, key="r/a.wav")
    with sources.HttpsSources(Settings.from_env({})).reader(location) as src:
        assert src.read() == b"RIFF"
    [(name, locked)] = seen
    assert name.startswith(PREFIX) and locked
    assert list(tmp_path.iterdir()) == []


def test_redact_transcodes_in_a_locked_work_dir(tmp_path, monkeypatch):
    """``callrec redact`` of a format libsndfile lacks transcoded into ``callrec-decode-*``
    in the system temp dir, which no sweep takes (a kill left the whole call decoded there)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    import audio.decode as decode
    from worker.cli import main

    wav = tmp_path / "in.wav"
    soundfile.write(wav, (0.1 * np.sin(np.arange(8000) / 3)).astype(np.float32), 8000)
    m4a = tmp_path / "in.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)],
                   check=True)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    seen = []
    transcode = decode._ffmpeg_to_wav

    def watched(handle, path, wav_path, *rest):
        seen.append(wav_path.parent.parent)
        return transcode(handle, path, wav_path, *rest)

    monkeypatch.setattr(decode, "_ffmpeg_to_wav", watched)
    assert main(["redact", str(m4a), "-o", str(tmp_path / "r.wav")]) == 0
    assert seen and all(p.name.startswith(PREFIX) for p in seen)
    assert list(temp.iterdir()) == []
