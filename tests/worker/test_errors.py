import pytest

from worker.errors import scrub_digits


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("plan: '4532015112830366' is not one of team", "plan: '################' is not one of team"),
    ("card 4532 0151 1283 0366 read out", "card #### #### #### #### read out"),
    ("4532-0151-1283-0366", "####-####-####-####"),
    ("x4532015112830366y", "x################y"),  # glued to letters: still card length
    ("expiry 1225, code 7391", "expiry ####, code ####"),
    ("４５３２０１５１１２８３０３６６", "################"),  # any Unicode digits
    ("agent 100-130 s overlaps events[2] (agent 40-100 s)", "agent 100-130 s overlaps events[2] (agent 40-100 s)"),
    ("rec_us_0123456789abcdef0123456789abcdef: no recording", "rec_us_0123456789abcdef0123456789abcdef: no recording"),
    ("job sweep-20261201T150000 failed", "job sweep-20261201T150000 failed"),
    ("", ""),
])
def test_scrub_hides_card_like_digit_runs_and_keeps_references(text, scrubbed):
    assert scrub_digits(text) == scrubbed
    assert scrub_digits(scrubbed) == scrubbed  # idempotent


def test_card_numbers_only_keeps_counts_and_rates():
    text = "header promises 4160000 data bytes; card 4532015112830366"
    assert scrub_digits(text, card_numbers_only=True) == \
        "header promises 4160000 data bytes; card ################"


def test_card_numbers_only_keeps_ip_addresses_but_not_dotted_cards():
    assert scrub_digits("host 169.254.169.254 is not allowed", card_numbers_only=True) == \
        "host 169.254.169.254 is not allowed"
    assert scrub_digits("card 4532.0151.1283.0366", card_numbers_only=True) == "card ####.####.####.####"
