"""Hostile sizes (issue 10, defect 4): each refused before the work starts, quickly and with
bounded memory, naming the field or file and the limit. Big inputs are generated here (sparse
files where size is the point), never committed."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.decode import DecodeLimits, open_source
from callrec.errors import is_permanent
from audio.errors import AudioInputError
from worker.calls.assemble import assemble_manifest
from worker.cli import main
from worker.errors import ManifestError, scrub_digits
from worker.calls.limits import InputLimits
from worker.calls.manifest import load_manifest
from worker.calls.pipeline import process_call
from worker.calls.rules import plan_recording
from worker.settings import Settings
from worker.boot import build_backends

from tests.worker.stored_calls import write_call


def edit(manifest: Path, change) -> Path:
    data = json.loads(manifest.read_text())
    change(data)
    manifest.write_text(json.dumps(data))
    return manifest


def settings_for(tmp_path: Path, **changes) -> Settings:
    return Settings(data_dir=tmp_path / "state", **changes)


def test_an_event_ending_at_1e9_s_is_refused_before_writing(tmp_path):
    manifest = edit(write_call(tmp_path / "call"), lambda d: d["events"][2].update(end=1e9))
    with pytest.raises(ManifestError, match=r"^events\[2\]\.end: 1e\+09 s makes the call longer than the "
                                            r"longest allowed \(28800 s, CALLREC_MAX_CALL_S\)"):
        assemble_manifest(load_manifest(manifest), tmp_path / "out.wav", settings_for(tmp_path))
    assert not (tmp_path / "out.wav").exists()
    with pytest.raises(ManifestError, match="CALLREC_MAX_CALL_S"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def many_events(count: int) -> list[dict]:
    """Alternating agent talk and hold, one second each."""
    return [{"type": "agent" if i % 2 == 0 else "hold", "start": float(i), "end": float(i + 1)}
            for i in range(count)]


def test_too_many_events_or_controls_are_refused(tmp_path):
    manifest = edit(write_call(tmp_path / "call"), lambda d: d.update(events=many_events(16000)))
    with pytest.raises(ManifestError, match=r"^events: 16000 given, more than the 5000 allowed \(CALLREC_MAX_EVENTS\)"):
        process_call(manifest, build_backends(settings_for(tmp_path)))
    controls = [{"action": "pause" if i % 2 == 0 else "resume", "at": i * 0.0001} for i in range(6000)]
    manifest = edit(manifest, lambda d: d.update(events=many_events(4), controls=controls))
    with pytest.raises(ManifestError, match=r"^controls: 6000 given, more than the 5000 allowed"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def python_lines(work) -> int:
    """How many lines of Python ``work()`` runs (every frame it enters): a count of work that
    is the same on every run and every machine, unlike a clock."""
    count = 0

    def trace(frame, event, arg):  # noqa: ARG001 (sys.settrace's signature)
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def test_recording_rules_are_not_quadratic_in_the_events(tmp_path):
    """16k events took a minute (the call duration recomputed for every boundary, every event
    checked for every stretch). Counted, not timed: four times the events may cost at most
    five times the lines of Python (a sort and heaps add a log factor, in C; a loop over the
    events at every boundary costs sixteen times)."""
    lines = {}
    for count in (1000, 4000):
        manifest = edit(write_call(tmp_path / f"call{count}"), lambda d: d.update(events=many_events(count)))
        parsed = load_manifest(manifest)
        plans = []
        lines[count] = python_lines(lambda: plans.append(plan_recording(parsed)))
        plan = plans[0]
        assert len(plan.cuts) == count // 2 and {c.reason for c in plan.cuts} == {"hold"}
        assert plan.timeline[1].call_start_s == 0.0 and plan.timeline[-1].call_end_s == count - 1.0
    assert lines[4000] <= 5 * lines[1000], lines


def test_too_many_segments_are_refused_before_any_is_opened(tmp_path):
    segments = [{"uri": "file:CA1-b.wav", "start": 3.0}] * 5000
    manifest = edit(write_call(tmp_path / "call"), lambda d: d.update(segments=segments))
    with pytest.raises(ManifestError, match=r"^segments: 5000 given, more than the 100 allowed \(CALLREC_MAX_SEGMENTS\)"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def test_a_huge_manifest_is_refused_unread(tmp_path):
    manifest = tmp_path / "manifest.json"
    with open(manifest, "wb") as out:
        out.truncate(50_000_000)  # sparse: 50 MB of nothing
    with pytest.raises(ManifestError, match=r"manifest\.json: more than the 4000000 bytes allowed"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


@pytest.mark.parametrize("rate_hz,problem", [
    (1, "sample rate 1 Hz is outside the accepted 4000 Hz to 192000 Hz "
        r"\(CALLREC_MIN_RATE_HZ, CALLREC_MAX_RATE_HZ\)"),
    (384000, "sample rate 384000 Hz is outside")])
def test_a_segment_rate_out_of_range_is_refused_from_its_header(tmp_path, rate_hz, problem):
    manifest = write_call(tmp_path / "call")
    soundfile.write(tmp_path / "call" / "CA1-a.wav", np.zeros(8, dtype=np.int16), rate_hz, subtype="PCM_16")
    with pytest.raises(ManifestError, match=rf"^segments\[0\]\.uri: .*CA1-a\.wav: {problem}"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def test_a_rate_refused_by_the_settings_is_named_readably(tmp_path):
    """The lowest and highest rates joined by a hyphen read as one card-length run of digits,
    and the CLI showed ``the accepted ######-###### Hz``, naming no setting."""
    manifest = write_call(tmp_path / "call")
    with pytest.raises(ManifestError) as refused:
        process_call(manifest, build_backends(settings_for(tmp_path, min_rate_hz=100000)))
    message = str(refused.value)
    assert message.endswith("sample rate 8000 Hz is outside the accepted 100000 Hz to 192000 Hz "
                            "(CALLREC_MIN_RATE_HZ, CALLREC_MAX_RATE_HZ)")
    assert scrub_digits(message, card_numbers_only=True) == message


