"""callrec.digits: every script's digits as ASCII ones, one character for one."""

from __future__ import annotations

import pytest

from callrec.digits import ascii_digits


@pytest.mark.parametrize("text, read", [
    ("\uff14\uff15-\u0664\u0665", "45-45"),  # fullwidth, Arabic-Indic
    ("x\u2074\u00b9\u2082\u2460y", "x4121y"),  # superscripts, a subscript, a circled digit
    ("\u1369\u136a", "12"),  # Ethiopic digits: digits, not decimal ones
    ("\u00bd \u2155 \u2160", "\u00bd \u2155 \u2160"),  # fractions and Roman numerals are no digits
])
def test_every_digit_is_read_as_its_ascii_digit_one_for_one(text, read) -> None:
    assert ascii_digits(text) == read and len(read) == len(text)


@pytest.mark.parametrize("text", ["4111-1111", "caf\u00e9 \u00bd", ""])
def test_a_text_without_other_digits_is_given_back_itself(text) -> None:
    assert ascii_digits(text) is text
