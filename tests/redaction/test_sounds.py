"""Masks kept to where number sounds were heard (redaction.sounds)."""

from __future__ import annotations

import pytest

from redaction.cards import Entity
from redaction.sounds import (CERTAIN_REACH_S, CERTAIN_SOUND_MASS, MIN_AGREEMENT_WORDS, MIN_REACH_DIGITS, REACH_PER_DIGIT_S,
                              SURE_SOUND_MASS, agrees, parts, reached, sounded)
from redaction.words import TimedWord


def digits_at(*starts_s: float, text: str = "four") -> list[TimedWord]:
    return [TimedWord(s, s + 0.3, text) for s in starts_s]


def test_a_mask_keeps_what_lies_within_reach_of_a_number_sound() -> None:
    parts = sounded(10.0, 20.0, [], [10.2, 10.6, 11.0, 18.5, 19.0])
    assert parts == [pytest.approx((10.0, 11.8)), pytest.approx((17.7, 19.8))]


def test_parts_never_leave_the_mask() -> None:
    assert sounded(10.0, 20.0, [], [10.1, 19.9]) == [pytest.approx((10.0, 10.9)), pytest.approx((19.1, 20.0))]


def test_a_short_digit_word_of_the_mask_keeps_its_own_time_a_long_numeral_does_not() -> None:
    own = [TimedWord(14.0, 14.3, "four"), TimedWord(15.0, 16.5, "4532"), TimedWord(17.0, 17.2, "card")]
    parts = sounded(10.0, 20.0, own, [10.2])
    assert parts == [pytest.approx((10.0, 11.0)), pytest.approx((13.9, 14.4))]


def test_a_month_word_of_the_mask_keeps_its_own_time() -> None:
    # "oh eight, thirty three" written "August 33,": the model heard no number sound in the month,
    # which was cut from the mask and stayed audible (tune mb-fr1-en seed 180)
    own = [TimedWord(25.64, 26.52, "August"), TimedWord(26.52, 27.58, "33,")]
    assert sounded(25.64, 27.58, own, [26.8, 27.2]) == [pytest.approx((25.64, 27.58))]
    assert sounded(25.64, 27.58, [TimedWord(25.64, 26.52, "Auguste")] + own[1:], [26.8, 27.2]) == [
        pytest.approx((26.0, 27.58))]


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


def entity(kind: str, words: list[TimedWord]) -> Entity:
    return Entity(kind, words[0].start_s, words[-1].end_s, 0.9, tuple(range(len(words))))


def test_an_entity_reaches_along_number_sounds_that_follow_each_other() -> None:
    """A card of which Whisper wrote 8 digits (10.0-13.1 s): 8 lacking, so up to 3.2 s each way
    along sounds at most CHAIN_GAP_S apart, each sound taken with SOUND_PAD_S around it."""
    words = digits_at(*[10.0 + 0.4 * k for k in range(8)])
    card = entity("card_number", words)
    before = [7.5, 8.0, 8.5, 9.0, 9.5]  # a chain up to the card's first digit
    after = [13.6, 14.1, 15.3]  # 15.3 s: 1.2 s after 14.1, the chain ends at 14.1
    assert reached(card, words, before + after) == pytest.approx((7.3, 14.3))
    # no further than 3.2 s from an edge: 6.9 s is 3.1 s before it, 6.5 s 3.5 s
    assert reached(card, words, [6.5, 6.9, 7.4, 7.9, 8.4, 8.9, 9.4, 9.9]) == pytest.approx((6.7, 13.1))
    # a sound more than CHAIN_GAP_S from an edge starts no chain
    assert reached(card, words, [9.3, 14.0]) == (10.0, pytest.approx(13.1))


def test_whole_data_reaches_two_digits_worth_back_one_on_and_a_code_its_lacking_digits() -> None:
    sixteen = digits_at(*[10.0 + 0.4 * k for k in range(16)])  # 10.0-16.3 s
    # back MIN_REACH_DIGITS digits' worth (Whisper times the data late), on one digit's worth
    assert reached(entity("card_number", sixteen), sixteen, [9.1, 9.4, 9.7, 16.6, 16.9]) == pytest.approx((9.2, 16.8))
    assert MIN_REACH_DIGITS * REACH_PER_DIGIT_S == pytest.approx(0.8)
    # a code Whisper wrote whole, "It's three, five, three.", timed 0.5 s late: the model's sure
    # sound of its first digit (tune call fsdd-jackson+slow seed 259) is reached
    three = [TimedWord(52.45, 52.58, "three,"), TimedWord(52.55, 53.26, "five,"), TimedWord(53.22, 53.8, "three.")]
    assert reached(entity("security_code", three), three, [51.91, 52.65, 53.33]) == pytest.approx((51.71, 53.8))
    code = digits_at(20.0)  # one digit of three: 0.8 s each way
    assert reached(entity("security_code", code), code, [19.0, 19.5, 20.7, 21.0, 21.2]) == pytest.approx((19.3, 21.2))


