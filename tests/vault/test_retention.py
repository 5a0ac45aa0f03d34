"""Retention windows: recorded with the recording, overridden retroactively by the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.vault.conftest import make_entry
from vault.errors import VaultInputError
from vault.index import Tombstone
from vault.retention import AccountPolicy, effective_days, is_due, policy_name

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def policy(days):
    return AccountPolicy("acme", days, CREATED)


def test_recorded_window_applies_without_policy():
    entry = make_entry(created_at=CREATED, retention_days=30)
    assert effective_days(entry, None) == 30
    assert not is_due(entry, None, CREATED + timedelta(days=30) - timedelta(seconds=1))
    assert is_due(entry, None, CREATED + timedelta(days=30))


def test_no_window_keeps_forever():
    entry = make_entry(created_at=CREATED, retention_days=None)
    assert not is_due(entry, None, CREATED + timedelta(days=36500))


def test_policy_applies_retroactively():
    entry = make_entry(created_at=CREATED, retention_days=None)
    assert is_due(entry, policy(7), CREATED + timedelta(days=8))
    longer = make_entry(created_at=CREATED, retention_days=3)
    assert not is_due(longer, policy(None), CREATED + timedelta(days=8))


def test_deleted_is_never_due():
    entry = make_entry(created_at=CREATED, retention_days=1).copy(tombstone=Tombstone(CREATED, "x", "y"))
    assert not is_due(entry, None, CREATED + timedelta(days=2))


def test_bad_policy_values():
    with pytest.raises(VaultInputError, match="0 must be >= 1"):
        policy(0)
    with pytest.raises(VaultInputError):
        policy_name("../x")


def test_policy_codec():
    assert AccountPolicy.decode(policy(5).encode()) == policy(5)
