"""The words the built-in network can name, in output order (index 0 is the CTC blank).

Spellings follow redaction/words.py: number words as the card logic reads them, anything
else as ``"<other>"``.
"""

from __future__ import annotations

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
BLANK = "<blank>"
OTHER = "<other>"

#: Network outputs: blank, digits, "oh", repeat words, teens, tens, "hundred", other speech.
LABELS = (BLANK, *DIGITS, "oh", "double", "triple", "hundred", *TEENS, *TENS, OTHER)
INDEX = {word: i for i, word in enumerate(LABELS)}
