"""Output paths of ``callrec redact``, ``assemble`` and ``export``: every path is checked
before any work (exit 2, a message naming the option and what is wrong, nothing written),
and the outputs of one command are written all or none."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.worker.queue_calls import write_call
from worker.cli import main

RATE_HZ = 8000
#: A directory nobody may create files in, even root (sysfs refuses new files).
UNWRITABLE_DIR = Path("/sys")


def run(capsys, *argv) -> tuple[int, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.err


def tone_wav(path: Path, seconds: float = 1.0) -> Path:
    samples = 0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * RATE_HZ)) / RATE_HZ)
    soundfile.write(path, samples.astype(np.float32), RATE_HZ, subtype="PCM_16")
    return path


def simple_transcript(path: Path) -> Path:
    path.write_text("0.10 0.40 hello\n0.50 0.80 there\n")
    return path


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def recording(tmp_path):
    return tone_wav(tmp_path / "in.wav")


@pytest.mark.skipif(not UNWRITABLE_DIR.is_dir() or os.access(UNWRITABLE_DIR / "x", os.F_OK),
                    reason="needs Linux sysfs as a directory no one can write in")
@pytest.mark.parametrize("option", ["--report", "--transcript-out"])
def test_redact_an_output_that_cannot_be_written_writes_nothing(tmp_path, recording, capsys, option):
    transcript = simple_transcript(tmp_path / "t.simple")
    before = names(tmp_path)
    code, err = run(capsys, "redact", recording, "-o", tmp_path / "out.wav", "--transcript", transcript,
                    "--transcript-format", "simple", option, UNWRITABLE_DIR / "x.out")
    assert code == 2 and f"callrec redact: {option} {UNWRITABLE_DIR / 'x.out'}: cannot write in" in err
    assert names(tmp_path) == before  # OUT not written either


@pytest.mark.skipif(not UNWRITABLE_DIR.is_dir(), reason="needs Linux sysfs")
def test_assemble_metadata_that_cannot_be_written_writes_nothing(tmp_path, capsys):
    manifest = write_call(tmp_path, "CA-OUT")
    before = names(tmp_path)
    code, err = run(capsys, "assemble", manifest, "-o", tmp_path / "rec.wav", "--metadata", UNWRITABLE_DIR / "m.json")
    assert code == 2 and "--metadata /sys/m.json: cannot write in '/sys' (" in err
    assert names(tmp_path) == before


def test_a_failure_after_the_audio_leaves_no_output_at_all(tmp_path, recording, capsys, monkeypatch):
    """Disk full while writing the report, after the redacted audio: neither appears."""
    real_write_text = Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    before = names(tmp_path)
    code, err = run(capsys, "redact", recording, "-o", tmp_path / "out.wav", "--report", tmp_path / "r.json")
    assert code == 1 and "No space left on device" in err and "Traceback" not in err
    assert names(tmp_path) == before


@pytest.mark.parametrize("command", ["redact", "assemble", "export"])
def test_an_existing_directory_as_output_is_refused(tmp_path, recording, capsys, command):
    (tmp_path / "taken").mkdir()
    argv = {"redact": ["redact", recording, "-o", tmp_path / "taken"],
            "assemble": ["assemble", write_call(tmp_path, "CA-DIR"), "-o", tmp_path / "taken"],
            "export": ["export", "rec_us_" + "0a" * 16, "-o", tmp_path / "taken", "--as", "agent:a1",
                       "--account", "acme", "--tickets", "T-1"]}[command]
    code, err = run(capsys, *argv)
    assert code == 2 and f"-o {tmp_path / 'taken'}: is a directory, not an output file" in err
    assert list((tmp_path / "taken").iterdir()) == []


def test_transcript_out_over_the_transcript_is_refused(tmp_path, recording, capsys):
    transcript = simple_transcript(tmp_path / "t.simple")
    text = transcript.read_text()
    code, err = run(capsys, "redact", recording, "-o", tmp_path / "out.wav", "--transcript", transcript,
                    "--transcript-format", "simple", "--transcript-out", transcript)
    assert code == 2 and "--transcript-out" in err and "is also an input" in err
    assert transcript.read_text() == text and not (tmp_path / "out.wav").exists()


def test_a_hard_link_to_the_input_as_output_is_refused(tmp_path, recording, capsys):
    os.link(recording, tmp_path / "alias.wav")
    before = recording.read_bytes()
    code, err = run(capsys, "redact", recording, "-o", tmp_path / "alias.wav")
    assert code == 2 and "is also an input" in err and recording.read_bytes() == before


@pytest.mark.parametrize("kind", ["named pipe", "device"])
def test_an_output_that_is_a_pipe_or_device_is_not_replaced(tmp_path, recording, capsys, kind):
    target = tmp_path / "special"
    if kind == "named pipe":
        os.mkfifo(target)
    else:
        target.symlink_to(os.devnull)  # a device reached through a symlink
    code, err = run(capsys, "redact", recording, "-o", target, "--report", tmp_path / "r.json")
    assert code == 2 and f"-o {target}: is a {kind}, not a file" in err
    assert (target.is_fifo() if kind == "named pipe" else target.is_symlink() and Path(os.devnull).is_char_device())
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("kind", ["directory", "named pipe"])
def test_redact_names_what_a_bad_input_is(tmp_path, capsys, kind):
    source = tmp_path / "in"
    source.mkdir() if kind == "directory" else os.mkfifo(source)
    code, err = run(capsys, "redact", source, "-o", tmp_path / "out.wav")
    expected = "is a directory" if kind == "directory" else "is not a regular file (a pipe, device or socket)"
    assert code == 2 and f"input {source}: {expected}" in err and "does not exist" not in err


def test_redact_refuses_a_truncated_wav_as_assemble_does(tmp_path, capsys):
    whole = tone_wav(tmp_path / "whole.wav", seconds=2.0).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    code, err = run(capsys, "redact", cut, "-o", tmp_path / "out.wav")
    assert code == 2 and f"input {cut}: truncated WAV: header promises" in err
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.skipif(subprocess.run(["which", "ffmpeg"], capture_output=True).returncode != 0,
                    reason="needs Debian's ffmpeg binary to make an MP3")
def test_mp3_in_wav_out_is_redacted_as_pcm(tmp_path, capsys):
    source = tmp_path / "in.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-ar", "8000", str(source)], check=True)
    code, err = run(capsys, "redact", source, "-o", tmp_path / "out.wav")
    assert code == 0, err
    info = soundfile.info(tmp_path / "out.wav")
    assert (info.format, info.subtype, info.samplerate) == ("WAV", "PCM_16", 8000)
    assert info.frames == soundfile.info(source).frames


@pytest.mark.parametrize("command, target", [("export", "keys/us.json"), ("redact", "vault/us/x.wav"),
                                             ("assemble", "keystore/us/seal/index-mac.json")])
def test_an_output_inside_the_services_own_state_is_refused(tmp_path, recording, capsys, monkeypatch, command,
                                                            target):
    """Found by hand (session 53): ``callrec export ... -o $CALLREC_DATA_DIR/keys/us.json`` (a path
    typed or completed wrong) replaced the region's keyring with the exported WAV: no recording of
    the region decrypted again. An output inside the data dir or the key store (the vault, the
    keyring, the wrapped keys, Redis's files, the API's kept manifests) is refused, nothing written."""
    state = tmp_path / "state"
    monkeypatch.setenv("CALLREC_DATA_DIR", str(state))
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    manifest = write_call(tmp_path / "in", "CA-OUT")
    assert main(["process", str(manifest)]) == 0
    from worker.settings import Settings
    from worker.vaults import build_vault

    vault = build_vault(Settings.from_env(), regions=("us",))
    rid = next(vault.region("us").entries()).recording_id
    capsys.readouterr()
    before = {p: p.read_bytes() for p in state.rglob("*") if p.is_file() and "redis" not in p.parts}
    out = state / target
    argv = {"export": ["export", rid, "-o", out, "--account", "acme", "--as", "agent:ann", "--tickets", "T-1"],
            "redact": ["redact", recording, "-o", out],
            "assemble": ["assemble", manifest, "-o", tmp_path / "a.wav", "--metadata", out]}[command]
    code, err = run(capsys, *argv)
    option = "--metadata" if command == "assemble" else "-o"
    assert (code, err) == (2, f"callrec {command}: {option} {out}: is inside the service's own state "
                              f"(CALLREC_DATA_DIR {str(state)!r}): write the output elsewhere\n")
    assert {p: p.read_bytes() for p in state.rglob("*") if p.is_file() and "redis" not in p.parts} == before
    assert not (tmp_path / "a.wav").exists()


@pytest.mark.parametrize("name", ["out.txt", "out", "out.m4a"])
def test_redact_to_a_name_of_no_audio_format_is_refused_naming_the_option_before_any_work(tmp_path, recording,
                                                                                         capsys, monkeypatch, name):
    """Found by hand (session 53): ``redact IN -o out.txt`` decoded and searched the whole input,
    then failed naming its staged temporary file (``.out.txt.6wpm9l0j.txt: unknown audio format
    'txt'``), a name the caller never gave. The output's format is an output path's check: made
    before any work, naming ``-o`` and the path given."""
    import redaction.engine as engine

    def searched(*args, **kwargs):
        raise AssertionError("the input was searched before the output's format was checked")

    monkeypatch.setattr(engine, "redact_source", searched)
    monkeypatch.setattr("worker.cli.redact.redact_source", searched)
    before = names(tmp_path)
    out = tmp_path / name
    code, err = run(capsys, "redact", recording, "-o", out)
    suffix = out.suffix.lower().lstrip(".")
    assert (code, err) == (2, f"callrec redact: -o {out}: unknown audio format {suffix!r} (use e.g. .wav or .flac)\n")
    assert names(tmp_path) == before


def test_redact_keeps_its_unverified_output_out_of_outs_directory(tmp_path, recording, capsys, monkeypatch):
    """Found by the session-55 red team: `redact` wrote each masking round into a `.part` file beside
    OUT and verified it there, so a run killed (SIGKILL, the OOM killer) before verification was
    done left audio beside OUT whose remaining card data verification would have masked. Masked
    and verified in the command's private work dir (swept when it dies), only the verified output
    is written beside OUT."""
    import redaction.engine as engine

    seen: list[list[tuple[str, int]]] = []
    real = engine._heard_file

    def heard(path, block_frames):  # as each masking round is verified: what lies beside OUT
        seen.append(sorted((p.name, p.stat().st_size) for p in (tmp_path / "outs").iterdir()))
        return real(path, block_frames)

    monkeypatch.setattr(engine, "_heard_file", heard)
    (tmp_path / "outs").mkdir()
    code, _ = run(capsys, "redact", recording, "-o", tmp_path / "outs" / "out.wav")
    assert code == 0 and seen
    assert all(size == 0 for names_sizes in seen for _, size in names_sizes), seen
    assert names(tmp_path / "outs") == ["out.wav"]
