"""Masks of spoken card data kept to where number sounds were heard.

The card logic masks from words: an answer to an ask for the expiry date that Whisper wrote
as other words ("lovely bee, two feminine times") is masked whole, and a card read in
groups is masked from its first digit to its last, with whatever was said between. Much of
what such masks cover is other speech. A recognizer's acoustic number model
(``recognizer.Sounding``: the number gate's network) says where number words sounded; a
stretch of a mask more than ``SOUND_REACH_S`` from every such sound, and from every short
digit word the mask holds, is unmasked.

Where Whisper wrote some of the data as other words ("I'm free, I'm high, one double, 4, 8,
2, ..."), the model often still heard them as numbers: an entity also reaches out from its
edges along the sounds the model was sure of (``SURE_SOUND_MASS``) that follow each other
within ``CHAIN_GAP_S`` (digits read one after another), at most ``REACH_PER_DIGIT_S`` for each
digit its words lack (a card's 16, an expiry date's 4, a code's 3; one at least, and two back
from its start: Whisper often times a read late, its first digit under the caller's "it's"),
before it is kept to the sounds. Along the sounds it was all but certain of
(``CERTAIN_SOUND_MASS``), read at a slower pace (``CERTAIN_CHAIN_GAP_S``), an entity reaches
whatever its words hold, up to a card's digits' worth: a card's first group that Whisper wrote
as other words ("in 46, near only a row, I'm 1, 0, 1, ..."), where its words already count
sixteen digits, a code's "thanks" after its digits.

Only where the model hears this call's speaker: a model that never met a voice may hear
none of its digits, and its silence then says nothing. So the masks are kept whole unless
the model heard a number sound near at least ``MIN_AGREEMENT`` of the single digits written
in the call's words (and there were ``MIN_AGREEMENT_WORDS`` of them).

Measured (pass-1 masks of the tune calls; keeping was written on seeds 43-46 and 63-66,
reaching on 43-46 and 55-58, the sure sounds on the strangers' 71-78; 67-70 and the strangers'
79-86 were made after those choices):
kept to the sounds alone, the same digits masked on all five sets and other speech masked in
card calls 6.66 -> 5.39 %, 6.22 -> 5.39 %, 7.02 -> 5.47 %, 6.44 -> 5.68 %, 6.61 -> 5.28 %
(a mask with no number sound in it at all stays whole; cut to what lay near sounds outside it
instead: 0.1 point less other speech, the same digits). Reaching along the sure sounds too:
1734 -> 1759, 1687 -> 1723, 1706 -> 1734, 1680 -> 1720 and 1717 -> 1755 digits (of about
1,835 each), other speech 5.66, 5.61, 5.71, 5.95, 5.55 %; on the strangers' calls (seeds 71-78,
``tools/evalcalls/splits.STRANGERS``) 1035 -> 1052 of 1,097 digits, other speech 12.27 %
(words only) -> 11.39 % (kept) -> 12.30 %.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from redaction import card_words, digit_loops
from redaction.card_words import CARD_NUMBER, EXPIRY, SECURITY_CODE, Entity
from redaction.numbers import digits_said, month_said
from redaction.words import TimedWord

#: A mask keeps what lies within this of a number sound (0.6 s: 0 to 4 fewer digits per tune
#: set, about 0.3 point less other speech; 1.0 s: the same digits, about 0.3 point more).
SOUND_REACH_S = 0.8
#: A sound an entity reaches to is masked this far around its frame's middle.
SOUND_PAD_S = 0.2
#: A digit word the mask holds keeps its own time (widened by OWN_WORD_PAD_S) when it lasts
#: at most this: Whisper times a number token of many digits over far more than it took. Dropped
#: in session 27 (the same digits on eight tune word sets, 0.05-0.35 point less other speech) and
#: put back: on fresh tune seeds 167-168 it lost 4 digits in 3 calls, on held-out seeds 16-18 one.
OWN_WORD_MAX_S = 1.0
OWN_WORD_PAD_S = 0.1
#: An entity reaches along the sounds the model was this sure of (number words at least this
#: share of its probability; the sounds it keeps to need ``gate.NUMBER_SOUND_MASS``, 0.1). On
#: the strangers' calls (tune voices no component has met, agents included: 48 card calls,
#: seeds 71-78) reaching along every sound masked 24 more digits of 1,097 for 2.65 points more
#: other speech, along sounds of 0.3 or more 19 for 1.66, 0.5 17 for 0.91, 0.7 12 for 0.56; on
#: tune seeds 43-46, 59-62 and 67-70 0.5 reached 25, 28 and 38 more digits for 0.24 to 0.27
#: point (every sound: 41, 36, 44 for 0.6 to 0.74). Held out from that choice, a fresh
#: strangers' set (seeds 79-86): 0.5 reached 16 more of 1,099 for 0.76 point, every sound 30
#: for 2.29.
SURE_SOUND_MASS = 0.5
#: Number sounds this close follow each other (digits read one after another: a pause
#: between groups of a card ends the chain). Measured reaching along every sound: 0.4 s, 5 to
#: 9 fewer digits per tune set and about 0.25 point less other speech; 1.0 s, 2 to 7 more
#: digits and about 0.55 point more.
CHAIN_GAP_S = 0.6
#: How far an entity reaches along them for each digit its words lack (at least one).
#: Measured as CHAIN_GAP_S: 0.3 s, 4 to 10 fewer digits per tune set and 0.1 to 0.25 point
#: less other speech; 0.6 s, 3 to 6 more and 0.2 to 0.35 point more.
REACH_PER_DIGIT_S = 0.4
#: Back from its start an entity reaches at least this many digits' worth, whole data too
#: (cards 1.86): Whisper times a read late ("It's three, five, three." timed 0.5 s after the
#: code was said, its first digit under Whisper's "It's"), where the model's sounds lie where the
#: digits were said. On tune sets 259-262 (dev), 255-258 and 263-264 (generated): 7, 2 and 2 more
#: digits masked for 0.20, 0.07 and 0.11 point more other speech in card calls; two digits' worth
#: on at the end as well: 2 more digits for 0.12 and 0.15 point more (not kept); three back: the
#: same digits as two, more other speech.
MIN_REACH_DIGITS = 2
#: Sounds the model was this sure of are reached along whatever the entity's words hold, from
#: sound to sound at most CERTAIN_CHAIN_GAP_S apart (a slower read than CHAIN_GAP_S allows), up to
#: CERTAIN_REACH_S from each edge (a card's digits' worth). Session 42, on six tune word sets
#: (dev 259-262, 265-266, 273-276; generated 255-258, 263-264, 267-268; 14,268 sensitive digits):
#: 36 more digits masked, leaky cards 12 -> 8, other speech in card calls 0.07 to 0.21 point more;
#: at 0.8 s 21 more digits and 10 leaky; at 1.2 s 43 and 8, 0.2 to 0.4 point more; sounds of 0.95
#: 21 and 10; of 0.85 (0.8 s) 29 and 9 for up to 0.3 point. On fresh sets made after the choice
#: (dev and generated 277-280): 2 and 7 more digits, 0.08 and 0.22 point more (docs/measurements.md,
#: session 42).
CERTAIN_SOUND_MASS = 0.9
CERTAIN_CHAIN_GAP_S = 1.0
#: The digits of whole data of each kind (most card numbers have 16; the card logic's own
#: counts for an expiry date and a code).
FULL_DIGITS = {CARD_NUMBER: 16, EXPIRY: card_words.FULL_DIGITS["expiry"], SECURITY_CODE: card_words.FULL_DIGITS["code"]}
#: How far an entity reaches along the certain sounds from each edge: a card's digits' worth.
CERTAIN_REACH_S = FULL_DIGITS[CARD_NUMBER] * REACH_PER_DIGIT_S
#: The model agrees with the words when a number sound lies within AGREEMENT_REACH_S of this
#: share of the words that say one digit (on the tune calls most calls agree at 0.9 or more;
#: a voice none of the model's training met may agree far less; 0.9 here: 2 to 16 fewer digits
#: per tune set, and more other speech).
MIN_AGREEMENT = 0.8
MIN_AGREEMENT_WORDS = 6
AGREEMENT_REACH_S = 0.3


def parts(entities: Sequence[Entity], words: Sequence[TimedWord],
          sounds: Sequence[tuple[float, float]] | None,
          again: Sequence[set[int]] | None = None) -> list[tuple[Entity, float, float]]:
    """What to mask of each of ``entities`` (found in ``words``): where ``sounds`` ((moment s,
    probability) of each number sound; None: the recognizer says nothing of sounds) agree
    with ``words``, each entity ``reached`` along the sure ones and ``sounded``, else the whole
    entity; (entity, start_s, end_s) in the entities' order. The sounds are sorted once here:
    ``reached``, ``agrees`` and ``sounded`` take them sorted. ``again``: each entity's digits
    written again in a loop (``looped_words``; None: read here)."""
    heard = sorted(t for t, _ in sounds or ())
    if sounds is None or not agrees(words, heard):
        return [(e, e.start_s, e.end_s) for e in entities]
    sure = sorted(t for t, p in sounds if p >= SURE_SOUND_MASS)
    certain = sorted(t for t, p in sounds if p >= CERTAIN_SOUND_MASS)
    again = looped_words(entities, words) if again is None else again
    return [(e, a, b) for e, looped in zip(entities, again, strict=True)
            for a, b in sounded(*reached(e, words, sure, certain), _own(e, words, looped), heard)]


def looped_words(entities: Sequence[Entity], words: Sequence[TimedWord]) -> list[set[int]]:
    """The digits of each of ``entities`` Whisper wrote again in a decoding loop (``digit_loops``): their
    times say nothing of when the data was said (``parts``, ``edges.trimmed``)."""
    return [digit_loops.looped(words, e.words) for e in entities]


def _own(entity: Entity, words: Sequence[TimedWord], again: set[int]) -> list[TimedWord]:
    """``entity``'s words but those of ``again`` (written again in a loop)."""
    return [words[i] for i in entity.words if i not in again]


