"""Digits of card data said in words, and free text quoting them in words or numerals.

A card read digit by digit is one word a digit ("four five three two oh one ..."): no word's
own core quotes it, yet a summary writes "ending 0366" and a sentence rebuilt from the words
before they were redacted "ending oh three six six". ``said_digits`` gives the digits the
redacted words say, run by run (``freetext.digit_cores`` takes their runs of four and more);
``quoting`` finds the stretches of free text whose number words say one of those runs.
Digits are card data: never logged, never in a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from redaction.numbers import pieces, says_number
from redaction.words import TimedWord

#: Digits in one piece of what ``said_digits`` returns: a card's 19 and room for the runs across
#: its ends; a longer run is cut into pieces overlapping by ``_OVERLAP`` digits (any run of up to
#: that many lies whole in one piece), so the runs of each stay few.
PIECE_DIGITS = 32
_OVERLAP = 19
#: A stretch of number words read at once by ``quoting`` (longer ones are read in parts).
MAX_STRETCH_WORDS = 64


T = TypeVar("T")


def _words(texts: Sequence[str]) -> list[TimedWord]:
    return [TimedWord(k * 0.3, (k + 1) * 0.3, text) for k, text in enumerate(texts)]


def said_digits(texts: Sequence[str]) -> list[str]:
    """The digits said by each run of consecutive number words among ``texts`` (the redacted
    words, in order), cut into pieces of at most PIECE_DIGITS."""
    runs: list[str] = []
    current = ""
    for piece in pieces(_words(texts)):
        if piece.digits:
            current += piece.digits
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    out = []
    for run in runs:
        step = PIECE_DIGITS - _OVERLAP
        out += [run[k : k + PIECE_DIGITS] for k in range(0, max(1, len(run) - _OVERLAP), step)]
    return [run for run in out if len(run) >= 4]


def quoting(tokens: Iterable[tuple[T, str]], cores: frozenset[str], least: int, most: int) -> list[T]:
    """The keys of the ``tokens`` ((key, text) of free text's tokens, in order) in stretches of
    number words whose digits, read together, hold one of ``cores`` of ``least`` to ``most``
    digits: the whole stretch ("ending oh three six six" for a card that ends 0366)."""
    hit: list[T] = []
    stretch: list[tuple[T, str]] = []

    def close() -> None:
        if stretch:
            digits = "".join(p.digits for p in pieces(_words([text for _, text in stretch])))
            if any(digits[i:j] in cores for i in range(len(digits))
                   for j in range(i + least, min(i + most, len(digits)) + 1)):
                hit.extend(key for key, _ in stretch)
            stretch.clear()

    for key, text in tokens:
        number = says_number(text)
        if not number or len(stretch) == MAX_STRETCH_WORDS:
            close()
        if number:
            stretch.append((key, text))
    close()
    return hit
