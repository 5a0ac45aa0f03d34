"""An unchecked card chain's speech after its card, kept to where the network heard numbers
(``redaction.card_tails``)."""

from __future__ import annotations

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction.card_tails import CARD_DIGITS, MIN_CARD_SOUNDS, SURE_SOUND_MASS, unheard_cut
from redaction.card_words import CARD_NUMBER, CHECKED_CARD_CONFIDENCE, EXPIRY, UNCHECKED_CARD_CONFIDENCE, Entity
from redaction.edges import trimmed
from redaction.sounds import SOUND_REACH_S
from redaction.words import TimedWord

#: The caller's card at 10.0-16.4 s (16 digits, 0.4 s each), four digits Whisper wrote over the
#: agent's expiry ask (16.4-18.0 s), the expiry date at 20.0-21.6 s: one chain, no card in it valid.
WORDS = [TimedWord(10.0 + 0.4 * k, 10.4 + 0.4 * k, str(k % 10)) for k in range(20)]
WORDS += [TimedWord(20.0 + 0.4 * k, 20.4 + 0.4 * k, d) for k, d in enumerate("0127")]
#: the network heard each card digit (the last at 16.2 s, the middle of the 16th digit's word)
CARD_SOUNDS = [(10.2 + 0.4 * k, 0.9) for k in range(CARD_DIGITS)]
EXPIRY_SOUNDS = [(20.2, 0.2), (21.0, 0.15)]  # faint: the network barely heard the date
#: the card (9.9-16.5), the agent's ask (17.0-18.5), the expiry date (19.9-21.7)
SPEECH = [(9.9, 16.5), (17.0, 18.5), (19.9, 21.7)]
SOUNDS = CARD_SOUNDS + EXPIRY_SOUNDS


def chain(confidence: float = UNCHECKED_CARD_CONFIDENCE, kind: str = CARD_NUMBER, words: int = 24) -> Entity:
    return Entity(kind, 10.0, WORDS[words - 1].end_s, confidence, tuple(range(words)))


def spans(parts) -> list[tuple[float, float]]:
    return [(round(a, 3), round(b, 3)) for _, a, b in parts]


def test_after_the_card_the_mask_keeps_near_the_number_sounds():
    assert SOUND_REACH_S == 0.8
    part = (chain(), 9.9, 21.7)
    out = unheard_cut([part], WORDS, SOUNDS)
    # the card whole to its 16th digit word's middle (16.2) and 0.8 s past its last sound; the
    # date from 0.8 s before its first faint sound; the ask between unmasked
    assert spans(out) == [(9.9, 17.0), (19.4, 21.7)]
    assert {e for e, _, _ in out} == {part[0]}  # both pieces are the chain's


def test_a_faint_number_sound_keeps_what_lies_near_it():
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, [*SOUNDS, (17.6, 0.11)])) == [(9.9, 18.4), (19.4, 21.7)]
    # a date the network did not hear at all is unmasked with the ask: its words are no evidence
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, CARD_SOUNDS)) == [(9.9, 17.0)]


def test_only_where_the_network_heard_the_card():
    few = CARD_SOUNDS[: MIN_CARD_SOUNDS - 1] + EXPIRY_SOUNDS
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, few)) == [(9.9, 21.7)]
    enough = CARD_SOUNDS[-MIN_CARD_SOUNDS:] + EXPIRY_SOUNDS
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, enough)) == [(9.9, 17.0), (19.4, 21.7)]
    # sounds it was not sure of, and frames of one sound, do not count as hearing the card
    unsure = [(t, SURE_SOUND_MASS - 0.01) for t, _ in CARD_SOUNDS] + EXPIRY_SOUNDS
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, unsure)) == [(9.9, 21.7)]
    frames = [(10.2 + 0.02 * k, 0.9) for k in range(CARD_DIGITS)] + EXPIRY_SOUNDS
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, frames)) == [(9.9, 21.7)]


def test_what_is_not_cut():
    for entity in (chain(CHECKED_CARD_CONFIDENCE), chain(UNANSWERED_CONFIDENCE), chain(kind=EXPIRY),
                   chain(words=CARD_DIGITS)):  # no word after the card's 16th digit
        assert spans(unheard_cut([(entity, 9.9, 21.7)], WORDS, SOUNDS)) == [(9.9, 21.7)]
    # a mask that ends before the card does (cut at its edges already)
    assert spans(unheard_cut([(chain(), 9.9, 16.0)], WORDS, SOUNDS)) == [(9.9, 16.0)]
    # without sounds the recognizer says nothing of them
    assert spans(unheard_cut([(chain(), 9.9, 21.7)], WORDS, None)) == [(9.9, 21.7)]
    assert unheard_cut([], WORDS, SOUNDS) == []


def test_the_order_is_kept_and_edges_cut_so():
    other = (Entity(EXPIRY, 30.0, 31.0, 0.8, ()), 30.0, 31.0)
    assert spans(unheard_cut([(chain(), 9.9, 21.7), other], WORDS, SOUNDS)) == [(9.9, 17.0), (19.4, 21.7), (30.0, 31.0)]
    # the engine's masks (``edges.trimmed``) end so, with speech regions or without
    assert spans(trimmed([(chain(), 9.9, 21.7)], WORDS, SOUNDS, SPEECH)) == [(9.9, 17.0), (19.4, 21.7)]
    assert spans(trimmed([(chain(), 9.9, 21.7)], WORDS, SOUNDS, None)) == [(9.9, 17.0), (19.4, 21.7)]
