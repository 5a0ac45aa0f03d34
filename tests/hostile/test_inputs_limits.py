"""Hostile sizes (issue 10, defect 4): each refused before the work starts, quickly and with
bounded memory, naming the field or file and the limit. Big inputs are generated here (sparse
files where size is the point), never committed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.decode import DecodeLimits, open_source
from audio.errors import AudioInputError
from worker.calls.assemble import assemble_manifest
from worker.cli import main
from worker.errors import ManifestError
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


@pytest.mark.parametrize("rate_hz,problem", [(1, "sample rate 1 Hz is outside the accepted 4000-192000 Hz"),
                                              (384000, "sample rate 384000 Hz is outside")])
def test_a_segment_rate_out_of_range_is_refused_from_its_header(tmp_path, rate_hz, problem):
    manifest = write_call(tmp_path / "call")
    soundfile.write(tmp_path / "call" / "CA1-a.wav", np.zeros(8, dtype=np.int16), rate_hz, subtype="PCM_16")
    with pytest.raises(ManifestError, match=rf"^segments\[0\]\.uri: .*CA1-a\.wav: {problem}"):
        process_call(manifest, build_backends(settings_for(tmp_path)))


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


def test_a_huge_transcript_is_not_read(tmp_path, capsys):
    """53 MB (sparse) as a transcript: refused from its size, never read into memory. A
    post-call job goes on with the recognizer and says why; `redact` exits 2."""
    manifest = write_call(tmp_path / "call", transcript="1.0 1.1 hello\n")
    with open(tmp_path / "call" / "CA1-words.txt", "r+b") as out:
        out.truncate(53_000_000)
    outcome = process_call(manifest, build_backends(settings_for(tmp_path, recognizer="none")))
    assert outcome.stored
    assert outcome.transcript_problem.endswith("CA1-words.txt: 53000000 bytes, more than the 20000000 allowed")
    wav = tmp_path / "in.wav"
    soundfile.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    code = main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript",
                 str(tmp_path / "call" / "CA1-words.txt"), "--transcript-format", "simple"])
    assert code == 2 and "53000000 bytes, more than the 20000000 allowed" in capsys.readouterr().err


def test_dev_zero_as_transcript_is_refused_not_read(tmp_path, capsys):
    wav = tmp_path / "in.wav"
    soundfile.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    code = main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript", "/dev/zero",
                 "--transcript-format", "simple"])
    assert code == 2 and "/dev/zero: not a regular file (a character device)" in capsys.readouterr().err


def test_nonsensical_limit_settings_are_refused():
    with pytest.raises(Exception, match="CALLREC_MAX_EVENTS: must be positive"):
        InputLimits.from_settings(Settings(max_events=0))
    with pytest.raises(Exception, match="the lowest rate is above the highest"):
        InputLimits.from_settings(Settings(min_rate_hz=9000, max_rate_hz=8000))
