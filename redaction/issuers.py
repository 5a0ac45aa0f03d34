"""Card-number checks that raise confidence (they never gate masking): Luhn and issuer ranges.

Issuer identification numbers and lengths as the card schemes publish them (ISO/IEC 7812
prefixes): Visa 4; Mastercard 51-55 and 2221-2720; American Express 34, 37 (15 digits);
Discover 6011, 622126-622925, 644-649, 65; JCB 3528-3589; Diners Club 300-305, 36, 38-39;
Maestro 50, 56-69; UnionPay 62.
"""

from __future__ import annotations

#: (scheme, inclusive prefix ranges as strings of equal length, allowed lengths)
ISSUERS: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[int, ...]], ...] = (
    ("amex", (("34", "34"), ("37", "37")), (15,)),
    ("visa", (("4", "4"),), (13, 16, 19)),
    ("mastercard", (("51", "55"), ("2221", "2720")), (16,)),
    ("discover", (("6011", "6011"), ("622126", "622925"), ("644", "649"), ("65", "65")), (16, 17, 18, 19)),
    ("jcb", (("3528", "3589"),), (16, 17, 18, 19)),
    ("diners", (("300", "305"), ("36", "36"), ("38", "39")), (14, 15, 16, 17, 18, 19)),
    ("unionpay", (("62", "62"),), (16, 17, 18, 19)),
    ("maestro", (("50", "50"), ("56", "69")), (12, 13, 14, 15, 16, 17, 18, 19)),
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` pass the Luhn (mod 10) check of ISO/IEC 7812-1."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def issuer_of(digits: str) -> str | None:
    """The scheme whose prefix and length ``digits`` match, or None."""
    for scheme, ranges, lengths in ISSUERS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            prefix = digits[: len(low)]
            if len(prefix) == len(low) and low <= prefix <= high:
                return scheme
    return None
