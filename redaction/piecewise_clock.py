"""A transcript off the audio's clock by different amounts in different parts, aligned piece by piece.

Session 49 moved a transcript off the clock by one constant amount onto it
(``beside_transcript.moved_onto_clock``); one right in one part and off in another (the bench's
``--transcript split:2``: the call's second half 2 s late) or timed at another rate
(``stretch:1.03``) was only taken as off the clock, the recognizer's card data masked whole beside
it: its misplaced spans masked speech where nothing was said (held-out seeds 130-132, split:2:
13.64 % of other speech, against 1.86 % with a right transcript) and the digits the recognizer
missed stayed audible (936/958 masked).

Here the transcript's words are matched to the words the recognizer heard (``anchors``): a
monotone matching of the same words (``card_words.plain``) within ``MATCH_S`` of each other,
the longest chain increasing in both (a longest increasing subsequence over the candidate pairs:
O(P log P), P the pairs within the window, at most CANDIDATES a heard word, never every pair of a
long call's words). Each matched
word's offset (heard - transcript time) is taken against the median of its ``2 * SMOOTH + 1``
neighbours in the chain; those further than ALIGNED_S from it (Whisper's loose times, a common word
matched to the wrong one) are left out. The rest form pieces (``pieces``): runs of matched words
whose offsets stay within ALIGNED_S of the run's first, at least ``PIECE_WORDS`` of them, each moved
by the median offset of its words (0 where that is within ALIGNED_S: that piece is on the clock and
keeps its times exactly). With ``LINEAR`` (a transcript timed at another rate: its offset drifts, 0.03 s
a second at 1.03) a run goes on while a word's offset is within ALIGNED_S of the median offset of the
run's last ``PIECE_WORDS`` or of the line fitted on its last ``LINE_WORDS`` (where they span
``LINE_SPAN_S``), and a piece is moved along the line fitted on its words (``rate_of``: least squares,
within +-RATE_MAX; the offset at its first their median from it) when it spans LINE_SPAN_S and the line
drifts at least ``LINE_DRIFT_S`` over it and lies nearer its words than their median offset; else by
that median as before, and 0 where the line stays within ALIGNED_S of 0 at both ends. Between two
pieces the offset goes linearly from one's end to the other's start; before the first and after the
last it is theirs, along their lines (``ClockMap.at``). Two pieces ``disagree`` where their moves
differ by more than ALIGNED_S where they meet and neither's line reaches the other's. Where between two
pieces that disagree the step lies is not known: card data there reaches by their difference either way
(``ClockMap.widened``: an end of a span there reaches to where it would lie were the step on its
other side; tune seeds 302-303, split:2: 6 of 10 digits left audible were lost so).

A transcript off the clock is aligned so, and one on it (or moved onto it by one amount) when a piece
of it is at least ``STEP_S`` off (``realign``: half of one 2 s late can have the share of its words on
the clock that being on it asks), only when every part of it is anchored (``align``): no piece moved
more than ``MOVE_MAX_S``, no transcript word more than ``GAP_S`` from a piece's matched words where
the pieces either side of it disagree (or before the first piece, or after the last), and once
moved the transcript is on the clock as a right one is (``beside_transcript.aligned`` of its
``clock_fit``). Otherwise None: it stays off the clock, the recognizer's card data masked whole.

Measured (docs/measurements.md, session 50), held-out seeds 133-135, once: split:2 937/959 digits and 15.00 %
of other speech before, 954/959 and 8.95 % with it; stretch:1.03 944/959 and 11.01 % before, 941/959 and
4.81 % (inside a piece a word was off by up to ALIGNED_S); right and 2 s late transcripts the same masks as
before (none aligned so). Pieces along a line (LINEAR, cards 1.92), held-out seeds 139-141, once: stretch:1.03
942/960 and 4.80 % with one move a piece, 959/960 and 4.14 % along a line; split:2 957/960 and 7.77 %, 958/960
and 7.42 %; right 960/960 and 3.60 %, the same call by call.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from statistics import median

from redaction import beside_transcript
from redaction.card_words import plain
from redaction.spans import Detection
from redaction.words import TimedWord

#: A transcript word and a heard word of the same text this far apart (s) may be the same word said.
MATCH_S = beside_transcript.MATCH_S
#: At most this many transcript words of one text, the nearest in time, are a heard word's
#: candidates: speech holds a few words a second, so only a hostile transcript (thousands of one
#: word at one instant) has more within MATCH_S, and its pairs (memory) stay bounded by the heard words.
CANDIDATES = 64
#: A matched word's offset is compared with the median of this many matched words either side of it.
SMOOTH = 3
#: A piece has at least this many matched words (fewer tell nothing of its own clock).
PIECE_WORDS = 4
#: Transcript words further than this (s) from every piece's matched words, where the pieces either
#: side disagree (or there is none on one side), are not anchored: the transcript is not aligned.
GAP_S = 20.0
#: A transcript taken as on the clock, or moved onto it by one amount, is aligned piece by piece only
#: when a piece of it is at least this far (s) off (``realign``).
STEP_S = 1.0
#: False: no transcript is aligned piecewise (the bench's ``--no-piecewise``, as before session 50).
PIECEWISE = True
#: False: every piece is moved by one constant amount and its matched words grouped by their offset
#: from its first's (the bench's ``--no-linear-pieces``, as before the linear move).
LINEAR = True
#: A piece's move changes by at most this (s) per second of the transcript (a clock 0.9-1.1 times the audio's).
RATE_MAX = 0.1
#: A matched word joins a run when within ALIGNED_S of the line fitted on the run's last this many.
LINE_WORDS = 16
#: A line is fitted only on matched words spanning at least this long (s) of the transcript: over
#: fewer seconds Whisper's loose times give it any slope.
LINE_SPAN_S = 8.0
#: A piece is moved along its line only when the line's move changes by at least this much (s) from
#: its first matched word to its last (less is one offset within ALIGNED_S / 2).
LINE_DRIFT_S = 0.15


@dataclass(frozen=True)
class Piece:
    """A run of matched words on one clock: the transcript times of its first and last
    (``start_s``, ``end_s``), how far (s) its first is moved (``shift_s``, 0: on the clock) and how
    much more (s) per second of the transcript after it (``rate``: a clock at another rate)."""

    start_s: float
    end_s: float
    shift_s: float
    rate: float = 0.0

    def shift_at(self, time_s: float) -> float:
        """How far (s) the transcript's ``time_s`` is moved along the piece's line (beyond its ends too)."""
        return self.shift_s + self.rate * (time_s - self.start_s) if self.rate else self.shift_s

    @property
    def end_shift_s(self) -> float:
        return self.shift_at(self.end_s)


@dataclass(frozen=True)
class Step:
    """Between two pieces that disagree: from the left one's last matched word (``from_s``) to the
    right one's first (``to_s``), on the audio's clock, the shift going linearly from ``left_shift_s``
    to ``right_shift_s``. Where in it the transcript's clock stepped is not known."""

    from_s: float
    to_s: float
    left_shift_s: float
    right_shift_s: float

    @property
    def shifts_s(self) -> tuple[float, float]:
        return self.left_shift_s, self.right_shift_s

    def holds(self, moment_s: float) -> bool:
        """Whether ``moment_s`` lies in the stretch, ALIGNED_S in from its matched words (which are
        where they were said)."""
        return min(self.from_s, self.to_s) + beside_transcript.ALIGNED_S < moment_s \
            < max(self.from_s, self.to_s) - beside_transcript.ALIGNED_S

    def shift_at(self, moment_s: float) -> float:
        """How far (s) the transcript was moved at ``moment_s`` (on the audio's clock)."""
        share = 0.5 if self.to_s == self.from_s else (moment_s - self.from_s) / (self.to_s - self.from_s)
        return self.left_shift_s + share * (self.right_shift_s - self.left_shift_s)


