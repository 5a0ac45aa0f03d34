"""Masks of spoken card data end with the speech that holds their data (``redaction.edges``)."""

from __future__ import annotations

import pytest

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction import digit_loops
from redaction.card_words import CARD_NUMBER, EXPIRY, SECURITY_CODE, Entity
from redaction.edges import EVIDENCE_PAD_S, GROUP_GAP_S, MIN_CUT_REGION_S, spoken_parts, trimmed
from redaction.sounds import parts
from redaction.words import TimedWord


def entity(kind: str = CARD_NUMBER, confidence: float = 0.99) -> Entity:
    return Entity(kind, 0.0, 0.0, confidence, ())


def spans(parts) -> list[tuple[float, float]]:
    return [(round(a, 3), round(b, 3)) for _, a, b in parts]


#: "okay 4 5 3 2 thanks": the card's digits at 10-12 s, the agent's words after a pause
WORDS = [TimedWord(9.0, 9.4, "okay"), TimedWord(10.0, 10.4, "4"), TimedWord(10.6, 11.0, "5"),
         TimedWord(11.2, 11.6, "3"), TimedWord(11.6, 12.0, "2"), TimedWord(13.0, 13.5, "thanks")]
SPEECH = [(8.9, 9.5), (9.9, 12.1), (12.9, 13.6)]


def test_a_mask_loses_the_speech_regions_at_its_edges_that_hold_no_data():
    card = (entity(), 8.9, 13.5)  # the mask ran over "okay" and "thanks" (a lead-in, a loose word time)
    assert spans(trimmed([card], WORDS, None, SPEECH)) == [(9.9, 12.1)]
    # what lies between the first and the last digit stays, pauses and other words included
    words = WORDS[:3] + [TimedWord(11.2, 11.6, "hang")] + WORDS[4:]
    assert spans(trimmed([card], words, None, SPEECH)) == [(9.9, 12.1)]


def test_number_sounds_are_evidence_too():
    sounds = [(13.2, 0.5)]  # the model heard a number in "thanks": it may be a digit Whisper misheard
    assert spans(trimmed([(entity(), 8.9, 13.5)], WORDS, sounds, SPEECH)) == [(9.9, 13.5)]


def test_evidence_outside_every_region_keeps_its_own_reach():
    # the energy detector heard no speech around the last digit (a quiet voice): the mask keeps
    # EVIDENCE_PAD_S beyond its middle
    speech = [(8.9, 9.5), (9.9, 11.1), (12.9, 13.6)]
    assert spans(trimmed([(entity(), 8.9, 13.5)], WORDS, None, speech)) == [(9.9, pytest.approx(11.8 + EVIDENCE_PAD_S))]


def test_masks_that_touch_are_cut_as_one():
    assert 12.8 - 12.1 > GROUP_GAP_S
    # two parts of one card, parted by less than GROUP_GAP_S: no hole opens between them, though
    # the second's first region holds no digit of its own
    first, second = (entity(), 8.9, 10.9), (entity(), 10.9 + GROUP_GAP_S, 13.5)
    words = WORDS[:2] + [TimedWord(11.6, 12.0, "okay"), TimedWord(12.2, 12.6, "2")] + WORDS[5:]
    speech = [(8.9, 9.5), (9.9, 11.0), (11.5, 12.1), (12.15, 12.7), (12.9, 13.6)]
    assert spans(trimmed([first, second], words, None, speech)) == [(9.9, 10.9), (10.9 + GROUP_GAP_S, 12.7)]
    # apart, each is cut on its own (this one holds no evidence: whole); GROUP_GAP_S apart, one
    far = (entity(), 12.8, 14.0)  # more than GROUP_GAP_S after 12.1
    assert spans(trimmed([(entity(), 8.9, 12.1), far], WORDS[:5], None, SPEECH)) == [(9.9, 12.1), far[1:]]
    near = (entity(), 12.1 + GROUP_GAP_S, 14.0)
    assert spans(trimmed([(entity(), 8.9, 12.1), near], WORDS[:5], None, SPEECH)) == [(9.9, 12.1)]


def test_what_is_not_cut():
    card = (entity(), 8.9, 13.5)
    assert trimmed([card], WORDS, None, None) == [card]  # the recognizer said nothing of speech
    assert trimmed([card], WORDS, None, []) == [card]
    # no evidence of data in it at all: whole
    said = [TimedWord(9.0, 9.4, "okay"), TimedWord(13.0, 13.5, "thanks")]
    assert trimmed([card], said, None, SPEECH) == [card]
    # the whole answer to an ask nothing answered: its data is what nobody wrote as digits
    answer = (entity(EXPIRY, UNANSWERED_CONFIDENCE), 8.9, 13.5)
    assert trimmed([answer], WORDS, None, SPEECH) == [answer]


def test_a_part_cut_to_nothing_is_left_out_and_the_order_kept():
    late, card = (entity(EXPIRY), 12.9, 13.5), (entity(), 8.9, 12.5)
    out = trimmed([late, card], WORDS, None, SPEECH)
    assert spans(out) == [(9.9, 12.1)] and out[0][0] is card[0]
    early, rest = (entity(), 10.0, 11.0), (entity(EXPIRY), 11.2, 13.5)
    assert [e.entity for e, _, _ in trimmed([early, rest], WORDS, None, SPEECH)] == [CARD_NUMBER, EXPIRY]


