"""The Luhn (mod 10) check of ISO/IEC 7812-1: the one check digit every card number carries.

Every layer asks it of digits it must not keep or show: the card logic (``redaction``), the
ids an account or ticket may not carry (``vault.regions``), the call ids and the error texts
(``worker``). The layers may not import each other for it, so it lives here, below them all.
"""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (decimal digits of any script, nothing else: else False) pass the Luhn check."""
    if not digits.isdecimal():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
