"""Long chains of number sounds on a noisy line: a card read where the words were lost.

On a noisy line Whisper writes many of a card's digits as other words, or none, and the card
logic then finds no card; the recognizer's small network still hears a number sound for most
digits (``recognizer.Sounding``: the moments it heard one). A chain of at least
``MIN_CHAIN_SOUNDS`` number sounds, each at most ``MAX_GAP_S`` after the one before (a digit read
every 0.3-0.8 s, in groups), is longer than any phone number read digit by digit: where the words'
card data does not already cover it, the engine masks it as a card number (``engine``), on a noisy
line only (``line_noise``): on a quiet one such chains also form over other speech and phone numbers
(tune word sets as made: a leaky card fewer on two of eight sets, harmless calls' speech masked
0.4-0.8 point more on seven). On two tune sets made 10 dB noisier (seeds 281-284, 1553 and 1558
digits; the meter took 57 % of their calls for noisy) it masked 16 and 39 digits more, leaky cards
3 -> 2 and 6 -> 4, for 0.2-0.5 point more other speech and harmless calls' speech 1.73 -> 2.64 %;
held out (seeds 112-117, 10 dB noisier) 1720 -> 1749 of 1924 digits, leaky cards 5 -> 3, harmless
calls 1.92 -> 3.03 %, the calls as made the same.

On any line, the caller's answer to the agent's card ask (``answers.asks_number``) is where a card is
read: there a looser chain (``ANSWER_GAP_S``, ``MIN_ANSWER_SOUNDS``) of number sounds begun within
``ANSWER_REACH_S`` of the ask's sentence is masked up to the first data found in it, unless that data's
words say a card's worth of digits, where the words say almost no number (``answer_chains_s``):
Whisper wrote nothing, or other words, over a hard voice's card. On 19 recorded tune word files it
changed two calls: tune set 361's fsdd-jackson+rough 14 -> 22 of 23 digits, set 327's mb-de1-en
16 -> 23, each a leaky card fewer, no other speech more; harmless calls the same on every call.

Likewise the answer to the agent's expiry or code ask, in words or implied (``answers.answer_windows``:
from the end of the ask's sentence to where the agent speaks again): its first chain of number sounds,
begun within ``DATA_REACH_S``, of ``MIN_DATA_SOUNDS`` to the data's ``MOST_DIGITS`` sounds, is masked as
that data up to the first data found in it, unless the data found from the ask says all its digits
(``data_chains_s``). On 20 recorded tune word files it changed 5 calls (+1 to +3 digits each, one with
0.5 s more other speech); no digit less and no harmless call's speech more on any call; on a fresh tune
set (seeds 365-366) nothing.

A card ask's answer Whisper wrote no word over at all, its number sounds too few or too far apart for a
chain (issue 9, "card dropped"), is masked by the speech in the gap between words after the ask's
sentence (``dropped_answers_s``, with the recognizer's speech regions): on 27 recorded tune word files
and a fresh tune set (385-386) it changed no call; on those files with each card call's words over its
card taken out and 45 % of its number sounds kept, leaky cards 639 -> 377 of 1287 for 9.57 -> 9.92 % of
other speech, harmless calls the same.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, islice, takewhile

from callrec.intervals import union
from redaction.answers import ANSWER_LEAD_WORDS, ASK_TAIL_WORDS, HOLD_WORDS, RUN_ON_ASK_WORDS, asks_number
from redaction.card_words import (
    CARD_NUMBER,
    EXPIRY,
    FULL_DIGITS,
    MISHEARD_CARD_WORDS,
    car_said_for_card,
    MOST_DIGITS,
    NUMBER_WORDS,
    Ask,
    ask_of,
    ends_sentence,
    plain,
)
from redaction.numbers import digits_said, says_number
from redaction.words import TimedWord

#: Version of the chain rule, part of a recognizer's detector version (``engine.recognizer_version``).
VERSION = "4"
#: A chain detection's detector: the recognizer's name and this ("recognizer:whisper/sound-chains").
DETECTOR_SUFFIX = "/sound-chains"
#: Number-sound moments this close are one sound (the network's frames are 20 ms apart).
SAME_SOUND_S = 0.05
#: Longest gap between two sounds of a chain.
MAX_GAP_S = 1.0
#: Fewest sounds of a chain masked as a card (a UK phone number read digit by digit has 11).
MIN_CHAIN_SOUNDS = 15
#: A chain whose time the words' card data already covers this much of adds nothing.
COVERED_SHARE = 0.5
#: Confidence of such a detection (a card number found by sound alone).
CHAIN_CONFIDENCE = 0.3


def chains(sounds: Sequence[tuple[float, float]], gap_s: float = MAX_GAP_S) -> list[tuple[float, float, int]]:
    """(start_s, end_s, sounds) of each chain of the number sounds ``sounds`` ((moment s, probability)
    each, any order): moments within SAME_SOUND_S of each other are one sound, and a chain ends
    where the next sound begins more than ``gap_s`` after its last one."""
    return list(_chains_of(sorted(t for t, _ in sounds), gap_s))


def _chains_of(moments_s: Iterable[float], gap_s: float) -> Iterator[tuple[float, float, int]]:
    """``chains`` of the sorted ``moments_s``, one by one (a caller wanting the first few reads no more)."""
    start_s = end_s = None
    count = 0
    for t in moments_s:
        if end_s is not None and t - end_s <= SAME_SOUND_S:
            end_s = t
        elif end_s is not None and t - end_s <= gap_s:
            end_s, count = t, count + 1
        else:
            if start_s is not None:
                yield start_s, end_s, count
            start_s = end_s = t
            count = 1
    if start_s is not None:
        yield start_s, end_s, count


def uncovered_chains_s(sounds: Sequence[tuple[float, float]],
                       covered_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of each chain of at least MIN_CHAIN_SOUNDS sounds of which ``covered_s``
    (the card data found in the words) covers less than COVERED_SHARE."""
    out = []
    for a, b, n in chains(sounds):
        if n < MIN_CHAIN_SOUNDS:
            continue
        covered = sum(max(0.0, min(b, y) - max(a, x)) for x, y in covered_s)
        if covered < COVERED_SHARE * (b - a):
            out.append((a, b))
    return out


