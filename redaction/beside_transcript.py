"""What a recognizer adds to a transcript's card data: the number words it heard outside the
transcript's spans and its card data where the transcript has no word beside them, or, beside a
transcript off the audio's clock, its card data whole.

With a transcript the recognizer listens in pass 1 too (session-47 audit: a transcript on the
wrong clock, 2 s early, masked beside the card, and verification alone, hearing the card's start
masked, took its last digits, the expiry and the code for no card data: audible, and
"verified"). The transcript places what was said exactly where it is right, and the
recognizer's card spans reach over the speech between pieces of card data ("and the expiry
date?"): masking them whole masked that speech in every call with a transcript. So of each
card datum the recognizer found, only the number words it heard there that no span of the
transcript covers are added, run by run. Where the transcript is right that is nothing; where it
missed a card group, it is every number word of that group the recognizer heard (and, since
session 49, what it took for card data where the transcript has no word: below).

Whisper times numerals loosely (a long token up to a second or more off): on sample 09 its
number words overhung the transcript's card, expiry and code by 0.1-1.4 s, and each overhang
masked speech between them. So where the transcript is on the audio's clock (its words sit
within ``ALIGNED_S``, median, of where the recognizer heard the same words), a number word
within ``NEAR_S`` of one of its spans is taken for that span's.

A card group the transcript missed is not always heard as number words. With the card number's
first group missing, Whisper wrote it as other words ("I do this case", "let's do, 1", "time to
96"), which the card logic took for the card's start: no number word of it was added, or only the
few Whisper wrote as numbers, at their own times, and the group stayed audible (session 48,
held-out seeds 121-123, bench ``--transcript drop-card-word:first``: 922/960 digits masked, 6/42
cards with 4 audible; session 49, tune seeds 290-293: 894/918, 2/40). The transcript tells where
nothing was said: between one of its spans and its word before, and after (``silences``). Where
the recognizer heard a word there that the transcript has not (its middle more than NEAR_S from
every word and span of the transcript: a word it has, timed loosely, is no word missed), the part
of its card data in that silence is added, bounded by the transcript's words (session 49, tune
seeds 290-293, the first group missing: 916/918 digits, 0/40 leaky, other speech 3.33 % against
3.22 % on seed 290 and 2.80 % on 291-293 before; seeds 290-291, a right transcript 460/460 either
way, 3.20 % against 3.14 %; the last group missing 459/460 against 457/460, 3.29 % against 3.18 %;
with only a heard word's middle kept off the spans, not off the transcript's words, 3.78 % and 3.37 %;
held-out seeds 127-129, once, on the same calls: the first group missing 928/960 digits and 4/42
leaky before, 955/960 and 1/42 with it, other speech 2.33 -> 2.75 %; the last group missing
940/960 and 4/42 -> 948/960 and 3/42; a right transcript 960/960 either way, 2.29 -> 2.33 %).

A transcript off the clock places nothing: its spans lie beside what they say. Only the number
words outside them were added at first, each at its own time, and Whisper times a long numeral
at a fraction of the time its digits took (issue 9), which the recognizer's card span takes from
the words around it: a transcript 2 s late left more digits audible than none (session 48,
held-out seeds 121-123, ``bench/redaction_speech.py --transcript late:2``: 863/960 digits masked
and 6/42 cards with 4 audible, against 917/960 and 2/42 for the recognizer alone). Off the clock
the recognizer's card data is masked whole, as without a transcript, beside the transcript's own.

Since session 49 a transcript off the clock by one constant amount (a provider's clock started
2 s late) is first moved onto it (``moved_onto_clock``, in ``engine.detect``): its misplaced spans
had masked speech where nothing was said (16.74 % of other speech 2 s late, against 3.10 % right,
held-out seeds 124-126). One amount is told from the words both have (``clock_fit``): at least
FIT_SHARE of them sit within ALIGNED_S of where the recognizer heard them at the median offset.
The same share is asked of a transcript on the clock: one right in one part and off in another
(half of it 2 s late: its median offset 0) was taken as on it, and its other part's card data
was left to the recognizer's number words at their own times. Since session 50 such a transcript
(off by different amounts in different parts, or timed at another rate) is aligned piece by piece
when every part of it can be anchored to the words the recognizer heard (``piecewise_clock``, in
``engine.detect``), and is off the clock, as here, when not.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from callrec.intervals import union

from redaction.card_words import plain
from redaction.numbers import says_number
from redaction.spans import Detection
from redaction.words import TimedWord

#: Number words heard this close (s) are one run, masked as one span.
RUN_GAP_S = 1.0
#: A transcript whose words sit this close (s, the median over words both have) to where the
#: recognizer heard them is on the audio's clock. Session 48, the speech bench's transcripts
#: (``--transcript``, tune seed 288, 10 tune voices): right ones sat at 0.0-0.1 s, ones 0.5 s
#: off at 0.4-0.6 s; taken as on the clock at 0.6 (NEAR_S 1.5), those lost 12 (late) and 30
#: (early) more digits in 230.
ALIGNED_S = 0.3
#: On such a transcript, a number word heard this close (s) to one of its spans is that span's.
#: Session 48 (bench ``--transcript drop-card-word``: a card group missing from a right transcript,
#: tune seeds 288-289, 10 tune voices, docs/measurements.md): at 1.5 s (sample 09's overhangs)
#: the missing group's words lay that close to the group before and were not added (199/230
#: digits, 3/10 cards leaky), at 0.5 s 222/230 and 226/228 (1 leaky), at 0.25 s and at 0 the
#: same digits (227/230, 228/228, none leaky); 0.25 s masked less speech than 0. Since session 49
#: a word heard this close to one of the transcript's words is that word, not one it missed
#: (``recognizer_adds``: the silences beside its spans).
NEAR_S = 0.25
#: A transcript off the clock by one constant amount up to this (s) is moved onto it (``moved_onto_clock``).
MOVE_MAX_S = 4.0
#: A transcript is on one clock when at least this share of the words it and the recognizer both
#: have sit within ALIGNED_S of each other at its median offset (``clock_fit``): then it is on the
#: audio's clock (``on_the_clock``), or moved onto it (``moved_onto_clock``). Session 49, bench
#: ``--transcript``, tune seed 300 (10 tune voices): right transcripts and ones 2 s late or 1 s
#: early had 0.7-0.9 (Whisper's timing); half of one 2 s late (``split:2``) 0.1-0.7, one timed at
#: 1.03 times the audio's rate 0.2-0.5. Taken as on the clock on the median alone, 8 of the 10
#: split ones were: 213/228 digits masked, against 220/228 with this share asked.
FIT_SHARE = 0.6
#: Words of a transcript and of the recognizer this far apart (s) are not the same word said.
MATCH_S = 5.0
#: Fewer words in common than this tell nothing of the transcript's clock (taken as off).
_MATCHES = 5
#: What ``moved`` moves: a transcript's words or its detections.
_Timed = TypeVar("_Timed", TimedWord, Detection)


def clock_offset_s(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> float | None:
    """The median of (transcript time - heard time) over words both have, each heard word
    matched to the nearest transcript word of the same text; None with too few in common."""
    fit = clock_fit(words, heard)
    return None if fit is None else fit.offset_s


def on_the_clock(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> bool:
    """Whether the transcript ``words`` is on the audio's clock: its words sit within ALIGNED_S
    (median, ``clock_offset_s``) of where the recognizer ``heard`` the same words, at least
    FIT_SHARE of them (``clock_fit``: a transcript right in one part and off in another is not)."""
    return aligned(clock_fit(words, heard))


def aligned(fit: ClockFit | None) -> bool:
    """Whether a transcript of clock ``fit`` is on the audio's clock (``on_the_clock``)."""
    return fit is not None and abs(fit.offset_s) <= ALIGNED_S and fit.share >= FIT_SHARE


