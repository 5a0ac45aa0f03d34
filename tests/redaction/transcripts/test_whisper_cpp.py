"""whisper.cpp JSON (``whisper-cli -oj`` / ``-ojf``): documents shaped as its ``output_json``
writes them (``examples/cli/cli.cpp``): offsets in milliseconds, tokens that are pieces of
words, control tokens, a token without times."""

from __future__ import annotations

import json
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError


def stamp(ms: int) -> str:
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def token(text: str, start_ms: int | None, end_ms: int | None, token_id: int, p: float) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text}
    if start_ms is not None and end_ms is not None:
        out["timestamps"] = {"from": stamp(start_ms), "to": stamp(end_ms)}
        out["offsets"] = {"from": start_ms, "to": end_ms}
    return {**out, "id": token_id, "p": p, "t_dtw": -1}


def segment(start_ms: int, end_ms: int, tokens: list[dict[str, Any]] | None, text: str | None = None) -> dict[str, Any]:
    body = text if text is not None else "".join(t["text"] for t in tokens or [] if not t["text"].startswith("[_"))
    out: dict[str, Any] = {"timestamps": {"from": stamp(start_ms), "to": stamp(end_ms)},
                           "offsets": {"from": start_ms, "to": end_ms}, "text": body}
    if tokens is not None:
        out["tokens"] = tokens
    return out


def document(*segments: dict[str, Any]) -> dict[str, Any]:
    return {"systeminfo": "AVX = 1 | AVX2 = 1 | AVX512 = 0 | FMA = 1 | NEON = 0 | ARM_FMA = 0 | F16C = 1 | BLAS = 0",
            "model": {"type": "base", "multilingual": False, "vocab": 51864,
                      "audio": {"ctx": 1500, "state": 512, "head": 8, "layer": 6},
                      "text": {"ctx": 448, "state": 512, "head": 8, "layer": 6}, "mels": 80, "ftype": 1},
            "params": {"model": "models/ggml-base.en.bin", "language": "en", "translate": False},
            "result": {"language": "en"}, "transcription": list(segments)}


#: -ojf: "my card is 4111 1111 1111 1111." with "4111" split in two tokens and a token without times.
FULL = document(
    segment(0, 1500, [token("[_BEG_]", 0, 0, 50363, 0.98), token(" My", 10, 210, 2011, 0.91),
                      token(" card", 210, 520, 2657, 0.97), token(" is", 520, 700, 318, 0.99),
                      token("[_TT_35]", 700, 700, 50398, 0.2)]),
    segment(1500, 4200, [token("[_BEG_]", 1500, 1500, 50363, 0.95), token(" 41", 1510, 1800, 6073, 0.6),
                         token("11", 1800, 2100, 1157, 0.7), token(" 1111", 2100, 2600, 27148, 0.8),
                         token(" 1111", None, None, 27148, 0.8), token(" 1111", 3100, 3900, 27148, 0.9),
                         token(".", 3900, 4000, 13, 0.5), token(" Thanks", 4000, 4200, 6930, 0.9)]),
)


def test_tokens_are_joined_into_words_with_their_times_and_control_tokens_dropped() -> None:
    transcript = transcripts.load(json.dumps(FULL), "auto")
    assert transcript.format == "whisper-cpp" and transcript.segments == ()
    assert [(w.start_s, w.end_s, w.text) for w in transcript.words] == [
        (0.01, 0.21, " My"), (0.21, 0.52, " card"), (0.52, 0.7, " is"), (1.51, 2.1, " 4111"),
        (2.1, 2.6, " 1111"), (1.5, 4.2, " 1111"), (3.1, 4.0, " 1111."), (4.0, 4.2, " Thanks")]
    assert transcript.words[3].confidence == 0.6  # a word is as sure as its least sure token


def test_the_card_is_found_and_written_back_with_its_token_ids_removed() -> None:
    transcript = transcripts.load(json.dumps(FULL), "whisper-cpp")
    written = transcripts.write_back(transcript)
    assert written.removed == ("transcription[].tokens[].id",)
    after = json.loads(written.text)
    second = after["transcription"][1]
    assert second["text"] == " [redacted] [redacted] [redacted] [redacted]. Thanks"
    assert [t["text"] for t in second["tokens"]] == ["[_BEG_]", " [redacted]", "", " [redacted]", " [redacted]",
                                                     " [redacted].", "", " Thanks"]
    assert [("id" in t) for t in second["tokens"]] == [True, False, False, False, False, False, False, True]
    assert after["transcription"][0] == FULL["transcription"][0]
    assert {k: v for k, v in after.items() if k != "transcription"} == {k: v for k, v in FULL.items() if k != "transcription"}
    assert "4111" not in written.text and "1111" not in written.text


def test_segments_without_tokens_are_segments_masked_whole() -> None:
    """-oj writes no tokens: a segment holding card data is masked whole, padded."""
    plain = document(segment(0, 2000, None, " Hello, how can I help?"),
                     segment(2500, 9000, None, " My card is 4111 1111 1111 1111."))
    transcript = transcripts.load(json.dumps(plain), "auto")
    assert transcript.format == "whisper-cpp" and transcript.words == ()
    found = transcripts.detections(transcript)
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in found] == [
        (2.25, 9.25, "card_number", "transcript:whisper-cpp")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["transcription"][1]["text"] == " My card is [redacted] [redacted] [redacted] [redacted]."
    assert written["transcription"][0]["text"] == " Hello, how can I help?"


def test_nothing_found_writes_the_document_back_unchanged() -> None:
    text = json.dumps(document(segment(0, 1500, FULL["transcription"][0]["tokens"])))
    written = transcripts.write_back(transcripts.load(text, "auto"))
    assert json.loads(written.text) == json.loads(text) and written.removed == ()


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["transcription"][1].pop("offsets"), r"transcription\[1\] has no offsets"),
    (lambda d: d["transcription"][1]["tokens"][2].update(offsets={"from": 2500, "to": 2000}),
     r"transcription\[1\]\.tokens\[2\] ends before it begins"),
    (lambda d: d["transcription"][1]["tokens"][3].update(offsets={"from": "x", "to": 1}),
     r"transcription\[1\]\.tokens\[3\]\.offsets\.from is not a time"),
    (lambda d: d["transcription"][1]["tokens"].__setitem__(1, ["41"]), r"transcription\[1\]\.tokens\[1\] is not a token"),
    (lambda d: d["transcription"].__setitem__(0, "text"), r"transcription\[0\] is not a segment"),
])
def test_a_malformed_segment_or_token_is_refused_naming_it_and_never_its_text(change: Any, where: str) -> None:
    broken = json.loads(json.dumps(FULL))
    change(broken)
    with pytest.raises(TranscriptError, match=where) as info:
        transcripts.load(json.dumps(broken), "whisper-cpp")
    assert "4111" not in str(info.value) and "1111" not in str(info.value)