def test_a_short_region_next_to_what_is_kept_stays_masked():
    # "for" (a digit alone, written as another word, no number sound) in a 0.3 s region right
    # before the card's: kept; the longer "okay" region before it and "thanks" after: cut
    words = [TimedWord(8.4, 8.8, "okay"), TimedWord(9.3, 9.6, "for"), *WORDS[1:]]
    speech = [(8.3, 8.9), (9.3, 9.6), (9.9, 12.1), (12.9, 13.6)]
    assert 9.6 - 9.3 < MIN_CUT_REGION_S <= 8.9 - 8.3
    assert spans(trimmed([(entity(), 8.3, 13.5)], words, None, speech)) == [(9.3, 12.1)]
    # never beyond the mask itself
    assert spans(trimmed([(entity(), 9.5, 13.5)], words, None, speech)) == [(9.5, 12.1)]


def test_teens_and_tens_are_evidence_too():
    # "okay, twelve, twenty ... six." (an expiry date read in two breaths): the month and the
    # year's tens in one speech region, its unit in the next; each word saying a part of a number
    # is evidence (before cards 1.86 only words saying digits alone were, and the cut kept "six" alone)
    words = [TimedWord(28.0, 28.4, "okay"), TimedWord(29.0, 29.4, "twelve,"), TimedWord(29.4, 29.8, "twenty"),
             TimedWord(30.3, 30.6, "six.")]
    speech = [(27.9, 28.5), (28.9, 29.9), (30.2, 30.7)]
    assert spans(trimmed([(entity(EXPIRY, 0.7), 27.9, 30.7)], words, None, speech)) == [(28.9, 30.7)]


def test_digits_written_again_in_a_loop_are_no_evidence_where_the_sounds_agree():
    """"... 9 5 6 7" and "5 6 7" over the agent's "thanks" (Whisper's decoding loop, 20 digits: more
    than a card holds): where the network heard the call's digits as written, the loop's speech
    region is cut as if its words were other words; where it did not (no sounds, or too few near
    the words), the words are all the evidence there is."""
    texts = ["1", "2", "3", "4", "8", "9", "0", "2", "4", "6", "8", "1", "3", "9", "5", "6", "7"]
    digits = [TimedWord(10.0 + 0.15 * k, 10.1 + 0.15 * k, text) for k, text in enumerate(texts)]  # 10.0-12.5 s
    loop = [TimedWord(13.5, 13.6, "5"), TimedWord(13.6, 13.7, "6"), TimedWord(13.7, 14.0, "7")]
    words = digits + loop
    speech = [(9.9, 12.6), (13.4, 14.1)]  # the digits' region; the last sound (12.45 s) keeps EVIDENCE_PAD_S
    heard = [(w.start_s + 0.05, 0.2) for w in digits]  # 17 of the 20 one-digit words: the network agrees
    card = (Entity(CARD_NUMBER, 10.0, 14.0, 0.5, tuple(range(20))), 9.9, 14.0)
    assert spans(trimmed([card], words, heard, speech)) == [(9.9, pytest.approx(12.7))]
    assert spans(trimmed([card], words, None, speech)) == [(9.9, 14.0)]
    assert spans(trimmed([card], words, heard[:10], speech)) == [(9.9, 14.0)]  # near 12 of 20: it does not agree
    # written once, they are evidence
    other = [TimedWord(13.5, 13.6, "8"), TimedWord(13.6, 13.7, "9"), TimedWord(13.7, 14.0, "8")]
    assert spans(trimmed([card], digits + other, heard, speech)) == [(9.9, 14.0)]


def test_spoken_parts_read_each_entitys_loop_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review B, item 6: the engine's ``sounds.parts`` then ``trimmed`` read the loops of each entity's
    words once in ``parts`` and again for each part in ``trimmed``; ``spoken_parts`` reads them once."""
    reads: list[tuple[int, ...]] = []
    looped = digit_loops.looped
    monkeypatch.setattr(digit_loops, "looped", lambda words, indices: reads.append(tuple(indices)) or looped(words, indices))
    texts = ["1", "2", "3", "4", "8", "9", "0", "2", "4", "6", "8", "1", "3", "9", "5", "6", "7"]
    digits = [TimedWord(10.0 + 0.15 * k, 10.1 + 0.15 * k, text) for k, text in enumerate(texts)]  # 10.0-12.5 s
    loop = [TimedWord(13.5, 13.6, "5"), TimedWord(13.6, 13.7, "6"), TimedWord(13.7, 14.0, "7")]
    code = [TimedWord(20.0, 20.2, "3"), TimedWord(22.0, 22.2, "5"), TimedWord(24.0, 24.2, "7")]  # kept in 3 parts
    words = digits + loop + code
    heard = [(w.start_s + 0.05, 0.2) for w in digits + code]
    card = Entity(CARD_NUMBER, 10.0, 14.0, 0.5, tuple(range(20)))
    cvv = Entity(SECURITY_CODE, 20.0, 24.2, 0.5, (20, 21, 22))
    speech = [(9.9, 12.6), (13.4, 14.1), (19.9, 24.3)]
    found = spoken_parts([card, cvv], words, heard, speech)
    assert [(e.entity, a, b) for e, a, b in found] == [
        (CARD_NUMBER, 10.0, pytest.approx(12.7)), (SECURITY_CODE, 20.0, 20.85), (SECURITY_CODE, 21.25, 22.85), (SECURITY_CODE, 23.25, 24.2)]
    assert reads == [tuple(range(20)), (20, 21, 22)]
    assert found == trimmed(parts([card, cvv], words, heard), words, heard, speech)
