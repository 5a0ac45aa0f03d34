"""Card-number checks that raise confidence (they never gate masking): Luhn and issuer ranges.

Issuer identification numbers and lengths as the card schemes publish them (ISO/IEC 7812
prefixes): Visa 4; Mastercard 51-55 and 2221-2720; American Express 34, 37 (15 digits);
Discover 6011, 622126-622925, 644-649, 65; JCB 3528-3589; Diners Club 300-305, 36, 38-39;
Maestro 50, 56-69; UnionPay 62.
"""

from __future__ import annotations

from callrec.luhn import luhn_valid

__all__ = ["ISSUERS", "issuer_of", "luhn_valid"]

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
