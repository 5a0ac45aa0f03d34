"""Whisper's decoding loops: the words it writes over and over when a decode goes round in circles.

Dropped where they are written, from a window's words (``whisper_window``), so that the speech
under a loop counts as skipped and is decoded again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from redaction.numbers import says_number


class Said(Protocol):
    """A word with its text (``TimedWord``, ``WindowWord``)."""

    @property
    def text(self) -> str: ...


W = TypeVar("W", bound=Said)


#: Whisper caught in a decoding loop writes one word over and over ("0, 0, 0, ..."): this many
#: identical words in a row are dropped as such (a card has no five equal digits in a row
#: that Whisper would write apart: it writes repeated digits together, or collapses them).
LOOP_WORDS = 5
#: ... or a few number words over and over ("one, two, one, two, ...", "11, 7, 11, 7, ..."
#: over the agent's words after a code, masked as a card): a pattern of 2 or 3 different
#: number words repeated to this many words in a row is dropped too. Of random 16-digit
#: cards about one in 70,000 holds eight digits alternating two by two or nine repeating
#: three by three; on the tune and strangers' calls (about 7,000 digits) only loops did.
LOOP_PERIOD_WORDS = {2: 8, 3: 9}
#: ... or a phrase of PHRASE_WORDS different words, a number word and a word that is none among
#: them, written PHRASE_TIMES times or more in a row ("was the one who was the one who ..." over
#: 14 s of a harmless call, each "one" masked as a card; "19th November, 19th November, ...";
#: "near the 1 -3, near the 1 -3, ..." over an expiry date): its first writing stays (it may be
#: what was said), its repeats are dropped. Of the recorded tune words (seeds 315-332, 1,000
#: calls) only loops did this; said twice is speech.
PHRASE_WORDS = range(2, 7)
PHRASE_TIMES = 3


def without_loops(words: Sequence[W]) -> list[W]:
    """``words`` less Whisper's decoding loops (``LOOP_WORDS``, ``LOOP_PERIOD_WORDS``)."""
    keys = [plain_key(w.text) for w in words]
    looped = [False] * len(words)
    k = 0
    while k < len(words):
        same = k + 1
        while same < len(words) and keys[same] == keys[k]:
            same += 1
        if same - k >= LOOP_WORDS:
            looped[k:same] = [True] * (same - k)
        k = same
    for period, least in LOOP_PERIOD_WORDS.items():
        k = 0
        while k + period < len(words):
            end = k  # words k .. end + period - 1 repeat the first ``period`` of them
            while (end + period < len(words) and keys[end] == keys[end + period]
                   and says_number(words[end].text)):
                end += 1
            if end + period - k >= least and len(set(keys[k : k + period])) == period:
                looped[k : end + period] = [True] * (end + period - k)
                k = end + period
            else:
                k += 1
    _drop_phrase_repeats(words, keys, looped)
    return [w for w, drop in zip(words, looped) if not drop]


def _drop_phrase_repeats(words: Sequence[Said], keys: list[str], looped: list[bool]) -> None:
    """Marks in ``looped`` the repeats of each phrase written PHRASE_TIMES times or more in a row
    (``PHRASE_WORDS``), its first writing left."""
    k = 0
    while k < len(words):
        for period in PHRASE_WORDS:
            end = k  # words k .. end + period - 1 repeat the first ``period`` of them
            while end + period < len(words) and keys[end] == keys[end + period]:
                end += 1
            phrase = words[k : k + period]
            if (end + period - k >= PHRASE_TIMES * period and len(set(keys[k : k + period])) == period
                    and any(says_number(w.text) for w in phrase) and not all(says_number(w.text) for w in phrase)):
                looped[k + period : end + period] = [True] * (end - k)
                k = end + period
                break
        else:
            k += 1


def plain_key(text: str) -> str:
    """``text`` lower case, letters and digits only: the key words repeat by."""
    return "".join(ch for ch in text.lower() if ch.isalnum())
