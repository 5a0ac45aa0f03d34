"""Rev AI streaming sessions (session 51): the documented example session was refused ("format
not recognised"); a session's final hypotheses are read, its partial ones redacted as copies."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

from .test_real import text_of

SESSION = "revai-docs-streaming-session.json"


def session() -> list[dict[str, Any]]:
    return json.loads(text_of(SESSION))


def lines(messages: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def with_card(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The session with a card read in its final hypothesis (and said, partly, by its partials)."""
    messages = copy.deepcopy(messages)
    said = ["my", "card", "is", "4111", "1111", "1111", "1111"]
    final = messages[4]
    final["end_ts"] = 9.0
    final["elements"] = [e for k, w in enumerate(said) for e in (
        {"type": "text", "value": w, "ts": 1.04 + k, "end_ts": 1.8 + k, "confidence": 1.0},
        {"type": "punct", "value": " "})][:-1] + [{"type": "punct", "value": "."}]
    messages[2]["elements"] = [{"type": "text", "value": w} for w in ("my", "card", "is", "four", "one", "one")]
    messages[2]["end_ts"] = 6.0
    messages[3]["elements"] = [{"type": "text", "value": w} for w in ("4111", "1111")]
    messages[3]["ts"], messages[3]["end_ts"] = 4.0, 6.0
    return messages


def values(message: dict[str, Any]) -> list[str]:
    return [e["value"] for e in message["elements"] if e["type"] == "text"]


@pytest.mark.parametrize("form", ["array", "lines", "one final"])
def test_the_documented_session_is_recognised_and_its_final_words_read(form: str) -> None:
    messages = session()
    text = {"array": json.dumps(messages), "lines": lines(messages), "one final": json.dumps(messages[4])}[form]
    transcript = transcripts.load(text, "auto")
    assert transcript.format == "revai"
    assert [(w.text, w.start_s, w.end_s, w.confidence) for w in transcript.words] == [
        ("One", 1.04, 1.55, 1.0), ("two", 1.84, 2.15, 1.0)]
    written = transcripts.write_back(transcript)
    assert written.text == (text if form == "lines" else json.dumps(json.loads(text), indent=2) + "\n")


def test_a_card_is_redacted_in_the_final_words_and_in_the_partials_at_its_time_or_saying_it() -> None:
    messages = with_card(session())
    transcript = transcripts.load(lines(messages), "auto")
    assert sorted(transcripts.sensitive_words(transcript)) == [3, 4, 5, 6]
    written = transcripts.write_back(transcript).text
    after = [json.loads(line) for line in written.splitlines()]
    assert values(after[4]) == ["my", "card", "is", *["[redacted]"] * 4]
    assert [e["value"] for e in after[4]["elements"] if e["type"] == "punct"] == [" "] * 6 + ["."]
    assert values(after[2]) == ["my", "card", "is", "[redacted]", "[redacted]", "[redacted]"]  # numbers at the card's time
    assert values(after[3]) == ["[redacted]", "[redacted]"]
    assert after[1] == messages[1] and after[0] == messages[0]  # "one" at 1.01-1.55 s: before the card
    assert "4111" not in written and "1111" not in written


def test_a_second_session_and_malformed_hypotheses_are_refused_naming_where() -> None:
    messages = session()
    with pytest.raises(TranscriptError, match=r"^revai transcript: \[5\] begins a second session"):
        transcripts.load(json.dumps(messages + [messages[0]]), "revai")
    for change, problem in ((lambda m: m[4]["elements"][0].pop("ts"), r"\[4\]\.elements\[0\] has no 'ts' field"),
                            (lambda m: m[2].update(end_ts="soon"), r"\[2\] has a time or confidence that is not a number"),
                            (lambda m: m[3]["elements"][1].update(value=4111), r"\[3\]\.elements\[1\] has no word text"),
                            (lambda m: m[3].update(elements="one"), r"\[3\]\.elements is not a list")):
        broken = session()
        change(broken)
        with pytest.raises(TranscriptError, match=rf"^revai transcript: {problem}") as caught:
            transcripts.load(json.dumps(broken), "revai")
        assert "4111" not in str(caught.value)


def test_a_detailed_partials_elements_are_redacted_by_their_own_times() -> None:
    """With ``detailed_partials`` a partial's elements have times: those at a card word's time are
    redacted whole ("for" heard for a digit), the others kept, however the partial spans the card."""
    messages = with_card(session())
    messages[3]["elements"] = [{"type": "text", "value": w, "ts": s, "end_ts": s + 0.7}
                               for w, s in (("is", 3.04), ("for", 4.04), ("thanks", 8.5))]
    messages[3]["ts"], messages[3]["end_ts"] = 3.0, 9.0
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(messages), "revai")).text)
    assert values(after[3]) == ["is", "[redacted]", "thanks"]


def test_a_partials_own_card_quoted_by_another_partial_is_redacted_there_too() -> None:
    """A partial hypothesis saying a card (its own card data, redacted as such) was not kept as
    said, so another partial's element quoting its last group kept it."""
    messages = session()
    messages[3]["elements"] = [{"type": "text", "value": v} for v in ("card", "5106", "8256", "0105", "8839")]
    messages[1]["elements"] = [{"type": "text", "value": "ends"}, {"type": "text", "value": "8839"}]
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(messages), "revai")).text)
    assert [e["value"] for e in after[3]["elements"]] == ["card"] + ["[redacted]"] * 4
    assert [e["value"] for e in after[1]["elements"]] == ["ends", "[redacted]"]


def test_a_timed_partial_saying_the_card_at_its_time_is_redacted_once() -> None:
    """A partial's timed element (``detailed_partials``) at a redacted word's time that also says
    card data of its own was redacted twice: "[[redacted]]"."""
    messages = with_card(session())
    messages[3]["elements"] = [{"type": "text", "value": "4111", "ts": 4.04, "end_ts": 4.8},
                               {"type": "text", "value": "1111", "ts": 5.04, "end_ts": 5.8}]
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(messages), "revai")).text)
    assert values(after[3]) == ["[redacted]", "[redacted]"]
