"""Session 52: a provider's word holding many tokens (an AWS item whose content is a whole
passage: "card 4111 ... thanks ...") costs work linear in its length. The card logic took a
word's plain form and month names again for each of its tokens (each an item of its own): the
square of the word's length (2,000 tokens: 5.6 s; the 1 MB a short call's transcript may hold,
hours); and it joined the digits of each entity found from every digit of its words, so each
entity in such a word said them all (2,000 entities in one word: 12 s, 286 MB). Counted (lines
of Python run), not timed."""

from __future__ import annotations

import json
import random

import pytest

from redaction import transcripts
from redaction.transcripts import PLACEHOLDER

from tests.hostile.test_inputs_limits import python_lines

from .fuzz import luhn_card


def aws(tokens: int, data: bool = False) -> str:
    """Ten words, the eighth holding ``tokens`` tokens, one in five a card (with ``data``: an expiry
    date, a code and a card each six tokens)."""
    rng = random.Random(52)
    passage = " ".join(luhn_card(rng) if j % 5 == 0 else f"t{j}" for j in range(tokens))
    if data:
        passage = " ".join(f"expiry 04/29 code 123 card {luhn_card(rng)}" for _ in range(tokens // 6))
    said = ["hello", "there", "my", "card", luhn_card(rng), "is", "this", passage, "thanks", "bye"]
    items = [{"start_time": str(k * 0.5), "end_time": str(k * 0.5 + 0.4), "type": "pronunciation",
              "alternatives": [{"content": text, "confidence": "0.9"}]} for k, text in enumerate(said)]
    return json.dumps({"results": {"transcripts": [{"transcript": " ".join(said)}], "items": items}})


@pytest.mark.parametrize("data", [False, True])
def test_a_word_of_many_tokens_costs_work_linear_in_its_length(data: bool) -> None:
    lines = {}
    for tokens in (150, 600):
        transcript = transcripts.load(aws(tokens, data), "auto")
        written: list[str] = []
        lines[tokens] = python_lines(lambda: written.append(transcripts.write_back(transcript).text))
        contents = [item["alternatives"][0]["content"] for item in json.loads(written[0])["results"]["items"]]
        assert contents[4] == contents[7] == PLACEHOLDER and contents[3] == "card"
    assert lines[600] <= 5 * lines[150], lines
