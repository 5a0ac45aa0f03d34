"""A call stored before, sent again: are the sources it names the ones its recording was made from?

A delivery that finds its call stored destroys the call's sources, as the run that stored it
would have (one killed between its commit and destroying them left them). But a call id can be
replayed with other files (a platform's re-upload, a mistake, a hostile manifest naming another
call's legs in the inbox): those were never stored, and destroying them loses them (session 55).
So the sources are destroyed only when every segment still there has a SHA-256 among the stored
recording's inputs (``digests.inputs`` of its metadata), or begins with zeros (an earlier delivery's shredding,
killed part way); otherwise all are kept, and logged. The provider transcript is destroyed with
them only when its SHA-256 is the one the metadata records (``digests.transcript``), else it is
kept (a recording stored without that digest keeps it). A recording deleted since keeps nothing
to compare with, and nothing of a deleted call may survive: its sources are destroyed unread
(``worker.calls.pipeline``). Only the sources that would be destroyed
(in the inbox: ``worker.calls.sources.destroyable``) are read and digested, none when none would be.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from callrec.errors import CallrecError, is_permanent
from vault.index import IndexEntry
from vault.regional import RegionVault
from worker.calls.confined import open_confined
from worker.calls.limits import InputLimits
from worker.calls.manifest import Location, Manifest, Segment
from worker.calls.metadata import sha256_of
from worker.calls.sources import RemoteSource, SourceFetcher
from worker.errors import ManifestError, SourceMissingError
from worker.settings import Settings
from worker.workdirs import WorkDir


@dataclass(frozen=True)
class StoredDigests:
    """What the metadata of a stored recording says it was made from: each segment's SHA-256
    (``digests.inputs``) and the provider transcript's (``digests.transcript``; None: none
    recorded, a recording stored before session 55 or without a transcript read)."""

    inputs: frozenset[str]
    transcript: str | None = None


def stored_inputs(region_vault: RegionVault, entry: IndexEntry) -> StoredDigests | None:
    """What the recording of ``entry`` was made from (None: its metadata names no inputs)."""
    if entry.deleted or entry.artifact("metadata") is None:
        return None
    buffer = io.BytesIO()
    try:
        region_vault.read(entry, "metadata", buffer)
    except CallrecError as exc:  # a store or key error is retried; one that will not pass keeps the sources
        if is_permanent(exc):
            return None
        raise
    try:
        digests = json.loads(buffer.getvalue())["digests"]
        transcript = digests.get("transcript")
        return StoredDigests(frozenset(item["sha256"] for item in digests["inputs"]),
                             transcript["sha256"] if isinstance(transcript, dict) else None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def made_from(stored: StoredDigests | None, digests: Iterable[str]) -> bool:
    """True when every one of ``digests`` is among ``stored``'s inputs."""
    return stored is not None and all(digest in stored.inputs for digest in digests)


def same_transcript(stored: StoredDigests | None, digest: str | None) -> bool:
    """True when ``digest`` (a transcript's SHA-256; None: not read) is the transcript's the
    stored recording was made from."""
    return stored is not None and digest is not None and stored.transcript == digest


@dataclass(frozen=True)
class Redelivery:
    """What a delivery of a call stored before may destroy of the sources its manifest names."""

    #: Every segment that would be destroyed, still there, is one the recording was made from.
    same_sources: bool
    #: ... and the transcript that would be destroyed is not the one it was made from: kept.
    transcript_kept: bool = False


def judged(manifest: Manifest, settings: Settings, remotes: Mapping[str, RemoteSource],
           stored: StoredDigests | None, doomed: Collection[Location]) -> Redelivery:
    """Whether every segment of ``manifest`` among ``doomed`` (those that would be destroyed:
    ``worker.calls.sources.destroyable``; no other is read) is one the recording was made from
    (``_made_from``); if so, whether the provider transcript it names, among ``doomed`` and still
    there, is kept (``_other_transcript``). Both read through one fetcher (a remote source is
    fetched into a work dir to be digested)."""
    segments = [segment for segment in manifest.segments if segment.location in doomed]
    if segments and stored is None:
        return Redelivery(same_sources=False)
    transcript = manifest.transcript.location if manifest.transcript is not None else None
    if transcript not in doomed or _destroyed_before(transcript):
        transcript = None
    if not segments and transcript is None:
        return Redelivery(same_sources=True)
    with WorkDir() as workdir:
        fetch = SourceFetcher(manifest, settings, workdir, remotes)
        if not all(_made_from(segment, fetch, stored) for segment in segments):
            return Redelivery(same_sources=False)
        return Redelivery(True, transcript is not None and _other_transcript(
            transcript, InputLimits.from_settings(settings).transcript_bytes(manifest.call_duration_s), fetch, stored))


def _made_from(segment: Segment, fetch: SourceFetcher, stored: StoredDigests) -> bool:
    """The segment is one of ``stored``'s inputs, or gone (a local file or a remote object already
    gone was destroyed by an earlier delivery); one that cannot be read otherwise is not known to be."""
    if _destroyed_before(segment.location):
        return True
    try:
        return sha256_of(fetch(segment)) in stored.inputs
    except SourceMissingError:  # a remote one already gone, as a local one
        return True
    except (ManifestError, OSError):
        return False


def _other_transcript(location: Location, limits: tuple[int, str], fetch: SourceFetcher,
                      stored: StoredDigests | None) -> bool:
    """The transcript at ``location`` (read within ``limits``: ``InputLimits.transcript_bytes``) is
    not the one the recording was made from: its SHA-256 is not the metadata's ``digests.transcript``
    (none recorded: not known to be), or a read of it fails otherwise; False when it is gone."""
    try:
        data = fetch.read(location, *limits)
    except SourceMissingError:  # already gone
        return False
    except (ManifestError, OSError):
        return True
    return not same_transcript(stored, hashlib.sha256(data).hexdigest())


def _destroyed_before(location: Location) -> bool:
    """A local source gone, or begun to be shredded (``_shredding_begun``): an earlier delivery's."""
    path = location.path
    return path is not None and (not os.path.lexists(path) or _shredding_begun(path))


#: How much of a file's start a shredding stopped part way has zeroed, at least: it writes from the
#: start, and a write cut short by a kill or a file size limit (the fault test's full disk: 4 KiB)
#: leaves whole pages (64 KiB here kept such a leg as another call's, in the inbox for good). No
#: audio file begins with that many zero bytes (each format with a header: RIFF, fLaC, OggS, ID3...).
ZEROED_START_BYTES = 4096


def _shredding_begun(path: os.PathLike[str]) -> bool:
    """True when the local file at ``path`` begins with zeros (its whole length when shorter than
    ``ZEROED_START_BYTES``): a source an earlier delivery began to destroy and was killed
    (``worker.calls.sources``), whose digest is no longer the stored one's."""
    try:
        with open_confined(Path(path), None) as handle:  # a regular file, never waited on
            start = handle.read(ZEROED_START_BYTES)
    except (ManifestError, OSError):
        return False
    return bool(start) and not start.strip(b"\0")
