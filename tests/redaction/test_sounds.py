"""Masks kept to where number sounds were heard (redaction.sounds)."""

from __future__ import annotations

import pytest

from redaction.sounds import MIN_AGREEMENT_WORDS, agrees, sounded
from redaction.words import TimedWord


def digits_at(*starts_s: float, text: str = "four") -> list[TimedWord]:
    return [TimedWord(s, s + 0.3, text) for s in starts_s]


def test_a_mask_keeps_what_lies_within_reach_of_a_number_sound() -> None:
    parts = sounded(10.0, 20.0, [], [10.2, 10.6, 11.0, 18.5, 19.0])
    assert parts == [pytest.approx((10.0, 11.8)), pytest.approx((17.7, 19.8))]


def test_sounds_are_taken_in_any_order_and_parts_never_leave_the_mask() -> None:
    assert sounded(10.0, 20.0, [], [19.9, 10.1]) == [pytest.approx((10.0, 10.9)), pytest.approx((19.1, 20.0))]


def test_a_short_digit_word_of_the_mask_keeps_its_own_time_a_long_numeral_does_not() -> None:
    own = [TimedWord(14.0, 14.3, "four"), TimedWord(15.0, 16.5, "4532"), TimedWord(17.0, 17.2, "card")]
    parts = sounded(10.0, 20.0, own, [10.2])
    assert parts == [pytest.approx((10.0, 11.0)), pytest.approx((13.9, 14.4))]


def test_a_mask_with_no_number_sound_in_it_stays_whole() -> None:
    """The model heard nothing there: its silence says nothing about what was said."""
    assert sounded(10.0, 20.0, digits_at(12.0), [9.5, 20.5]) == [(10.0, 20.0)]
    assert sounded(10.0, 20.0, [], []) == [(10.0, 20.0)]


def test_the_model_agrees_when_it_heard_most_of_the_one_digit_words() -> None:
    starts = [float(s) for s in range(10)]
    words = digits_at(*starts)
    assert agrees(words, [s + 0.1 for s in starts])
    assert agrees(words, [s + 0.1 for s in starts[:8]])  # 8 of 10: MIN_AGREEMENT
    assert not agrees(words, [s + 0.1 for s in starts[:7]])
    assert not agrees(words, [s + 1.0 for s in starts[:7]] + [20.0])  # near none of them
    # within AGREEMENT_REACH_S of a word's edges
    assert agrees(words, [s + 0.55 for s in starts]) and not agrees(words, [s + 0.65 for s in starts])


def test_too_few_one_digit_words_say_nothing_about_agreement() -> None:
    few = digits_at(*[float(s) for s in range(MIN_AGREEMENT_WORDS - 1)])
    numerals = digits_at(*[float(s) for s in range(10)], text="4532")  # many digits each
    others = digits_at(*[float(s) for s in range(10)], text="card")
    for words in (few, numerals, others):
        assert not agrees(words, [w.start_s for w in words])