def disagree(left: Piece, right: Piece) -> bool:
    """Whether the moves of two pieces in turn differ by more than ALIGNED_S where they meet, neither's
    line (its move beyond its ends) reaching the other's (a clock at another rate: no step between them)."""
    return (abs(right.shift_s - left.shift_at(right.start_s)) > beside_transcript.ALIGNED_S
            and abs(right.shift_at(left.end_s) - left.end_shift_s) > beside_transcript.ALIGNED_S)


@dataclass(frozen=True)
class ClockMap:
    """Where a transcript's times lie on the audio's clock, piece by piece (``pieces``, in order)."""

    pieces: tuple[Piece, ...]

    @cached_property
    def _starts_s(self) -> list[float]:
        return [p.start_s for p in self.pieces]

    @property
    def max_shift_s(self) -> float:
        """The largest move (s) of a piece, at either end, with its sign (later: positive)."""
        return max((s for p in self.pieces for s in (p.shift_s, p.end_shift_s)), key=abs)

    def at(self, time_s: float) -> float:
        """``time_s`` of the transcript on the audio's clock (none before 0)."""
        k = bisect_right(self._starts_s, time_s) - 1
        if k < 0:
            shift_s = self.pieces[0].shift_at(time_s)
        elif time_s <= self.pieces[k].end_s or k == len(self.pieces) - 1:
            shift_s = self.pieces[k].shift_at(time_s)
        else:  # between pieces k and k + 1
            left, right = self.pieces[k], self.pieces[k + 1]
            share = (time_s - left.end_s) / (right.start_s - left.end_s)
            shift_s = left.end_shift_s + share * (right.shift_s - left.end_shift_s)
        return max(0.0, time_s + shift_s) if shift_s else time_s

    def words(self, words: Sequence[TimedWord]) -> list[TimedWord]:
        """``words`` on the audio's clock, each moved as its start is (its length kept, cut at 0)."""
        out = []
        for word in words:
            start_s = self.at(word.start_s)
            out.append(word if start_s == word.start_s else
                       replace(word, start_s=start_s, end_s=max(start_s, word.end_s + start_s - word.start_s)))
        return out

    def steps(self) -> list[Step]:
        """The stretches between two pieces that ``disagree``."""
        return list(self._steps)

    @cached_property
    def _steps(self) -> tuple[Step, ...]:  # widened is asked twice a call (its spans and its words' detections)
        return tuple(Step(left.end_s + left.end_shift_s, right.start_s + right.shift_s, left.end_shift_s, right.shift_s)
                     for left, right in zip(self.pieces, self.pieces[1:]) if disagree(left, right))

    def widened(self, spans: Sequence[Detection]) -> list[Detection]:
        """``spans`` (on the audio's clock), each end lying in a ``Step``'s stretch reaching out to
        where it would lie were the step on its other side (none before 0): more masking where the
        transcript's clock is not known, never less."""
        steps = self._steps

        def earlier_s(moment_s: float) -> float:
            return max((step.shift_at(moment_s) - min(step.shifts_s) for step in steps if step.holds(moment_s)), default=0.0)

        def later_s(moment_s: float) -> float:
            return max((max(step.shifts_s) - step.shift_at(moment_s) for step in steps if step.holds(moment_s)), default=0.0)

        return [replace(span, start_s=max(0.0, span.start_s - earlier_s(span.start_s)),
                        end_s=span.end_s + later_s(span.end_s)) for span in spans]

    def spans(self, spans: Sequence[Detection]) -> list[Detection]:
        """``spans`` on the audio's clock, each start and end mapped (a span of card data may lie
        over two pieces), its end not before its start."""
        out = []
        for span in spans:
            start_s = self.at(span.start_s)
            out.append(replace(span, start_s=start_s, end_s=max(start_s, self.at(span.end_s))))
        return out


