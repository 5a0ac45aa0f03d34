"""From frame posteriors to timed words: CTC best path with a recall-leaning blank penalty.

A CTC network marks each word with a short spike. A word is emitted where a non-blank
label wins (after dividing the blank's probability by ``BLANK_PENALTY``: a missed digit can
leave a card audible, an extra one only widens a mask). Word edges are not in the spikes:
neighbouring words split the time between their spikes, and a word at the edge of a region
reaches to the speech edge, at most ``EDGE_REACH_S`` from its spike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redaction.speech.network import OUTPUT_HOP_S
from redaction.speech.vocabulary import LABELS, OTHER
from redaction.words import TimedWord

#: The blank must beat the best word by this factor to suppress it.
BLANK_PENALTY = 2.0
#: A number word heard with less confidence than this is reported as other speech: lone
#: unsure digits in conversation must not grow into a card-length run.
MIN_CONFIDENCE = 0.5
#: Farthest a word at a region's edge reaches from its spike.
EDGE_REACH_S = 0.45


@dataclass(frozen=True)
class Spike:
    frame: int  # output frame (OUTPUT_HOP_S apart) of the label's peak
    label: int
    confidence: float


def spikes(posteriors: np.ndarray, blank_penalty: float = BLANK_PENALTY) -> list[Spike]:
    """Best-path segments of one label, each reduced to its peak frame."""
    if posteriors.shape[0] == 0:
        return []
    scores = posteriors.copy()
    scores[:, 0] /= blank_penalty
    best = scores.argmax(axis=1)
    out: list[Spike] = []
    t = 0
    while t < best.size:
        label = int(best[t])
        end = t + 1
        while end < best.size and best[end] == label:
            end += 1
        if label != 0:
            peak = t + int(np.argmax(posteriors[t:end, label]))
            out.append(Spike(peak, label, float(posteriors[t:end, label].max())))
        t = end
    return out


def timed_words(
    found: list[Spike], offset_s: float, speech_start_s: float, speech_end_s: float, min_confidence: float = MIN_CONFIDENCE
) -> list[TimedWord]:
    """Words for one region's spikes; times on the audio's clock (``offset_s`` = frame 0)."""
    centres = [offset_s + (s.frame + 0.5) * OUTPUT_HOP_S for s in found]
    words = []
    for k, (spike, centre) in enumerate(zip(found, centres)):
        start = (centres[k - 1] + centre) / 2 if k else max(speech_start_s, centre - EDGE_REACH_S)
        end = (centre + centres[k + 1]) / 2 if k + 1 < len(found) else min(speech_end_s, centre + EDGE_REACH_S)
        start = max(0.0, min(start, centre))
        text = LABELS[spike.label] if spike.confidence >= min_confidence else OTHER
        words.append(TimedWord(start, max(end, centre), text, round(spike.confidence, 3)))
    return words
