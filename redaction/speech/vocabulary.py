"""The words the built-in network can name, in output order (index 0 is the CTC blank).

Spellings follow redaction/words.py: number words as the card logic reads them, anything
else as ``"<other>"``.
"""

from __future__ import annotations

from redaction.words import UNKNOWN_WORD

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
#: Context words the network names for the card logic ("card", "expiry", "security",
#: "code" would let a partial card or a lone code be recognised). The shipped model names
#: none; tools/speech/make_data.py labels whatever is listed here, then retrain.
KEYWORDS: tuple[str, ...] = ()
BLANK = "<blank>"
OTHER = UNKNOWN_WORD

#: Network outputs: blank, digits, "oh", repeat words, "hundred", teens, tens, other speech,
#: then the context keywords (after OTHER: everything between blank and OTHER is a number).
LABELS = (BLANK, *DIGITS, "oh", "double", "triple", "hundred", *TEENS, *TENS, OTHER, *KEYWORDS)
INDEX = {word: i for i, word in enumerate(LABELS)}
