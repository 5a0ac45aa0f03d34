"""When a number was said: Whisper's word timestamps turned into the spans the masker covers.

Whisper writes digit strings as numerals, often one token for many digits, and such a
token's timestamp may cover a fraction of the time the digits took. A number word timed
shorter than its digits take to say (``SECONDS_PER_DIGIT`` each) therefore spans from the end
of the word before it to the start of the word after it (the piece's edge when there is
none): the masker would rather cover a pause than leave a digit audible. Other number words
keep their own times, a little widened (``EDGE_SLACK_S``, never past a neighbour).

A number word timed longer than its digits could take at the slowest (``MAX_SECONDS_PER_DIGIT``
each, plus ``STRETCH_SLACK_S``) was stretched by a decoding loop or a segment's end (seen: a
"8," timed over 16 s of a card call): it keeps that long from its start, and the gate
network's sure number words inside its own times (the network heard digits there).

Silence at a number's outer edges: Whisper's word timestamps run into the pause after a
phrase's last word (on the tune calls a run's last number word ended a median 0.23 s after
its digit did) and a span stretched to a neighbour covers the pause before it; the masker's
padding then reaches into the next speaker's first word. So where a number word meets a word
that is no number (or a piece's edge), that edge moves in to ``SPEECH_MARGIN_S`` of the
speech inside the span (``Speech``: 10 ms frames over the piece's noise floor): at the end
past any quiet, at the start only past a pause (``START_PAUSE_S``; a shorter quiet there is
often the gap after a digit Whisper wrote into the word before). At the end, the last speech
inside the span may be the next speaker's first word, which Whisper times late (its onset lies
before the word's timestamp): when a quiet of ``END_PAUSE_S`` or more comes before that last
stretch of speech, the end moves back to the speech before the quiet, if that leaves the word
the time its digits take (``SECONDS_PER_DIGIT`` each, from the span's start: a numeral's last
group said after a pause stays). Edges between two number
words stay (they decide which digits the card logic reads as one run), and a span with no
speech in it at all keeps its times.

On the tune calls (seeds 11-14, 64 calls, pass 1 on the same Whisper words) other speech
masked in card calls went from 3.68 % to 3.22 % with the same sensitive digits masked; at the
energy detector's 9 dB, or trimming starts past any quiet, 1-3 digits were lost (quiet tails
of fsdd jackson's digits, digits Whisper wrote into "is"). The end's pause (``END_PAUSE_S``)
took other speech masked in card calls from 6.44 to 5.86 % (tune seeds 131-132), 5.73 to 5.14 %
(133-134) and 4.49 to 3.96 % (fsdd-jackson, 141-148) with the same digits masked, estimated on
pass-1 words (measurements.md); at 0.2 s a digit of mbrola af1 was lost (a digit said after
0.3 s of quiet, which Whisper wrote as the next word). Measured whole, on tune seeds made after
it (159-160, 136 calls): 7.29 to 7.05 %, every call's digits the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from redaction.numbers import digit_count, says_number
from redaction.pauses import ABSOLUTE_FLOOR_DBFS
from redaction.words import TimedWord

#: Least time one digit takes to say; a number word Whisper timed shorter than its digits
#: need is timed by its neighbours.
SECONDS_PER_DIGIT = 0.3
#: How far past its own timestamps any other number word reaches (never past a neighbour).
EDGE_SLACK_S = 0.2
#: Slowest a digit is said (the tune split's slowest voice reads a card at about 0.8 s a digit,
#: group pauses included) and the slack on top: a number word timed longer is cut to that.
MAX_SECONDS_PER_DIGIT = 1.0
STRETCH_SLACK_S = 1.0
#: Speech kept beyond the first and last speech frame of a number's outer edge (a digit's
#: quiet onset and release are below the threshold).
SPEECH_MARGIN_S = 0.08
#: Least quiet at a number's start for the start to move in (a shorter one is the gap between
#: two digits: Whisper's first digit often starts late, after a digit it gave the word before).
START_PAUSE_S = 0.3
#: Least quiet before the last speech inside a number's span for that speech to count as the
#: next word's onset, not the number's (digits of one reading are seldom this far apart).
END_PAUSE_S = 0.4
#: Frames of the speech map.
FRAME_S = 0.01
#: The noise floor of a piece: this percentile of its frames' energies; speech is this far
#: over it (the energy detector's 9 dB lost the quiet tails of fsdd jackson's digits).
FLOOR_PERCENTILE = 10.0
SPEECH_OVER_FLOOR_DB = 6.0

@dataclass(frozen=True)
class Speech:
    """Which 10 ms frames from ``start_s`` on hold speech (``frames[k]``: ``start_s + k * FRAME_S``)."""

    start_s: float
    frames: np.ndarray = field(repr=False)  # bool, one per frame

    @classmethod
    def of(cls, audio: np.ndarray, rate_hz: int, start_s: float) -> Speech:
        """The speech map of ``audio`` (mono, at ``rate_hz``, starting at ``start_s``): frames
        ``SPEECH_OVER_FLOOR_DB`` over its noise floor (``FLOOR_PERCENTILE``) and over
        ``ABSOLUTE_FLOOR_DBFS``, as the energy detector decides (``regions``)."""
        size = round(FRAME_S * rate_hz)
        n = audio.size // size
        if n == 0:
            return cls(start_s, np.zeros(0, bool))
        x = np.asarray(audio[: n * size], dtype=np.float64).reshape(n, size)
        energy_dbfs = 10.0 * np.log10(np.mean(x**2, axis=1) + 1e-12)
        floor_dbfs = float(np.percentile(energy_dbfs, FLOOR_PERCENTILE))
        return cls(start_s, energy_dbfs > max(floor_dbfs + SPEECH_OVER_FLOOR_DB, ABSOLUTE_FLOOR_DBFS))

    def seconds(self, start_s: float, end_s: float) -> float:
        """Seconds of speech frames lying in ``[start_s, end_s]``."""
        a, b = self._frames(start_s, end_s)
        return float(np.count_nonzero(self.frames[a:b])) * FRAME_S if b > a else 0.0

    def _frames(self, start_s: float, end_s: float) -> tuple[int, int]:
        """The frames lying in ``[start_s, end_s]``: ``frames[a:b]``."""
        a = max(0, int(np.ceil((start_s - self.start_s) / FRAME_S - 1e-9)))
        b = min(self.frames.size, int(np.floor((end_s - self.start_s) / FRAME_S + 1e-9)))
        return a, b

    def within(self, start_s: float, end_s: float) -> tuple[float, float] | None:
        """Start of the first and end of the last speech frame lying in ``[start_s, end_s]``
        (None: no speech there, or the span lies outside the map)."""
        a, b = self._frames(start_s, end_s)
        if b <= a:
            return None
        loud = np.flatnonzero(self.frames[a:b])
        if loud.size == 0:
            return None
        return self.start_s + int(a + loud[0]) * FRAME_S, self.start_s + int(a + loud[-1] + 1) * FRAME_S

    def end_before_pause(self, start_s: float, end_s: float, pause_s: float) -> float | None:
        """End of the speech before the quiet that comes before the last stretch of speech in
        ``[start_s, end_s]``, when that quiet lasts ``pause_s`` or more (None: it is shorter, or
        there is one stretch of speech or none)."""
        a, b = self._frames(start_s, end_s)
        loud = np.flatnonzero(self.frames[a:b]) if b > a else np.zeros(0, int)
        quiet = np.flatnonzero(np.diff(loud) > 1)  # speech frames followed by quiet, within the span
        if quiet.size == 0:
            return None
        last = int(quiet[-1])
        if (loud[last + 1] - loud[last] - 1) * FRAME_S < pause_s - 1e-9:
            return None
        return self.start_s + int(a + loud[last] + 1) * FRAME_S


def number_spans(words: list[TimedWord], start_s: float, end_s: float, speech: Speech | None = None,
                 network: Sequence[TimedWord] = ()) -> list[TimedWord]:
    """``words`` (one piece's, from ``start_s`` to ``end_s``, in time order) with number words
    re-timed (module docstring); ``speech``: the piece's speech map (None: no trimming);
    ``network``: number words the gate's network is sure of (a stretched word keeps them)."""
    numbers = [says_number(w.text) for w in words]
    out = []
    for k, w in enumerate(words):
        if not numbers[k]:
            out.append(w)
            continue
        longest_s = digit_count(w.text) * MAX_SECONDS_PER_DIGIT + STRETCH_SLACK_S
        if w.end_s - w.start_s > longest_s:
            sure_s = [n.end_s for n in network if w.start_s <= n.start_s < w.end_s]
            w = TimedWord(w.start_s, min(w.end_s, max([w.start_s + longest_s, *sure_s])), w.text, w.confidence)
        before = words[k - 1].end_s if k else start_s
        after = words[k + 1].start_s if k + 1 < len(words) else end_s
        if w.end_s - w.start_s < digit_count(w.text) * SECONDS_PER_DIGIT:
            a, b = min(w.start_s, before), max(w.end_s, after)
        else:
            a = min(w.start_s, max(before, w.start_s - EDGE_SLACK_S))
            b = max(w.end_s, min(after, w.end_s + EDGE_SLACK_S))
        heard = speech.within(a, b) if speech is not None else None
        if heard is not None:
            if not (k and numbers[k - 1]) and heard[0] - a >= START_PAUSE_S:
                a = max(a, heard[0] - SPEECH_MARGIN_S)
            if not (k + 1 < len(words) and numbers[k + 1]):
                b = min(b, heard[1] + SPEECH_MARGIN_S)
                spoken_s = speech.end_before_pause(a, b, END_PAUSE_S)
                if spoken_s is not None and spoken_s - a >= digit_count(w.text) * SECONDS_PER_DIGIT - 1e-9:
                    b = spoken_s + SPEECH_MARGIN_S  # the last speech was the next word's onset
        out.append(TimedWord(max(0.0, a), max(b, a, 0.0), w.text, w.confidence))
    return out
