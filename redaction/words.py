"""Timed words: what transcripts and recognizers hand to the card logic."""

from __future__ import annotations

from dataclasses import dataclass

#: The one word a recognizer yields for speech it heard but could not identify (see
#: ``redaction.recognizer.Recognizer``). The card logic counts it as a possibly lost digit;
#: a transcript's real word "other" is an ordinary word.
UNKNOWN_WORD = "<other>"


@dataclass(frozen=True)
class TimedWord:
    """One word with its time on the audio's clock (seconds from the audio's start).

    ``text`` is what was said or keyed ("four", "4532", "oh", "security"); it is card data
    and is never logged, reported or put in an exception message. ``channel``: the channel of
    a dual-channel recording it was heard on alone (None: the mix, or a transcript's word).
    """

    start_s: float
    end_s: float
    text: str
    confidence: float = 1.0
    channel: int | None = None

    def __post_init__(self) -> None:
        if not self.end_s >= self.start_s >= 0.0:
            raise ValueError(f"TimedWord needs 0 <= start_s <= end_s, got {self.start_s!r}..{self.end_s!r}")

    def __repr__(self) -> str:  # never show the text
        return f"TimedWord({self.start_s:.3f}-{self.end_s:.3f}s, conf={self.confidence:.2f})"
