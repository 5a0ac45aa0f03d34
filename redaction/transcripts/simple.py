"""The project's own word-timed transcript format (``simple``), for tools and hand-made tests.

Plain UTF-8 text, one word per line::

    # callrec words: start_s end_s word [confidence]
    0.52 0.81 four 0.93
    0.81 1.10 five

Fields are separated by whitespace: start and end in seconds on the audio's clock (a dot
for decimals), the word (no spaces: "forty-five" is one word), and an optional confidence in
[0, 1] (default 1). Blank lines and lines starting with ``#`` are ignored. Written back
redacted, the word field of a redacted line becomes ``[redacted]`` and comment lines are
dropped (free text could quote card data); word lines are otherwise kept as they were.
"""

from __future__ import annotations

from redaction.errors import TranscriptError
from redaction.transcripts.base import PLACEHOLDER, make_word
from redaction.words import TimedWord

NAME = "simple"


class SimpleTranscript:
    name = NAME

    def parse(self, text: str) -> tuple[TimedWord, ...]:
        words = []
        for number, fields in _lines(text):
            if len(fields) not in (3, 4):
                raise TranscriptError(
                    f"{NAME} transcript: line {number} has {len(fields)} fields, expected start_s end_s word [confidence]"
                )
            confidence = fields[3] if len(fields) == 4 else None
            word = make_word(fields[0], fields[1], fields[2], confidence, f"line {number}", NAME)
            if not 0.0 <= word.confidence <= 1.0:
                raise TranscriptError(f"{NAME} transcript: line {number} has a confidence outside [0, 1]")
            words.append(word)
        return tuple(words)

    def redact(self, text: str, sensitive: frozenset[int]) -> str:
        lines = text.splitlines(keepends=True)
        for index, (number, fields) in enumerate(_lines(text)):
            if index in sensitive:
                fields[2] = PLACEHOLDER
                ending = "\n" if lines[number - 1].endswith("\n") else ""
                lines[number - 1] = " ".join(fields) + ending
        return "".join(line for line in lines if not line.lstrip().startswith("#"))


def _lines(text: str) -> list[tuple[int, list[str]]]:
    return [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


FORMAT = SimpleTranscript()
