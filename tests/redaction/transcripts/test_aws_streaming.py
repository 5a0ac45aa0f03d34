"""Amazon Transcribe streaming events (the guide's final segment, fixtures/real): partial
results are not read but their copies are redacted; errors name the item."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

REAL = Path(__file__).parent / "fixtures" / "real" / "aws-docs-streaming-final.json"


def final() -> dict[str, Any]:
    return json.loads(REAL.read_text(encoding="utf-8"))


def session() -> list[dict[str, Any]]:
    """Events as a client keeps them: a partial result (the first three items), then the
    final one, each wrapped as the WebSocket stream sends it."""
    partial = final()
    result = partial["Transcript"]["Results"][0]
    result["IsPartial"] = True
    result["Alternatives"][0]["Items"] = result["Alternatives"][0]["Items"][:3]
    return [{"TranscriptResultStream": {"TranscriptEvent": partial}}, {"TranscriptEvent": final()}]


def with_card(document: Any) -> Any:
    """Items 2-5 ("is the largest rainforest") say a card, where the event has them."""
    items = document["Transcript"]["Results"][0]["Alternatives"][0]["Items"]
    for item, digits in zip(items[2:6], ("4111", "1111", "1111", "1111")):
        item["Content"] = digits
    return document


def test_partial_results_are_not_read() -> None:
    transcript = transcripts.load(json.dumps(session()), "auto")
    assert transcript.format == "aws-streaming"
    assert [(w.text, w.start_s, w.end_s) for w in transcript.words[:2]] == [("The", 2.33, 2.58), ("Amazon", 2.59, 3.12)]
    assert len(transcript.words) == 14


def test_card_is_found_and_written_back_redacted_in_partial_copies_too() -> None:
    events = session()
    with_card(events[0]["TranscriptResultStream"]["TranscriptEvent"])
    with_card(events[1]["TranscriptEvent"])
    transcript = transcripts.load(json.dumps(events), "aws-streaming")
    assert sorted(transcripts.sensitive_words(transcript)) == [2, 3, 4, 5]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    alternative = json.loads(written)[1]["TranscriptEvent"]["Transcript"]["Results"][0]["Alternatives"][0]
    assert alternative["Transcript"] == ("The Amazon [redacted] [redacted] [redacted] [redacted] on the planet "
                                         "covering over seven million kilometers.")


def test_streaming_pii_redaction_marker_is_masked_where_it_stands() -> None:
    document = final()
    document["Transcript"]["Results"][0]["Alternatives"][0]["Items"][5]["Content"] = "[PII]"
    found = transcripts.detections(transcripts.load(json.dumps(document), "auto"))
    assert [(d.start_s, d.end_s, d.detector) for d in found] == [(3.95, 4.8, "transcript:aws-streaming-redaction")]


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda r: r.__setitem__("Alternatives", {}), r"Transcript\.Results\[0\]\.Alternatives is not a list"),
    (lambda r: r["Alternatives"][0]["Items"][1].pop("EndTime"), r"Transcript\.Results\[0\]\.Alternatives\[0\]\.Items\[1\] has no 'EndTime' field"),
    (lambda r: r["Alternatives"][0]["Items"][1].__setitem__("StartTime", "x"), r"Items\[1\] has a time or confidence that is not a number"),
    (lambda r: r["Alternatives"][0]["Items"][1].__setitem__("StartTime", 9.0), r"Items\[1\] has bad times"),
    (lambda r: r["Alternatives"][0]["Items"][1].__setitem__("Content", 4111), r"Items\[1\] has no word text"),
])
def test_bad_input_is_refused_naming_the_item(spoil: Any, message: str) -> None:
    document = copy.deepcopy(final())
    spoil(document["Transcript"]["Results"][0])
    with pytest.raises(TranscriptError, match=r"^aws-streaming transcript: .*" + message):
        transcripts.load(json.dumps(document), "aws-streaming")