def recognizer_adds(found: Sequence[Detection], words: Sequence[TimedWord], heard: Sequence[TimedWord],
                    covered_s: Sequence[tuple[float, float]], *, on_clock: bool | None = None) -> list[Detection]:
    """Of the recognizer's detections ``found`` (from the words ``heard``), what is masked beside
    the transcript ``words``, whose spans are ``covered_s``: on the audio's clock, the number
    words outside its spans (``_runs_beside``, NEAR_S) and its parts lying in the
    transcript's silence next to a span (``silences``) where a word was heard that the transcript
    has not (its middle there, not within NEAR_S of a word or span of the transcript), joined;
    off it, or with too few words in common to tell, ``found`` whole, as without a transcript.
    ``on_clock``: whether it is, when the caller knows (``aligned`` of the fit it measured once),
    else measured here (``on_the_clock``)."""
    if not (on_the_clock(words, heard) if on_clock is None else on_clock):
        return list(found)
    said_s = union([*((w.start_s - NEAR_S, w.end_s + NEAR_S) for w in words),
                    *((a - NEAR_S, b + NEAR_S) for a, b in covered_s)])
    middles_s = sorted(m for m in ((w.start_s + w.end_s) / 2 for w in heard) if not _inside(m, said_s))
    quiet = [(a, b) for a, b in silences(words, covered_s)
             if (k := bisect_right(middles_s, a)) < len(middles_s) and middles_s[k] < b]
    return [replace(detection, start_s=start_s, end_s=end_s) for detection in found
            for start_s, end_s in union([*_runs_beside(detection, heard, covered_s, NEAR_S),
                                         *_within(detection, quiet)])]


