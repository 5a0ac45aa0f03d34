"""Recordings put straight into the local vault, for batch tests (no pipeline run needed)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from vault.index import IndexEntry
from vault.regions import recording_id


def store_recordings(region_vault, account: str, count: int, *, created_at: datetime | None = None,
                     redacted: bool = False, detector_version: str = "") -> list[str]:
    """Store ``count`` tiny recordings of ``account``; returns their ids."""
    ids = []
    for n in range(count):
        rid = recording_id(account, f"CB{n:05d}", region_vault.region)
        entry = IndexEntry(
            recording_id=rid, account_id=account, call_id=f"CB{n:05d}", ticket_id=f"T-{n}",
            kind="call", region=region_vault.region,
            created_at=created_at or datetime(2026, 1, 1, tzinfo=UTC), retention_days=None,
            public=False, redacted=redacted, pipeline_version="test", detector_version=detector_version)
        region_vault.put(entry, {"audio": io.BytesIO(b"RIFF" + bytes(64)), "metadata": io.BytesIO(b"{}")})
        ids.append(rid)
    return ids
