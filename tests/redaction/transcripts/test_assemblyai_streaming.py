"""AssemblyAI Universal-Streaming (v3) messages (the docs' session, fixtures/real): each turn
read once from its formatted end, final words only; every copy redacted by time; errors
name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

REAL = Path(__file__).parent / "fixtures" / "real" / "assemblyai-docs-streaming-session.json"
#: What the docs' session says, as read: each turn's formatted end.
FORMATTED = ["Hi,", "my", "name", "is", "Sonny.", "I", "am", "a", "voice", "agent."]
#: Times (ms) of "am a voice agent" in turn 1 ("agen" partial shares agent's start).
CARD_TIMES = (5440, 5600, 5680, 5920)
#: The card as each style says it over those four words (one word, then the rest empty: left out).
STYLES = {
    "spaced": ("4111", "1111", "1111", "1111"),
    "joined": ("4111111111111111",),
    "dashed": ("4111-1111-1111-1111",),
}


def session() -> list[dict[str, Any]]:
    return json.loads(REAL.read_text(encoding="utf-8"))


def lines(messages: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages)


def texts(document: Any, fmt: str = "assemblyai-streaming") -> list[str]:
    return [w.text for w in transcripts.load(document if isinstance(document, str) else json.dumps(document), fmt).words]


def with_card(messages: list[dict[str, Any]], style: str = "spaced") -> list[dict[str, Any]]:
    """Turn 1 says the card over "am a voice agent" in every message that has those words,
    final or not (a one-word style: the card over "am", the other three words dropped)."""
    said = dict(zip(CARD_TIMES, STYLES[style]))
    for message in messages:
        if message.get("type") != "Turn":
            continue
        message["words"] = [dict(w, text=said[w["start"]] + ("." if w["text"].endswith(".") else ""))
                            if w["start"] in said else w
                            for w in message["words"] if w["start"] not in CARD_TIMES or w["start"] in said]
        if message["utterance"].startswith("I am"):
            message["utterance"] = f"I {' '.join(STYLES[style])}."
    return messages


def text_fields(document: Any) -> list[str]:
    """Every word text, transcript and utterance (the confidences hold digits too: 0.804111)."""
    return [value for message in document for key, value in message.items() if key in ("transcript", "utterance")] + [
        w["text"] for message in document for w in message.get("words", [])]


def test_each_turn_is_read_once_from_its_formatted_end() -> None:
    transcript = transcripts.load(REAL.read_text(encoding="utf-8"), "auto")
    assert transcript.format == "assemblyai-streaming"
    assert [w.text for w in transcript.words] == FORMATTED
    assert [(w.start_s, w.end_s) for w in transcript.words[:1]] == [(1.92, 2.0)]


def test_without_formatting_the_end_is_read_and_an_unfinished_turn_gives_its_final_words() -> None:
    unformatted = [m for m in session() if not m.get("turn_is_formatted")]
    assert texts(unformatted) == ["hi", "my", "name", "is", "sonny", "i", "am", "a", "voice", "agent"]
    cut = unformatted[:-1]  # the session saved before turn 1 ended: "agent" never became final
    assert texts(cut) == ["hi", "my", "name", "is", "sonny", "i", "am", "a", "voice"]


def test_json_lines_and_one_message_are_read_and_json_lines_written_back_as_such() -> None:
    messages = with_card(session())
    text = lines(messages)
    transcript = transcripts.load(text, "auto")
    assert transcript.format == "assemblyai-streaming" and len(transcript.words) == 10
    written = transcripts.write_back(transcript).text
    assert len(written.splitlines()) == len(messages)
    assert not any(ch.isdigit() for text in text_fields(json.loads(f"[{','.join(written.splitlines())}]"))
                   for ch in text)
    assert json.loads(written.splitlines()[-1])["transcript"] == "I [redacted] [redacted] [redacted] [redacted]."
    assert texts(messages[8]) == ["Hi,", "my", "name", "is", "Sonny."]  # one message alone


@pytest.mark.parametrize("style", sorted(STYLES))
def test_card_in_each_style_is_found_once_and_every_copy_written_back_redacted(style: str) -> None:
    messages = with_card(session(), style)
    transcript = transcripts.load(json.dumps(messages), "auto")
    assert len(transcripts.sensitive_words(transcript)) == len(STYLES[style])  # found once: copies not read
    written = transcripts.write_back(transcript)
    assert not any(ch.isdigit() for text in text_fields(json.loads(written.text)) for ch in text)
    assert written.removed == ()


def test_card_copies_are_redacted_by_time_and_texts_rebuilt() -> None:
    messages = with_card(session())
    transcript = transcripts.load(json.dumps(messages), "assemblyai-streaming")
    assert sorted(transcripts.sensitive_words(transcript)) == [6, 7, 8, 9]
    after = json.loads(transcripts.write_back(transcript).text)
    assert [(m["transcript"], m["utterance"]) for m in after[-4:]] == [
        ("i [redacted] [redacted] [redacted]", ""),  # "agent" not final yet: its copy redacted by time
        ("i [redacted] [redacted] [redacted]", "I [redacted] [redacted] [redacted] [redacted]."),
        ("i [redacted] [redacted] [redacted] [redacted]", ""),
        ("I [redacted] [redacted] [redacted] [redacted].", ""),
    ]
    assert [w["text"] for w in after[13]["words"]] == ["i", "[redacted]", "[redacted]", "[redacted]", "[redacted]"]
    assert after[:9] == session()[:9]  # turn 0 and Begin as they were


def test_streaming_pii_substitution_is_masked_where_it_stands() -> None:
    messages = session()
    messages[17]["words"][4]["text"] = "####."
    found = transcripts.detections(transcripts.load(json.dumps(messages), "auto"))
    assert [(d.start_s, d.end_s, d.detector) for d in found] == [(5.92, 6.08, "transcript:assemblyai-streaming-redaction")]


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda m: m.__setitem__(1, "4111"), r"\[1\] is not a message \(a mapping\)"),
    (lambda m: m[1].pop("turn_order"), r"\[1\] has no 'turn_order' field"),
    (lambda m: m[1].__setitem__("turn_order", True), r"\[1\]\.turn_order is not a whole number"),
    (lambda m: m[1].__setitem__("end_of_turn", "4111"), r"\[1\]\.end_of_turn is not true or false"),
    (lambda m: m[2].pop("turn_is_formatted"), r"\[2\] has no 'turn_is_formatted' field"),
    (lambda m: m[2].__setitem__("words", {"4111": 1}), r"\[2\]\.words is not a list"),
    (lambda m: m[2]["words"][1].pop("word_is_final"), r"\[2\]\.words\[1\] has no 'word_is_final' field"),
    (lambda m: m[2]["words"][1].__setitem__("word_is_final", 1), r"\[2\]\.words\[1\]\.word_is_final is not true or false"),
    (lambda m: m[2]["words"][0].__setitem__("start", "4111 x"), r"\[2\]\.words\[0\] has a time or confidence that is not a number"),
    (lambda m: m[2]["words"][0].__setitem__("start", 9000), r"\[2\]\.words\[0\] has bad times"),
    (lambda m: m[2]["words"][0].__setitem__("text", 4111), r"\[2\]\.words\[0\] has no word text"),
    (lambda m: m.append(copy.deepcopy(m[0])), r"\[18\] begins a second session \(type 'Begin'\)"),
])
def test_bad_input_is_refused_naming_the_field(spoil: Any, message: str) -> None:
    messages = session()
    spoil(messages)
    with pytest.raises(TranscriptError, match=r"^assemblyai-streaming transcript: " + message) as caught:
        transcripts.load(json.dumps(messages), "assemblyai-streaming")
    assert "4111" not in str(caught.value)


def test_json_lines_errors_name_the_line() -> None:
    text = lines(session()).splitlines()
    spoiled = copy.deepcopy(session())
    spoiled[2]["words"][0].pop("end")
    with pytest.raises(TranscriptError, match=r"^assemblyai-streaming transcript: line 3: words\[0\] has no 'end' field"):
        transcripts.load(lines(spoiled), "assemblyai-streaming")
    text[2] = text[2][:40]  # a line cut short
    with pytest.raises(TranscriptError, match=r"^assemblyai-streaming transcript: line 3 is not a JSON message"):
        transcripts.load("\n".join(text), "assemblyai-streaming")


def test_speaker_revision_words_are_redacted_by_time_and_of_their_own_card_data() -> None:
    """Session 51: with streaming diarization AssemblyAI sends ``SpeakerRevision`` messages
    (``revisions[]`` of ``turn_order``, ``speaker_label`` and the turn's ``words`` again: text,
    times, ``speaker``; AssemblyAI's v3 WebSocket API, its Python SDK's SpeakerRevisionEvent).
    Kept as other messages are, each word was scrubbed alone as free text: a card read digit by
    digit ("four", "one", ...) stayed whole in them."""
    said = ["my", "card", "is", *["four", "one", "one", "one"] * 4, "thanks"]
    words = [{"start": 1000 + 400 * k, "end": 1300 + 400 * k, "text": w, "confidence": 0.9, "word_is_final": True,
              "speaker": "A"} for k, w in enumerate(said)]
    turn = {"turn_order": 0, "turn_is_formatted": False, "end_of_turn": True, "transcript": " ".join(said),
            "end_of_turn_confidence": 0.9, "words": words, "utterance": "", "type": "Turn", "speaker_label": "A"}
    revised = [{"text": w["text"], "start": w["start"], "end": w["end"], "speaker": "B"} for w in words]
    revised[5]["text"] = "won"  # the revision's own hypothesis at a card word's time
    session = [{"type": "Begin", "id": "x", "expires_at": 1}, turn,
               {"type": "SpeakerRevision", "revisions": [{"turn_order": 0, "speaker_label": "B", "words": revised}]}]
    transcript = transcripts.load(json.dumps(session), "assemblyai-streaming")
    assert len(transcripts.sensitive_words(transcript)) == 16
    after = json.loads(transcripts.write_back(transcript).text)[2]["revisions"][0]
    assert [w["text"] for w in after["words"]] == ["my", "card", "is", *["[redacted]"] * 16, "thanks"]
    assert [(w["start"], w["end"], w["speaker"]) for w in after["words"]] == [
        (w["start"], w["end"], "B") for w in revised]
    session[2]["revisions"][0]["words"][4]["start"] = "soon"
    with pytest.raises(transcripts.TranscriptError, match=r"^assemblyai-streaming transcript: \[2\]\.revisions\[0\]\.words\[4\]"):
        transcripts.load(json.dumps(session), "assemblyai-streaming")


def test_a_partials_own_card_quoted_by_another_messages_transcript_is_redacted_there_too() -> None:
    """A partial turn message saying a card the turn read does not is redacted for its own card
    data; what it said was not kept, so another message's transcript quoting it kept it."""
    messages = session()
    partial = messages[15]  # turn 1, not formatted: "i am a voice agent"
    for word, group in zip(partial["words"][:4], ("5106", "8256", "0105", "8839")):
        word["text"] = group
    messages[13]["transcript"] += " The card ends 8839."
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(messages), "assemblyai-streaming")).text)
    assert [w["text"] for w in after[15]["words"]][:4] == ["[redacted]"] * 4
    assert after[13]["transcript"] == "i am a voice The card ends [redacted]."


