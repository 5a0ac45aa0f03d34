"""Helpers the formats share (base.py): ListedWords, the write-back of the words read; and one
check on every time a transcript gives.

A word or segment time that no recording can have (past MAX_TIME_S, infinite, not a number,
an integer too long for a float) is refused where it is read, naming the field and never the
value: a time of 1e12 s reached the engine (a 1e308 s segment end crashed it with an
OverflowError, exit 1) and a 400-digit integer crashed every JSON reader.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from redaction.transcripts.base import MAX_TIME_S, ListedWords, overlapping


def test_listed_words_numbers_the_words_across_lists_and_redacts_the_sensitive_ones() -> None:
    first: list[dict[str, Any]] = [{"word": "my"}, {"word": "four,"}, {"word": " five"}]
    second: list[dict[str, Any]] = [{"word": "ok"}, {"word": "(six)", "start": 1.0}]
    words = ListedWords(frozenset({1, 2, 4}))
    assert words.redact(first, "word") == [1, 2]
    assert words.redact([], "word") == []  # an empty list takes no numbers
    assert words.redact(second, "word") == [1]
    assert first == [{"word": "my"}, {"word": "[redacted],"}, {"word": " [redacted]"}]
    assert second == [{"word": "ok"}, {"word": "([redacted])", "start": 1.0}]
    assert words.said == ["four,", " five", "(six)"]


def test_listed_words_leaves_a_list_without_sensitive_words_as_it_is() -> None:
    words = ListedWords(frozenset({3}))
    untouched: list[dict[str, Any]] = [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    assert words.redact(untouched, "value") == []
    assert untouched == [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    later: list[dict[str, Any]] = [{"value": "seven"}]
    assert words.redact(later, "value") == [0]
    assert later == [{"value": "[redacted]"}] and words.said == ["seven"]


def test_listed_words_key_may_be_found_per_word() -> None:
    """Arrays (faster-whisper's [start, end, word, p]) and mappings with different text keys."""
    mixed: list[Any] = [[0.0, 0.5, " eight", 0.9], {"text": "nine."}, {"word": "ten"}]

    def text_at(word: Any) -> int | str:
        return 2 if isinstance(word, list) else ("text" if "text" in word else "word")

    words = ListedWords(frozenset({0, 1}))
    assert words.redact(mixed, text_at) == [0, 1]
    assert mixed == [[0.0, 0.5, " [redacted]", 0.9], {"text": "[redacted]."}, {"word": "ten"}]
    assert words.said == [" eight", "nine."]


#: One timed word per format, its start and end both VALUE (a raw JSON token), and where the
#: error must point. Units are each format's own (ms, 100 ns ticks): every VALUE below is past
#: MAX_TIME_S in any of them.
WORDS = {
    "aws": ('{"results": {"transcripts": [{"transcript": "four"}], "items": [{"type": "pronunciation", '
            '"start_time": VALUE, "end_time": VALUE, "alternatives": [{"content": "four", "confidence": "0.9"}]}]}}',
            "results.items[0]"),
    "aws-streaming": ('{"Transcript": {"Results": [{"IsPartial": false, "StartTime": 0, "EndTime": 1, "Alternatives": '
                      '[{"Transcript": "four", "Items": [{"Type": "pronunciation", "Content": "four", '
                      '"StartTime": VALUE, "EndTime": VALUE}]}]}]}}',
                      "Transcript.Results[0].Alternatives[0].Items[0]"),
    "aws-call-analytics": ('{"Transcript": [{"Content": "four", "ParticipantRole": "AGENT", "BeginOffsetMillis": 0, '
                           '"EndOffsetMillis": 1000, "Items": [{"Type": "pronunciation", "Content": "four", '
                           '"BeginOffsetMillis": VALUE, "EndOffsetMillis": VALUE}]}]}',
                           "Transcript[0].Items[0]"),
    "deepgram": ('{"results": {"channels": [{"alternatives": [{"transcript": "four", "words": '
                 '[{"word": "four", "start": VALUE, "end": VALUE}]}]}]}}',
                 "results.channels[0].alternatives[0].words[0]"),
    "assemblyai": ('{"text": "four", "words": [{"text": "four", "start": VALUE, "end": VALUE}]}', "words[0]"),
    "assemblyai-sentences": ('{"audio_duration": 1, "sentences": [{"text": "four", "words": '
                             '[{"text": "four", "start": VALUE, "end": VALUE}]}]}', "sentences[0].words[0]"),
    "assemblyai-streaming": ('{"type": "Turn", "turn_order": 0, "end_of_turn": true, "turn_is_formatted": true, '
                             '"transcript": "four", "words": [{"text": "four", "start": VALUE, "end": VALUE, '
                             '"confidence": 0.9, "word_is_final": true}]}', "words[0]"),
    "whisper": ('{"text": "four", "segments": [{"start": 0, "end": 1, "text": "four", "words": '
                '[{"word": " four", "start": VALUE, "end": VALUE}]}]}', "segments[0].words[0]"),
    "whisper-cpp": ('{"transcription": [{"offsets": {"from": 0, "to": 1000}, "text": "four", "tokens": '
                    '[{"text": " four", "offsets": {"from": VALUE, "to": VALUE}}]}]}',
                    "transcription[0].tokens[0].offsets.from"),
    "google": ('{"results": [{"alternatives": [{"transcript": "four", "words": '
               '[{"word": "four", "startOffset": VALUE, "endOffset": VALUE}]}]}]}',
               "results[0].alternatives[0].words[0].startOffset"),
    "azure": ('{"recognizedPhrases": [{"offsetInTicks": 0, "durationInTicks": 10000000, "nBest": [{"display": "four", '
              '"words": [{"word": "four", "offsetInTicks": VALUE, "durationInTicks": VALUE}]}]}]}',
              "recognizedPhrases[0].nBest[0].words[0].offsetInTicks"),
    "revai": ('{"monologues": [{"elements": [{"type": "text", "value": "four", "ts": VALUE, "end_ts": VALUE}]}]}',
              "monologues[0].elements[0]"),
    "speechmatics": ('{"results": [{"type": "word", "start_time": VALUE, "end_time": VALUE, '
                     '"alternatives": [{"content": "four"}]}]}', "results[0]"),
    "assemblyai-sentences": ('{"audio_duration": 1, "paragraphs": [{"text": "hello", "start": 500, "end": VALUE, '
                             '"words": []}]}', "paragraphs[0].end"),
    "twilio": ('{"sentences": [{"sentence_index": 0, "transcript": "four", "words": '
               '[{"word": "four", "start_time": VALUE, "end_time": VALUE}]}]}', "sentences[0].words[0].start_time"),
    "vosk": ('{"result": [{"word": "four", "start": VALUE, "end": VALUE, "conf": 1.0}], "text": "four"}', "result[0]"),
    "deepgram-flux": ('[{"type": "TurnInfo", "event": "EndOfTurn", "turn_index": 0, "transcript": "four", "words": '
                      '[{"word": "four", "start": VALUE, "end": VALUE}]}]', "[0].words[0]"),
    "elevenlabs": ('{"language_code": "en", "language_probability": 1, "text": "four", "words": '
                   '[{"text": "four", "type": "word", "start": VALUE, "end": VALUE}]}', "words[0]"),
    "watson": ('{"results": [{"final": true, "alternatives": [{"transcript": "four ", "timestamps": '
               '[["four", VALUE, VALUE]]}]}]}', "results[0].alternatives[0].timestamps[0]"),
    "simple": ("0.5 0.8 hello\nVALUE VALUE four\n", "line 2"),
}
#: One untimed segment (or turn) per format that has them, starting at 0.5 s and ending at VALUE.
SEGMENTS = {
    "contact-lens": ('{"Version": "1.1.0", "Transcript": [{"Content": "hello", "ParticipantId": "AGENT", '
                     '"BeginOffsetMillis": 500, "EndOffsetMillis": VALUE}]}', "Transcript[0].EndOffsetMillis"),
    "aws-call-analytics": ('{"Transcript": [{"Content": "hello", "ParticipantRole": "AGENT", '
                           '"BeginOffsetMillis": 500, "EndOffsetMillis": VALUE}]}', "Transcript[0].EndOffsetMillis"),
    "whisper": ('{"text": "hello", "segments": [{"start": 0.5, "end": VALUE, "text": "hello"}]}', "segments[0].end"),
    "whisper-cpp": ('{"transcription": [{"offsets": {"from": 500, "to": VALUE}, "text": "hello"}]}',
                    "transcription[0].offsets.to"),
    "google": ('{"results": [{"alternatives": [{"transcript": "hello"}], "resultEndTime": VALUE}]}',
               "results[0].resultEndTime"),
    "azure": ('{"recognizedPhrases": [{"offsetInTicks": 5000000, "durationInTicks": VALUE, '
              '"nBest": [{"display": "hello"}]}]}', "recognizedPhrases[0].durationInTicks"),
    "twilio": ('{"sentences": [{"sentence_index": 0, "transcript": "hello", "start_time": 0.5, "end_time": VALUE}]}',
               "sentences[0].end_time"),
}
#: Formats whose times are cue timings (HH:MM:SS,mmm), not numbers: probed in test_subtitles.py.
SUBTITLES = {"srt", "webvtt"}
#: Raw JSON tokens (the simple format reads the same spellings): huge in any unit.
VALUES = {"1e15": "1e15", "1e308": "1e308", "1e400": "1e400", "Infinity": "Infinity", "NaN": "NaN",
          "400-digit-integer": "9" * 400}


def test_every_format_is_probed() -> None:
    """A format added later is probed too (contact-lens has turns only; subtitles' times, cue
    timings, are probed in test_subtitles.py)."""
    assert set(WORDS) | set(SEGMENTS) | SUBTITLES == set(transcripts.FORMATS)
    assert set(transcripts.FORMATS) - set(WORDS) == {"contact-lens"} | SUBTITLES


def refused(template: str, value: str, fmt: str) -> TranscriptError:
    text = template.replace("VALUE", value)
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(text, fmt)
    return caught.value


def assert_names_the_place(error: TranscriptError, fmt: str, where: str) -> None:
    message = str(error)
    assert message.startswith(f"{fmt} transcript: {where} "), message
    assert not re.search(r"\d{7}", message), message  # the value is not echoed


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
@pytest.mark.parametrize("fmt", WORDS)
def test_a_word_time_no_recording_has_is_refused_naming_the_word(fmt: str, value: str) -> None:
    template, where = WORDS[fmt]
    assert_names_the_place(refused(template, value, fmt), fmt, where)


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
@pytest.mark.parametrize("fmt", SEGMENTS)
def test_a_segment_time_no_recording_has_is_refused_naming_the_segment(fmt: str, value: str) -> None:
    template, where = SEGMENTS[fmt]
    assert_names_the_place(refused(template, value, fmt), fmt, where)


def test_times_up_to_the_cap_are_read_in_every_unit() -> None:
    """The cap is on seconds, after each format's unit: a week in ms or ticks is read."""
    week_ms, week_ticks = f"{MAX_TIME_S * 1000:.0f}", f"{MAX_TIME_S * 10_000_000:.0f}"
    for fmt, value in [("deepgram", f"{MAX_TIME_S:.0f}"), ("assemblyai", week_ms), ("aws-call-analytics", week_ms),
                       ("whisper-cpp", week_ms), ("azure", week_ticks)]:
        template = WORDS[fmt][0].replace('"durationInTicks": VALUE', '"durationInTicks": 0')  # Azure: end = start + it
        word, = transcripts.load(template.replace("VALUE", value), fmt).words
        assert word.start_s == pytest.approx(MAX_TIME_S)
    assert transcripts.load(SEGMENTS["whisper"][0].replace("VALUE", f"{MAX_TIME_S:.0f}"), "whisper").segments


def test_an_iso_duration_past_the_cap_is_refused() -> None:
    document = {"recognizedPhrases": [{"offset": "PT0.5S", "duration": "PT200000H", "nBest": [{"display": "hello"}]}]}
    error = refused(json.dumps(document), "", "azure")
    assert_names_the_place(error, "azure", "recognizedPhrases[0].duration")


def test_an_integer_too_long_for_a_float_in_a_copy_of_the_words_is_bad_input() -> None:
    """The words read; a copy of one (an utterance) gives a 400-digit start."""
    document = {"text": "four", "words": [{"text": "four", "start": 0, "end": 100}],
                "utterances": [{"text": "four", "words": [{"text": "four", "start": 0, "end": 100}]}]}
    text = json.dumps(document).replace('"start": 0, "end": 100}]}]', f'"start": {"9" * 400}, "end": 100}}]}}]')
    transcript = transcripts.load(text, "assemblyai")
    with pytest.raises(TranscriptError, match="a time that is not a number"):
        transcripts.write_back(transcript)


def overlaps(start_s: float, end_s: float, spans: list[tuple[float, float]]) -> bool:
    """What ``overlapping`` answers, span by span (the readers' check until session 51)."""
    return any(start_s < e and s < end_s or (start_s == s and end_s == e) for s, e in spans)


def test_overlapping_answers_as_overlaps_does_for_any_word_and_spans() -> None:
    """``overlapping`` (spans indexed once, for a streaming session's many copies of words) is
    ``overlaps``: nested, touching, equal and zero-length spans and words alike."""
    rng = random.Random(50)
    for _ in range(300):
        spans = []
        for _ in range(rng.randrange(0, 8)):
            start = rng.randrange(0, 12) / 2
            spans.append((start, start + rng.randrange(0, 6) / 2))
        near = overlapping(spans)
        for start in range(0, 16):
            for length in range(0, 6):
                word = (start / 2, start / 2 + length / 2)
                assert near(*word) == overlaps(*word, spans), (spans, word)


def test_text_that_is_no_json_is_told_apart_by_the_errors_type_not_its_message() -> None:
    """Session 51: the readers that fall back to JSON lines or concatenated objects (the streaming
    formats, vosk, ``recognise``) told "not JSON" from "JSON refused" by looking for "not valid
    JSON" in the message: a change of wording would have sent every JSON-lines session to an error.
    ``InvalidJSON`` says so, with where the parser stopped; JSON a reader refuses is not one."""
    from redaction.transcripts.base import InvalidJSON, load_json
    from redaction.transcripts.messages import load_messages

    with pytest.raises(InvalidJSON) as caught:
        load_json('{"words": [\n  1,', "deepgram")
    assert isinstance(caught.value, TranscriptError) and (caught.value.line, caught.value.column) == (2, 5)
    assert str(caught.value) == "deepgram transcript is not valid JSON (line 2, column 5)"
    for refused in ('{"a": 1, "a": 2}', "[" * 70 + "]" * 70, "1" * 5000):
        with pytest.raises(TranscriptError) as caught:
            load_json(refused, "deepgram")
        assert not isinstance(caught.value, InvalidJSON)
    with pytest.raises(TranscriptError, match=r"^vosk transcript: line 2 is not a JSON message") as caught:
        load_messages('{"a": 1}\n{"b": \n', "vosk")
    assert not isinstance(caught.value, InvalidJSON)  # a JSON line that is not JSON: named, and not retried


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\uDC00 \\uD83D", "\\ude00\\ud83d"])
def test_an_escaped_lone_surrogate_is_refused_where_the_json_is_read(escape: str) -> None:
    """Session 52: JSON may escape half a surrogate pair ("\\ud800"), which is no character: the
    transcript was read and written back, and writing the redacted copy out (UTF-8) raised a
    UnicodeEncodeError, not a TranscriptError (a post-call job failed instead of falling back to
    the recognizer). Refused where the JSON is read, naming the format and no text; a whole pair
    (an emoji) is text."""
    words = '[{"word": " card", "start": 0, "end": 0.5}, {"word": " %s", "start": 0.5, "end": 1}]'
    text = '{"text": "", "segments": [{"start": 0, "end": 1, "text": "", "words": %s}]}' % (words % escape)
    for name, fmt in (("the", "auto"), ("whisper", "whisper")):
        with pytest.raises(TranscriptError) as caught:
            transcripts.load(text, fmt)
        assert str(caught.value) == f"{name} transcript holds an escaped half of a surrogate pair, which is no text"
    lines = '{"type": "Begin"}\n{"type": "Turn", "transcript": "%s"}\n' % escape
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(lines, "assemblyai-streaming")
    assert str(caught.value) == ("assemblyai-streaming transcript line 2 holds an escaped half of a surrogate pair, "
                                 "which is no text")
    whole = transcripts.load(text.replace(escape, "\\ud83d\\ude00"), "whisper")
    assert transcripts.write_back(whole).text.encode("utf-8").count("\U0001F600".encode()) == 1
