"""Digits of every script as the decimal digits they are: what every layer reads as card digits.

A card number can be written in fullwidth, Arabic-Indic, superscript or circled digits (a leg's
file name, a webhook URL, a transcript's word); the card logic (``redaction.numbers``), the
source names and the error texts (``worker``) each read such a digit as its ASCII one. The layers
may not import each other for it, so the one fold lives here, below them all.
"""

from __future__ import annotations

import unicodedata


def ascii_digits(text: str) -> str:
    """``text`` with every digit of another script (``str.isdigit``: decimal, superscript, circled)
    as its ASCII decimal digit, one character for one (positions kept); ``text`` itself when it holds
    none."""
    if text.isascii() or not any(ch.isdigit() and not ch.isascii() for ch in text):
        return text
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)