def test_whole_data_reaches_along_certain_sounds_at_a_slower_pace() -> None:
    """A card whose words say sixteen digits (10.0-16.3 s; "in 46, near only a row, I'm 1, 0, 1,
    ...": Whisper wrote its first group as other words and repeated digits later) reaches two
    digits' worth back along sure sounds, and further along the ones the model was certain of,
    0.9 s apart (a slow read), up to a card's digits' worth."""
    sixteen = digits_at(*[10.0 + 0.4 * k for k in range(16)])
    card = entity("card_number", sixteen)
    slow = [6.4, 7.3, 8.2, 9.1]  # the first group, 0.9 s a digit
    assert reached(card, sixteen, slow) == pytest.approx((10.0, 16.3))  # sure ones: chains of CHAIN_GAP_S
    assert reached(card, sixteen, slow, slow) == pytest.approx((6.2, 16.3))
    assert reached(card, sixteen, [], [16.9, 17.8]) == pytest.approx((10.0, 18.0))  # on, as well
    # a certain sound more than CERTAIN_CHAIN_GAP_S from the chain starts none
    assert reached(card, sixteen, [], [8.85]) == pytest.approx((10.0, 16.3))
    # no further than CERTAIN_REACH_S from an edge
    chain = [10.0 - 0.9 * k for k in range(1, 12)]
    start_s = reached(card, sixteen, [], sorted(chain))[0]
    assert start_s == pytest.approx(min(t for t in chain if 10.0 - t <= CERTAIN_REACH_S) - 0.2)


def test_parts_reach_along_the_sure_sounds_and_keep_to_all_only_where_the_model_agrees() -> None:
    words = digits_at(*[10.0 + 0.4 * k for k in range(8)])  # 8 one-digit words, each heard
    card = entity("card_number", words)
    heard = [(w.start_s + 0.1, 0.2) for w in words]
    sure = [(13.6, SURE_SOUND_MASS), (14.1, 0.9), (20.0, 0.9)]
    assert [(a, b) for _, a, b in parts([card], words, heard + sure)] == [(10.0, pytest.approx(14.3))]
    # unsure sounds after it: kept to, not reached along
    unsure = [(13.6, 0.4), (14.1, 0.85)]
    assert [(a, b) for _, a, b in parts([card], words, heard + unsure)] == [(10.0, pytest.approx(13.1))]
    # certain sounds at a slower pace after it: reached along
    certain = [(13.6, CERTAIN_SOUND_MASS), (14.5, CERTAIN_SOUND_MASS)]
    assert [(a, b) for _, a, b in parts([card], words, heard + certain)] == [(10.0, pytest.approx(14.7))]
    assert [(a, b) for _, a, b in parts([card], words, heard + [(13.6, 0.89), (14.5, 0.89)])] == [
        (10.0, pytest.approx(13.8))]
    # the model heard none of the words' digits: the entity as found, neither reached nor cut
    assert [(a, b) for _, a, b in parts([card], words, sure)] == [(10.0, pytest.approx(13.1))]
    assert [(a, b) for _, a, b in parts([card], words, None)] == [(10.0, pytest.approx(13.1))]


def test_digits_written_again_in_a_loop_keep_no_time_of_their_own() -> None:
    """Whisper wrote a card's digits again after it, over the agent's next question ("... 9, 5, 6,
    7" then "5, 6, 7" at 20.0-21.0 s, tune call en-gb+Storm seed 338's shape; 20 digits, more than
    a card holds): where the model agrees with the words, the mask keeps to the number sounds
    there, not to the loop's word times."""
    texts = ["one", "two", "three", "four", "eight", "nine", "oh", "two", "four", "six", "eight", "one", "three",
             "nine", "five", "six", "seven"]
    words = [TimedWord(10.0 + 0.4 * k, 10.3 + 0.4 * k, text) for k, text in enumerate(texts)]
    loop = [TimedWord(20.0, 20.3, "five"), TimedWord(20.4, 20.6, "six"), TimedWord(20.7, 21.0, "seven")]
    heard = [(w.start_s + 0.1, 0.2) for w in words]  # 17 of 20 one-digit words: the model agrees
    card = entity("card_number", words + loop)
    assert [(a, b) for _, a, b in parts([card], words + loop, heard)] == [(10.0, pytest.approx(17.3))]
    # the same words said once each keep their own time
    other = [TimedWord(20.0, 20.3, "eight"), TimedWord(20.4, 20.6, "nine"), TimedWord(20.7, 21.0, "eight")]
    assert [(a, b) for _, a, b in parts([card], words + other, heard)] == [
        (10.0, pytest.approx(17.3)), (pytest.approx(19.9), pytest.approx(21.0))]
