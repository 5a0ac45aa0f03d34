"""The recognizer protocol: a speech recognizer that finds number words in audio.

A recognizer is a backend (one module each, chosen by settings, passed in) so a better
model can replace the built-in one without touching the card logic or the masker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import numpy as np

from redaction.words import TimedWord


class Recognizer(Protocol):
    """Yields timed word hypotheses for mono float32 audio given as contiguous blocks.

    Times are seconds from the start of the first block. Blocks may be any length; the
    recognizer keeps whatever state it needs so memory stays flat in call length.
    Words it cannot identify may be yielded with text ``UNKNOWN_WORD`` (``"<other>"``, from
    ``redaction.words``) or not at all;
    number words use their spelling ("four", "oh", "double", "forty", "hundred").
    """

    #: Short name and version, recorded in metadata so batch reprocessing can tell
    #: which recordings an improved detector has not yet seen.
    name: str
    version: str

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]: ...


class Relistening(Protocol):
    """A recognizer that can listen to a masked output more cheaply than to the original.

    Verification hears the output again with ``masked_s`` (seconds) already masked: outside
    them the audio is the original sample for sample, so such a recognizer may hear again
    only what could still hold a number word (the engine uses ``recognize`` when a
    recognizer lacks this method). Words inside ``masked_s`` are the masks' tones anyway.
    """

    name: str
    version: str

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]: ...

    def recognize_again(self, blocks: Iterable[np.ndarray], rate_hz: int,
                        masked_s: Sequence[tuple[float, float]]) -> Iterator[TimedWord]: ...


class Sounding(Protocol):
    """A recognizer whose acoustic model also says where it heard number sounds, apart from
    the words it wrote: ``recognize_sounding`` is ``recognize`` that appends to ``sounds``
    (moment in seconds, probability), in any order, each moment at which number words took a
    good share of that model's belief. In calls where those sounds agree with the words, the
    engine has masks of spoken card data reach along the sure ones and keep to them all
    (``redaction.sounds``). ``speech``, when given, gets (start_s, end_s) of each speech region
    its energy detector found in what it heard: those masks end with the speech that holds
    their data (``redaction.edges``).
    """

    name: str
    version: str

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]: ...

    def recognize_sounding(self, blocks: Iterable[np.ndarray], rate_hz: int, sounds: list[tuple[float, float]],
                           speech: list[tuple[float, float]] | None = None) -> Iterator[TimedWord]: ...
