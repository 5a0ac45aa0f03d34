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


def test_a_policy_follows_a_manifests_window_only_when_it_changed():
    now, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    from_calls = AccountPolicy("acme", 30, now, manifest_days=30)
    assert from_calls.following(30, later) is from_calls
    assert from_calls.following(None, later) == AccountPolicy("acme", None, later, manifest_days=None)
    set_here = AccountPolicy("acme", 3650, now, manifest_days=30)  # set since the last call's 30
    assert set_here.following(30, later) is set_here
    assert set_here.following(90, later) == AccountPolicy("acme", 90, later, manifest_days=90)
    never_seen = AccountPolicy("acme", 7, now, manifest_seen=False)  # set before any call
    assert never_seen.following(30, later) == AccountPolicy("acme", 7, now, manifest_days=30)


def test_a_policy_written_before_manifests_windows_were_kept_reads_as_the_last_manifests():
    legacy = b'{"account_id": "acme", "retention_days": 30, "updated_at": "2026-01-01T00:00:00+00:00"}'
    policy = AccountPolicy.decode(legacy)
    assert (policy.retention_days, policy.manifest_seen, policy.manifest_days) == (30, True, 30)
    assert AccountPolicy.decode(policy.encode()) == policy
    with pytest.raises(VaultInputError):
        AccountPolicy.decode(legacy.replace(b"}", b', "manifest_seen": true, "manifest_days": -4}'))
