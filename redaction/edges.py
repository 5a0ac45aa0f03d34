"""Masks of spoken card data end where the speech that holds the data ends.

Whisper times words loosely, and the card logic reaches a mask over words it takes for data
misheard (a lead-in, an edge word, a card's groups chained across the agent's "okay"): a mask
often runs on into the phrase before or after the data. A recognizer's energy detector parts
the call into speech regions (``recognizer.Sounding``: stretches of speech parted by 0.4 s of
quiet). Masks that touch (``GROUP_GAP_S``) are cut as one: from the region holding their
first evidence of data to the region holding their last, where evidence is a word that says
a number or a part of one ("4", "twelve", "twenty", "double", "May"; where the number sounds
agree with the words, not the digits Whisper wrote again in a decoding loop: ``digit_loops``, cards
2.00), or a number sound the recognizer's acoustic model heard. Leading and trailing regions with
neither are unmasked, but for short ones right next to what is kept (a digit said alone, written
as another word: ``MIN_CUT_REGION_S``); everything between stays masked, pauses included (the
detector may take a quiet digit for a pause). A mask with no evidence at all stays whole, and so
does the whole answer masked for an ask nothing answered (``answers.UNANSWERED_CONFIDENCE``): its data is by
definition what nobody wrote as digits. Last, an unchecked card chain keeps, after its card, only what lies
near the number sounds, where the network heard the card (``card_tails``, cards 2.01).

Measured (pass-1 masks rescored on the 13 tune word sets, seeds 189-246, 25,184 sensitive digits
in their card calls): 4 digits lost (two in each of two calls), other speech masked in card
calls 0.21 to 0.45 point less on every set (dev 229-232 7.28 -> 7.04 %, alt 229-232 11.13 ->
10.71 %, generated 241-242 11.10 -> 10.70 %); on fresh tune calls made before it (generated
249-250 and 251-252) the same digits, 11.87 -> 11.48 % and 11.07 -> 10.55 %. Cutting the
unanswered answers too (tried on padded masks, 8 of the sets): 10 more digits lost for 0.3 to
0.6 point less other speech (docs/measurements.md, "Masks end with their speech").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from redaction.answers import UNANSWERED_CONFIDENCE
from redaction.card_tails import unheard_cut
from redaction.card_words import Entity
from redaction.numbers import says_number
from redaction.sounds import agrees, looped_words
from redaction.sounds import parts as sound_parts
from redaction.words import TimedWord

#: Masks this close are cut as one (the engine pads each spoken mask by about 0.3 s a side:
#: masks this close are one mask in the output).
GROUP_GAP_S = 0.6
#: A mask keeps at least this much on each side of its outermost evidence (the middle of a
#: word, a number sound; the engine pads it further). Measured on the tune sets with the cut:
#: 0.05 s, 18 of 25,184 digits lost, other speech 0.46 to 0.84 point less; 0.15 s, 12 and 0.35
#: to 0.68; 0.25 s, 6 and 0.26 to 0.51. (Evidence as a word's whole time instead of its middle:
#: 4 digits and 0.02 to 0.08 point: Whisper's loose times are what reach into the next phrase.
#: Cards 1.86, for words saying two digits or more only, "twelve", "26.": 3 digits kept on the tune set it
#: came from, none on four sets made after it, held-out seeds 79-81 included, for 0.1 point more: not kept.)
EVIDENCE_PAD_S = 0.25
#: Speech regions shorter than this next to what a mask keeps stay masked: one digit said alone,
#: which Whisper wrote as another word and the network did not hear as a number (on the tune
#: sets 2 digits kept in each of two calls, 0.01 to 0.07 point more other speech; 0.8 s the same
#: digits, a little more).
MIN_CUT_REGION_S = 0.5


def spoken_parts(entities: Sequence[Entity], words: Sequence[TimedWord],
                 sounds: Sequence[tuple[float, float]] | None,
                 speech: Sequence[tuple[float, float]] | None) -> list[tuple[Entity, float, float]]:
    """What to mask of each of ``entities`` (found in ``words``): ``sounds.parts`` (``sounds``: the number
    sounds) ``trimmed`` to the ``speech`` regions, each entity's digits written again in a loop read once
    for both (``sounds.looped_words``)."""
    if not sounds:
        return trimmed(sound_parts(entities, words, sounds), words, sounds, speech)
    again = looped_words(entities, words)
    kept = sound_parts(entities, words, sounds, again)
    held = {id(e) for e, _, _ in kept}  # an entity kept to nothing is none of the parts'
    return trimmed(kept, words, sounds, speech, set().union(*(a for e, a in zip(entities, again) if id(e) in held)))


def trimmed(parts: Sequence[tuple[Entity, float, float]], words: Sequence[TimedWord],
            sounds: Sequence[tuple[float, float]] | None,
            speech: Sequence[tuple[float, float]] | None,
            again: set[int] | None = None) -> list[tuple[Entity, float, float]]:
    """``parts`` ((entity, start_s, end_s), as ``sounds.parts`` gives them) cut at their edges to
    the ``speech`` regions ((start_s, end_s); None: the recognizer says nothing of speech, and
    nothing is cut) that hold evidence of data: a word of ``words`` saying a number or a part of
    one (its middle), or a moment of ``sounds``; then each unchecked card chain's tail kept near
    the number sounds (``card_tails``); in the same order, a part cut to nothing left out.
    Where the sounds agree with the words, a digit written again in a loop (``again``: those of the
    parts' entities, ``sounds.looped_words``; None: read here) is no evidence."""
    if not speech:
        return unheard_cut(parts, words, sounds)
    agreeing = bool(sounds) and agrees(words, sorted(t for t, _ in sounds or ()))
    if agreeing and again is None:
        again = set().union(*looped_words(list(dict.fromkeys(e for e, _, _ in parts)), words))
    again = again if agreeing and again is not None else set()
    evidence = sorted([(w.start_s + w.end_s) / 2 for k, w in enumerate(words) if says_number(w.text) and k not in again]
                      + [t for t, _ in sounds or ()])
    regions = sorted(speech)
    cut = [k for k, (e, a, b) in enumerate(parts) if e.confidence > UNANSWERED_CONFIDENCE and b > a]
    bounds: dict[int, tuple[float, float]] = {}
    for group in _groups(cut, parts):
        start_s, end_s = min(parts[k][1] for k in group), max(parts[k][2] for k in group)
        inside = evidence[bisect_left(evidence, start_s) : bisect_right(evidence, end_s)]
        if not inside:
            continue
        first_s = min(_region(inside[0], regions, before=True), inside[0] - EVIDENCE_PAD_S)
        last_s = max(_region(inside[-1], regions, before=False), inside[-1] + EVIDENCE_PAD_S)
        first_s, last_s = _with_short_regions(first_s, last_s, start_s, end_s, regions)
        bounds.update((k, (first_s, last_s)) for k in group)
    out = []
    for k, (e, a, b) in enumerate(parts):
        if k in bounds:
            a, b = max(a, bounds[k][0]), min(b, bounds[k][1])
            if b <= a:
                continue
        out.append((e, a, b))
    return unheard_cut(out, words, sounds)


def _with_short_regions(first_s: float, last_s: float, start_s: float, end_s: float,
                        regions: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """``first_s``-``last_s`` widened, within the mask's ``start_s``-``end_s``, over the speech
    regions next to it shorter than MIN_CUT_REGION_S, one after another."""
    k = bisect_right(regions, (first_s, float("-inf"))) - 1
    while k >= 0 and start_s < regions[k][1] < first_s and regions[k][1] - regions[k][0] < MIN_CUT_REGION_S:
        first_s, k = regions[k][0], k - 1
    k = bisect_right(regions, (last_s, float("inf")))
    while k < len(regions) and last_s < regions[k][0] < end_s and regions[k][1] - regions[k][0] < MIN_CUT_REGION_S:
        last_s, k = regions[k][1], k + 1
    return max(start_s, first_s), min(end_s, last_s)


def _groups(cut: list[int], parts: Sequence[tuple[Entity, float, float]]) -> list[list[int]]:
    """The indices ``cut`` of ``parts`` in groups of parts that touch (GROUP_GAP_S), by time."""
    groups: list[list[int]] = []
    end_s = float("-inf")
    for k in sorted(cut, key=lambda k: parts[k][1]):
        _, a, b = parts[k]
        if groups and a - end_s <= GROUP_GAP_S:
            groups[-1].append(k)
            end_s = max(end_s, b)
        else:
            groups.append([k])
            end_s = b
    return groups


def _region(moment_s: float, regions: Sequence[tuple[float, float]], *, before: bool) -> float:
    """The start (``before``) or end of the speech region (``regions``: sorted, apart) holding
    ``moment_s``; the moment itself when none does."""
    k = bisect_right(regions, (moment_s, float("inf"))) - 1
    if k >= 0 and regions[k][0] <= moment_s <= regions[k][1]:
        return regions[k][0] if before else regions[k][1]
    return moment_s
