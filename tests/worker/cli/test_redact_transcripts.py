"""``callrec redact --transcript``: auto format, unreadable transcripts, removed fields."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction.words import TimedWord
from worker.cli import main

CARD = "my card is 4111 1111 1111 1111 thanks"


@pytest.fixture(autouse=True)
def no_recognizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")


@pytest.fixture
def call(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    sf.write(path, np.random.default_rng(2).normal(0, 0.03, 8 * 8000).astype(np.float32), 8000, subtype="PCM_16")
    return path


def files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize(
    ("content", "fmt", "problem"),
    [
        ('{"results": {"transcripts": []}}', "auto",
         "transcript t.json: transcript format not recognised; closest is aws (missing results.items[], "
         "results.items[0].alternatives)"),
        ('{"results": {"items": [{"start_time": "x 4111", "end_time": "1", "alternatives": [{"content": "a"}]}]}}',
         "aws", "transcript t.json: aws transcript: results.items[0] has a time or confidence that is not a number"),
        ("{oops", "deepgram", "transcript t.json: deepgram transcript is not valid JSON (line 1, column 2)"),
        ('{"type": "Begin", "id": "s"}\n{"type": "Turn", "turn_order": 0, "end_of_turn": true, "turn_is_formatted": false, '
         '"words": [{"text": "4111", "start": 0, "end": 400, "confidence": 0.9}]}\n', "auto",
         "transcript t.json: assemblyai-streaming transcript: line 2: words[0] has no 'word_is_final' field"),
    ],
)
def test_unreadable_transcript_exits_2_naming_the_file_and_problem(call: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str], content: str,
                                                                   fmt: str, problem: str) -> None:
    transcript = tmp_path / "t.json"
    transcript.write_text(content)
    before = files(tmp_path)
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", fmt]) == 2
    err = capsys.readouterr().err
    assert problem in err and "4111" not in err
    assert files(tmp_path) == before


def test_segment_transcript_masks_the_segment_and_reports_removed_fields(call: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "t.json"
    transcript.write_text(json.dumps({"text": " " + CARD, "segments": [
        {"id": 0, "start": 2.0, "end": 5.0, "text": " " + CARD, "tokens": [1, 2, 3]}]}))
    report, out_text = tmp_path / "r.json", tmp_path / "t.out.json"
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "auto", "--transcript-out", str(out_text), "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert [(s["start_s"], s["end_s"], s["entity"], s["detector"]) for s in data["spans"]] == [
        (1.75, 5.25, "card_number", "transcript:whisper")]
    assert data["masked"] == [[1.6, 5.35]] and data["verified"] is True
    assert data["transcript"] == {"format": "whisper", "removed_fields": ["segments[].tokens"]}
    written = json.loads(out_text.read_text())
    assert "4111" not in out_text.read_text() and "tokens" not in written["segments"][0]


def test_a_segment_ending_past_the_audio_masks_to_its_end_and_is_reported_so(call: Path, tmp_path: Path) -> None:
    """Spans may end past the audio (a segment's padding): they mask to its end, and the report
    says where the mask ends, not where the transcript claimed (1e12 s was reported as is, and
    1e308 s crashed the masker: exit 1)."""
    transcript = tmp_path / "t.json"
    for end_s in (9.0, 5e5):
        transcript.write_text(json.dumps({"text": " " + CARD, "segments": [
            {"id": 0, "start": 2.0, "end": end_s, "text": " " + CARD}]}))
        report = tmp_path / "r.json"
        assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                     "--transcript-format", "whisper", "--report", str(report)]) == 0
        data = json.loads(report.read_text())
        assert [(s["start_s"], s["end_s"]) for s in data["spans"]] == [(1.75, 8.0)], end_s
        assert data["masked"] == [[1.6, 8.0]] and data["verified"] is True


@pytest.mark.parametrize("value", ["1e12", "1e308", "inf", "nan"])
def test_a_time_no_recording_has_exits_2_naming_the_line(call: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str], value: str) -> None:
    transcript = tmp_path / "t.simple"
    transcript.write_text(f"0.5 0.8 hello\n{value} {value} four\n")
    before = files(tmp_path)
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "simple"]) == 2
    err = capsys.readouterr().err
    assert "transcript t.simple: simple transcript: line 2 has a time no recording has" in err, err
    assert "#" not in err and "four" not in err
    assert files(tmp_path) == before


class HearsACard:
    """A recognizer that hears a card number read at 2.0-5.15 s, whatever the audio."""

    name = "stub"
    version = "1"

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, blocks, rate_hz):  # noqa: ANN001, ANN201
        self.calls += 1
        for _ in blocks:
            pass
        for k, digit in enumerate("four one one one one one one one one one one one one one one one".split()):
            yield TimedWord(2.0 + 0.2 * k, 2.0 + 0.2 * k + 0.15, digit, 0.9)


# the card (2.0-5.15 s) padded 0.12 s into the pause it lies in: the call's steady noise is no speech
# to the energy detector (redaction.pauses)
@pytest.mark.parametrize(("listen", "masked"), [("true", [[1.88, 5.27]]), ("false", [])])
def test_verification_listens_even_with_a_transcript(call: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      listen: str, masked: list) -> None:
    """A transcript missing the card's words leaves nothing audible: the configured recognizer
    listens (issue 9 item 4), in pass 1 and in verification, unless CALLREC_VERIFY_LISTEN is off."""
    recognizer = HearsACard()
    monkeypatch.setattr("worker.cli.redact.make_recognizer", lambda settings: recognizer)
    monkeypatch.setenv("CALLREC_VERIFY_LISTEN", listen)
    transcript = tmp_path / "t.simple"
    transcript.write_text("0.5 0.9 hello\n")
    report = tmp_path / "r.json"
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "simple", "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["masked"] == masked and data["verified"] is True
    if listen == "true":
        assert [(s["entity"], s["detector"]) for s in data["spans"]] == [("card_number", "recognizer:stub")]
        assert data["verification"]["rounds"] == 1 and data["verification"]["recognizer_remaining"] == 0
        assert recognizer.calls == 2
    else:
        assert data["spans"] == [] and recognizer.calls == 0
