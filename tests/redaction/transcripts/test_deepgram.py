"""Deepgram specifics: punctuated words, utterances redacted by time, derived text kept redacted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import transcripts
from redaction.transcripts import deepgram
from redaction.errors import TranscriptError
from tests.redaction.transcripts.conftest import fixture_text


def test_utterance_copies_are_redacted_and_paragraphs_kept_redacted() -> None:
    document = json.loads(transcripts.redacted(transcripts.load(fixture_text("deepgram"), "deepgram")))
    alternative = document["results"]["channels"][0]["alternatives"][0]
    utterance = document["results"]["utterances"][0]
    assert alternative["paragraphs"]["transcript"].startswith("Can i have the card number please sure it's [redacted]")
    assert "four" not in alternative["paragraphs"]["transcript"]
    assert utterance["transcript"] == alternative["transcript"]
    assert [w["word"] for w in utterance["words"]] == [w["word"] for w in alternative["words"]]
    assert alternative["words"][9]["punctuated_word"] == "[redacted]"


def test_entity_values_summaries_and_search_hits_are_kept_redacted() -> None:
    document = json.loads(fixture_text("deepgram"))
    results = document["results"]
    channel = results["channels"][0]
    channel["alternatives"][0]["entities"] = [{"label": "CARDINAL", "value": "4532 1488", "start_word": 9,
                                               "end_word": 16, "confidence": 0.9}]
    channel["search"] = [{"query": "card", "hits": [{"confidence": 0.9, "start": 4.0, "end": 6.5,
                                                     "snippet": "it's 4532 1488"}]}]
    results["summary"] = {"result": "success", "short": "Caller paid with card 4532 1488."}
    written = transcripts.write_back(transcripts.load(json.dumps(document), "deepgram"))
    assert "4532" not in written.text and written.removed == ()
    after = json.loads(written.text)["results"]
    assert after["summary"] == {"result": "success", "short": "Caller paid with card [redacted] [redacted]."}
    assert after["channels"][0]["search"][0]["hits"][0]["snippet"] == "it's [redacted] [redacted]"
    assert after["channels"][0]["alternatives"][0]["entities"][0]["value"] == "[redacted] [redacted]"


def test_multichannel_words_of_every_channel_are_read_and_the_callers_card_redacted() -> None:
    """multichannel=true: one entry per channel (the agent on 0, the caller on 1), their
    times overlapping. Built from the real SDK response: channel 1 says a card over it."""
    real = (Path(__file__).parent / "fixtures" / "real" / "deepgram-python-sdk-preamble.json").read_text()
    document = json.loads(real)
    caller = json.loads(json.dumps(document["results"]["channels"][0]))
    words = caller["alternatives"][0]["words"]
    for word, said in zip(words[2:6], ["4111", "1111", "1111", "1111"]):
        word["word"] = word["punctuated_word"] = said
    caller["alternatives"][0]["transcript"] = " ".join(w["punctuated_word"] for w in words)
    document["results"]["channels"].append(caller)
    transcript = transcripts.load(json.dumps(document), "auto")
    assert len(transcript.words) == 14 and transcript.words[9].text == "4111"
    assert sorted(transcripts.sensitive_words(transcript)) == [9, 10, 11, 12]
    written = json.loads(transcripts.write_back(transcript).text)["results"]["channels"]
    assert [w["word"] for w in written[1]["alternatives"][0]["words"][2:6]] == ["[redacted]"] * 4
    # The recording is mono: the agent's words under the card are masked in the audio, and in the copy.
    assert [w["word"] for w in written[0]["alternatives"][0]["words"]] == ["we", "the"] + ["[redacted]"] * 4 + ["states"]
    assert "4111" not in json.dumps(written) and "1111" not in json.dumps(written)


LIVE = Path(__file__).parent / "fixtures" / "real" / "deepgram-python-sdk-live-results.json"


def live_messages() -> list[dict]:
    """Messages of a live session as a client keeps them: an interim result, its final
    result (the published one), and a message that is not a result."""
    final = json.loads(LIVE.read_text(encoding="utf-8"))
    interim = json.loads(json.dumps(final))
    interim.update(is_final=False, speech_final=False)
    interim["channel"]["alternatives"][0]["words"] = interim["channel"]["alternatives"][0]["words"][:2]
    return [{"type": "Metadata", "request_id": final["metadata"]["request_id"], "channels": 1}, interim, final,
            {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 7.42}]


def test_live_results_kept_as_a_list_read_final_results_only() -> None:
    transcript = transcripts.load(json.dumps(live_messages()), "auto")
    assert transcript.format == "deepgram"
    assert [(w.text, w.start_s) for w in transcript.words] == [
        ("ensure", 6.251818), ("domestic", 6.6427274), ("tranquility", 7.19)]


def test_card_in_live_results_is_written_back_redacted_in_every_copy() -> None:
    messages = live_messages()
    for message in messages[1:3]:
        words = message["channel"]["alternatives"][0]["words"]
        for word, digits in zip(words, ("4111", "1111", "1111")):
            word["word"] = word["punctuated_word"] = digits
        message["channel"]["alternatives"][0]["transcript"] = " ".join(w["word"] for w in words)
    final = messages[2]["channel"]["alternatives"][0]
    final["words"].append({"word": "1111", "start": 7.5, "end": 7.9, "confidence": 0.9, "punctuated_word": "1111."})
    final["transcript"] += " 1111."
    transcript = transcripts.load(json.dumps(messages), "deepgram")
    assert sorted(transcripts.sensitive_words(transcript)) == [0, 1, 2, 3]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    assert json.loads(written)[2]["channel"]["alternatives"][0]["transcript"] == (
        "[redacted] [redacted] [redacted] [redacted].")


def test_a_bad_time_in_a_live_result_is_refused_naming_where() -> None:
    messages = live_messages()
    messages[2]["channel"]["alternatives"][0]["words"][1]["start"] = "soon"
    with pytest.raises(TranscriptError, match=r"^deepgram transcript: \[2\]\.channel\.alternatives\[0\]\.words\[1\] has a time"):
        transcripts.load(json.dumps(messages), "deepgram")


class ScannedText(str):
    """A paragraph transcript that counts the characters its searches and replacements read."""

    read = 0

    def replace(self, old: str, new: str, count: int = -1) -> ScannedText:  # type: ignore[override]
        ScannedText.read += len(self)
        return ScannedText(str.replace(self, old, new, count))

    def find(self, sub: str, start: int | None = None, end: int | None = None) -> int:  # type: ignore[override]
        at = str.find(self, sub, start, end)
        ScannedText.read += (len(self) if at < 0 else at + len(sub)) - (start or 0)
        return at


def card_sentences(count: int, *, order: str = "same") -> dict:
    """An alternative whose ``count`` sentences each read a card (16 digits in 4 words, 3 s apart)."""
    words, sentences = [], []
    for k in range(count):
        for j, said in enumerate(["4111", "1111", "1111", "1111"]):
            words.append({"word": said, "punctuated_word": said, "start": 3.0 * k + 0.5 * j,
                          "end": 3.0 * k + 0.5 * j + 0.4, "confidence": 0.9})
        sentences.append({"text": f"Card {k}: 4111 1111 1111 1111.", "start": 3.0 * k, "end": 3.0 * k + 1.9})
    texts = [s["text"] for s in (sentences if order == "same" else sentences[::-1])]
    paragraphs = {"transcript": "\nSpeaker 0: " + " ".join(texts) + "\n", "paragraphs": [{"sentences": sentences}]}
    return {"results": {"channels": [{"alternatives": [{"transcript": "", "words": words, "paragraphs": paragraphs}]}]}}


def test_the_paragraph_transcript_is_rewritten_in_one_pass_over_it() -> None:
    """Each redacted sentence was replaced by a replace over the whole paragraph transcript:
    sentences x text read (4 s of an 8 MB document; minutes at the size a long call's transcript
    may have). Counted, not timed: the text is read about once now, and comes out as before."""
    alternative = card_sentences(400)["results"]["channels"][0]["alternatives"][0]
    ScannedText.read = 0
    paragraphs = alternative["paragraphs"]
    paragraphs["transcript"] = ScannedText(paragraphs["transcript"])
    size = len(paragraphs["transcript"])
    deepgram._rebuild_sentences(alternative, lambda start_s, end_s: True)
    assert ScannedText.read <= size + 100, (ScannedText.read, size)
    assert paragraphs["transcript"] == "\nSpeaker 0: " + " ".join(["4111 1111 1111 1111"] * 400) + "\n"


def test_a_paragraph_transcript_not_holding_the_sentences_in_order_is_rebuilt_from_them() -> None:
    document = card_sentences(3, order="reversed")
    written = json.loads(transcripts.redacted(transcripts.load(json.dumps(document), "deepgram")))
    paragraphs = written["results"]["channels"][0]["alternatives"][0]["paragraphs"]
    assert paragraphs["transcript"] == " ".join(["[redacted] [redacted] [redacted] [redacted]"] * 3)


PREAMBLE = Path(__file__).parent / "fixtures" / "real" / "deepgram-python-sdk-preamble.json"


@pytest.mark.parametrize(("planted", "expected"), [
    ({3: ("of", "4111-1111-1111-1111,")}, {3: ("[redacted]", "[redacted],")}),
    ({3: ("4111", "4111 1111 1111 1111")}, {3: ("[redacted]", "[redacted] [redacted] [redacted] [redacted]")}),
    ({1: ("the", "4111"), 2: ("people", "1111"), 3: ("of", "1111"), 4: ("the", "1111,")},
     {1: ("[redacted]", "[redacted]"), 2: ("[redacted]", "[redacted]"), 3: ("[redacted]", "[redacted]"),
      4: ("[redacted]", "[redacted],")}),
])
def test_card_in_punctuated_words_that_differ_from_the_words_is_redacted(
        planted: dict[int, tuple[str, str]], expected: dict[int, str]) -> None:
    """Deepgram's words are read by ``word``; a ``punctuated_word`` holding card digits the word
    does not say (a formatted card number, one that joins what ``word`` splits, or its groups
    over words that say something else) was written back as it was. Both forms of such a word
    are redacted (they are one word)."""
    document = json.loads(PREAMBLE.read_text(encoding="utf-8"))
    words = document["results"]["channels"][0]["alternatives"][0]["words"]
    for k, (word, punctuated) in planted.items():
        words[k].update(word=word, punctuated_word=punctuated)
    before = [(w["word"], w["punctuated_word"]) for w in words]
    written = transcripts.write_back(transcripts.load(json.dumps(document), "deepgram"))
    after = json.loads(written.text)["results"]["channels"][0]["alternatives"][0]
    assert [(w["word"], w["punctuated_word"]) for w in after["words"]] == [expected.get(k, pair)
                                                                           for k, pair in enumerate(before)]
    assert "4111" not in written.text and "1111" not in written.text


@pytest.mark.parametrize(("summary", "expected"), [
    ("Caller paid with card ending 0366, expiry 12/27.", "Caller paid with card ending [redacted], expiry [redacted]."),
    ("The card starts 4532 01.", "The card starts [redacted] [redacted]."),  # "01": beside a redacted number
    ("Card ending oh three six six.", "Card ending [redacted] [redacted] [redacted] [redacted]."),
    ("It ends in double six, nothing else.", "It ends in double six, nothing else."),  # two digits: no quote
])
def test_a_summary_quoting_digits_of_a_card_said_in_words_is_redacted(summary: str, expected: str) -> None:
    """Without smart_format Deepgram writes the card in words ("four five three two oh one ..."):
    its digits were quoted by no word's core, so a summary's "ending 0366" (numerals, as a
    model writes them) or "ending oh three six six" stayed."""
    document = json.loads(fixture_text("deepgram"))
    document["results"]["summary"] = {"result": "success", "short": summary}
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "deepgram")).text)
    assert after["results"]["summary"]["short"] == expected


def test_a_summary_quoting_a_card_the_words_say_but_not_their_punctuated_forms_is_redacted() -> None:
    """The digits to quote by were taken from the redacted words' punctuated forms only: where
    ``word`` (the text read) says the card and ``punctuated_word`` does not, a summary's
    "ending 1111" stayed."""
    document = json.loads(PREAMBLE.read_text(encoding="utf-8"))
    for word, group in zip(document["results"]["channels"][0]["alternatives"][0]["words"][2:6],
                           ("4111", "1111", "1111", "1112")):
        word["word"] = group
    document["results"]["summary"] = {"result": "success", "short": "The caller's card ends 1112."}
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "deepgram")).text)
    assert after["results"]["summary"]["short"] == "The caller's card ends [redacted]."
