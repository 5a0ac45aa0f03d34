"""The index entry: what listing, retention, access and reprocessing need, unencrypted.

It holds ids, ticket, kind, region, dates, retention and version information only: no
audio, no transcript text, no digits. Stored as JSON beside the encrypted artifacts, with
a MAC over every field (``vault.seal``), so editing it grants nothing.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from vault.errors import IndexCorruptError

#: Recording kinds: a voicemail keeps its (redacted) transcription after deletion.
RECORDING_KINDS: tuple[str, ...] = ("call", "voicemail")


def kept_after_deletion(kind: str) -> tuple[str, ...]:
    """The artifacts deletion (by hand or by retention) keeps of a recording of ``kind``: a
    voicemail's (redacted) transcription stays with the ticket (DESIGN.md §1)."""
    return ("transcript",) if kind == "voicemail" else ()


@dataclass(frozen=True)
class ArtifactInfo:
    """One encrypted artifact: its generation (bumped on re-encryption), the KEK version
    wrapping its data key, and the random tag of the write that stored it."""

    kind: str
    generation: int
    key_version: str
    tag: str


#: Longer than any writer lives (jobs are stopped at CALLREC_JOB_TIME_LIMIT_S, which settings
#: keep under it; a CLI re-redaction is one process on one recording): a tombstone this old
#: that a reclaim found empty gets nothing more (``RegionVault.reclaim``).
SETTLE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Tombstone:
    """Who deleted a recording, when and why (no content); ``settled_at``: when a sweep found
    nothing left under it long enough after the deletion that no writer can add more
    (``RegionVault.reclaim``), so later sweeps pass it by (None: not yet)."""

    deleted_at: datetime
    deleted_by: str
    reason: str
    settled_at: datetime | None = None


@dataclass(frozen=True)
class Unreadable:
    """A stored object that cannot be used (an index entry corrupt or not verifying, an audit
    object that is no event): its name and why (never its content)."""

    name: str
    reason: str


@dataclass(frozen=True)
class IndexEntry:
    """A stored (or deleted) recording as listing and retention see it."""

    recording_id: str
    account_id: str
    call_id: str
    ticket_id: str
    kind: str
    region: str
    created_at: datetime
    #: The account's retention window when the recording was stored (None: no limit).
    retention_days: int | None
    #: The account made new recordings public: end users may play their own tickets' ones.
    public: bool
    redacted: bool
    pipeline_version: str
    detector_version: str
    recorded_duration_s: float = 0.0
    artifacts: tuple[ArtifactInfo, ...] = ()
    tombstone: Tombstone | None = None

    @property
    def deleted(self) -> bool:
        return self.tombstone is not None

    def artifact(self, kind: str) -> ArtifactInfo | None:
        return next((a for a in self.artifacts if a.kind == kind), None)

    def key_versions(self) -> tuple[str, ...]:
        return tuple(sorted({a.key_version for a in self.artifacts}))

    def expires_at(self, retention_days: int | None) -> datetime | None:
        """When a window of ``retention_days`` deletes this recording (None: never)."""
        return None if retention_days is None else self.created_at + timedelta(days=retention_days)

    def copy(self, **changes: object) -> IndexEntry:
        return dataclasses.replace(self, **changes)

    def encode(self) -> bytes:
        body = dataclasses.asdict(self)
        body["created_at"] = self.created_at.isoformat()
        if self.tombstone is not None:
            body["tombstone"]["deleted_at"] = self.tombstone.deleted_at.isoformat()
            if self.tombstone.settled_at is None:
                del body["tombstone"]["settled_at"]  # the bytes (and MAC input) of entries made before it
            else:
                body["tombstone"]["settled_at"] = self.tombstone.settled_at.isoformat()
        return json.dumps(body, sort_keys=True, indent=1).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> IndexEntry:
        try:
            body = json.loads(data)
            body["created_at"] = datetime.fromisoformat(body["created_at"])
            body["artifacts"] = tuple(ArtifactInfo(**a) for a in body["artifacts"])
            if body["tombstone"] is not None:
                stone = body["tombstone"]
                settled = stone.get("settled_at")
                body["tombstone"] = Tombstone(
                    datetime.fromisoformat(stone["deleted_at"]), stone["deleted_by"], stone["reason"],
                    None if settled is None else datetime.fromisoformat(settled),
                )
            return cls(**body)
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(f"index entry is corrupt ({type(exc).__name__})") from exc