def test_a_segment_with_too_many_channels_is_refused(tmp_path):
    manifest = write_call(tmp_path / "call")
    soundfile.write(tmp_path / "call" / "CA1-a.wav", np.zeros((80, 64), dtype=np.int16), 8000)
    with pytest.raises(ManifestError, match=r"64 channels; at most 8 are accepted"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def test_a_segment_longer_than_the_call_allows_is_refused_from_its_header(tmp_path):
    """Leg a starts at 1 s of a 4 s call: with 60 s of overrun it may last 63 s, not an hour
    (which would be decoded, resampled and mixed only to be cut)."""
    manifest = write_call(tmp_path / "call")
    with soundfile.SoundFile(tmp_path / "call" / "CA1-a.wav", "w", 8000, 1, "PCM_16") as out:
        block = np.zeros(8000 * 60, dtype=np.int16)
        for _ in range(60):
            out.write(block)
    with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: .*CA1-a\.wav: 3600\.0 s of audio, longer "
                                            r"than the 63\.0 s this segment may last"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


def test_a_small_compressed_file_claiming_long_audio_stops_the_transcode(tmp_path):
    """An m4a of 30 s of silence against 2 s allowed: ffmpeg stops one second past the limit
    (3 s decoded, not 30) and the segment is refused."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    m4a = tmp_path / "long.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono", "-t", "30", "-c:a", "aac", str(m4a)], check=True)
    with pytest.raises(AudioInputError, match=r"long\.m4a: 3\.\d s of audio, longer than the 2\.0 s"):
        open_source(m4a, DecodeLimits(max_duration_s=2.0), temp_parent=tmp_path)
    assert not list(tmp_path.glob("callrec-decode-*"))  # the partial transcode is gone


def test_a_huge_transcript_is_not_read(tmp_path, capsys, monkeypatch):
    """53 MB (sparse) as a transcript: refused from its size, never read into memory. A
    post-call job goes on with the recognizer and says why; `redact` exits 2. (Under the
    setting's cap here: a short call's own cap is smaller, the next test.)"""
    monkeypatch.setenv("CALLREC_MAX_TRANSCRIPT_BYTES", "500000")
    manifest = write_call(tmp_path / "call", transcript="1.0 1.1 hello\n")
    with open(tmp_path / "call" / "CA1-words.txt", "r+b") as out:
        out.truncate(53_000_000)
    settings = settings_for(tmp_path, recognizer="none", max_transcript_bytes=500_000)
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored
    assert outcome.transcript_problem.endswith(
        "CA1-words.txt: 53000000 bytes, more than the 500000 allowed (CALLREC_MAX_TRANSCRIPT_BYTES)")
    assert redact_a_second_with(tmp_path, tmp_path / "call" / "CA1-words.txt") == 2
    assert "53000000 bytes, more than the 500000 allowed (CALLREC_MAX_TRANSCRIPT_BYTES)" in capsys.readouterr().err


def redact_a_second_with(tmp_path: Path, transcript: Path) -> int:
    """`callrec redact` of 1 s of silence (``tmp_path/in.wav``) with ``transcript``; its exit code."""
    wav = tmp_path / "in.wav"
    soundfile.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    return main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "simple"])


def test_a_transcript_far_larger_than_its_call_is_refused_unread(tmp_path, capsys):
    """Found by the session-50 audit: 18 MB of words (within the 20 MB setting) on a 4 s
    recording took `redact` 132 s and 1.3 GB, a worker as much. A transcript may hold 1 MB plus
    20 KB a second of the call (real ones hold at most about 3 KB: summaries, alternatives and
    all); more is refused from its size, as a huge one is."""
    words = "1.0 1.1 four\n" * 160_000  # 2.1 MB on a 4 s call: more than 1,080,000 bytes
    manifest = write_call(tmp_path / "call", transcript=words)
    outcome = process_call(manifest, build_backends(settings_for(tmp_path, recognizer="none")))
    assert outcome.stored
    assert outcome.transcript_problem.endswith(
        "CA1-words.txt: 2080000 bytes, more than the 1080000 allowed (1000000 bytes and 20000 a second of "
        "the 4 s call; CALLREC_MAX_TRANSCRIPT_BYTES at most)")
    assert redact_a_second_with(tmp_path, tmp_path / "call" / "CA1-words.txt") == 2
    assert ("2080000 bytes, more than the 1020000 allowed (1000000 bytes and 20000 a second of the 1 s recording; "
            "CALLREC_MAX_TRANSCRIPT_BYTES at most)") in capsys.readouterr().err
    assert not (tmp_path / "out.wav").exists()


def test_dev_zero_as_transcript_is_refused_not_read(tmp_path, capsys):
    wav = tmp_path / "in.wav"
    soundfile.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    code = main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript", "/dev/zero",
                 "--transcript-format", "simple"])
    assert code == 2 and "/dev/zero: not a regular file (a character device)" in capsys.readouterr().err


def test_nonsensical_limit_settings_are_refused():
    with pytest.raises(Exception, match="CALLREC_MAX_EVENTS: must be 1 or more"):
        InputLimits.from_settings(Settings(max_events=0))
    with pytest.raises(Exception, match="the lowest rate is above the highest"):
        InputLimits.from_settings(Settings(min_rate_hz=9000, max_rate_hz=8000))
    with pytest.raises(Exception, match="CALLREC_MAX_SEGMENT_BYTES: must be 0 \\(derived\\) or more bytes"):
        InputLimits.from_settings(Settings(max_segment_bytes=-1))


@pytest.mark.parametrize("env, problem", [
    ({"CALLREC_BEEP_S": "0.000001"}, "setting CALLREC_BEEP_S: must be 0.05 to 10 s"),
    ({"CALLREC_BEEP_S": "0.001", "CALLREC_REMINDER_INTERVAL_S": "0.0011"},
     "setting CALLREC_BEEP_S: must be 0.05 to 10 s"),
    ({"CALLREC_BEEP_S": "0.1", "CALLREC_REMINDER_INTERVAL_S": "0.2"},
     "setting CALLREC_REMINDER_INTERVAL_S: must be 0 (off) or 1 s or more"),
])
def test_a_beep_no_one_hears_or_a_reminder_every_instant_is_refused(tmp_path, monkeypatch, capsys, env, problem):
    """Found by the session-50 audit: a 1 us beep was no sample at all (a recording without its
    beep), and 1 ms beeps every 1.1 ms took a 10-minute call 17.6 s and 177 MB (545,000 tones
    in its metadata; a 4-hour call's would not fit in memory)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["assemble", str(tmp_path / "manifest.json"), "-o", str(tmp_path / "out.wav")]) == 2
    assert capsys.readouterr().err == f"callrec assemble: {problem}\n"


class CountingRemote:
    """A remote source backend that counts the bytes handed out (how far a fetch read)."""

    def __init__(self, inner):
        self.inner, self.read_bytes = inner, 0

    @contextlib.contextmanager
    def reader(self, location, limit=None):
        with self.inner.reader(location, limit) as src:
            outer = self

            class Counted:
                def read(self, size=-1):
                    block = src.read(size)
                    outer.read_bytes += len(block)
                    return block
            yield Counted()

    def delete(self, location):
        self.inner.delete(location)


def s3_call(tmp_path: Path, moto_url: str, monkeypatch, leg_a_bytes: bytes | None = None):
    """The test call with its segments in a bucket of moto's S3 (leg a replaced by
    ``leg_a_bytes`` when given); returns the manifest and the bucket's store."""
    import uuid

    from tests.aws import aws_client
    from vault.stores.s3 import S3Store

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    incoming = S3Store(aws_client("s3", moto_url, "eu"), f"legs-{uuid.uuid4().hex[:8]}", "eu")
    incoming.ensure_bucket()
    local = write_call(tmp_path / "call")
    data = json.loads(local.read_text())
    for segment in data["segments"]:
        name = segment["uri"].removeprefix("file:")
        body = (local.parent / name).read_bytes()
        if leg_a_bytes is not None and name.endswith("-a.wav"):
            body = leg_a_bytes
        with incoming.writer(f"legs/{name}") as out:
            out.write(body)
        segment["uri"] = f"s3://{incoming.bucket}/legs/{name}"
    manifest = tmp_path / "s3-call.json"
    manifest.write_text(json.dumps(data))
    return manifest, incoming


def remote_backends(settings: Settings):
    from worker.calls.sources import default_remotes

    counted: dict[str, CountingRemote] = {}

    def remotes(region):
        counted.update({scheme: CountingRemote(inner)
                        for scheme, inner in default_remotes(settings, region).items()})
        return counted
    return build_backends(settings, remotes=remotes), counted


def huge_wav(data_bytes: int) -> bytes:
    """A 16-bit 8 kHz WAV header promising ``data_bytes``, then that many zero bytes."""
    header = io.BytesIO()
    soundfile.write(header, np.zeros(8, dtype=np.int16), 8000, format="WAV", subtype="PCM_16")
    head = header.getvalue()[:-16]
    return head[:4] + (36 + data_bytes).to_bytes(4, "little") + head[8:-4] + data_bytes.to_bytes(4, "little") + \
        bytes(data_bytes)


def test_an_s3_segment_past_the_byte_cap_is_refused_while_it_streams(tmp_path, moto_url, monkeypatch):
    """A remote segment was copied whole into temp before its duration was checked: a 60 s
    call could fill the disk. The copy stops at the cap (CALLREC_MAX_SEGMENT_BYTES), the error
    names the segment, nothing is left in temp and nothing is stored or destroyed."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    manifest, incoming = s3_call(tmp_path, moto_url, monkeypatch, huge_wav(8 << 20))
    settings = settings_for(tmp_path, source_roots=f"s3://{incoming.bucket}/legs/", aws_endpoint_url=moto_url,
                            inbox=f"s3://{incoming.bucket}/legs", max_segment_bytes=100_000)
    backends, counted = remote_backends(settings)
    refusal = (rf"^segments\[0\]\.uri: s3://{incoming.bucket}/legs/CA1-a\.wav is larger than 100000 bytes "
               r"\(CALLREC_MAX_SEGMENT_BYTES\)$")
    with pytest.raises(ManifestError, match=refusal) as caught:
        process_call(manifest, backends)
    assert is_permanent(caught.value)
    assert counted["s3"].read_bytes <= 100_000 + (1 << 20)  # one block past the cap at most
    assert list(temp.iterdir()) == []
    assert sorted(incoming.names("legs/")) == ["legs/CA1-a.wav", "legs/CA1-b.wav"]
    assert list(build_backends(settings).vault.region("eu").entries()) == []


def test_the_segment_byte_cap_is_derived_from_the_calls_room_and_the_highest_rate(tmp_path, moto_url,
                                                                                    monkeypatch):
    """Unset, the cap is what the segment's room in the call (to the call's end, plus the
    overrun allowed) holds as 16-bit samples at the highest accepted rate, plus 64 KiB of
    headers: leg a starts at 1 s of a 4 s call, so 3 s at 8 kHz: 48000 + 65536 bytes."""
    limits = dict(max_rate_hz=8000, max_segment_overrun_s=0.0, aws_endpoint_url=moto_url)
    manifest, incoming = s3_call(tmp_path, moto_url, monkeypatch)
    settings = settings_for(tmp_path, source_roots=f"s3://{incoming.bucket}/legs/", **limits)
    assert process_call(manifest, build_backends(settings)).stored  # the real legs fit
    manifest, incoming = s3_call(tmp_path / "big", moto_url, monkeypatch, huge_wav(48000 + 65536))
    settings = settings_for(tmp_path / "big", source_roots=f"s3://{incoming.bucket}/legs/", **limits)
    with pytest.raises(ManifestError, match=r"^segments\[0\]\.uri: s3://.*/CA1-a\.wav is larger than 113536 bytes "
                                            r"\(CALLREC_MAX_SEGMENT_BYTES unset: 3 s of room in the call at "
                                            r"up to 8000 Hz\)$"):
        process_call(manifest, build_backends(settings))


def test_an_https_segment_past_the_byte_cap_is_refused_unread(tmp_path, media, monkeypatch):
    """An https segment had only CALLREC_FETCH_MAX_BYTES (1 GiB); the segment's cap is lower."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    media.server.routes["/legs/big.wav"] = (200, {}, huge_wav(4 << 20))
    media.server.requests.clear()
    host = f"127.0.0.1:{media.port}"
    manifest = edit(write_call(tmp_path / "call"),
                    lambda d: d["segments"][0].update(uri=f"https://{host}/legs/big.wav"))
    settings = settings_for(tmp_path, source_roots=f"{tmp_path / 'call'},https://{host}/", fetch_hosts=host,
                            fetch_ca_file=str(media.cert), max_segment_bytes=100_000)
    with pytest.raises(ManifestError, match=rf"^segments\[0\]\.uri: source: https://{host}/legs/big\.wav is "
                                            r"larger than 100000 bytes \(CALLREC_MAX_SEGMENT_BYTES\)$") as caught:
        process_call(manifest, build_backends(settings))
    assert is_permanent(caught.value)
    assert [path for path, _ in media.server.requests] == ["/legs/big.wav"]
    assert list(temp.iterdir()) == []
