"""Luhn and issuer ranges (they raise confidence; they never gate masking)."""

from __future__ import annotations

import pytest

from redaction.issuers import issuer_of, luhn_valid


@pytest.mark.parametrize(
    ("number", "scheme"),
    [
        ("4532015112830366", "visa"),
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223000048400011", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", "jcb"),
        ("36259600000004", "diners"),
        ("6759649826438453", "maestro"),
    ],
    ids=["visa-a", "visa-b", "mastercard-5", "mastercard-2", "amex", "discover", "jcb", "diners", "maestro"],
)
def test_published_test_numbers_pass_luhn_and_match_their_scheme(number: str, scheme: str) -> None:
    assert luhn_valid(number)
    assert issuer_of(number) == scheme


def test_luhn_catches_a_changed_digit_and_non_digits() -> None:
    assert not luhn_valid("4532015112830367")
    assert not luhn_valid("4532-0151")
    assert luhn_valid("0")


def test_wrong_length_or_prefix_has_no_scheme() -> None:
    assert issuer_of("37828224631000") is None  # amex needs 15
    assert issuer_of("9999999999999995") is None
