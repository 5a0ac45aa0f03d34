"""The number gate: a cheap, high-recall pick of the speech regions that may hold numbers.

Whisper is too slow to hear every second of every call, so the built-in pieces pick where
it listens: the streaming energy detector (``regions``) cuts speech regions of at most
``MAX_REGION_S``, the small digit network (``network``) scores each one, and a region passes
when at some moment the network gives any number word ("four", "oh", "double", "twenty",
"hundred"...) at least ``MIN_NUMBER_MASS`` of its probability. The threshold is far below
the built-in recognizer's own (``decoding.MIN_CONFIDENCE``): a digit the gate skips is a
digit nobody masks, while a region passed for nothing costs only Whisper time.

``gated_regions`` is the gate's decision on its own, for measuring its recall. A gated region
also carries the number words the network is sure of (at its own thresholds): where Whisper
hears words but no digits over a run of them, they stand in (``whisper``). It also carries
the moments the network heard a number sound (``NUMBER_SOUND_MASS``) and how sure it was:
masks of spoken card data reach along them and keep to them (``redaction.sounds``,
``recognizer.Sounding``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from audio import resample
from redaction.errors import RedactionInputError
from redaction.speech.features import RATE_HZ, log_mel, normalise
from redaction.speech.network import OUTPUT_HOP_S, DigitNetwork
from redaction.speech.regions import Region, RegionFinder
from redaction.speech.decoding import BLANK_PENALTY, MIN_CONFIDENCE, candidates, spikes
from redaction.speech.vocabulary import INDEX, OTHER
from redaction.words import TimedWord

#: Least probability of "some number word" at one network frame for a region to pass. On the
#: tune calls (seeds 11-18, 48 calls) 0.10 let 539 of 549 sensitive digits through and had
#: Whisper hear 112 % of the calls' length (context overlaps); 0.02 lets 544 through for 119 %.
MIN_NUMBER_MASS = 0.02
#: A network frame hears a number sound when number words take this much of its probability
#: (``GatedRegion.sounds``). On the tune calls (seeds 43-46, 55-58, 59-62, 63-66) a frame at
#: 0.1 or more lay within 0.05 s of 90 % of the sensitive digits (0.05: 93 %, 0.2: 87 %) and
#: within 0.3 s of 18 % of the other speech in card calls (0.05: 25 %, 0.2: 12 %).
NUMBER_SOUND_MASS = 0.1
#: Number words are indices 1 .. OTHER-1 of the network's labels.
_NUMBERS = slice(1, INDEX[OTHER])


@dataclass(frozen=True)
class GatedRegion:
    """Speech from ``start_s`` to ``end_s`` (seconds on the audio's clock) that may hold numbers."""

    start_s: float
    end_s: float
    score: float  # the largest number-word probability at one frame
    #: Number words the network is sure of (its own thresholds), for Whisper's fallback.
    words: tuple[TimedWord, ...] = field(default=(), repr=False)  # card data: never in a repr
    #: (middle in seconds, number-word probability) of each of the network's frames that heard
    #: a number sound (``NUMBER_SOUND_MASS``).
    sounds: tuple[tuple[float, float], ...] = field(default=(), repr=False)


class NumberGate:
    """Feed 8 kHz audio, get the regions that may hold numbers; ``finish()`` flushes.

    ``open_from_s`` is the earliest time a region still to come may start (the start of the
    region being collected, or now minus the pre-roll): audio before it is decided.
    """

    def __init__(self, network: DigitNetwork | None = None, min_number_mass: float = MIN_NUMBER_MASS) -> None:
        self._network = network or DigitNetwork()
        self._min_mass = min_number_mass
        self._finder = RegionFinder()

    @property
    def open_from_s(self) -> float:
        return self._finder.open_from_s

    @property
    def passes_every_region(self) -> bool:
        """At a number-word mass of 0 every speech region passes (but one too short for the
        network to hear): a gap between two regions it passed holds no speech."""
        return self._min_mass <= 0.0

    def feed(self, samples: np.ndarray) -> Iterator[GatedRegion]:
        for region in self._finder.feed(samples):
            gated = self._decide(region)
            if gated is not None:
                yield gated

    def finish(self) -> Iterator[GatedRegion]:
        for region in self._finder.finish():
            gated = self._decide(region)
            if gated is not None:
                yield gated

    def _decide(self, region: Region) -> GatedRegion | None:
        posteriors = self._network.posteriors(normalise(log_mel(region.samples)))
        if posteriors.shape[0] == 0:
            return None
        mass = posteriors[:, _NUMBERS].sum(axis=1)
        score = float(mass.max())
        if score < self._min_mass:
            return None
        end_s = region.end_s
        found = spikes(posteriors, BLANK_PENALTY)
        sure = [c.word for c in candidates(found, region.start_s, region.start_s, end_s, MIN_CONFIDENCE) if c.sure]
        frames = np.flatnonzero(mass >= NUMBER_SOUND_MASS)
        sounds = tuple((float(region.start_s + (k + 0.5) * OUTPUT_HOP_S), float(mass[k])) for k in frames)
        return GatedRegion(region.start_s, end_s, score, tuple(sure), sounds)


def gated_regions(blocks: Iterable[np.ndarray], rate_hz: int, gate: NumberGate | None = None) -> list[GatedRegion]:
    """The gate's decision for mono float32 ``blocks`` at ``rate_hz``: the regions passed to Whisper
    (before the context Whisper hears around them is added)."""
    gate = gate or NumberGate()
    out: list[GatedRegion] = []
    resampler = Resampler(rate_hz, RATE_HZ)
    for block in blocks:
        out += gate.feed(resampler(block))
    out += gate.feed(resampler.flush())
    out += gate.finish()
    return out


class Resampler:
    """audio's streaming resampler for a recognizer's input: mono float32 blocks, and bad
    input (a rate, a block's shape) worded as redaction's."""

    def __init__(self, in_hz: int, out_hz: int) -> None:
        if in_hz <= 0:
            raise RedactionInputError(f"sample rate must be positive, got {in_hz!r}")
        self._stream = resample.Resampler(in_hz, out_hz)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float32)
        if x.ndim != 1:
            raise RedactionInputError(f"recognizer needs mono blocks, got shape {x.shape!r}")
        return self._stream.process(x)

    def flush(self) -> np.ndarray:
        return self._stream.flush()
