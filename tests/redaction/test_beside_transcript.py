"""How near a recognizer's number word must be to a transcript's span to be its: NEAR_S only on a
transcript on the audio's clock."""

from __future__ import annotations

from redaction import beside_transcript
from redaction.beside_transcript import ALIGNED_S, NEAR_S, clock_offset_s, near_s_for
from redaction.words import TimedWord

TEXTS = ("the", "card", "number", "is", "four", "one", "two")


def _words(offset_s: float, count: int = len(TEXTS)) -> list[TimedWord]:
    return [TimedWord(1.0 + i * 0.5 + offset_s, 1.3 + i * 0.5 + offset_s, text) for i, text in enumerate(TEXTS[:count])]


def test_a_transcript_on_the_clock_takes_near_words_for_its_own():
    heard = _words(0.0)
    assert near_s_for(_words(ALIGNED_S - 0.05), heard) == NEAR_S
    assert near_s_for(_words(-(ALIGNED_S - 0.05)), heard) == NEAR_S


def test_a_transcript_off_the_clock_or_with_too_few_words_in_common_takes_none():
    heard = _words(0.0)
    assert clock_offset_s(_words(1.0), heard) == 1.0
    assert near_s_for(_words(ALIGNED_S + 0.05), heard) == 0.0
    assert near_s_for(_words(-1.0), heard) == 0.0
    assert near_s_for(_words(0.0, 4), heard[:4]) == 0.0  # 4 words in common tell nothing of the clock


def test_the_constants_are_read_when_asked_so_a_bench_can_try_others(monkeypatch):
    monkeypatch.setattr(beside_transcript, "ALIGNED_S", 1.5)
    monkeypatch.setattr(beside_transcript, "NEAR_S", 0.7)
    assert near_s_for(_words(1.0), _words(0.0)) == 0.7
