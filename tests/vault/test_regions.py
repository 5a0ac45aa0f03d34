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
