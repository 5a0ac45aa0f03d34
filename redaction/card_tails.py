"""An unchecked card chain's speech after its card, kept to where the network heard numbers.

Whisper tiny often writes digits over the agent's words after a card ("... 4, 3, 3, 10, 4, 5, 5,
3, 8, ..." over "thank you, and the expiry date?"): no card in the chain passes the Luhn check,
so the card logic masks the chain whole, from its first digit to its last (``cards._unchecked_card``),
with the agent's ask inside. ``sounds`` keeps a mask to the number sounds only in a call where
they agree with the words, and in the tune calls with such a tail they often did not. Where the recognizer's network
heard this caller's card (at least ``MIN_CARD_SOUNDS`` sure number sounds up to the middle of the
word that brings the chain to a card's digits), the mask after that word keeps only what lies
within ``sounds.SOUND_REACH_S`` of a number sound, however faint: the expiry date and code under
the chain that the network heard stay masked. The words there are no evidence: their times are
Whisper's. A chain the network did not hear stays whole.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction.card_words import CARD_NUMBER, CHECKED_CARD_CONFIDENCE, Entity
from redaction.numbers import digits_said
from redaction.sounds import SOUND_REACH_S
from redaction.words import TimedWord

#: A card's digits: the chain's word that brings it to these ends the card.
CARD_DIGITS = 16
#: The network heard the card: this many sure number sounds (``SURE_SOUND_MASS``, sounds closer
#: than ``SOUND_APART_S`` counted once) from the mask's start to the middle of the card's last word.
MIN_CARD_SOUNDS = 8
SURE_SOUND_MASS = 0.5
SOUND_APART_S = 0.1


def unheard_cut(parts: Sequence[tuple[Entity, float, float]], words: Sequence[TimedWord],
                sounds: Sequence[tuple[float, float]] | None) -> list[tuple[Entity, float, float]]:
    """``parts`` ((entity, start_s, end_s)), each unchecked card chain's that heard its card kept,
    after the card, to within SOUND_REACH_S of a number sound of ``sounds`` ((moment s, probability));
    in the same order, a part cut in pieces given once a piece."""
    if not sounds:
        return list(parts)
    heard = sorted(t for t, _ in sounds)
    sure = sorted(t for t, p in sounds if p >= SURE_SOUND_MASS)
    out: list[tuple[Entity, float, float]] = []
    for e, a, b in parts:
        card_end_s = _card_end_s(e, words)
        if card_end_s is None or not a < card_end_s < b or _distinct(sure, a, card_end_s) < MIN_CARD_SOUNDS:
            out.append((e, a, b))
            continue
        near = heard[bisect_left(heard, card_end_s - SOUND_REACH_S) : bisect_right(heard, b + SOUND_REACH_S)]
        pieces = [(a, card_end_s)]
        for t in near:
            x, y = max(t - SOUND_REACH_S, card_end_s), min(t + SOUND_REACH_S, b)
            if y <= x:
                continue
            if x <= pieces[-1][1]:
                pieces[-1] = (pieces[-1][0], max(pieces[-1][1], y))
            else:
                pieces.append((x, y))
        out.extend((e, x, y) for x, y in pieces)
    return out


def _card_end_s(entity: Entity, words: Sequence[TimedWord]) -> float | None:
    """The middle of the word of unchecked card chain ``entity`` that brings it to CARD_DIGITS
    (Whisper's word runs on into what follows), when words saying more digits follow it; None
    for any other entity."""
    if entity.entity != CARD_NUMBER or not UNANSWERED_CONFIDENCE < entity.confidence < CHECKED_CARD_CONFIDENCE:
        return None
    count = 0
    for n, k in enumerate(entity.words):
        count += len(digits_said(words[k].text))
        if count >= CARD_DIGITS:
            return (words[k].start_s + words[k].end_s) / 2 if n + 1 < len(entity.words) else None
    return None


def _distinct(moments: Sequence[float], start_s: float, end_s: float) -> int:
    """The ``moments`` (sorted) from ``start_s`` to ``end_s``, those closer than SOUND_APART_S counted once."""
    count, last = 0, float("-inf")
    for t in moments[bisect_left(moments, start_s):]:
        if t > end_s:
            break
        if t - last >= SOUND_APART_S:
            count += 1
        last = t
    return count

