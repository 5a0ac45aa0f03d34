"""A field no reader reads and no scrubber took for free text (a label, an id: a string without a
space under a key that is not a text key, or a JSON number) holding a copy of the card data the
words said is redacted too. Session 54: ``"ref": "4532015112830366"`` beside the words saying that
card, or its last four, or the card as a JSON number, was written back as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest

from redaction import transcripts

SAID = "my card number is 4532 0151 1283 0366 thanks".split()


def written(extra: dict[str, Any], said: list[str] = SAID) -> dict[str, Any]:
    words = [{"word": " " + w, "start": 0.1 + 0.25 * k, "end": 0.3 + 0.25 * k} for k, w in enumerate(said)]
    document = {"text": " ".join(said), "segments": [{"id": 0, "start": 0.1, "end": 2.9, "text": " ".join(said),
                                                      "words": words}], "language": "en", **extra}
    return json.loads(transcripts.redacted(transcripts.load(json.dumps(document), "whisper")))


@pytest.mark.parametrize(("extra", "expected"), [
    ({"ref": "4532015112830366"}, {"ref": "[redacted]"}),
    ({"ref": "4532-0151-1283-0366"}, {"ref": "[redacted]"}),
    ({"ref": "4532-0151-1283"}, {"ref": "[redacted]"}),
    ({"meta": {"card": "card-4532015112830366"}}, {"meta": {"card": "[redacted]"}}),
    ({"ref": 4532015112830366}, {"ref": "[redacted]"}),
    ({"entities": [{"value": 4532015112830366, "type": "credit_card"}]},
     {"entities": [{"value": "[redacted]", "type": "credit_card"}]}),
], ids=["a-string", "dashed", "its-first-twelve", "nested", "a-json-number", "a-number-under-a-text-key"])
def test_a_copy_of_the_card_said_under_any_key_is_redacted(extra: dict[str, Any], expected: dict[str, Any]) -> None:
    after = written(extra)
    assert {key: after[key] for key in expected} == expected
    assert after["text"] == " my card number is [redacted] [redacted] [redacted] [redacted] thanks"


@pytest.mark.parametrize("extra", [
    {"ref": "4111111111111111", "id": "a3f9c2", "language": "en", "n": 4111, "year": "2026"},
    {"start_ms": 4532, "end": "1283.03", "last4": "0366", "ticks": 45320151128},  # share digits with the card
])
def test_ids_and_numbers_that_quote_no_card_said_are_kept(extra: dict[str, Any]) -> None:
    """Another card's number under an id is kept (no speech is written there), and so are times and
    shorter runs of the card's own digits (its last four are what a receipt shows)."""
    after = written(extra)
    assert {key: after[key] for key in extra} == extra
    clean = written(extra, "thanks for calling".split())
    assert {key: clean[key] for key in extra} == extra


CARD_WORDS = ["my", "card", "is", "4111", "1111", "1111", "1111", "thanks"]
CARD_REDACTED = ["my", "card", "is", "[redacted]", "[redacted]", "[redacted]", "[redacted]", "thanks"]


@pytest.mark.parametrize(("extra", "expected"), [
    ({"extra_words": [{"word": w, "start": k} for k, w in enumerate(CARD_WORDS)]},
     {"extra_words": [{"word": w, "start": k} for k, w in enumerate(CARD_REDACTED)]}),
    ({"tokens": CARD_WORDS}, {"tokens": CARD_REDACTED}),
    ({"items": [{"text": w, "speaker": "A"} for w in CARD_WORDS]},
     {"items": [{"text": w, "speaker": "A"} for w in CARD_REDACTED]}),
    ({"items": [{"text": w} for w in "card four one one one one one one one one one one one one one one one".split()]},
     {"items": [{"text": w} for w in ["card", *["[redacted]"] * 16]]}),
    ({"tokens": ["4111 1111", "1111 1111"]}, {"tokens": ["[redacted] [redacted]", "[redacted] [redacted]"]}),
    ({"tokens": ["card is 4111", "1111", "1111", "1111"]}, {"tokens": ["card is [redacted]", *["[redacted]"] * 3]}),
    ({"items": [{"text": "my card is 4111"}, {"text": "1111"}, {"text": "1111"}, {"text": "1111 thanks"}]},
     {"items": [{"text": "my card is [redacted]"}, *[{"text": "[redacted]"}] * 2, {"text": "[redacted] thanks"}]}),
], ids=["word-mappings", "strings", "text-mappings", "digits-in-words", "two-groups-a-string", "a-sentence-then-groups",
        "sentences-and-groups"])
def test_a_card_split_over_the_strings_of_a_list_no_reader_reads_is_redacted(extra: dict[str, Any],
                                                                             expected: dict[str, Any]) -> None:
    """Session 54: each string of a list no reader reads (a provider's field unknown to its reader)
    was scrubbed alone, so a card one group a string, "4111", "1111"..., was written back whole. The
    texts of such a list (its strings, or each mapping's string under a text key) are read in order
    as one free text too, as the copies of the words are; texts of more than one token too (they were
    read each alone: "card is 4111" kept its group while the three after it went)."""
    after = written(extra, "hello there how are you".split())
    assert {key: after[key] for key in expected} == expected


def test_a_list_of_one_token_texts_without_card_data_is_kept() -> None:
    extra = {"tokens": ["call", "4111", "at", "10", "am"], "items": [{"text": "1"}, {"text": "2"}, {"text": "3"}]}
    after = written(extra, "hello there how are you".split())
    assert {key: after[key] for key in extra} == extra


def test_a_list_of_json_numbers_is_not_read_as_free_text() -> None:
    """Whisper's token ids ("tokens": [50364, 440, ...]): the card logic reads free text with no ask
    and takes any run of numbers for a card, so a list of numbers read as one free text would be
    written back "[redacted]" whole, a list of times in ms too. A number is redacted only when it
    quotes the card the words said (``_Scrub.label``)."""
    extra = {"tokens": [50364, 440, 7534, 390, 257, 3743, 4008, 322, 50530], "times_ms": [1200, 1530, 1870, 2210]}
    after = written(extra, "hello there how are you".split())
    assert {key: after[key] for key in extra} == extra


def test_reading_the_texts_of_lists_is_linear_in_them() -> None:
    """Counted, not timed: four times the texts of a list (read together, then each alone) may cost
    at most five times the lines of Python."""
    from tests.hostile.test_inputs_limits import python_lines

    lines = {}
    for count in (250, 1000):
        extra = {"lines": [f"then {'abc'[k % 3]} said {'xyz'[k % 3]}" for k in range(count)],
                 "items": [{"text": f"{'xyz'[k % 3]}", "n": k} for k in range(count)]}
        out: list[dict[str, Any]] = []
        lines[count] = python_lines(lambda: out.append(written(extra, ["hello"])))
        assert {key: out[0][key] for key in extra} == extra
    assert lines[1000] <= 5 * lines[250], lines
