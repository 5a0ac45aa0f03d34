"""Session 52: free text quoting the digits of the redacted words is found without listing every
run of those digits (``quotes.Cores``): a string of n digits has about n * n / 2 runs, so a
transcript of many cards, or one long numeral, held hundreds of times its size (4,000 cards of
19 digits in a 0.9 MB document: 254 MB; a numeral of 100,000 digits: 343 MB). The memory is
measured (tracemalloc's peak), not timed: a write-back may hold so many bytes a byte of its
document (a document of plain words peaks at about 25; the card logic holds a tuple for each
digit of a long numeral, about 65 bytes, left as it is)."""

from __future__ import annotations

import json
import random
import tracemalloc

import pytest

from redaction import transcripts
from redaction.transcripts import PLACEHOLDER
from redaction.transcripts.quotes import Cores

from .fuzz import luhn_card

CARDS = 600


def whisper(texts: list[str]) -> str:
    words = [{"word": f" {text}", "start": k * 0.5, "end": k * 0.5 + 0.4, "probability": 0.9}
             for k, text in enumerate(texts)]
    return json.dumps({"text": "", "segments": [{"start": 0.0, "end": len(texts) * 0.5, "text": "", "words": words}]})


def many_cards() -> tuple[str, int]:
    rng = random.Random(52)
    return whisper([text for _ in range(CARDS) for text in ("card", luhn_card(rng, 19), "thanks")]), CARDS


def long_numeral() -> tuple[str, int]:
    rng = random.Random(52)
    digits = "".join(str(rng.randrange(10)) for _ in range(40_000))
    return whisper(["card", luhn_card(rng, 16), digits]), 2  # the card, and the numeral quoting it


@pytest.mark.parametrize(("make", "per_byte"), [(many_cards, 40), (long_numeral, 120)])
def test_a_write_back_holds_memory_bounded_by_the_documents_size(make, per_byte: int) -> None:
    text, redacted = make()
    transcript = transcripts.load(text, "whisper")
    tracemalloc.start()
    try:
        written = transcripts.write_back(transcript).text
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    words = [w["word"] for s in json.loads(written)["segments"] for w in s["words"]]
    assert sum(PLACEHOLDER in word for word in words) == redacted
    assert peak <= per_byte * len(text), (peak, len(text))


def test_the_runs_of_the_digits_said_are_in_the_cores_and_nothing_else() -> None:
    cores = Cores.of({"ab12", "4111222233334444"}, ["4111222233334444", "0366"])
    runs = {"4111222233334444"[i:j] for i in range(16) for j in range(i + 4, 17)} | {"0366", "ab12"}
    assert all(run in cores for run in runs)
    assert [text for text in ("411", "366", "44440366", "41112222333344440", "4112", "ab1", "0367", "", "1")
            if text in cores] == []
    assert bool(cores) and not Cores.of((), ["123"]) and Cores.of((), ["1234"]).quoted("991234")
    assert not Cores.of((), ["1234"]).quoted("123")
