"""Whether a transcript is on the audio's clock, which decides what the recognizer adds beside it."""

from __future__ import annotations

from redaction import beside_transcript
import pytest

from redaction.beside_transcript import (ALIGNED_S, MOVE_MAX_S, FIT_SHARE, clock_fit, clock_offset_s, moved,
                                         moved_onto_clock, on_the_clock)
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


def test_a_transcript_off_by_one_amount_is_moved_by_it_and_one_off_by_many_is_not():
    heard = _words(0.0)
    assert moved_onto_clock(_words(2.0), heard) == -2.0 and moved_onto_clock(_words(-1.0), heard) == 1.0
    assert moved_onto_clock(_words(ALIGNED_S - 0.05), heard) == 0.0  # on the clock: left as it is
    assert moved_onto_clock(_words(MOVE_MAX_S + 0.5), heard) == 0.0  # too far to tell it is one amount
    assert moved_onto_clock(_words(2.0, 4), heard[:4]) == 0.0  # too few words in common
    # its first words 2 s late, its last 1 s early: most words sit nowhere near once moved
    parts = _words(2.0)[:4] + _words(-1.0)[4:]
    fit = clock_fit(parts, heard)
    assert fit.offset_s == 2.0 and fit.share == pytest.approx(4 / 7) and fit.share < FIT_SHARE
    assert moved_onto_clock(parts, heard) == 0.0


def test_moved_words_keep_their_text_and_length_and_start_at_zero_at_the_earliest():
    words = moved(_words(0.0), -1.2)
    assert [(w.text, round(w.start_s, 3), round(w.end_s, 3)) for w in words[:2]] == [("the", 0.0, 0.1), ("card", 0.3, 0.6)]


def test_a_transcript_right_in_one_part_and_off_in_another_is_not_on_the_clock():
    """Session 49 (bench --transcript split:2, tune seed 300): half of a transcript 2 s late, its
    median offset 0, was taken as on the clock by the median alone (8 of 10 calls: 213/228 digits
    masked, 220/228 when off the clock, the recognizer's card data masked whole)."""
    more = [TimedWord(5.0 + i * 0.5, 5.3 + i * 0.5, t) for i, t in enumerate(("and", "expiry", "date", "is", "soon"))]
    heard = _words(0.0) + more

    def late_from(index: int) -> list[TimedWord]:
        return [TimedWord(w.start_s + 2.0, w.end_s + 2.0, w.text) if i >= index else w for i, w in enumerate(heard)]

    fit = clock_fit(late_from(9), heard)  # its last 3 words of 12 late
    assert fit.offset_s == 0.0 and fit.share == pytest.approx(0.75) and on_the_clock(late_from(9), heard)
    fit = clock_fit(late_from(7), heard)  # its last 5 of 12
    assert fit.offset_s == 0.0 and fit.share == pytest.approx(7 / 12) and not on_the_clock(late_from(7), heard)
    assert moved_onto_clock(late_from(7), heard) == 0.0
