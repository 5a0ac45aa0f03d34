"""Masks of spoken card data kept to where number sounds were heard.

The card logic masks from words: an answer to an ask for the expiry date that Whisper wrote
as other words ("lovely bee, two feminine times") is masked whole, and a card read in
groups is masked from its first digit to its last, with whatever was said between. Much of
what such masks cover is other speech. A recognizer's acoustic number model
(``recognizer.Sounding``: the number gate's network) says where number words sounded; a
stretch of a mask more than ``SOUND_REACH_S`` from every such sound, and from every short
digit word the mask holds, is unmasked.

Only where the model hears this call's speaker: a model that never met a voice may hear
none of its digits, and its silence then says nothing. So the masks are kept whole unless
the model heard a number sound near at least ``MIN_AGREEMENT`` of the single digits written
in the call's words (and there were ``MIN_AGREEMENT_WORDS`` of them).

Measured (pass-1 masks of the tune calls, seeds 43-46, 55-58, 59-62, 63-66 and fresh 67-70):
the same digits masked on all five sets; other speech masked in card calls 6.66 -> 5.39 %,
6.22 -> 5.39 %, 7.02 -> 5.47 %, 6.44 -> 5.68 %, 6.61 -> 5.28 %. A mask with no number sound
in it at all stays whole (cut to what lay near sounds outside it instead: 0.1 point less other
speech, the same digits).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from redaction.cards import Entity
from redaction.numbers import digits_said
from redaction.words import TimedWord

#: A mask keeps what lies within this of a number sound (0.6 s: 3 to 5 more digits lost per
#: 1,833, 0.4 points less other speech; 1.0 s: 0.3 points more other speech).
SOUND_REACH_S = 0.8
#: A digit word the mask holds keeps its own time (widened by OWN_WORD_PAD_S) when it lasts
#: at most this: Whisper times a number token of many digits over far more than it took.
OWN_WORD_MAX_S = 1.0
OWN_WORD_PAD_S = 0.1
#: The model agrees with the words when a number sound lies within AGREEMENT_REACH_S of this
#: share of the words that say one digit (on the tune calls most calls agree at 0.9 or more;
#: a voice none of the model's training met may agree far less).
MIN_AGREEMENT = 0.8
MIN_AGREEMENT_WORDS = 6
AGREEMENT_REACH_S = 0.3


def parts(entities: Sequence[Entity], words: Sequence[TimedWord],
          sounds_s: Sequence[float] | None) -> list[tuple[Entity, float, float]]:
    """What to mask of each of ``entities`` (found in ``words``): the parts ``sounded`` when
    ``sounds_s`` (None: the recognizer says nothing of sounds) agree with ``words``, else
    the whole entity; (entity, start_s, end_s) in the entities' order."""
    near = sounds_s is not None and agrees(words, sounds_s)
    return [(e, a, b) for e in entities
            for a, b in (sounded(e.start_s, e.end_s, [words[i] for i in e.words], sounds_s or ())
                         if near else [(e.start_s, e.end_s)])]


def agrees(words: Sequence[TimedWord], sounds_s: Sequence[float]) -> bool:
    """True when number sounds lie near MIN_AGREEMENT of the one-digit ``words`` (at least
    MIN_AGREEMENT_WORDS of them)."""
    heard = sorted(sounds_s)
    single = [w for w in words if len(digits_said(w.text)) == 1]
    if len(single) < MIN_AGREEMENT_WORDS:
        return False
    near = sum(_near(heard, w.start_s - AGREEMENT_REACH_S, w.end_s + AGREEMENT_REACH_S) for w in single)
    return near >= MIN_AGREEMENT * len(single)


def sounded(start_s: float, end_s: float, own: Sequence[TimedWord],
            sounds_s: Sequence[float]) -> list[tuple[float, float]]:
    """The parts of the mask ``start_s``-``end_s`` within SOUND_REACH_S of a number sound or
    within OWN_WORD_PAD_S of a short digit word of ``own`` (the mask's words), in order; the
    whole mask when no sound lies in it."""
    heard = sorted(sounds_s)
    if not _near(heard, start_s, end_s):
        return [(start_s, end_s)]
    keep = [(t - SOUND_REACH_S, t + SOUND_REACH_S) for t in heard[bisect_left(heard, start_s - SOUND_REACH_S):]
            if t - SOUND_REACH_S < end_s]
    keep += [(w.start_s - OWN_WORD_PAD_S, w.end_s + OWN_WORD_PAD_S) for w in own
             if digits_said(w.text) and w.end_s - w.start_s <= OWN_WORD_MAX_S]
    out: list[tuple[float, float]] = []
    for a, b in sorted(keep):
        a, b = max(a, start_s), min(b, end_s)
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _near(heard: list[float], start_s: float, end_s: float) -> bool:
    k = bisect_left(heard, start_s)
    return k < len(heard) and heard[k] <= end_s
