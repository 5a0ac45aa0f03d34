"""A card read on after a phone number ("my phone is 1234 4111 1111 1111 1111") leaves no digit of
it in any format's written-back transcript; the simple format keeps the phone number's digits (the
others may redact them with the card's: their free text and word copies mask numbers near card data)."""

from __future__ import annotations

import pytest

from redaction import transcripts
from tests.redaction.transcripts.test_grouped_digits import FORMATS, digits_left, document


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize(("said", "phone"), [
    (["My", "phone", "is", "1234", "4111", "1111", "1111", "1111", "is", "my", "card."], "1234"),
    (["Call", "me", "on", "07700", "900123", "5555", "5555", "5555", "4444,", "thanks."], "07700 900123"),
    (["Call", "me", "on", "07700", "900123", *"4111111111111111", "thanks."], "07700 900123"),
    (["Call", "me", "on", *"07700900123", *"4111111111111111", "thanks."], "0 7 7 0 0 9 0 0 1 2 3"),
], ids=["short", "zero_led", "digit_by_digit", "all_one_by_one"])
def test_a_card_read_on_after_a_phone_number_is_redacted(format_name: str, said: list[str], phone: str) -> None:
    """Session 55's review: the phone lead-in's run took the card's digits for a phone number
    (its repeated groups counted once), so every format wrote the card back whole; session 56: the
    same for a card read one digit a word right after the phone number."""
    transcript = transcripts.load(document(format_name, said), format_name)
    written = transcripts.write_back(transcript).text
    left = digits_left(format_name, written)
    assert " ".join(left) == phone if format_name == "simple" else all(run in phone for run in left)


@pytest.mark.parametrize("said", [
    ["Call", "me", "on", *"07807848631", *"07591549309", "thanks."],
    ["Call", "me", "on", *"07807848631", "or", *"07591549309", "thanks."],
    ["Call", "me", "on", *"07348523728", *"156086569070", "thanks."],
], ids=["two_phones", "two_phones_or", "phone_then_order_number"])
def test_phone_numbers_read_one_digit_a_word_keep_their_digits(said: list[str]) -> None:
    """Session 56's review: a card read on after a phone number (1.99) was looked for from any word 7
    to 12 digits in, ending anywhere, so two phone numbers read one digit a word held a Luhn-valid
    window with an issuer's prefix 1 time in 8 and were masked; a read-on card now starts 10 to 12
    digits into a phone number led by 0 and reaches the end of its run. (The other formats' free text
    masks numbers near card data; the simple format keeps what the card logic keeps.)"""
    transcript = transcripts.load(document("simple", said), "simple")
    written = transcripts.write_back(transcript).text
    assert "".join(digits_left("simple", written)) == "".join(w for w in said if w.isdigit())