def reached(entity: Entity, words: Sequence[TimedWord], heard: Sequence[float],
            certain: Sequence[float] = ()) -> tuple[float, float]:
    """``entity``'s span reaching out from each edge along number sounds (``heard``, sorted)
    that follow each other within CHAIN_GAP_S, at most REACH_PER_DIGIT_S for each digit its
    words lack (at least one; back from its start, at least MIN_REACH_DIGITS), then along the
    ``certain`` ones (sorted) within CERTAIN_CHAIN_GAP_S, at most CERTAIN_REACH_S; a sound taken
    keeps SOUND_PAD_S of its own around it."""
    said = sum(len(digits_said(words[i].text)) for i in entity.words)
    lacking = FULL_DIGITS.get(entity.entity, 0) - said
    reach_s, back_s = max(lacking, 1) * REACH_PER_DIGIT_S, max(lacking, MIN_REACH_DIGITS) * REACH_PER_DIGIT_S
    start_s, end_s = _along(entity.start_s, entity.end_s, heard, CHAIN_GAP_S, back_s, reach_s)
    return _along(start_s, end_s, certain, CERTAIN_CHAIN_GAP_S, CERTAIN_REACH_S, CERTAIN_REACH_S)


def _along(start_s: float, end_s: float, heard: Sequence[float], gap_s: float,
           back_s: float, on_s: float) -> tuple[float, float]:
    """``start_s``-``end_s`` reaching back (at most ``back_s``) and on (``on_s``) along the
    sounds ``heard`` (sorted) that follow each other within ``gap_s``."""
    k, edge_s = bisect_left(heard, start_s) - 1, start_s
    while k >= 0 and edge_s - heard[k] <= gap_s and start_s - heard[k] <= back_s:
        edge_s, k = heard[k], k - 1
    if edge_s < start_s:
        start_s = max(0.0, edge_s - SOUND_PAD_S)
    k, edge_s = bisect_right(heard, end_s), end_s
    while k < len(heard) and heard[k] - edge_s <= gap_s and heard[k] - end_s <= on_s:
        edge_s, k = heard[k], k + 1
    if edge_s > end_s:
        end_s = edge_s + SOUND_PAD_S
    return start_s, end_s


