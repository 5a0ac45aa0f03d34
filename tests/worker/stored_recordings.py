"""Recordings put straight into the local vault, for batch tests (no pipeline run needed)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import soundfile

from vault.index import IndexEntry
from vault.regions import recording_id


def tiny_wav() -> bytes:
    """0.25 s of a quiet 440 Hz tone, 8 kHz 16-bit mono WAV."""
    out = io.BytesIO()
    tone = 0.1 * np.sin(2 * np.pi * 440 * np.arange(2000) / 8000)
    soundfile.write(out, tone.astype(np.float32), 8000, subtype="PCM_16", format="WAV")
    return out.getvalue()


def store_recordings(region_vault, account: str, count: int, *, created_at: datetime | None = None,
                     redacted: bool = False, detector_version: str = "", first: int = 0,
                     retention_days: int | None = None) -> list[str]:
    """Store ``count`` tiny recordings of ``account`` (calls CB<first>...); returns their ids."""
    ids = []
    for n in range(first, first + count):
        rid = recording_id(account, f"CB{n:05d}", region_vault.region)
        store_recording(region_vault, account, rid, n, created_at=created_at, redacted=redacted,
                        detector_version=detector_version, retention_days=retention_days)
        ids.append(rid)
    return ids


def store_recording(region_vault, account: str, rid: str, n: int, *, created_at: datetime | None = None,
                    redacted: bool = False, detector_version: str = "", retention_days: int | None = None) -> None:
    """Store one tiny recording of ``account`` under ``rid`` (any well-formed id, a legacy one
    too: call CB<n>, ticket T-<n>; ``retention_days``: its own window, as a call's manifest gives it)."""
    entry = IndexEntry(
        recording_id=rid, account_id=account, call_id=f"CB{n:05d}", ticket_id=f"T-{n}",
        kind="call", region=region_vault.region,
        created_at=created_at or datetime(2026, 1, 1, tzinfo=UTC), retention_days=retention_days,
        public=False, redacted=redacted, pipeline_version="test", detector_version=detector_version)
    region_vault.put(entry, {"audio": io.BytesIO(tiny_wav()), "metadata": io.BytesIO(b"{}")})
