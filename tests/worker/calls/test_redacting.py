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
