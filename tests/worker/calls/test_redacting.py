"""Reading a provider transcript for redaction: limits come from the caller's settings."""

import json

import pytest

from redaction.errors import RedactionInputError
from worker.calls.redacting import load_transcript


def test_the_size_limit_is_the_callers_and_the_environment_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREC_MAX_TRANSCRIPT_BYTES", "1")  # would refuse anything, were it read
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"segments": [{"start": 0.0, "end": 1.0, "text": " hello there"}]}), encoding="utf-8")
    size = path.stat().st_size
    transcript = load_transcript(path, "whisper", size)
    assert transcript.format == "whisper" and len(transcript.segments) == 1
    expected = rf"^transcript .*t\.json: {size} bytes, more than the {size - 1} allowed$"
    with pytest.raises(RedactionInputError, match=expected) as refused:
        load_transcript(path, "whisper", size - 1)
    assert "hello" not in str(refused.value)
    with pytest.raises(TypeError):
        load_transcript(path, "whisper")  # no default: the caller says


SAID = "card four one one one one one one one one one one one one one one one"
CARD_WORDS = {"text": SAID, "words": [{"word": w, "start": 1.0 + k * 0.5, "end": 1.4 + k * 0.5}
                                      for k, w in enumerate(SAID.split())]}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_a_transcript_saved_with_a_byte_order_mark_is_read(tmp_path, encoding):
    """Found by the audit: a JSON transcript saved by a Windows tool (a UTF-8 byte order mark, or
    UTF-16 with one, as PowerShell writes) was refused as "not JSON (line 1, column 1)"."""
    text = json.dumps(CARD_WORDS)
    data = {"utf-16-le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
            "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be")}.get(encoding) or text.encode(encoding)
    path = tmp_path / "t.json"
    path.write_bytes(data)
    transcript = load_transcript(path, "auto", len(data))
    assert transcript.format == "whisper" and len(transcript.words) == 17
    assert not transcript.source.startswith("\ufeff")


def test_a_transcript_that_is_not_unicode_text_says_so_and_where(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes(json.dumps({"text": "caf\u00e9 4111 1111 1111 1111"}, ensure_ascii=False).encode("latin-1"))
    with pytest.raises(RedactionInputError) as refused:
        load_transcript(path, "auto", 1000)
    assert str(refused.value) == "cannot read transcript 't.json': not UTF-8 text (UnicodeDecodeError at byte 13)"


def test_a_noisy_lines_chains_leave_the_detector_version_batch_compares_as_current():
    """A report whose noisy line had a card found by its chains of number sounds records the detector
    version ``current_detector_version`` gives (the chain rule's version is the recognizer's, part of
    it): a chain listed as a detector of its own made every such recording out of date to batch
    reprocessing, redacted again on every pass."""
    import numpy as np

    from redaction.engine import redact_array
    from tests.redaction.test_engine import SoundingRecognizer
    from worker.calls.redacting import current_detector_version, detector_version_of

    noisy = (np.random.default_rng(7).standard_normal(20 * 8000) * 0.03).astype(np.float32)
    ears = SoundingRecognizer([round(10.0 + 0.45 * k, 2) for k in range(16)], [], [])
    _, report = redact_array(noisy, 8000, recognizer=ears)
    assert [s.detector for s in report.spans] == ["recognizer:scripted/sound-chains"]
    assert detector_version_of(report) == current_detector_version(ears)
