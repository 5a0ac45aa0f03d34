"""The project's own word-timed transcript format (``simple``), for tools and hand-made tests.

Plain UTF-8 text, one word per line::

    # callrec words: start_s end_s word [confidence]
    0.52 0.81 four 0.93
    0.81 1.10 five

Fields are separated by whitespace: start and end in seconds on the audio's clock (a dot
for decimals), the word (no spaces: "forty-five" is one word), and an optional confidence in
[0, 1] (default 1). Blank lines and lines starting with ``#`` are ignored. Written back
redacted, the word field of a redacted line becomes ``[redacted]``; comment lines are kept
with card data in them redacted (every number too when the words held card data: free text
may quote it in any form); word lines are otherwise kept as they were.
"""

from __future__ import annotations

from redaction.errors import TranscriptError
from redaction.transcripts.base import PLACEHOLDER, Reading, WriteBack, make_word
from redaction.transcripts.freetext import redact_free_parts, redact_numbers, said_cores
from redaction.transcripts.markers import marked_words
from redaction.transcripts.quotes import Cores
from redaction.words import TimedWord

NAME = "simple"


class SimpleTranscript:
    name = NAME

    def missing(self, text: str) -> tuple[str, ...]:
        """Nothing when the first word line has the simple format's fields, else what it lacks."""
        lines = _lines(text) if isinstance(text, str) else []
        if not lines:
            return ("word lines (start_s end_s word [confidence])",)
        number, fields = lines[0]
        try:
            float(fields[0]), float(fields[1])
        except (ValueError, IndexError):
            return (f"line {number}: start_s and end_s numbers",)
        if len(fields) not in (3, 4):
            return (f"line {number}: 3 or 4 fields",)
        return ()

    def read(self, text: str) -> Reading:
        words = self._words(text)
        return Reading(words, marked_words(words))

    def _words(self, text: str) -> tuple[TimedWord, ...]:
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

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        lines = text.splitlines(keepends=True)
        for index, (number, fields) in enumerate(_lines(text)):
            if index in sensitive:
                fields = [*fields[:2], PLACEHOLDER, *fields[3:]]
                line = lines[number - 1]  # its own line end kept ("\r\n", "\r"...: session 54, a CR file's
                ending = line[len(line.splitlines()[0]):]  # redacted lines were run together)
                lines[number - 1] = " ".join(fields) + ending
        said = [fields[2] for index, (_, fields) in enumerate(_lines(text)) if index in sensitive]
        comments = [number for number, line in enumerate(lines) if line.lstrip().startswith("#")]
        for number, scrubbed in zip(comments, _scrubbed([lines[n] for n in comments], said_cores(said))):
            lines[number] = redact_numbers(scrubbed) if sensitive else scrubbed
        return WriteBack("".join(lines))


def _scrubbed(comments: list[str], cores: Cores) -> list[str]:
    """``comments`` (lines, their ends kept) with card data redacted, their texts after the ``#`` read
    in order as one free text (``redact_free_parts``; session 54: each line was read alone, so a card
    a group a line was written back whole)."""
    marks = [line.index("#") + 1 for line in comments]
    texts = [line[mark:] for line, mark in zip(comments, marks)]
    return [line[:mark] + text for line, mark, text in zip(comments, marks, redact_free_parts(texts, cores))]


def _lines(text: str) -> list[tuple[int, list[str]]]:
    return [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


FORMAT = SimpleTranscript()
