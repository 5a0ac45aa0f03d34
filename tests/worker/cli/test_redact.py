"""``callrec redact``: exit codes, outputs, nothing written on bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction import transcripts
from redaction.dtmf_synth import KeyPress, key_sequence
from tests.redaction.transcripts.conftest import FILES, fixture_text
from worker.cli import main


@pytest.fixture(autouse=True)
def no_recognizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")


@pytest.fixture
def call(tmp_path: Path) -> Path:
    """20 s: noise, a keyed card number at 14 s (the transcript fixtures speak at 1-13 s)."""
    keys, _ = key_sequence([KeyPress(k, on_s=0.06) for k in "4532015112830366"], 8000, gap_s=0.06, lead_s=0.0)
    signal = np.random.default_rng(0).normal(0, 0.02, 20 * 8000).astype(np.float32)
    signal[14 * 8000 : 14 * 8000 + len(keys)] += keys
    path = tmp_path / "call.wav"
    sf.write(path, signal, 8000, subtype="PCM_16")
    return path


def files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


def test_keyed_digits_redacted_with_report(call: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "out.wav", tmp_path / "r.json"
    assert main(["redact", str(call), "-o", str(out), "--report", str(report), "--mask", "silence"]) == 0
    data = json.loads(report.read_text())
    assert len(data["spans"]) == 16 and {s["entity"] for s in data["spans"]} == {"card_number"}
    assert data["mask"] == "silence" and data["verified"] is True
    assert "16 span(s) (card_number)" in capsys.readouterr().out
    assert sf.info(str(out)).frames == sf.info(str(call)).frames


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_transcript_format_redacts_audio_and_transcript(call: Path, tmp_path: Path, name: str) -> None:
    transcript = tmp_path / f"t-{FILES[name]}"
    transcript.write_text(fixture_text(name))
    out = tmp_path / "out.wav"
    assert main(["redact", str(call), "-o", str(out), "--transcript", str(transcript), "--transcript-format", name,
                 "--report", str(tmp_path / "r.json")]) == 0
    spans = json.loads((tmp_path / "r.json").read_text())["spans"]
    spoken = [(s["entity"], s["detector"]) for s in spans if s["kind"] == "spoken"]
    assert spoken == [("card_number", f"transcript:{name}"), ("expiry", f"transcript:{name}"),
                      ("security_code", f"transcript:{name}")]
    written = out.with_suffix(".transcript" + transcript.suffix)
    assert "[redacted]" in written.read_text() and "0366" not in written.read_text()


def test_unreadable_transcript_exits_2_and_writes_nothing(call: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.json"
    bad.write_text('{"results": {"items": [')
    before = files(tmp_path)
    code = main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(bad),
                 "--transcript-format", "aws", "--report", str(tmp_path / "r.json")])
    assert code == 2
    assert "aws transcript is not valid JSON" in capsys.readouterr().err
    assert files(tmp_path) == before


def test_transcript_past_the_audio_exits_2(call: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    late = tmp_path / "late.simple"
    late.write_text("1.0 1.3 hello\n25.0 25.4 four\n")
    before = files(tmp_path)
    assert main(["redact", str(call), "-o", str(tmp_path / "o.wav"), "--transcript", str(late),
                 "--transcript-format", "simple"]) == 2
    err = capsys.readouterr().err
    assert "transcript word 2 ends at 25.40 s, past the end of the audio (20.00 s)" in err and "four" not in err
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--transcript", "t.json"], "--transcript and --transcript-format go together"),
        (["--transcript-format", "aws"], "--transcript and --transcript-format go together"),
        (["--report", "OUT"], "is the same file as -o"),
        (["--report", "missing/r.json"], "missing/r.json: directory 'missing' does not exist"),
    ],
)
def test_bad_arguments_exit_2(call: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    extra = [str(tmp_path / "out.wav") if e == "OUT" else e for e in extra]
    before = files(tmp_path)
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert files(tmp_path) == before


def test_missing_or_unreadable_audio_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redact", str(tmp_path / "none.wav"), "-o", str(tmp_path / "o.wav")]) == 2
    assert "no such file" in capsys.readouterr().err
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF nonsense")
    assert main(["redact", str(junk), "-o", str(tmp_path / "o.wav")]) == 2
    assert "cannot read audio" in capsys.readouterr().err
    assert files(tmp_path) == ["junk.wav"]


def test_unknown_mask_is_refused_by_argparse(call: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["redact", str(call), "-o", str(tmp_path / "o.wav"), "--mask", "beep"])
    assert info.value.code == 2


@pytest.mark.skipif(shutil.which("multimon-ng") is None, reason="multimon-ng (Debian) not installed")
def test_output_is_silent_to_multimon(call: Path, tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "out.wav"
    assert main(["redact", str(call), "-o", str(out)]) == 0
    run = subprocess.run(["multimon-ng", "-q", "-t", "wav", "-a", "DTMF", str(out)], capture_output=True, text=True)
    assert "DTMF" not in run.stdout


SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_committed_keyed_sample_is_fully_masked(tmp_path: Path) -> None:
    out, report = tmp_path / "out.wav", tmp_path / "r.json"
    assert main(["redact", str(SAMPLES / "08-card-keyed" / "legs" / "caller.wav"), "-o", str(out), "--report", str(report)]) == 0
    entities = [s["entity"] for s in json.loads(report.read_text())["spans"]]
    assert entities == ["card_number"] * 16 + ["keyed_digit"] + ["expiry"] * 4 + ["keyed_digit"] + \
        ["security_code"] * 3 + ["keyed_digit"]
    assert sf.info(str(out)).subtype == "ULAW"


@pytest.mark.parametrize(("name", "file"), [("aws", "transcript.aws.json"), ("deepgram", "transcript.deepgram.json"),
                                            ("simple", "transcript.simple")])
def test_committed_transcript_sample_in_each_format(tmp_path: Path, name: str, file: str) -> None:
    folder = SAMPLES / "09-card-spoken"
    out, report = tmp_path / "out.wav", tmp_path / "r.json"
    assert main(["redact", str(folder / "legs" / "caller.wav"), "-o", str(out), "--report", str(report),
                 "--transcript", str(folder / file), "--transcript-format", name]) == 0
    spans = json.loads(report.read_text())["spans"]
    assert [s["entity"] for s in spans] == ["card_number", "expiry", "security_code"]
    written = transcripts.load(out.with_suffix(".transcript" + Path(file).suffix).read_text(), name)
    redacted = sum("[redacted]" in word.text for word in written.words)
    assert redacted == {"aws": 6, "deepgram": 21, "simple": 21}[name]  # 16 + 2 + 3 words; aws: 4 + 1 + 1


def test_missing_transcript_exits_2_and_writes_nothing(call: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = files(tmp_path)
    code = main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(tmp_path / "gone.json"),
                 "--transcript-format", "aws"])
    assert code == 2
    assert "callrec redact: transcript 'gone.json' does not exist\n" in capsys.readouterr().err
    assert files(tmp_path) == before


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
def test_a_float_wav_with_a_nan_or_infinite_sample_exits_2_naming_where(call: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str],
                                                                        bad: float, subtype: str) -> None:
    """Found by the audit: the decoder made NaN 0 and infinity full scale, and redact said
    "verified", exit 0, for an output that differs from its input outside every masked span.
    Such a sample is no audio: bad input, naming the file and the first one's time."""
    signal, _ = sf.read(call, dtype="float64")
    signal[int(2.5 * 8000) + 3] = bad
    signal[int(7.0 * 8000)] = np.nan
    source = tmp_path / "float in.wav"
    sf.write(source, signal, 8000, subtype=subtype)
    before, data = files(tmp_path), source.read_bytes()
    code = main(["redact", str(source), "-o", str(tmp_path / "out.wav"), "--report", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "float in.wav" in err and "2.500 s" in err and "not a finite number" in err
    assert files(tmp_path) == before and source.read_bytes() == data  # nothing written, the source kept


def test_float_samples_past_full_scale_are_kept_exactly_outside_masked_spans(call: Path, tmp_path: Path) -> None:
    """Float audio may pass full scale (headroom, not an error); the decoder clipped it for
    every reader, so the output differed from the input outside masked spans. A float
    output keeps them as they are; the detectors still hear the clipped signal."""
    signal, _ = sf.read(call, dtype="float32")
    signal[2 * 8000 : 2 * 8000 + 5] = [1.5, -3.0, 1.0000001, 1e30, -1e-3]
    signal[17 * 8000] = 2.0
    source, out = tmp_path / "float.wav", tmp_path / "out.wav"
    sf.write(source, signal, 8000, subtype="FLOAT")
    assert main(["redact", str(source), "-o", str(out), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verified"] is True and {s["entity"] for s in report["spans"]} == {"card_number"}
    assert sf.info(str(out)).subtype == "FLOAT"
    written, _ = sf.read(out, dtype="float32")
    assert np.array_equal(written[: 13 * 8000], signal[: 13 * 8000])  # bit for bit, 1e30 too
    assert np.array_equal(written[17 * 8000 :], signal[17 * 8000 :])
    assert not np.array_equal(written[14 * 8000 : 16 * 8000], signal[14 * 8000 : 16 * 8000])  # the keys masked


@pytest.mark.parametrize(("rate_hz", "seconds", "message"), [
    (1, 32_000, "1 Hz"),  # 64 KB that took 6.7 GB and 34 s: the DTMF receiver hears 8 kHz
    (8000, 10, "CALLREC_MAX_CALL_S"),
])
def test_redact_refuses_audio_past_the_settings_limits_as_the_pipeline_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        rate_hz: int, seconds: int, message: str) -> None:
    """Found by the audit: ``redact`` opened its input with no limit but the decoder's own (1 Hz to
    1 MHz), so a tiny file at 1 Hz held hours of audio for the detectors. It takes the limits the
    pipeline takes (``CALLREC_MIN_RATE_HZ``, ``CALLREC_MAX_CALL_S``...): bad input, exit 2, nothing written."""
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    monkeypatch.setenv("CALLREC_MAX_CALL_S", "5")
    monkeypatch.setenv("CALLREC_MAX_SEGMENT_OVERRUN_S", "1")
    source = tmp_path / "in.wav"
    sf.write(source, (np.arange(seconds * rate_hz) % 100).astype(np.int16), rate_hz, subtype="PCM_16")
    before = files(tmp_path)
    assert main(["redact", str(source), "-o", str(tmp_path / "out.wav")]) == 2
    err = capsys.readouterr().err
    assert "in.wav" in err and message in err, err
    assert files(tmp_path) == before


def test_a_streamed_wav_is_decoded_once(call: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A WAV whose sizes a streaming writer never filled in (0) is transcoded by ffmpeg: the
    input check did it and the redaction again, the whole call twice."""
    import audio.decode

    streamed = tmp_path / "streamed.wav"
    data = bytearray(call.read_bytes())
    data[4:8] = data[40:44] = b"\0\0\0\0"
    streamed.write_bytes(bytes(data))
    runs = []
    transcode = audio.decode._ffmpeg_to_wav
    monkeypatch.setattr(audio.decode, "_ffmpeg_to_wav", lambda *a: runs.append(a[1]) or transcode(*a))
    out, report = tmp_path / "out.wav", tmp_path / "r.json"
    assert main(["redact", str(streamed), "-o", str(out), "--report", str(report)]) == 0
    assert runs == [streamed]
    assert sf.info(str(out)).frames == sf.info(str(call)).frames
    assert len(json.loads(report.read_text())["spans"]) == 16


@pytest.mark.parametrize("times_kept", [False, True])
def test_an_input_rewritten_while_it_is_redacted_exits_2_and_writes_nothing(
        call: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        times_kept: bool) -> None:
    """Session 54: a WAV is read once a pass, and one rewritten in place between the passes (a
    recorder still writing, a copy over it) was written out with the masks found in what it held
    before: a 28,000 s input whose spoken card moved 5 s (rewritten 8 s into a 21 s run) came out
    72.1 % the new file in its first 40 s, exit 0 and 'verified' (CALLREC_RECOGNIZER=none, a transcript).
    Its size or times changed since it was opened: exit 2 naming it, nothing written; its times set
    back (cp -p, rsync --inplace -t, touch -r) too, by its change time (session 54 review)."""
    import audio.decode

    blocks = audio.decode.AudioSource.blocks
    moved = np.random.default_rng(1).normal(0, 0.02, 20 * 8000).astype(np.float32)
    passes = []

    def rewritten_after_the_first_pass(self, *args, **kwargs):
        passes.append(1)
        if len(passes) == 2:
            before = call.stat()
            with open(call, "r+b") as out:  # in place, the same size
                sf.write(out, moved, 8000, subtype="PCM_16", format="WAV")
            later_ns = 0 if times_kept else 1_000_000_000
            os.utime(call, ns=(before.st_atime_ns, before.st_mtime_ns + later_ns))
        return blocks(self, *args, **kwargs)

    monkeypatch.setattr(audio.decode.AudioSource, "blocks", rewritten_after_the_first_pass)
    before = files(tmp_path)
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--report", str(tmp_path / "r.json")]) == 2
    assert capsys.readouterr().err == (f"callrec redact: input {call}: changed while it was redacted (its size or "
                                       "times); nothing written\n")
    assert len(passes) >= 2 and files(tmp_path) == before
