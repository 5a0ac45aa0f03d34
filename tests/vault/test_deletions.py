"""The record of each deleted recording in the key store (``vault.deletions``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vault.deletions import DeletionRecords
from vault.errors import IndexCorruptError
from vault.index import Tombstone

FIRST = Tombstone(datetime(2026, 1, 15, 12, tzinfo=UTC), "operator", "request")
SECOND = Tombstone(datetime(2026, 1, 16, 12, tzinfo=UTC), "retention", "window")


def test_the_first_deletion_recorded_stands(make_key_store):
    records = DeletionRecords(make_key_store("eu"))
    assert records.tombstone("rec_eu_1") is None
    assert records.record("rec_eu_1", FIRST) == FIRST
    assert records.record("rec_eu_1", SECOND) == FIRST  # a deletion killed and retried, or a second one
    assert records.created("rec_eu_2", SECOND)
    assert not records.created("rec_eu_2", FIRST)
    assert (records.tombstone("rec_eu_1"), records.tombstone("rec_eu_2")) == (FIRST, SECOND)
    assert list(records.ids()) == ["rec_eu_1", "rec_eu_2"]


def test_a_migration_asking_only_whether_it_recorded_reads_nothing_back(make_key_store, monkeypatch):
    """``created`` (what ``keys migrate`` counts) is one create: the record read back, one more
    key-store read per recording already recorded on every re-run, only when the tombstone is wanted."""
    records = DeletionRecords(make_key_store("eu"))
    records.record("rec_eu_1", FIRST)
    monkeypatch.setattr(records, "tombstone", lambda rid: pytest.fail("read back"))
    assert not records.created("rec_eu_1", SECOND)


@pytest.mark.parametrize("data", [b"", b"[]", b'{"deleted_at": "yesterday", "deleted_by": "o", "reason": "r"}'])
def test_an_unreadable_record_raises_naming_the_recording_only(make_key_store, data):
    key_store = make_key_store("eu")
    key_store.create("seal/deleted/rec_eu_1.json", data)
    with pytest.raises(IndexCorruptError, match="^deletion record of rec_eu_1 is unreadable$"):
        DeletionRecords(key_store).tombstone("rec_eu_1")
