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


def test_card_length_runs_are_found():
    from vault.regions import holds_card_length_run

    assert holds_card_length_run("rec_us_ab4917618032147590cdefabcdefabcd")
    assert holds_card_length_run("rec_us_" + "0" * 32)
    assert not holds_card_length_run("rec_us_01234567890abcdef01234567890ab")  # 11 digits at most
    assert not holds_card_length_run(recording_id("acme", "CA1", "us"))


@pytest.mark.parametrize("text", ["4111.1111.1111.1111", "acct:4111+1111+1111+1111", "T-4111-1111-1111-1111",
                                  "a4111_1111_1111_1111", "4111/1111\\1111::1111", "4111, 1111, 1111, 1111",
                                  "T-411-111-111-111"])
def test_card_length_runs_joined_by_separators_are_found(text):
    from vault.regions import holds_card_length_run

    assert holds_card_length_run(text)


@pytest.mark.parametrize("text", ["T-4111-1111-111", "acme.2026.12", "leg_1.wav", "CA-1001-42"])
def test_shorter_joined_runs_are_not_card_length(text):
    from vault.regions import holds_card_length_run

    assert not holds_card_length_run(text)
