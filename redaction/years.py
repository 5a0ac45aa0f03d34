"""A spoken year's "twenty" that Whisper tiny wrote as "when did" (cards 1.96).

"April twenty twenty-nine" is written "April 20th, when did I?", "November twenty twenty-nine"
"no member when did when did I", a date after "May" "May, when did I run?": nothing found
says the year, and its digits stay audible. Harmless calls have "when did" after a month too
("October, but when did it"), so it is a year only with a card found in the ``YEAR_SLOT_S``
before and right after a month name, or within ``YEAR_REACH_S`` and ``YEAR_LEAD_WORDS`` words
of the last digits of a card (its month misheard between) or of an expiry date found, in one sentence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from redaction.answers import UNANSWERED_CONFIDENCE, Heard
from redaction.card_words import CARD_NUMBER, EXPIRY, Entity, ends_sentence, plain
from redaction.numbers import atoms_of, month_said
from redaction.words import TimedWord

WHEN, DID = "when", "did"
#: A card found this long before the month is what the caller is giving (its expiry date next).
YEAR_SLOT_S = 30.0
#: From a card's or expiry date's end to "when": at most this long and this many words (the month misheard).
YEAR_REACH_S = 1.5
YEAR_LEAD_WORDS = 2
#: The rest of the year after the last "did" ("I", "I run?"): at most this many words, in its sentence.
YEAR_TAIL_WORDS = 2
TAIL_STOPS = frozenset({"and"})


def misheard_years(heard: Heard, found: list[Entity]) -> list[Entity]:
    """The words from a spoken year's month (or its misheard month) to the year's end, where the
    year's "twenty" was written "when did", masked as an expiry date."""
    words = heard.words
    used = {w for e in found for w in e.words}
    card_ends_s = sorted(e.end_s for e in found if e.entity == CARD_NUMBER)
    ending_at: dict[int, list[Entity]] = {}  # the data found from its digits, by its last word
    for e in found:
        if (e.entity in (CARD_NUMBER, EXPIRY) and e.words and e.confidence > UNANSWERED_CONFIDENCE
                and _says_number(words[max(e.words)].text)):  # (not an answer masked whole)
            ending_at.setdefault(max(e.words), []).append(e)
    out: list[Entity] = []
    k = 0
    while k < len(words):
        lead = _lead(words, k, card_ends_s, ending_at, used) if _when_did(words, k) else None
        if lead is None:
            k += 1
            continue
        end = k + 2
        while _when_did(words, end) and not ends_sentence(words[end - 1].text):
            end += 2
        tail: list[int] = []
        if not ends_sentence(words[end - 1].text):
            for j in range(end, min(len(words), end + YEAR_TAIL_WORDS)):
                if plain(words[j].text) in TAIL_STOPS or j in used:
                    break
                tail.append(j)
                if ends_sentence(words[j].text):
                    break
        said = [j for j in (*lead, *range(k, end), *tail) if j not in used]
        if said:
            out.append(Entity(EXPIRY, min(heard.times[w][0] for w in said), max(heard.times[w][1] for w in said),
                              UNANSWERED_CONFIDENCE, tuple(said)))
        k = end + len(tail)
    return out


def _when_did(words: Sequence[TimedWord], k: int) -> bool:
    return (k + 1 < len(words) and plain(words[k].text) == WHEN and plain(words[k + 1].text) == DID
            and not ends_sentence(words[k].text))


def _says_number(text: str) -> bool:
    """True for a word that says digits or an ordinal ("9", "nine", "20th,"), not a month alone."""
    return any(a.kind not in ("other", "month") for a in atoms_of(text, 0))


def _lead(words: Sequence[TimedWord], k: int, card_ends_s: list[float], ending_at: dict[int, list[Entity]],
          used: set[int]) -> list[int] | None:
    """The words before "when" that say the year's month (none when an entity holds them), or None
    when "when did" there is no year (``card_ends_s``: the cards' ends, sorted; ``ending_at``: the
    cards and dates found from their digits by their last word; looked up, not read through)."""
    month = k - 1
    if month >= 0 and month_said(words[month].text) and not ends_sentence(words[month].text):
        month_s = words[month].start_s
        if bisect_left(card_ends_s, month_s - YEAR_SLOT_S) < bisect_right(card_ends_s, month_s):
            return [] if month in used else [month]
    for last in range(max(0, k - 1 - YEAR_LEAD_WORDS), k):
        between = list(range(last + 1, k))
        if (any(0 <= words[k].start_s - e.end_s <= YEAR_REACH_S and (between or e.entity == EXPIRY)
                for e in ending_at.get(last, ()))  # a card's own last digit is no misheard month
                and not any(ends_sentence(words[j].text) for j in [last, *between])
                and not any(j in used for j in between)):
            return between
    return None
