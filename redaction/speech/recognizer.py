"""BuiltinRecognizer: spoken number words in telephone audio, offline, numpy only.

Pipeline per call: resample to 8 kHz (streaming) -> speech regions (energy detector) ->
log-mel features normalised per region -> digit network -> CTC spikes -> timed words.
State is one region at most (``regions.MAX_REGION_S``), so memory is flat in call length.

Digit mode: someone who has just read a group of digits is likely to read more (the rest
of the card, the expiry date, the code), so for ``DIGIT_MODE_S`` after a region with
``DIGIT_MODE_WORDS`` number words the decoder leans further to number words
(``RELAXED_BLANK_PENALTY``, ``RELAXED_MIN_CONFIDENCE``): a short code needs every digit
heard to be recognised as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from audio.resample import Resampler
from redaction.errors import RedactionInputError
from redaction.speech.decoding import BLANK_PENALTY, MIN_CONFIDENCE, Candidate, Smoother, candidates, spikes
from redaction.speech.features import RATE_HZ, log_mel, normalise
from redaction.speech.network import DigitNetwork
from redaction.speech.regions import FRAME, Region, RegionFinder
from redaction.words import TimedWord


#: A region with this many number words starts digit mode, which lasts this long after it.
DIGIT_MODE_WORDS = 3
DIGIT_MODE_S = 30.0
RELAXED_BLANK_PENALTY = 4.0
RELAXED_MIN_CONFIDENCE = 0.3


class BuiltinRecognizer:
    """The ``Recognizer`` for ``CALLREC_RECOGNIZER=builtin``."""

    name = "builtin-digits"
    version = "1"

    def __init__(
        self,
        network: DigitNetwork | None = None,
        *,
        blank_penalty: float = BLANK_PENALTY,
        min_confidence: float = MIN_CONFIDENCE,
        relaxed_blank_penalty: float = RELAXED_BLANK_PENALTY,
        relaxed_min_confidence: float = RELAXED_MIN_CONFIDENCE,
    ) -> None:
        self._network = network or DigitNetwork()
        self._strict = (blank_penalty, min_confidence)
        self._relaxed = (relaxed_blank_penalty, relaxed_min_confidence)

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        if rate_hz <= 0:
            raise RedactionInputError(f"sample rate must be positive, got {rate_hz!r}")
        finder = RegionFinder()
        smoother = Smoother()
        self._digit_mode_until_s = -1.0
        resampler = Resampler(rate_hz, RATE_HZ)
        for block in blocks:
            x = np.asarray(block, dtype=np.float32)
            if x.ndim != 1:
                raise RedactionInputError(f"recognizer needs mono blocks, got shape {x.shape!r}")
            for region in finder.feed(resampler.process(x)):
                yield from smoother.feed(self._words(region))
        for region in finder.feed(resampler.flush()):
            yield from smoother.feed(self._words(region))
        for region in finder.finish():
            yield from smoother.feed(self._words(region))
        yield from smoother.finish()

    def _words(self, region: Region) -> list[Candidate]:
        posteriors = self._network.posteriors(normalise(log_mel(region.samples)))
        penalty, floor = self._relaxed if region.start_s <= self._digit_mode_until_s else self._strict
        found = spikes(posteriors, penalty)
        if not found:
            return []
        speech_start_s, speech_end_s = _speech_edges(region)
        heard = candidates(found, region.start_s, speech_start_s, speech_end_s, floor)
        if sum(c.sure for c in heard) >= DIGIT_MODE_WORDS:
            self._digit_mode_until_s = speech_end_s + DIGIT_MODE_S
        return heard


def _speech_edges(region: Region) -> tuple[float, float]:
    """First and last 10 ms frame within 30 dB of the region's loudest one, in seconds."""
    n = region.samples.size // FRAME
    e = 10.0 * np.log10(np.mean(region.samples[: n * FRAME].reshape(n, FRAME).astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(e > e.max() - 30.0)
    return region.start_s + loud[0] * FRAME / RATE_HZ, region.start_s + (loud[-1] + 1) * FRAME / RATE_HZ
