"""How well the recognizer followed a call: the mean confidence of the words it heard in pass 1.

Whisper gives each word a probability. Where it does not follow a call (another voice over the
caller, a noisy line, a voice it has never heard) it writes words it is unsure of, and the card
data there goes unmasked with nothing to say so: verification hears no more than pass 1 did. A
report carries ``Hearing`` so an operator can review the recordings the recognizer doubted. On the
tune calls (``tools/evalcalls``) a mean under ``DOUBTFUL_BELOW`` took 1-6 % of the calls of six word
sets as made (1,496 calls), and 20 of the 29 card calls that kept 8 or more digits audible with
babble 10 dB under the caller (11 of the other 39). Held out (seeds 118-120) it took none of 84
calls as made and 19 of 84 with babble, but only 2 of the 10 card calls babble left leaky: Whisper
is often sure of what it writes over a card it did not hear. A weak signal, not a guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redaction.words import TimedWord

#: A call whose words' mean confidence is under this was doubtfully heard.
DOUBTFUL_BELOW = 0.48


@dataclass(frozen=True)
class Hearing:
    """The words the recognizer heard in pass 1 and their mean confidence (None: it heard none)."""

    words: int
    mean_confidence: float | None

    @property
    def doubtful(self) -> bool:
        return self.mean_confidence is not None and self.mean_confidence < DOUBTFUL_BELOW

    def to_dict(self) -> dict[str, object]:
        return {"words": self.words,
                "mean_confidence": None if self.mean_confidence is None else round(self.mean_confidence, 3),
                "doubtful": self.doubtful}


def hearing_of(words: Sequence[TimedWord]) -> Hearing:
    return Hearing(len(words), sum(w.confidence for w in words) / len(words) if words else None)