def test_a_speaker_revision_with_its_own_transcript_is_written_back_rebuilt() -> None:
    # A revision's words carry no word_is_final (they are the turn's final words again): a revision
    # holding a transcript string had it rebuilt with w["word_is_final"] and the write-back failed
    said = ["my", "card", "is", *["4111"] * 4, "thanks"]
    words = [{"start": 1000 + 400 * k, "end": 1300 + 400 * k, "text": w, "confidence": 0.9, "word_is_final": True,
              "speaker": "A"} for k, w in enumerate(said)]
    turn = {"turn_order": 0, "turn_is_formatted": False, "end_of_turn": True, "transcript": " ".join(said),
            "end_of_turn_confidence": 0.9, "words": words, "utterance": "", "type": "Turn", "speaker_label": "A"}
    revised = [{"text": w["text"], "start": w["start"], "end": w["end"], "speaker": "B"} for w in words]
    revision = {"turn_order": 0, "speaker_label": "B", "words": revised, "transcript": " ".join(said)}
    session = [{"type": "Begin", "id": "x", "expires_at": 1}, turn, {"type": "SpeakerRevision", "revisions": [revision]}]
    written = transcripts.write_back(transcripts.load(json.dumps(session), "assemblyai-streaming")).text
    assert "4111" not in written
    assert json.loads(written)[2]["revisions"][0]["transcript"].startswith("my card is [redacted]")