def agrees(words: Sequence[TimedWord], heard: Sequence[float]) -> bool:
    """True when number sounds (``heard``: moments, sorted) lie near MIN_AGREEMENT of the
    one-digit ``words`` (at least MIN_AGREEMENT_WORDS of them)."""
    single = [w for w in words if len(digits_said(w.text)) == 1]
    if len(single) < MIN_AGREEMENT_WORDS:
        return False
    near = sum(_near(heard, w.start_s - AGREEMENT_REACH_S, w.end_s + AGREEMENT_REACH_S) for w in single)
    return near >= MIN_AGREEMENT * len(single)


def sounded(start_s: float, end_s: float, own: Sequence[TimedWord],
            heard: Sequence[float]) -> list[tuple[float, float]]:
    """The parts of the mask ``start_s``-``end_s`` within SOUND_REACH_S of a number sound
    (``heard``: moments, sorted) or within OWN_WORD_PAD_S of a short digit word of ``own``
    (the mask's words), in order; the whole mask when no sound lies in it."""
    if not _near(heard, start_s, end_s):
        return [(start_s, end_s)]
    near = heard[bisect_left(heard, start_s - SOUND_REACH_S) : bisect_right(heard, end_s + SOUND_REACH_S)]
    keep = [(t - SOUND_REACH_S, t + SOUND_REACH_S) for t in near]
    keep += [(w.start_s - OWN_WORD_PAD_S, w.end_s + OWN_WORD_PAD_S) for w in own
             if _says_data(w.text) and w.end_s - w.start_s <= OWN_WORD_MAX_S]
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


def _says_data(text: str) -> bool:
    """A word says digits ("0,", "seven", "4532") or a month ("August": an expiry date's month)."""
    return bool(digits_said(text)) or month_said(text)


def _near(heard: Sequence[float], start_s: float, end_s: float) -> bool:
    k = bisect_left(heard, start_s)
    return k < len(heard) and heard[k] <= end_s
