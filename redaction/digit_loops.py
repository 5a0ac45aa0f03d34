"""Digits Whisper wrote again in a decoding loop: no evidence of when anything was said.

Whisper tiny, after a card's digits, often writes some of them again over whatever followed: the
agent's expiry ask, the payment reference, the call's closing ("... 5, 1, time, 7, 6, 4, 1, 2, 0,
time, 6, 7, 8, 5, 3, 3, 5, 1, time, 7, 6, 4, 1, 2, 0", en-gb+Storm seed 338: one card of 16 digits).
The card logic still takes them for the card's (whatever they cover stays in its chain), but their
word times say only where the loop put them: they keep no time of their own in a mask
(``sounds.sounded``) and are no evidence of data at a mask's edges (``edges.trimmed``), both only
where the recognizer's number sounds agree with the call's words (``sounds.agrees``): the sounds
heard there are still evidence, and where the model does not hear this voice the words are all
there is (a card the agent reads back may sit in the same chain).

Measured (pass 1 rescored, ``tools.evalcalls.rescore --calls``, on the 23 recorded tune word files
of sessions 52-56): 8 calls less masked (0.1-1.2 s of other speech each), no sensitive digit less
and no leaky card on any call; windows of 4 words: 1 call. Since session 58's review only an entity
of more digits than a card holds, its rows compared with earlier rows only: on the 27 recorded files
no sensitive digit changed; 7 card calls 0.1-0.5 s more other speech, one harmless call 0.2 s more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redaction.numbers import digits_said
from redaction.words import TimedWord

#: Digit words in a row (each word's digits compared whole: "45" is not "4", "5") that say again
#: what as many digit words of the same entity said before them.
LOOP_WORDS = 3
#: An entity holds a loop only when its words say more digits than this: a card's most
#: (``cards.MAX_CARD_DIGITS``). A card read one digit a word repeats some 3 digits in 7.8 % of
#: random cards ("4111111111111111" 14 of its 16), and its words' times are its mask's evidence
#: (session 58's review).
LOOP_AFTER_DIGITS = 19


def looped(words: Sequence[TimedWord], indices: Iterable[int]) -> set[int]:
    """The indices of ``indices`` (an entity's words in ``words``, in order) of the digit words that
    say again, LOOP_WORDS in a row, what LOOP_WORDS digit words among them said before (ending
    before these begin), when they say more than LOOP_AFTER_DIGITS digits in all; words saying
    no digits neither count nor break a row."""
    digit_words = [k for k in indices if digits_said(words[k].text)]
    said = [digits_said(words[k].text) for k in digit_words]
    if sum(map(len, said)) <= LOOP_AFTER_DIGITS:
        return set()
    rows = [tuple(said[j : j + LOOP_WORDS]) for j in range(len(said) - LOOP_WORDS + 1)]
    seen: set[tuple[str, ...]] = set()
    out: set[int] = set()
    for j, row in enumerate(rows):
        if j >= LOOP_WORDS:
            seen.add(rows[j - LOOP_WORDS])
        if row in seen:
            out.update(digit_words[j : j + LOOP_WORDS])
    return out
