"""Digits Whisper wrote again in a decoding loop (``redaction.loops``)."""

from __future__ import annotations

from redaction.loops import LOOP_WORDS, looped
from redaction.words import TimedWord


def said(*texts: str) -> list[TimedWord]:
    return [TimedWord(float(k), k + 0.3, text) for k, text in enumerate(texts)]


def test_digit_words_that_say_again_three_earlier_ones_in_a_row_are_looped() -> None:
    # "... 5, 1, time, 7, 6, 4, ... 5, 1, time, 7, 6": the loop over the agent's expiry ask (tune
    # call en-gb+Storm seed 338); "time" is no digit and breaks no run
    words = said("3", "5,", "1,", "time", "7,", "6,", "4,", "8,", "5,", "1,", "time", "7,", "6,")
    assert LOOP_WORDS == 3
    assert looped(words, range(len(words))) == {8, 9, 11, 12}
    # only the entity's own words count, and only the ones given
    assert looped(words, range(8)) == set()
    assert looped(words, [1, 2, 4, 8, 9, 11]) == {8, 9, 11}


def test_words_compare_by_their_digits_whole() -> None:
    assert looped(said("four", "5", "6", "4", "5", "6"), range(6)) == {3, 4, 5}
    assert looped(said("45", "6", "7", "4", "5", "6", "7"), range(7)) == set()  # "45" is not "4", "5"
    assert looped(said("1111", "1111", "1111", "1111"), range(4)) == {1, 2, 3}


def test_nothing_repeated_or_too_short_is_no_loop() -> None:
    assert looped(said("4", "5", "3", "2", "4", "5", "9"), range(7)) == set()  # two in a row again only
    assert looped(said("4", "5", "4", "5"), range(4)) == set()
    assert looped([], []) == set()
    assert looped(said("card", "number", "card", "number", "card", "number"), range(6)) == set()