#: A card ask's answer follows its sentence's end (within answers.ASK_TAIL_WORDS of the ask word) ...
#: ... chains begun this long after that end ...
ANSWER_REACH_S = 12.0
#: ... of sounds at most this far apart (a hard voice's digits heard one in two or three) ...
ANSWER_GAP_S = 2.0
#: ... of at least this many sounds ...
MIN_ANSWER_SOUNDS = 6
#: ... masked before the data found in them, unless its words say this many digits (the card, found) ...
CARD_SAID_DIGITS = 13
#: ... and when that stretch is this long and holds this many sounds ...
MIN_UNCOVERED_S = 1.0
MIN_STRETCH_SOUNDS = 4
#: ... and where the words say at most this many number words: more, and the card logic judged
#: what Whisper heard (an order number read after the card, taken for harmless).
MAX_NUMBER_WORDS = 2


def answer_chains_s(sounds: Sequence[tuple[float, float]], words: Sequence[TimedWord],
                    covered_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of the stretch of a card ask's answer chain before the first data ``covered_s``
    (the data found) has in it, at least MIN_UNCOVERED_S long, holding MIN_STRETCH_SOUNDS sounds and
    at most MAX_NUMBER_WORDS number words of ``words``; the chain: the first of number ``sounds``
    ((moment s, probability) each) at most ANSWER_GAP_S apart, of MIN_ANSWER_SOUNDS or more, begun
    within ANSWER_REACH_S after the sentence of a card ask word of ``words`` that asks for the
    number (``answers.asks_number``); not before data found whose words say CARD_SAID_DIGITS digits."""
    words = sorted(words, key=lambda w: w.start_s)
    asks_s = sorted(_asked_s(k, words) for k, w in enumerate(words)
                    if ask_of(plain(w.text)) == "card" and asks_number(Ask("card", k), words))
    if not asks_s:
        return []
    moments = _Moments.of(sorted(t for t, _ in sounds), ANSWER_GAP_S)
    counts = _WordCounts([w.start_s for w in words], words)
    covered = _Covered.of(covered_s)
    out: set[tuple[float, float]] = set()
    for ask_s in asks_s:
        chain = moments.answer_chain(ask_s)
        if chain is None:
            continue
        a, b = chain
        end_s = covered.first_s(a, b)  # up to the first data found in it (what follows answers something else)
        if end_s - a < MIN_UNCOVERED_S:
            continue
        found = covered.around(end_s)  # the data found after it (None: none)
        said = 0 if found is None else counts.digits(end_s, found[1])
        if (moments.heard(a, end_s) >= MIN_STRETCH_SOUNDS and said < CARD_SAID_DIGITS
                and counts.numbers(a, end_s) <= MAX_NUMBER_WORDS):
            out.add((a, end_s))
    return sorted(out)


@dataclass(frozen=True)
class _Moments:
    """A call's sorted number-sound moments, read once for every card ask (``answer_chains_s``): where
    each chain of sounds at most ``gap_s`` apart starts (``firsts``: indices), how many sounds lie
    before each moment (``heard_before``: moments within SAME_SOUND_S of the one before are one) and
    the first chain from each of MIN_ANSWER_SOUNDS or more (``long_from``: None, none)."""

    moments_s: list[float]
    firsts: list[int]
    heard_before: list[int]
    long_from: list[int | None]

    @classmethod
    def of(cls, moments_s: list[float], gap_s: float) -> _Moments:
        new = [k == 0 or moments_s[k] - moments_s[k - 1] > SAME_SOUND_S for k in range(len(moments_s))]
        firsts = [k for k in range(len(moments_s)) if k == 0 or moments_s[k] - moments_s[k - 1] > gap_s]
        heard_before = [0, *accumulate(new)]
        long_from: list[int | None] = [None] * (len(firsts) + 1)
        for j in reversed(range(len(firsts))):
            end = firsts[j + 1] if j + 1 < len(firsts) else len(moments_s)
            long_from[j] = j if cls._count(heard_before, firsts[j], end) >= MIN_ANSWER_SOUNDS else long_from[j + 1]
        return cls(moments_s, firsts, heard_before, long_from)

    @staticmethod
    def _count(heard_before: list[int], first: int, end: int) -> int:
        """The sounds of the moments ``first`` to ``end`` (excluded), the first one a sound whatever came before."""
        return 0 if end <= first else 1 + heard_before[end] - heard_before[first + 1]

    def _end(self, j: int) -> int:
        """The index after chain ``j``'s last moment."""
        return self.firsts[j + 1] if j + 1 < len(self.firsts) else len(self.moments_s)

    def answer_chain(self, ask_s: float) -> tuple[float, float] | None:
        """(start_s, end_s) of the first chain of the moments from ``ask_s`` on of MIN_ANSWER_SOUNDS sounds
        or more (the chain ``ask_s`` falls in counted from ``ask_s``), when it begins within ANSWER_REACH_S
        of ``ask_s`` and no shorter chain before it begins out of reach (None: no such chain)."""
        i = bisect_left(self.moments_s, ask_s)
        if i == len(self.moments_s):
            return None
        j = bisect_right(self.firsts, i) - 1
        if self._count(self.heard_before, i, self._end(j)) >= MIN_ANSWER_SOUNDS:
            first = i
        else:
            long = self.long_from[j + 1]
            if long is None:
                return None
            j, first = long, self.firsts[long]
        if self.moments_s[first] - ask_s > ANSWER_REACH_S:  # later chains begin later: none in reach
            return None
        return self.moments_s[first], self.moments_s[self._end(j) - 1]

    def heard(self, a: float, b: float) -> int:
        """How many sounds the moments from ``a`` to ``b`` (both included) are."""
        span = _indices(self.moments_s, a, b)
        return self._count(self.heard_before, span.start, span.stop)


@dataclass(frozen=True)
class _WordCounts:
    """The digits and the number words said by words begun in a time span, counted by bisect over their
    ``starts_s`` (sorted): each word's read once, when first asked for (``answer_chains_s``)."""

    starts_s: list[float]
    words: Sequence[TimedWord]

    @cached_property
    def _digits_before(self) -> list[int]:
        return [0, *accumulate(len(digits_said(w.text)) for w in self.words)]

    @cached_property
    def _numbers_before(self) -> list[int]:
        return [0, *accumulate(int(says_number(w.text)) for w in self.words)]

    def digits(self, a: float, b: float) -> int:
        """The digits said by the words begun from ``a`` to ``b``, both included."""
        span = _indices(self.starts_s, a, b)
        return self._digits_before[span.stop] - self._digits_before[span.start]

    def numbers(self, a: float, b: float) -> int:
        """The number words among the words begun from ``a`` to ``b``, both included."""
        span = _indices(self.starts_s, a, b)
        return self._numbers_before[span.stop] - self._numbers_before[span.start]


@dataclass(frozen=True)
class _Covered:
    """Time spans found (``covered_s``): sorted by start with the latest end up to each (``reach_s``), and
    joined (``merged``, their starts ``lows_s``)."""

    starts_s: list[float]
    reach_s: list[float]
    merged: list[tuple[float, float]]
    lows_s: list[float]

    @classmethod
    def of(cls, covered_s: Sequence[tuple[float, float]]) -> _Covered:
        spans = sorted(covered_s)
        merged = union(covered_s)
        return cls([x for x, _ in spans], list(accumulate((y for _, y in spans), max)), merged, [x for x, _ in merged])

    def first_s(self, a: float, b: float) -> float:
        """Where the first span reaching past ``a`` begins in (``a``, ``b``): ``a`` when one holds ``a``,
        ``b`` when none."""
        k = bisect_right(self.starts_s, a)
        if k and self.reach_s[k - 1] > a:
            return a
        return self.starts_s[k] if k < len(self.starts_s) and self.starts_s[k] < b else b

    def around(self, t_s: float) -> tuple[float, float] | None:
        """(``t_s``, its end) of the joined span that holds ``t_s`` before its end (None: none)."""
        i = bisect_right(self.lows_s, t_s) - 1
        return (t_s, self.merged[i][1]) if i >= 0 and t_s < self.merged[i][1] else None


#: An expiry or code ask's answer window (``answers.answer_windows``): its first chain of number sounds
#: at most MAX_GAP_S apart begun within DATA_REACH_S of the window's start (an expiry date or a code is
#: read within a few seconds of its ask: ``answers.UNANSWERED_S``) ...
DATA_REACH_S = 7.0
#: ... cut at the window's end and at the first data found in it, is masked when it then holds from this
#: many sounds (fewer: a word of other speech heard as a number) to the data's ``MOST_DIGITS`` (more: some
#: other number), at most MAX_NUMBER_WORDS number words, and the data found in the window before it says
#: fewer digits than the data's ``FULL_DIGITS``.
MIN_DATA_SOUNDS = 3


def data_chains_s(sounds: Sequence[tuple[float, float]], words: Sequence[TimedWord],
                  windows_s: Sequence[tuple[str, float, float]],
                  covered_s: Sequence[tuple[float, float]]) -> list[tuple[str, float, float]]:
    """(entity, start_s, end_s) of the chain of number ``sounds`` ((moment s, probability) each) in each
    expiry or code ask's answer window of ``windows_s`` ((entity, start_s, end_s): ``answers.answer_windows``)
    that the data found (``covered_s``) leaves: the first chain begun within DATA_REACH_S of the window's
    start, up to the window's end and the first data found in it, of MIN_DATA_SOUNDS to the data's
    MOST_DIGITS sounds, over at most MAX_NUMBER_WORDS number words of ``words``, unless the data found
    from the window's start says the data's FULL_DIGITS: Whisper wrote nothing, or other words, over
    a hard voice's expiry date or code."""
    moments = sorted(t for t, _ in sounds)
    by_start = sorted(words, key=lambda w: w.start_s)
    starts = [w.start_s for w in by_start]
    merged = union(covered_s)
    lows, ends = [x for x, _ in merged], [y for _, y in merged]
    out: set[tuple[str, float, float]] = set()
    for entity, start_s, end_s in windows_s:
        kind = "expiry" if entity == EXPIRY else "code"
        first = bisect_left(moments, start_s)
        chain_s = next(_chains_of(takewhile(lambda t: t < end_s, islice(moments, first, None)), MAX_GAP_S), None)
        chain: list[float] = []
        if chain_s is not None and chain_s[0] - start_s <= DATA_REACH_S:
            chain = moments[first : bisect_right(moments, chain_s[1])]
            near = merged[bisect_right(ends, chain[0]) : bisect_right(lows, chain[-1])]  # each ends after chain[0]
            found_s = min((max(chain[0], x) for x, _ in near), default=end_s)
            chain = [t for t in chain if t < found_s]
        if not MIN_DATA_SOUNDS <= _sounds(chain) <= MOST_DIGITS[kind]:
            continue
        a, b = chain[0], chain[-1]
        inside = by_start[bisect_left(starts, start_s) : bisect_right(starts, b)]
        said = sum(len(digits_said(w.text)) for w in inside if _within(w.start_s, merged, lows))
        if said < FULL_DIGITS[kind] and sum(a <= w.start_s and says_number(w.text) for w in inside) <= MAX_NUMBER_WORDS:
            out.add((entity, a, b))
    return sorted(out, key=lambda found: found[1:])


#: A card ask's answer Whisper dropped whole (``dropped_answers_s``): after the sentence of the agent's card
#: ask, the caller's lead-in and hold (these words: "Okay, it is.", "one moment") and at most
#: DROPPED_STRAY_WORDS more words ("Right, I'm going ..."), no word for at least DROPPED_GAP_S ...
LEAD_IN_WORDS = ANSWER_LEAD_WORDS | HOLD_WORDS | RUN_ON_ASK_WORDS
DROPPED_STRAY_WORDS = 3
DROPPED_GAP_S = 4.0
#: ... while the recognizer's speech regions there hold at least this much speech, less than
#: COVERED_SHARE of it covered by what was found or keyed ...
DROPPED_SPEECH_S = 3.0
#: ... and its network heard at least this many number sounds there (a hard voice's card: a digit in two
#: or three).
DROPPED_SOUNDS = 3
#: The agent's sentence ends at a word ending one or before a pause this long (an answer Whisper dropped
#: leaves the ask's last word unpunctuated before the agent's next sentence).
SENTENCE_PAUSE_S = 0.5


def dropped_answers_s(sounds: Sequence[tuple[float, float]], speech: Sequence[tuple[float, float]],
                      words: Sequence[TimedWord],
                      covered_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of the caller's answer to a card ask where Whisper wrote no word at all (issue 9:
    a hard voice's card "dropped", its number sounds heard one in two or three, too far apart for
    ``answer_chains_s``): after the sentence of a card word of ``words`` (``_card_word``: any, its
    number word often lost with the answer), its lead-in and at most DROPPED_STRAY_WORDS more words,
    the first gap between words of DROPPED_GAP_S or more, cut ANSWER_REACH_S after the lead-in, that
    holds DROPPED_SPEECH_S of ``speech`` regions (less than COVERED_SHARE of it in ``covered_s``: the
    data found or keyed) and DROPPED_SOUNDS number ``sounds`` ((moment s, probability) each): masked
    from its first speech region's start to its last one's end. More masking, never less, when unsure."""
    words = sorted(words, key=lambda w: w.start_s)
    moments = sorted(t for t, _ in sounds)
    merged = union(covered_s)
    out: set[tuple[float, float]] = set()
    for k in range(len(words)):
        if not _card_word(k, words):
            continue
        j = _sentence_after(k, words)
        from_s = words[j - 1].end_s
        while j < len(words) and plain(words[j].text) in LEAD_IN_WORDS:
            from_s = words[j].end_s
            j += 1
        gap = _first_gap(from_s, j, words)
        if gap is None:
            continue
        a, b = gap
        inside = [(max(x, a), min(y, b)) for x, y in speech if x < b and y > a]
        spoken_s = sum(y - x for x, y in inside)
        hidden_s = sum(max(0.0, min(y, d) - max(x, c)) for x, y in inside for c, d in merged)
        if (spoken_s >= DROPPED_SPEECH_S and hidden_s < COVERED_SHARE * spoken_s
                and _sounds(moments[bisect_left(moments, a) : bisect_right(moments, b)]) >= DROPPED_SOUNDS):
            out.add((inside[0][0], inside[-1][1]))
    return sorted(out)


def _first_gap(from_s: float, j: int, words: Sequence[TimedWord]) -> tuple[float, float] | None:
    """(start_s, end_s) of the first gap of DROPPED_GAP_S or more from ``from_s`` to word ``j`` or between
    it and the DROPPED_STRAY_WORDS words after it, cut ANSWER_REACH_S after ``from_s``; None if none."""
    reach_s = from_s + ANSWER_REACH_S
    for i in range(j, min(len(words), j + DROPPED_STRAY_WORDS) + 1):
        a = from_s if i == j else words[i - 1].end_s
        b = min(words[i].start_s if i < len(words) else float("inf"), reach_s)
        if b - a >= DROPPED_GAP_S:
            return a, b
    return None


def _sentence_after(k: int, words: Sequence[TimedWord]) -> int:
    """The index of the first word after the sentence holding word ``k``: after a word ending it or
    before a pause of SENTENCE_PAUSE_S, within ASK_TAIL_WORDS (else right after word ``k``)."""
    for j in range(k, min(len(words), k + ASK_TAIL_WORDS + 1)):
        if (ends_sentence(words[j].text) or j + 1 == len(words)
                or words[j + 1].start_s - words[j].end_s >= SENTENCE_PAUSE_S):
            return j + 1
    return k + 1


def _card_word(k: int, words: Sequence[TimedWord]) -> bool:
    """Word ``k`` is a card word (``card_words.ask_of``), or Whisper's "car" or "current" right before
    "number", or its "car" for "card" as the card logic reads it (``card_words.car_said_for_card``)."""
    word = plain(words[k].text)
    after = plain(words[k + 1].text) if k + 1 < len(words) else ""
    before = plain(words[k - 1].text) if k > 0 else ""
    return (ask_of(word) == "card" or (word in MISHEARD_CARD_WORDS and after in NUMBER_WORDS)
            or car_said_for_card(word, words[k].text, before))


def added_chains(sounds: Sequence[tuple[float, float]], words: Sequence[TimedWord],
                 windows_s: Sequence[tuple[str, float, float]], covered_s: Sequence[tuple[float, float]],
                 noisy: bool, speech: Sequence[tuple[float, float]] | None = None) -> list[tuple[str, float, float]]:
    """(entity, start_s, end_s) of the chains of number ``sounds`` that pass 1 masks beside the data found
    in ``words`` (``covered_s``), in the engine's order, each rule leaving what the rules before it found:
    on a ``noisy`` line those the data leaves (``uncovered_chains_s``), then on any line those in the
    answer to a card ask (``answer_chains_s``) and to an expiry or code ask (``data_chains_s``, its
    answer windows ``windows_s``: ``cards.find_in_pass1``), and with the recognizer's ``speech`` regions
    the answers to a card ask where Whisper wrote nothing (``dropped_answers_s``)."""
    out = [(CARD_NUMBER, a, b) for a, b in uncovered_chains_s(sounds, covered_s)] if noisy else []
    out += [(CARD_NUMBER, a, b) for a, b in answer_chains_s(sounds, words, [*covered_s, *_times(out)])]
    out += data_chains_s(sounds, words, windows_s, [*covered_s, *_times(out)])
    if speech is not None:
        out += [(CARD_NUMBER, a, b) for a, b in dropped_answers_s(sounds, speech, words, [*covered_s, *_times(out)])]
    return out


def _asked_s(ask: int, words: Sequence[TimedWord]) -> float:
    """When the agent's sentence holding ask word ``ask`` ends: at the first word ending a sentence
    within ASK_TAIL_WORDS of it, else at the ask word's end."""
    tail = words[ask : ask + ASK_TAIL_WORDS + 1]
    return next((w.end_s for w in tail if ends_sentence(w.text)), words[ask].end_s)


def _sounds(moments: list[float]) -> int:
    """How many sounds the sorted ``moments`` are (those within SAME_SOUND_S of the one before are one)."""
    return sum(1 for k, t in enumerate(moments) if k == 0 or t - moments[k - 1] > SAME_SOUND_S)


def _indices(sorted_s: Sequence[float], a: float, b: float) -> range:
    """The indices of the values of ``sorted_s`` from ``a`` to ``b``, both included."""
    return range(bisect_left(sorted_s, a), bisect_right(sorted_s, b))


def _times(found: Sequence[tuple[str, float, float]]) -> list[tuple[float, float]]:
    """(start_s, end_s) of each (entity, start_s, end_s) of ``found``."""
    return [(a, b) for _, a, b in found]


def _within(t_s: float, merged_s: Sequence[tuple[float, float]], lows_s: Sequence[float]) -> bool:
    """``t_s`` lies inside one of the disjoint sorted spans ``merged_s`` (their starts ``lows_s``)."""
    i = bisect_right(lows_s, t_s) - 1
    return i >= 0 and t_s <= merged_s[i][1]
