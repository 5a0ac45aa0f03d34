"""Whether a transcript is on the audio's clock, which decides what the recognizer adds beside it."""

from __future__ import annotations

from redaction import beside_transcript
from redaction.beside_transcript import ALIGNED_S, clock_offset_s, on_the_clock
from redaction.words import TimedWord

TEXTS = ("the", "card", "number", "is", "four", "one", "two")


def _words(offset_s: float, count: int = len(TEXTS)) -> list[TimedWord]:
    return [TimedWord(1.0 + i * 0.5 + offset_s, 1.3 + i * 0.5 + offset_s, text) for i, text in enumerate(TEXTS[:count])]


def test_a_transcript_within_aligned_s_of_the_recognizers_words_is_on_the_clock():
    heard = _words(0.0)
    assert on_the_clock(_words(ALIGNED_S - 0.05), heard)
    assert on_the_clock(_words(-(ALIGNED_S - 0.05)), heard)


def test_a_transcript_further_off_or_with_too_few_words_in_common_is_not():
    heard = _words(0.0)
    assert clock_offset_s(_words(1.0), heard) == 1.0
    assert not on_the_clock(_words(ALIGNED_S + 0.05), heard)
    assert not on_the_clock(_words(-1.0), heard)
    assert not on_the_clock(_words(0.0, 4), heard[:4])  # 4 words in common tell nothing of the clock


def test_the_constants_are_read_when_asked_so_a_bench_can_try_others(monkeypatch):
    monkeypatch.setattr(beside_transcript, "ALIGNED_S", 1.5)
    assert on_the_clock(_words(1.0), _words(0.0))
