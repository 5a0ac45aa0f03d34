"""Digits of card data said in words, and free text quoting them in words or numerals.

A card read digit by digit is one word a digit ("four five three two oh one ..."): no word's
own core quotes it, yet a summary writes "ending 0366" and a sentence rebuilt from the words
before they were redacted "ending oh three six six". ``said_digits`` gives the digits the
redacted words say, run by run (``freetext.said_cores`` takes their runs of four and more);
``quoting`` finds the stretches of free text whose number words say one of those runs.
``Cores`` holds what free text may quote, without listing the runs.
Digits are card data: never logged, never in a message.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
#: Free text quoting this many digits or more of a sensitive word, grouped its own way, quotes card data.
MIN_QUOTED_DIGITS = 4
#: ... of a sensitive word of at most this many digits (a card's 19 and some).
MAX_QUOTED_DIGITS = 32
#: Suffixes sorted at once while ``Cores`` orders them (then merged): each sorted needs its key held.
_SORTED_AT_ONCE = 4096


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


@dataclass(frozen=True)
class Cores:
    """The cores of sensitive words (their letters and digits, lower case: ``freetext.core``) and
    every run of MIN_QUOTED_DIGITS or more of the digits of each of them that has at most
    MAX_QUOTED_DIGITS: free text saying one quotes card data. ``core in cores`` asks. The runs
    are not listed (a string of n digits has about n * n / 2: 4,000 cards of 19 digits in a
    0.9 MB transcript took 241 MB, a numeral of 400,000 digits 1.36 GB): each string's suffixes
    are kept in sorted order (where each starts in ``joined``), and a run is a prefix of one."""

    exact: frozenset[str]
    #: The digit strings, each followed by a newline (no core holds one).
    joined: str
    #: Where each suffix of MIN_QUOTED_DIGITS digits or more starts in ``joined``, in the suffixes' order.
    starts: array
    #: Every run of MIN_QUOTED_DIGITS digits (each longer run starts with one).
    grams: frozenset[str]

    @classmethod
    def of(cls, exact: Iterable[str], digits: Iterable[str]) -> Cores:
        """The cores ``exact`` and the runs of the ``digits`` strings (digits alone) of at most MAX_QUOTED_DIGITS."""
        kept = sorted({d for d in digits if MIN_QUOTED_DIGITS <= len(d) <= MAX_QUOTED_DIGITS})
        joined = "".join(f"{d}\n" for d in kept)
        starts, at = array("q"), 0
        for d in kept:
            starts.extend(range(at, at + len(d) - MIN_QUOTED_DIGITS + 1))
            at += len(d) + 1
        grams = frozenset(joined[p : p + MIN_QUOTED_DIGITS] for p in starts)

        def suffix(p: int) -> str:
            return joined[p : p + MAX_QUOTED_DIGITS]
        bounds = range(0, len(starts), _SORTED_AT_ONCE)
        for k in bounds:  # sorted part by part in place, then merged
            starts[k : k + _SORTED_AT_ONCE] = array("q", sorted(starts[k : k + _SORTED_AT_ONCE], key=suffix))
        parts = memoryview(starts)
        order = array("q", heapq.merge(*(parts[k : k + _SORTED_AT_ONCE] for k in bounds), key=suffix))
        parts.release()
        return cls(frozenset(exact), joined, order, grams)

    def __contains__(self, text: object) -> bool:
        if text in self.exact:
            return True
        if not isinstance(text, str) or text[:MIN_QUOTED_DIGITS] not in self.grams:
            return False
        k = bisect_left(self.starts, text, key=lambda p: self.joined[p : p + len(text)])
        return k < len(self.starts) and self.joined.startswith(text, self.starts[k])

    def __bool__(self) -> bool:
        return bool(self.exact or self.grams)

    def quoted(self, digits: str) -> bool:
        """Whether ``digits`` hold one of the runs (a longer one starts with one of MIN_QUOTED_DIGITS)."""
        return any(digits[i : i + MIN_QUOTED_DIGITS] in self.grams
                   for i in range(len(digits) - MIN_QUOTED_DIGITS + 1))


#: Nothing said: no core.
NO_CORES = Cores.of((), ())


def quoting(tokens: Iterable[tuple[T, str]], cores: Cores) -> list[T]:
    """The keys of the ``tokens`` ((key, text) of free text's tokens, in order) in stretches of
    number words whose digits, read together, hold one of the runs of ``cores``: the whole
    stretch ("ending oh three six six" for a card that ends 0366)."""
    hit: list[T] = []
    stretch: list[tuple[T, str]] = []

    def close() -> None:
        if stretch:
            digits = "".join(p.digits for p in pieces(_words([text for _, text in stretch])))
            if cores.quoted(digits):
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
