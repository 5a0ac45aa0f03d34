"""A card written with thousands separators ("4,111 1111 1111 1111", "1.234 5678 ...") leaves no
digit in any format's written-back transcript; a price in a transcript without card data stays."""

from __future__ import annotations

import json
import re

import pytest

from redaction import transcripts

ASK = ["What's", "the", "card", "number?"]


def document(format_name: str, said: list[str], summary: str = "") -> str:
    """A minimal transcript of ``said`` (one word a second) in ``format_name``, with ``summary``
    as free text where the format has some."""
    times = [(1.0 + k, 1.8 + k) for k in range(len(said))]
    text = " ".join(said)
    if format_name == "simple":
        lines = [f"# {summary}"] if summary else []
        return "\n".join(lines + [f"{s:.1f} {e:.1f} {w}" for w, (s, e) in zip(said, times)]) + "\n"
    if format_name == "whisper":
        return json.dumps({"text": text, "language": "english", "duration": 60.0,
                           "words": [{"word": w, "start": s, "end": e} for w, (s, e) in zip(said, times)]})
    if format_name == "assemblyai":
        body = {"text": text, "status": "completed", "audio_url": "https://example.invalid/a.wav",
                "words": [{"text": w, "start": int(s * 1000), "end": int(e * 1000), "confidence": 0.9}
                          for w, (s, e) in zip(said, times)]}
        if summary:
            body["summary"] = summary
        return json.dumps(body)
    if format_name == "deepgram":
        words = [{"word": w.lower().strip("?.,"), "punctuated_word": w, "start": s, "end": e, "confidence": 0.9}
                 for w, (s, e) in zip(said, times)]
        return json.dumps({"metadata": {"channels": 1, "duration": 60.0}, "results": {"channels": [
            {"alternatives": [{"transcript": text, "confidence": 0.9, "words": words}]}]}})
    if format_name == "aws":
        items = [{"start_time": f"{s:.3f}", "end_time": f"{e:.3f}", "type": "pronunciation",
                  "alternatives": [{"confidence": "0.9", "content": w}]} for w, (s, e) in zip(said, times)]
        return json.dumps({"jobName": "j", "status": "COMPLETED",
                           "results": {"transcripts": [{"transcript": text}], "items": items}})
    raise AssertionError(format_name)


FORMATS = ["assemblyai", "aws", "deepgram", "simple", "whisper"]
#: A test card (4111 1111 1111 1111, Luhn-valid) as recognizers and locales group it.
CARDS = [
    ["4,111", "1111", "1111", "1111"],
    ["4111", "1111", "1111", "1,111."],
    ["4111", "1,111", "1,111", "1,111"],
    ["4.111", "1111", "1111", "1111"],
    ["4,111,111,111,111,111"],
    ["4.111.111.111.111.111"],
    ["4\u2009111\u2009111\u2009111\u2009111\u2009111"],  # thin spaces
    ["4\u202f111\u202f111\u202f111\u202f111\u202f111"],  # narrow no-break spaces (French)
    ["4'111'111'111'111'111"],  # Swiss
]


def texts(format_name: str, written: str) -> list[str]:
    """Every text of a written-back document: its strings but times and confidences (AWS writes them as
    strings), or the simple format's words and comments."""
    if format_name == "simple":
        return [line if line.startswith("#") else line.split(" ", 2)[2] for line in written.splitlines()]
    found, stack = [], [json.loads(written)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack += [v for k, v in node.items() if k not in ("start_time", "end_time", "confidence")]
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str):
            found.append(node)
    return found


def digits_left(format_name: str, written: str) -> list[str]:
    """Runs of digits (any separators between them) in the texts of ``written``."""
    return [run for text in texts(format_name, written) for run in re.findall(r"\d(?:[\d,.'\s]*\d)?", text)]


@pytest.mark.parametrize(("card", "format_name"), [
    (card, name) for card in CARDS for name in FORMATS
    if not (name == "simple" and any(ch.isspace() for ch in "".join(card)))  # its fields part at any space
], ids=lambda v: v if isinstance(v, str) else "_".join(v).encode("unicode_escape").decode())
def test_no_digit_of_a_card_written_with_separators_survives(format_name: str, card: list[str]) -> None:
    """Found in session 47: "4,111 1111 1111 1111" (and "1,111" last, "4.111" first) kept the
    group so written in the words, the full text and the audio (it read as an amount). The
    cards grouped whole, by spaces or apostrophes, were already redacted: kept as guards."""
    said = [*ASK, "It's", *card, "thanks."]
    transcript = transcripts.load(document(format_name, said), format_name)
    written = transcripts.write_back(transcript).text
    assert digits_left(format_name, written) == []


@pytest.mark.parametrize("format_name", ["assemblyai", "simple"])
@pytest.mark.parametrize("card", [["4111111111111111"], ["4,111,111,111,111,111"], ["4111", "1111", "1111", "1111"]],
                         ids=lambda c: "_".join(c))
def test_free_text_quoting_a_cards_groups_with_separators_loses_them(format_name: str, card: list[str]) -> None:
    """A summary (or a comment) quoting the card's groups as a locale writes them, when the
    words held that card: no group survives, whatever separator it is written with."""
    said = [*ASK, "It's", *card, "thanks."]
    summary = "Caller paid with the card starting 4,111 and ending 1.111; total $1,250.00 at 10:15."
    transcript = transcripts.load(document(format_name, said, summary), format_name)
    written = transcripts.write_back(transcript).text
    assert digits_left(format_name, written) == ["1,250.00", "10", "15"]  # a price and a time are no card data


@pytest.mark.parametrize("format_name", FORMATS)
def test_prices_and_counts_in_a_transcript_without_card_data_stay(format_name: str) -> None:
    said = ["It", "costs", "$1,250.00,", "or", "1,250", "euros", "for", "4,111", "people", "in", "2.500", "towns:",
            "1,250", "1,300", "1,400", "2,500", "2,600", "2,700."]
    summary = "A quote of $1,250.00 for 4,111 people: 1,250 1,300 1,400 2,500 2,600 2,700."
    source = document(format_name, said, summary)
    transcript = transcripts.load(source, format_name)
    assert transcripts.sensitive_words(transcript) == frozenset()
    assert sorted(texts(format_name, transcripts.write_back(transcript).text)) == sorted(texts(format_name, source))
