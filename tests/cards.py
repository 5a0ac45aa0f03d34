"""Card numbers made up for tests."""

from __future__ import annotations


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit: a number that passes as a real card number."""
    total = 0
    for n, digit in enumerate(reversed(prefix)):
        value = int(digit) * (2 if n % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return prefix + str((10 - total % 10) % 10)