def candidates(times: list[tuple[float, int]], at_s: float, ranks: int) -> list[tuple[float, int]]:
    """Of ``times`` ((start, rank) of one text's transcript words, sorted), those within MATCH_S of
    ``at_s``, at most CANDIDATES of them, the nearest in time (ranks below ``ranks``)."""
    a = bisect_left(times, (at_s - MATCH_S, -1))
    b = bisect_right(times, (at_s + MATCH_S, ranks))
    if b - a > CANDIDATES:
        middle = bisect_left(times, (at_s, -1), a, b)
        a = max(a, min(middle - CANDIDATES // 2, b - CANDIDATES))
        b = a + CANDIDATES
    return times[a:b]


def anchors(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> list[tuple[float, float]]:
    """(transcript start, heard start - transcript start) of the words ``words`` and ``heard`` both
    have, matched monotonically (the longest chain of same words within MATCH_S, in order in both)."""
    order = sorted(range(len(words)), key=lambda i: words[i].start_s)
    by_text: dict[str, list[tuple[float, int]]] = {}
    for rank, i in enumerate(order):
        by_text.setdefault(plain(words[i].text), []).append((words[i].start_s, rank))
    pairs = []  # (heard rank, -transcript rank): a transcript word once per heard word in the chain
    heard_sorted = sorted(heard, key=lambda w: w.start_s)
    for j, word in enumerate(heard_sorted):
        text = plain(word.text)
        times = by_text.get(text) if text else None
        if times:
            pairs += [(j, -rank) for _, rank in candidates(times, word.start_s, len(words))]
    pairs.sort()
    tails: list[int] = []  # tails[n]: the pair ending a chain of n + 1 with the smallest transcript rank
    ranks: list[int] = []  # that rank
    before = [-1] * len(pairs)
    for k, (_, negative) in enumerate(pairs):
        n = bisect_left(ranks, -negative)
        before[k] = tails[n - 1] if n else -1
        tails[n:n + 1], ranks[n:n + 1] = [k], [-negative]
    chain, k = [], tails[-1] if tails else -1
    while k >= 0:
        chain.append(pairs[k])
        k = before[k]
    out = []
    for j, negative in reversed(chain):
        start_s = words[order[-negative]].start_s
        out.append((start_s, heard_sorted[j].start_s - start_s))
    return out


def rate_of(matched: Sequence[tuple[float, float]]) -> float:
    """How much (s) the offset of the ``anchors`` ``matched`` changes per second: the least-squares
    slope (the words far from their neighbours' offsets are dropped before: ``pieces``), within
    +-RATE_MAX; 0 with fewer than 2 times."""
    if len(matched) < 2:
        return 0.0
    mean_t = sum(t for t, _ in matched) / len(matched)
    mean_d = sum(d for _, d in matched) / len(matched)
    spread = sum((t - mean_t) ** 2 for t, _ in matched)
    if spread <= 0.0:
        return 0.0
    slope = sum((t - mean_t) * (d - mean_d) for t, d in matched) / spread
    return min(RATE_MAX, max(-RATE_MAX, slope))


def _fits(run: list[tuple[float, float]], t: float, d: float) -> bool:
    """Whether a matched word (``t``, ``d``) continues ``run``: within ALIGNED_S of its first's offset
    (LINEAR off), else of the median offset of its last PIECE_WORDS or of the line fitted on its last
    LINE_WORDS (where those span LINE_SPAN_S)."""
    if not LINEAR:
        return abs(d - run[0][1]) <= beside_transcript.ALIGNED_S
    if abs(d - median(dk for _, dk in run[-PIECE_WORDS:])) <= beside_transcript.ALIGNED_S:
        return True
    last = run[-LINE_WORDS:]
    if last[-1][0] - last[0][0] < LINE_SPAN_S:  # too short for a line
        return False
    rate = rate_of(last)
    return abs(d - median(dk - rate * (tk - t) for tk, dk in last)) <= beside_transcript.ALIGNED_S


def piece_of(run: Sequence[tuple[float, float]]) -> Piece:
    """The piece of a run of matched words: moved by their median offset or, LINEAR, along their line
    (``rate_of``; the offset at the first the median from it) where that spans LINE_SPAN_S, drifts
    LINE_DRIFT_S and is nearer them (their summed distance) than the median; 0 where within
    ALIGNED_S throughout."""
    start_s, end_s = run[0][0], run[-1][0]
    shift_s = median(d for _, d in run)
    rate = rate_of(run) if LINEAR and end_s - start_s >= LINE_SPAN_S else 0.0
    if abs(rate) * (end_s - start_s) >= LINE_DRIFT_S:
        at_s = median(d - rate * (t - start_s) for t, d in run)
        off_line_s = sum(abs(d - at_s - rate * (t - start_s)) for t, d in run)
        if off_line_s < sum(abs(d - shift_s) for _, d in run):
            line = Piece(start_s, end_s, at_s, rate)
            on_clock = max(abs(line.shift_s), abs(line.end_shift_s)) <= beside_transcript.ALIGNED_S
            return Piece(start_s, end_s, 0.0) if on_clock else line
    return Piece(start_s, end_s, 0.0 if abs(shift_s) <= beside_transcript.ALIGNED_S else shift_s)


def pieces(matched: Sequence[tuple[float, float]]) -> list[Piece]:
    """The pieces of the ``anchors`` ``matched`` (see the module's text)."""
    offsets = [d for _, d in matched]
    kept = [(t, d) for k, (t, d) in enumerate(matched)
            if abs(d - median(offsets[max(0, k - SMOOTH):k + SMOOTH + 1])) <= beside_transcript.ALIGNED_S]
    runs: list[list[tuple[float, float]]] = []
    for t, d in kept:
        if runs and _fits(runs[-1], t, d):
            runs[-1].append((t, d))
        else:
            runs.append([(t, d)])
    return [piece_of(run) for run in runs if len(run) >= PIECE_WORDS]


def align(words: Sequence[TimedWord], heard: Sequence[TimedWord]) -> ClockMap | None:
    """The transcript ``words``' map onto the clock of what the recognizer ``heard``, piece by
    piece; None when some part of it cannot be anchored or it is not on the clock once mapped
    (see the module's text), or when ``PIECEWISE`` is off."""
    if not PIECEWISE or not words:
        return None
    found = pieces(anchors(words, heard))
    if not found or any(max(abs(p.shift_s), abs(p.end_shift_s)) > beside_transcript.MOVE_MAX_S for p in found):
        return None
    starts = sorted(w.start_s for w in words)
    if starts[0] < found[0].start_s - GAP_S or max(w.end_s for w in words) > found[-1].end_s + GAP_S:
        return None
    for left, right in zip(found, found[1:]):
        if (disagree(left, right)
                and bisect_left(starts, right.start_s - GAP_S) > bisect_right(starts, left.end_s + GAP_S)):
            return None  # a word between them far from both, where they disagree
    clock = ClockMap(tuple(found))
    return clock if beside_transcript.aligned(beside_transcript.clock_fit(clock.words(words), heard)) else None


def realign(words: Sequence[TimedWord], heard: Sequence[TimedWord], on_clock: bool) -> ClockMap | None:
    """``align`` of a transcript ``words`` that is ``on_clock`` (taken as on the audio's clock, or
    moved onto it by one amount) or not: on it, only a map with a piece at least STEP_S off (a
    transcript mostly on the clock and seconds off in a part: 0.6 of its words in common can sit
    on the clock), else None and the transcript stays exactly as it is."""
    clock = align(words, heard)
    return clock if clock is None or not on_clock or abs(clock.max_shift_s) >= STEP_S else None
