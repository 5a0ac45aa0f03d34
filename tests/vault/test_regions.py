"""Recording ids carry their region and are deterministic."""

import pytest

from vault.errors import VaultInputError
from vault.regions import check_region, recording_id, region_of


def test_deterministic_and_distinct():
    a = recording_id("acme", "CA1", "eu")
    assert a == recording_id("acme", "CA1", "eu") == "rec_eu_" + a[7:]
    assert len(a) == 39
    assert a != recording_id("acme", "CA2", "eu")
    assert a[7:] != recording_id("acmeC", "A1", "eu")[7:]  # no ambiguity between fields


def test_region_of():
    assert region_of(recording_id("x", "y", "au")) == "au"
    with pytest.raises(VaultInputError, match="malformed"):
        region_of("rec_xx_123")


def test_unknown_region():
    with pytest.raises(VaultInputError, match="'mars' is not one of us, eu, au"):
        check_region("mars")


def _old_scheme(account_id: str, call_id: str, region: str) -> str:
    """Ids as generated before 2026-12-02: the first 32 hex digits of the digest as they are."""
    import hashlib

    digest = hashlib.sha256((account_id + "\x00" + call_id).encode()).hexdigest()
    return f"rec_{region}_{digest[:32]}"


def test_generated_ids_hold_no_run_of_four_digits():
    import re

    ids = [recording_id("acme", f"CA{n}", "us") for n in range(20000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"rec_us_[0-9a-f]{32}", rid) for rid in ids)
    assert not [rid for rid in ids if re.search(r"[0-9]{4}", rid)]
    # the old scheme held such runs in nearly every id, and card-length runs in some
    old = [_old_scheme("acme", f"CA{n}", "us") for n in range(20000)]
    assert sum(bool(re.search(r"[0-9]{12}", rid)) for rid in old) > 200


def test_ids_stored_under_the_old_scheme_stay_readable():
    from vault.regions import legacy_recording_id

    old = _old_scheme("acme", "CA1001", "eu")
    assert legacy_recording_id("acme", "CA1001", "eu") == old
    assert region_of(old) == "eu"
    held = "rec_us_9f30412785506843129d6a0b1e2c3d4f"  # 17 digits in a row, as some stored ids have
    assert region_of(held) == "us"


def test_unbroken_runs_of_card_length_are_refused():
    from vault.regions import may_hold_card_number

    assert may_hold_card_number("rec_us_ab4917618032147590cdefabcdefabcd")
    assert may_hold_card_number("rec_us_" + "0" * 32)
    assert may_hold_card_number("4111111111111111")
    assert may_hold_card_number("T-123456789012")  # 12 in a row, Luhn or not
    assert not may_hold_card_number("rec_us_01234567890abcdef01234567890ab")  # 11 digits at most
    assert not may_hold_card_number(recording_id("acme", "CA1", "us"))


@pytest.mark.parametrize("text", [
    "4111.1111.1111.1111", "acct:4111+1111+1111+1111", "T-4111-1111-1111-1111", "4111 1111 1111 1111",
    "a4111_1111_1111_1111", "4111/1111\\1111::1111", "4111, 1111, 1111, 1111", "6011-0009-9013-9424",
    "3782-822463-10005",            # Amex, 15 digits in 4-6-5
    "9-4111-1111-1111-1111",        # a digit before the card number
    "T-4111-1111-1111-1111-05-27",  # digits after it (an expiry date)
    "INC-2026-12-01-000126",        # date-like, but its 14 digits pass the Luhn check
    "T-4111-1111-1111-1112",        # not a card number, but 1111111111112 (13 of its digits) passes
], ids=["dots", "acct-pluses", "ticket-dashes", "spaces", "letter-led-underscores", "mixed-separators",
        "commas", "discover-dashes", "amex-4-6-5", "digit-before", "expiry-after", "help-desk-luhn",
        "13-digit-window-luhn"])
def test_digits_across_separators_that_could_be_a_card_number_are_refused(text):
    from vault.regions import may_hold_card_number

    assert may_hold_card_number(text)


@pytest.mark.parametrize("text", [
    "INC-2026-12-01-000123",   # help desk ids: a date and a serial, 14 digits, no window passes Luhn
    "INC_2026_12_01_000123", "CS-20261201-000123", "SR.2026.12.01.004711",
    "INC-2026-12-01-000120",   # 0261201000120 passes Luhn, but no card number begins with 0
    "T-411-111-111-111",       # 12 digits across separators: shorter than a 13-19 digit card number
    "T-4111-1111-111", "acme.2026.12", "leg_1.wav", "CA-1001-42", "INC0010023",
    "4111a1111b1111c1111",     # letters end a run of digits
], ids=["help-desk-dashes", "help-desk-underscores", "cs-serial", "sr-dots", "help-desk-led-by-0",
        "12-digits", "11-digits", "account-date", "file-name", "call-id", "incident-7-digits",
        "letters-between"])
def test_digits_across_separators_that_cannot_be_a_card_number_are_taken(text):
    from vault.regions import may_hold_card_number

    assert not may_hold_card_number(text)


def test_card_number_problem_words_the_refusal_without_the_id() -> None:
    from vault.regions import CARD_NUMBER_RULE, card_number_problem

    assert card_number_problem("INC-2026-12-01-000123") is None
    problem = card_number_problem("T-4111.1111.1111.1111")
    assert problem == f"could hold a card number ({CARD_NUMBER_RULE})" and "4111" not in problem
