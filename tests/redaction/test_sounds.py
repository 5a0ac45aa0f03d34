"""Masks kept to where number sounds were heard (redaction.sounds)."""

from __future__ import annotations

import pytest

from redaction.cards import Entity
from redaction.sounds import MIN_AGREEMENT_WORDS, agrees, parts, reached, slot_answers, sound_runs, sounded
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


def test_whole_data_reaches_one_digits_worth_and_a_code_its_lacking_digits() -> None:
    sixteen = digits_at(*[10.0 + 0.4 * k for k in range(16)])  # 10.0-16.3 s
    assert reached(entity("card_number", sixteen), sixteen, [9.4, 9.7, 16.6]) == pytest.approx((9.5, 16.8))
    code = digits_at(20.0)  # one digit of three: 0.8 s each way
    assert reached(entity("security_code", code), code, [19.0, 19.5, 20.7, 21.0, 21.2]) == pytest.approx((19.3, 21.2))


def test_parts_reach_along_the_sounds_and_keep_to_them_only_where_the_model_agrees() -> None:
    words = digits_at(*[10.0 + 0.4 * k for k in range(8)])  # 8 one-digit words, each heard
    card = entity("card_number", words)
    sounds = [w.start_s + 0.1 for w in words] + [13.6, 14.1, 20.0]
    assert [(a, b) for _, a, b in parts([card], words, sounds)] == [(10.0, pytest.approx(14.3))]
    # the model heard none of the words' digits: the entity as found, neither reached nor cut
    assert [(a, b) for _, a, b in parts([card], words, [13.6, 14.1, 20.0])] == [(10.0, pytest.approx(13.1))]
    assert [(a, b) for _, a, b in parts([card], words, None)] == [(10.0, pytest.approx(13.1))]


def test_frames_close_together_are_one_sound_and_sounds_close_together_one_run() -> None:
    assert sound_runs([1.00, 1.02, 1.04, 1.5, 1.52, 2.3]) == [(1.00, 1.52, 2), (2.3, 2.3, 1)]
    assert sound_runs([]) == []


def slot_call(*more: TimedWord) -> list[TimedWord]:
    """A card read 10.0-16.3 s, then the agent's words and the caller's, none of them digits."""
    card = digits_at(*[10.0 + 0.4 * k for k in range(16)])
    said = "and the expiry date please yes it is".split()
    return card + [TimedWord(17.0 + 0.5 * k, 17.3 + 0.5 * k, w) for k, w in enumerate(said)] + list(more)


def test_the_expiry_and_code_not_found_after_a_card_are_its_next_short_runs_of_sounds() -> None:
    words = slot_call()
    card = entity("card_number", words[:16])
    runs = [20.0, 20.4, 20.8] + [23.0] + [24.0, 24.1, 24.2, 24.6, 25.0, 25.4, 25.8, 26.2] + [29.0, 29.4]
    # 23.0 s: one sound alone; 24.0-26.2 s: six sounds, too many for an expiry date or a code
    found = slot_answers([card], words, runs, [(9.7, 16.6)])
    assert [(e.entity, e.start_s, e.end_s, e.confidence, e.words) for e in found] == [
        ("expiry", pytest.approx(19.8), pytest.approx(21.0), 0.2, ()),
        ("security_code", pytest.approx(28.8), pytest.approx(29.6), 0.2, ())]


def test_a_slot_answer_stands_in_only_for_what_was_not_found_and_never_over_a_digit_word() -> None:
    words = slot_call(TimedWord(29.0, 29.3, "six"))  # a payment reference the card logic judged
    card = entity("card_number", words[:16])
    expiry = Entity("expiry", 21.5, 22.5, 0.8, ())
    # the next run, whatever was found before it
    found = slot_answers([card, expiry], words, [20.0, 20.4, 29.0, 29.4, 31.0, 31.4], [])
    assert [(e.entity, e.start_s) for e in found] == [("security_code", pytest.approx(19.8))]
    # the code found too: nothing stands in
    code = Entity("security_code", 24.0, 25.0, 0.8, ())
    assert slot_answers([card, expiry, code], words, [23.0, 23.4], []) == []
    # over a digit word or a mask, and more than SLOT_S after the card, no run stands in
    assert slot_answers([card, expiry], words, [29.0, 29.4, 42.0, 42.4], []) == []
    assert slot_answers([card, expiry], words, [23.0, 23.4], [(23.5, 24.0)]) == []


def test_no_slot_answer_without_a_card_found() -> None:
    words = slot_call()
    assert slot_answers([], words, [20.0, 20.4], []) == []
    code = Entity("security_code", 10.0, 11.0, 0.8, ())
    assert slot_answers([code], words, [20.0, 20.4], []) == []
    # after an unanswered card ask's answer (no digit in its words) as after any card
    unsure = Entity("card_number", 10.0, 16.3, 0.3, ())
    assert [e.entity for e in slot_answers([unsure], words, [20.0, 20.4], [])] == ["expiry"]


def test_parts_add_slot_answers_only_where_the_model_agrees() -> None:
    words = slot_call()
    card = entity("card_number", words[:16])
    heard = [w.start_s + 0.1 for w in words[:16]] + [20.0, 20.4]
    assert [(e.entity, round(a, 2), round(b, 2)) for e, a, b in parts([card], words, heard)] == [
        ("card_number", 10.0, 16.3), ("expiry", 19.8, 20.6)]
    assert [e.entity for e, _, _ in parts([card], words, [20.0, 20.4])] == ["card_number"]
