"""Provider redaction markers are detections: the audio under them is masked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction import transcripts
from redaction.engine import redact_file
from redaction.transcripts.markers import marker_entity
from worker.cli import main

RATE_HZ = 8000


def aws_redacted() -> str:
    """Amazon Transcribe content redaction: the card read as four [PII] items (times kept)."""
    items = [{"start_time": "0.50", "end_time": "0.80", "alternatives": [{"confidence": "0.99", "content": "my"}],
              "type": "pronunciation"},
             {"start_time": "0.80", "end_time": "1.10", "alternatives": [{"confidence": "0.99", "content": "card"}],
              "type": "pronunciation"}]
    for k, start in enumerate((2.0, 2.6, 3.2, 3.8)):
        items.append({"start_time": f"{start:.2f}", "end_time": f"{start + 0.5:.2f}", "type": "pronunciation",
                      "alternatives": [{"content": "[PII]", "redactions": [{"confidence": "0.9999"}]}]})
    text = "my card [PII] [PII] [PII] [PII]"
    return json.dumps({"jobName": "j", "accountId": "1", "isRedacted": True, "status": "COMPLETED",
                       "results": {"transcripts": [{"transcript": text}], "items": items}})


@pytest.fixture
def call(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    sf.write(path, np.random.default_rng(1).normal(0, 0.05, 6 * RATE_HZ).astype(np.float32), RATE_HZ, subtype="PCM_16")
    return path


def test_provider_redacted_words_are_masked_in_the_audio(call: Path, tmp_path: Path) -> None:
    transcript = transcripts.load(aws_redacted(), "aws")
    assert transcripts.sensitive_words(transcript) == frozenset()  # nothing left for the card logic
    out = tmp_path / "out.wav"
    report = redact_file(call, out, words=transcript.words, words_detector="transcript:aws",
                         spans=transcripts.detections(transcript))
    assert [(s.start_s, s.end_s, s.entity, s.detector) for s in report.spans] == [
        (start, start + 0.5, "pii", "transcript:aws-redaction") for start in (2.0, 2.6, 3.2, 3.8)]
    assert report.masked == ((1.85, 4.4),)  # padded 150 ms before, 100 ms after, merged
    assert report.verified
    before, _ = sf.read(call, dtype="int16")
    after, _ = sf.read(out, dtype="int16")
    assert np.array_equal(after[: int(1.85 * RATE_HZ)], before[: int(1.85 * RATE_HZ)])
    assert not np.array_equal(after[2 * RATE_HZ : 4 * RATE_HZ], before[2 * RATE_HZ : 4 * RATE_HZ])
    assert np.array_equal(after[int(4.4 * RATE_HZ):], before[int(4.4 * RATE_HZ):])


def test_cli_masks_provider_redaction_with_auto_format(call: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    transcript = tmp_path / "t.json"
    transcript.write_text(aws_redacted())
    report = tmp_path / "r.json"
    assert main(["redact", str(call), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "auto", "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert [s["detector"] for s in data["spans"]] == ["transcript:aws-redaction"] * 4
    assert data["masked"] == [[1.85, 4.4]] and data["verified"] is True
    assert data["transcript"] == {"format": "aws", "removed_fields": []}
    assert {d["name"] for d in data["detectors"]} >= {"transcript:aws", "transcript:aws-redaction"}


@pytest.mark.parametrize(
    ("text", "entity"),
    [("[PII]", "pii"), ("[PII],", "pii"), ("[CREDIT_CARD_NUMBER]", "card_number"), ("[CREDIT_DEBIT_CVV]", "security_code"),
     ("[CREDIT_DEBIT_EXPIRY]", "expiry"), ("[NAME]", "name"), ("[REDACTED]", "redacted"), ("####", "pii"),
     ("####.", "pii"), ("****", "pii"), ("4111********1111", "pii"), ("[redacted]", "pii"), ("<redacted>", "redacted"),
     ("[Music]", None), ("[BLANK_AUDIO]", None), ("[inaudible]", None), ("#1", None), ("card", None), ("4111", None),
     ("*", None),
     # Deepgram numbers each entity it redacts ([CREDIT_CARD_1]); its words' "word" is lower case
     ("[CREDIT_CARD_1]", "card_number"), ("[credit_card_1]", "card_number"), ("[cvv_2]", "security_code"),
     ("[credit_card_expiration_1]", "expiry"), ("[name_given_3]", "name_given"), ("[laughter_1]", None),
     ("[music]", None), ("[background noise]", None)],
)
def test_marker_words(text: str, entity: str | None) -> None:
    assert marker_entity(text) == entity


def test_a_span_past_the_end_of_the_audio_is_bad_input_and_nothing_is_written(call: Path, tmp_path: Path) -> None:
    from redaction.errors import RedactionInputError
    from redaction.spans import SPOKEN, Detection, Source

    late = Detection(60.0, 61.0, SPOKEN, "pii", "transcript:aws-redaction", 1.0, Source.PROVIDER_REDACTION)
    with pytest.raises(RedactionInputError, match=r"transcript span 1 \(transcript:aws-redaction\) starts at 60.00 s, "
                                                  r"past the end of the audio \(6.00 s\)"):
        redact_file(call, tmp_path / "out.wav", spans=[late])
    assert not (tmp_path / "out.wav").exists()