def _runs_beside(detection: Detection, heard: Sequence[TimedWord], covered_s: Sequence[tuple[float, float]],
                 near_s: float) -> list[tuple[float, float]]:
    """Of the recognizer's ``detection`` (from the words ``heard``), the runs of number words whose
    middle lies in it and not within ``near_s`` of any of ``covered_s`` (the transcript's spans;
    words within RUN_GAP_S of each other are one run: ``callrec.intervals.union``)."""
    def uncovered_number(word: TimedWord) -> bool:
        middle_s = (word.start_s + word.end_s) / 2
        return (detection.start_s <= middle_s <= detection.end_s and says_number(word.text)
                and not any(a - near_s <= middle_s <= b + near_s for a, b in covered_s))

    return union(((w.start_s, w.end_s) for w in heard if uncovered_number(w)), gap=RUN_GAP_S)


def silences(words: Sequence[TimedWord], covered_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where the transcript ``words`` has no word next to one of its spans ``covered_s``: from the
    end of its last word before the span (the call's start without one) to the span, and from the
    span to the start of its first word after it (on to the end without one)."""
    quiet = []
    for a, b in covered_s:
        before_s = max((w.end_s for w in words if w.start_s < a), default=0.0)
        after_s = min((w.start_s for w in words if w.end_s > b), default=float("inf"))
        quiet += [(before_s, a), (b, after_s)]
    return union((a, b) for a, b in quiet if a < b)


def _inside(moment_s: float, spans_s: Sequence[tuple[float, float]]) -> bool:
    """Whether ``moment_s`` lies in one of ``spans_s`` (in order, apart: ``union``'s)."""
    k = bisect_right(spans_s, moment_s, key=lambda span: span[0]) - 1
    return k >= 0 and moment_s <= spans_s[k][1]


def _within(detection: Detection, spans_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of ``detection`` within ``spans_s``."""
    return [(max(a, detection.start_s), min(b, detection.end_s)) for a, b in spans_s
            if max(a, detection.start_s) < min(b, detection.end_s)]


@dataclass(frozen=True)
class ClockFit:
    """How a transcript sits against what the recognizer heard: ``offset_s`` (transcript time -
    heard time, the median over words both have) and ``share``, the part of those words that
    sit within ALIGNED_S of where the recognizer heard them once the transcript is moved by it."""

    offset_s: float
    share: float


def clock_fit(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> ClockFit | None:
    """``words``' fit to ``heard`` (``ClockFit``); None with too few words in common to tell. Each
    heard word is matched to the nearest transcript word of the same text (``MATCH_S`` at most),
    by bisection: a long call's common words ("the") are said hundreds of times."""
    starts: dict[str, list[float]] = {}
    for word in words:
        starts.setdefault(plain(word.text), []).append(word.start_s)
    for times in starts.values():
        times.sort()
    heard_at = [(times, w.start_s) for w in heard if (times := starts.get(plain(w.text)))]

    def nearest(times: list[float], at_s: float) -> float:
        """(transcript time - ``at_s``) of the nearest of ``times`` (sorted, not empty)."""
        k = bisect_left(times, at_s)
        return min((t - at_s for t in times[max(0, k - 1):k + 1]), key=abs)

    offsets = sorted(d for times, at_s in heard_at if abs(d := nearest(times, at_s)) <= MATCH_S)
    if len(offsets) < _MATCHES:
        return None
    offset_s = offsets[len(offsets) // 2]
    matched = [d for times, at_s in heard_at if (d := abs(nearest(times, at_s + offset_s))) <= MATCH_S]
    return ClockFit(offset_s, sum(d <= ALIGNED_S for d in matched) / len(matched))


def moved_onto_clock(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> float:
    """How far (s) to move the transcript ``words`` onto the audio's clock: its measured offset when
    it is off the clock by one constant amount (at most ``MOVE_MAX_S``; at least ``FIT_SHARE``
    of the words both have then sit where the recognizer heard them), else 0."""
    return move_s(clock_fit(words, heard))


def move_s(fit: ClockFit | None) -> float:
    """How far (s) a transcript of clock ``fit`` is moved (``moved_onto_clock``)."""
    if fit is None or aligned(fit) or abs(fit.offset_s) > MOVE_MAX_S or fit.share < FIT_SHARE:
        return 0.0
    return -fit.offset_s


def moved(words: Sequence[_Timed], by_s: float) -> list[_Timed]:
    """``words`` (or detections: anything timed) each ``by_s`` later (earlier when negative), none before 0."""
    return [replace(w, start_s=max(0.0, w.start_s + by_s), end_s=max(0.0, w.end_s + by_s)) for w in words]
