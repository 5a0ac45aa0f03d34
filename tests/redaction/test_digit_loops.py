"""Digits Whisper wrote again in a decoding loop (``redaction.digit_loops``)."""

from __future__ import annotations

from random import Random

from redaction.cards import MAX_CARD_DIGITS
from redaction.digit_loops import LOOP_AFTER_DIGITS, LOOP_WORDS, looped
from redaction.words import TimedWord

#: A card of 16 digits read one word a digit (tune call en-gb+Storm seed 338's shape: its digits
#: here are made up).
CARD = ("3", "5,", "1,", "time", "7,", "6,", "4,", "8,", "2,", "9,", "0,", "3,", "8,", "4,", "2,", "6,", "1,")


def said(*texts: str) -> list[TimedWord]:
    return [TimedWord(float(k), k + 0.3, text) for k, text in enumerate(texts)]


def test_digit_words_that_say_again_three_earlier_ones_after_a_cards_most_digits_are_looped() -> None:
    # "... 5, 1, time, 7, 6, 4, ... 5, 1, time, 7, 6, 4": Whisper's loop over the agent's expiry
    # ask after the card; "time" is no digit and breaks no run
    words = said(*CARD, "5,", "1,", "time", "7,", "6,", "4,")
    assert (LOOP_WORDS, LOOP_AFTER_DIGITS) == (3, MAX_CARD_DIGITS)
    assert looped(words, range(len(words))) == {17, 18, 20, 21, 22}
    # only the entity's own words count, and only the ones given
    assert looped(words, range(17)) == set()
    assert looped(words, range(22)) == {17, 18, 20, 21}


def test_words_compare_by_their_digits_whole() -> None:
    card = ("4", "9", "2", "7", "3", "8", "0", "2", "5", "6", "1", "7", "3", "9", "0", "8")
    assert looped(said(*card, "four", "9", "2", "7"), range(20)) == {16, 17, 18, 19}
    assert looped(said(*card, "49", "2", "7", "5"), range(20)) == set()  # "49" is not "4", "9"


def test_a_card_read_one_digit_a_word_is_never_a_loop() -> None:
    """Session 58's review: windows were compared overlapping and at any length, so
    "4111111111111111" had 14 of its 16 digits taken for a loop (their times dropped from its
    mask where the number sounds agree), and 7.8 % of random cards some: no card holds more
    than MAX_CARD_DIGITS digits, so an entity saying no more is never a loop."""
    assert looped(said(*"4111111111111111"), range(16)) == set()
    rng = Random(58)
    for _ in range(2000):
        digits = [str(rng.randrange(10)) for _ in range(rng.randint(13, 19))]
        assert looped(said(*digits), range(len(digits))) == set()


def test_a_row_is_compared_only_with_rows_that_end_before_it() -> None:
    # 20 digits; "1 1 1" right after "1 1 1" overlapping it is no loop; a third "1 1 1" later is
    card = ("4", "9", "2", "7", "3", "8", "0", "2", "5", "6", "1", "1", "1", "1", "9", "0", "8", "5", "2")
    assert looped(said(*card, "7"), range(20)) == set()
    assert looped(said(*card, "1", "1", "1"), range(22)) == {19, 20, 21}


def test_nothing_repeated_or_too_short_is_no_loop() -> None:
    assert looped(said("4", "5", "3", "2", "4", "5", "9"), range(7)) == set()
    assert looped(said("4", "5", "4", "5"), range(4)) == set()
    assert looped([], []) == set()
    assert looped(said("card", "number", "card", "number", "card", "number"), range(6)) == set()
