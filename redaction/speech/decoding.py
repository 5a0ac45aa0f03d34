"""From frame posteriors to timed words: CTC best path over word groups, leaning to recall.

A CTC network marks each word with a short spike. For card data what matters first is
*that* a number word was said (the card logic masks a whole run of them, whatever the
digits), so the best path is taken over three groups - blank, any number word, other
speech (with the context keywords "card", "expiry"...) - by summing label probabilities;
only then does the best label of the group name the word. The blank's probability is divided by ``BLANK_PENALTY``: a missed digit can leave a
card audible, an extra one only widens a mask. A number word less sure than
``MIN_CONFIDENCE`` is reported as other speech, so unsure words in conversation do not
grow into a card-length run.

A word between two sure number words is read as a number word (``Smoother``, across
region edges too). Word edges are not in the spikes: neighbouring words split the time between their spikes,
and a word at the edge of a region reaches to the speech edge, at most ``EDGE_REACH_S``
from its spike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from redaction.speech.network import OUTPUT_HOP_S
from redaction.speech.vocabulary import INDEX, LABELS, OTHER
from redaction.words import TimedWord

#: The blank must beat the best group by this factor to suppress it.
BLANK_PENALTY = 2.0
#: Least probability of "a number word" for a spike to be reported as one.
MIN_CONFIDENCE = 0.5
#: Farthest a word at a region's edge reaches from its spike.
EDGE_REACH_S = 0.45

_BLANK, _NUMBER, _OTHER = 0, 1, 2
_OTHER_INDEX = INDEX[OTHER]


@dataclass(frozen=True)
class Spike:
    frame: int  # output frame (OUTPUT_HOP_S apart) of the word's peak
    label: int = field(repr=False)  # index into LABELS (names the digit: never in a repr)
    confidence: float  # probability that a number word was said (other speech: of that)
    number_label: int = field(repr=False)  # best number word at the peak, whatever won (index into LABELS)


def spikes(posteriors: np.ndarray, blank_penalty: float = BLANK_PENALTY) -> list[Spike]:
    """One spike per best-path run of a group; a number run splits where its best label changes."""
    if posteriors.shape[0] == 0:
        return []
    number = posteriors[:, 1:_OTHER_INDEX]
    words = posteriors[:, _OTHER_INDEX:]  # other speech, then the context keywords
    groups = np.stack([posteriors[:, 0] / blank_penalty, number.sum(axis=1), words.sum(axis=1)], axis=1)
    best = groups.argmax(axis=1)
    out: list[Spike] = []
    t = 0
    while t < best.size:
        group = int(best[t])
        end = t + 1
        while end < best.size and best[end] == group:
            end += 1
        if group == _OTHER:
            peak = t + int(np.argmax(groups[t:end, _OTHER]))
            label = _OTHER_INDEX + int(words[peak].argmax())
            out.append(Spike(peak, label, float(groups[peak, _OTHER]), 1 + int(number[peak].argmax())))
        elif group == _NUMBER:
            out += _number_spikes(number[t:end], groups[t:end, _NUMBER], t)
        t = end
    return out


def _number_spikes(number: np.ndarray, mass: np.ndarray, offset: int) -> list[Spike]:
    labels = number.argmax(axis=1)
    out = []
    a = 0
    while a < labels.size:
        b = a + 1
        while b < labels.size and labels[b] == labels[a]:
            b += 1
        peak = a + int(np.argmax(mass[a:b]))
        out.append(Spike(offset + peak, 1 + int(labels[a]), float(mass[peak]), 1 + int(labels[a])))
        a = b
    return out


@dataclass(frozen=True)
class Candidate:
    """A heard word before smoothing: sure number word, or other speech with a best guess."""

    word: TimedWord  # text: the number word when sure, else OTHER
    sure: bool
    number_text: str = field(repr=False)  # best number word at the spike (card data: never in a repr)


def candidates(
    found: list[Spike], offset_s: float, speech_start_s: float, speech_end_s: float, min_confidence: float = MIN_CONFIDENCE
) -> list[Candidate]:
    """Words for one region's spikes; times on the audio's clock (``offset_s`` = frame 0)."""
    centres = [offset_s + (s.frame + 0.5) * OUTPUT_HOP_S for s in found]
    out = []
    for k, (spike, centre) in enumerate(zip(found, centres)):
        start = (centres[k - 1] + centre) / 2 if k else max(speech_start_s, centre - EDGE_REACH_S)
        end = (centre + centres[k + 1]) / 2 if k + 1 < len(found) else min(speech_end_s, centre + EDGE_REACH_S)
        start = max(0.0, min(start, centre))
        is_number = spike.label < _OTHER_INDEX
        sure = is_number and spike.confidence >= min_confidence
        text = LABELS[spike.label] if sure or not is_number else OTHER
        word = TimedWord(start, max(end, centre), text, round(min(spike.confidence, 1.0), 3))
        out.append(Candidate(word, sure, LABELS[spike.number_label]))
    return out


#: Farthest apart (end to start) a word and its sure neighbours may be for the rule below.
SANDWICH_GAP_S = 1.5


class Smoother:
    """Streams candidates out as words, holding back one until its successor is known.

    A word between two sure number words (each at most ``SANDWICH_GAP_S`` away, across
    region edges too) is most likely a number word said unclearly - people reading a card
    do not slip one ordinary word between two digits - so it becomes its best number word
    (keeping its low confidence).
    """

    def __init__(self) -> None:
        self._before: Candidate | None = None
        self._pending: Candidate | None = None

    def feed(self, items: list[Candidate]) -> list[TimedWord]:
        out = []
        for item in items:
            if self._pending is not None:
                out.append(_resolve(self._before, self._pending, item))
            self._before, self._pending = self._pending, item
        return out

    def finish(self) -> list[TimedWord]:
        pending, self._before, self._pending = self._pending, None, None
        return [] if pending is None else [pending.word]


def _resolve(before: Candidate | None, middle: Candidate, after: Candidate) -> TimedWord:
    if (
        middle.sure
        or middle.word.text != OTHER  # a context keyword stays one
        or before is None
        or not (before.sure and after.sure)
        or middle.word.start_s - before.word.end_s > SANDWICH_GAP_S
        or after.word.start_s - middle.word.end_s > SANDWICH_GAP_S
    ):
        return middle.word
    w = middle.word
    return TimedWord(w.start_s, w.end_s, middle.number_text, w.confidence)


def timed_words(
    found: list[Spike], offset_s: float, speech_start_s: float, speech_end_s: float, min_confidence: float = MIN_CONFIDENCE
) -> list[TimedWord]:
    """Smoothed words of one region on its own."""
    smoother = Smoother()
    return smoother.feed(candidates(found, offset_s, speech_start_s, speech_end_s, min_confidence)) + smoother.finish()
