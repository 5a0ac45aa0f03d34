"""What a stored recording says of itself: its index entry and its metadata document
(DESIGN.md §3: ids, region, durations, beep, cuts, time map, redaction spans and detectors,
verification, digests, codec, key, versions, dates; never audio, digits or transcript text).

The pipeline writes both when it stores a call; ``with_redaction`` updates a stored
recording's metadata when ``callrec redact`` redacts it later.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from audio.encode import Encoded
from callrec.intervals import union
from vault.index import IndexEntry
from worker.calls.assemble import AssemblyOutcome
from worker.calls.manifest import Manifest
from worker.calls.redacting import RedactionResult, TranscriptUse
from worker.calls.source_names import masked_source, with_inputs_named

#: Version of the pipeline, recorded with every recording (batch reprocessing reads it).
PIPELINE_VERSION = "callrec-pipeline/1"


def index_entry(manifest: Manifest, rid: str, now: datetime, redaction: RedactionResult | None,
                recorded_duration_s: float) -> IndexEntry:
    """The recording's index entry (plaintext: listing, retention and access read it)."""
    account = manifest.account
    recorded_types = {event.type for event in manifest.events if event.recorded}
    return IndexEntry(
        recording_id=rid,
        account_id=account.id,
        call_id=manifest.call_id,
        ticket_id=manifest.ticket_id,
        kind="voicemail" if recorded_types == {"voicemail"} else "call",
        region=account.region,
        created_at=now,
        retention_days=account.retention_days,
        public=account.recordings_public,
        redacted=redaction is not None,
        pipeline_version=PIPELINE_VERSION,
        detector_version=redaction.detector_version if redaction is not None else "",
        recorded_duration_s=recorded_duration_s,
    )


def recording_metadata(entry: IndexEntry, assembly: AssemblyOutcome, redaction: RedactionResult | None,
                       inputs: list[tuple[str, str]], encoded: Encoded, key_version: str, key_id: str,
                       use: TranscriptUse | None = None, transcript_sha256: str | None = None) -> bytes:
    """The recording metadata of DESIGN.md §3 as JSON bytes; ``inputs`` are (uri, sha256), each
    URI kept as what names the object (a URL without its query, fragment or user info) with a
    card number standing apart in it masked (worker.calls.source_names); ``transcript_sha256``: the
    digest of the provider transcript read (a redelivery destroys only that one: worker.calls.replayed)."""
    expires = entry.expires_at(entry.retention_days)
    body = {
        "recording_id": entry.recording_id,
        "account_id": entry.account_id,
        "call_id": entry.call_id,
        "ticket_id": entry.ticket_id,
        "region": entry.region,
        "kind": entry.kind,
        **assembly.to_dict(),
        "redaction": None if redaction is None else {
            **redaction.report.to_dict(), "detector_version": redaction.detector_version},
        "digests": {
            "inputs": [{"uri": masked_source(uri), "sha256": digest} for uri, digest in inputs],
            "output": {"sha256": sha256_file(encoded.path)},
            **({"transcript": {"sha256": transcript_sha256}} if transcript_sha256 is not None else {}),
        },
        "codec": encoded.to_dict(),
        "key": {"key_id": key_id, "version": key_version},
        "transcript": use.to_dict() if use is not None else None,
        "pipeline_version": PIPELINE_VERSION,
        "created_at": entry.created_at.isoformat(),
        "retention_days": entry.retention_days,
        "delete_after": expires.isoformat() if expires is not None else None,
    }
    return json.dumps(body, indent=1, sort_keys=True).encode("utf-8")


def with_redaction(metadata: dict[str, Any], redaction: RedactionResult, encoded: Encoded,
                   now: datetime) -> dict[str, Any]:
    """A stored recording's metadata after it was redacted at ``now`` and stored as ``encoded``
    (its inputs' names as new recordings keep them: worker.calls.source_names)."""
    block = {**redaction.report.to_dict(), "detector_version": redaction.detector_version,
             "redacted_at": now.isoformat()}
    earlier = metadata.get("redaction")
    updated = {**with_inputs_named(metadata),
               "redaction": _joined(earlier, block) if isinstance(earlier, dict) else block,
               "codec": encoded.to_dict()}
    if isinstance(metadata.get("digests"), dict):
        updated["digests"] = {**updated["digests"], "output": {"sha256": sha256_file(encoded.path)}}
    return updated


def _joined(earlier: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """A re-redaction's block with what earlier redactions masked kept: the stored audio it
    worked on keeps their masks, so their spans, masked intervals and detectors stay in the
    metadata beside the new ones (they were replaced: session-47 audit)."""
    spans = block["spans"] + [span for span in earlier.get("spans") or [] if span not in block["spans"]]
    masked = _union(earlier.get("masked") or [], block["masked"])
    detectors = {d["name"]: d for d in (earlier.get("detectors") or []) + block["detectors"]}
    joined = {**block, "spans": sorted(spans, key=lambda span: (span["start_s"], span["end_s"])), "masked": masked,
              "masked_s": round(sum(end_s - start_s for start_s, end_s in masked), 3),
              "detectors": [detectors[name] for name in sorted(detectors)]}
    old_by_channel, new_by_channel = earlier.get("masked_by_channel"), block.get("masked_by_channel")
    if old_by_channel and new_by_channel and len(old_by_channel) == len(new_by_channel):
        joined["masked_by_channel"] = [_union(a, b) for a, b in zip(old_by_channel, new_by_channel)]
    else:  # one pass masked every channel alike: per channel, ``masked`` is all there is to say
        joined.pop("masked_by_channel", None)
    return joined


def _union(a: list, b: list) -> list[list[float]]:
    """Intervals ``[start_s, end_s]`` of both lists, overlapping ones joined, in order."""
    return [list(span) for span in union((float(x), float(y)) for x, y in [*a, *b])]


def sha256_file(path: Path) -> str:
    with open(path, "rb") as src:
        return sha256_of(src)


def sha256_of(src: BinaryIO) -> str:
    """The digest of an open file, which is closed after."""
    digest = hashlib.sha256()
    with src:
        while block := src.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
