"""The post-call pipeline, in-process: manifest in, encrypted recording in the vault out.

``process_call`` parses the manifest, assembles the recording into a private temp dir,
redacts it when the account needs it, encodes the audio in the account's storage codec
(FLAC unless it accepts lossy Opus; checked on the decoded result), encrypts and stores
audio, metadata and the redacted transcript in the account's region, destroys the raw
sources (unless ``CALLREC_KEEP_SOURCES``) and always removes the temp dir. The recording id is
deterministic from account and call, so a second run (a redelivered job) stores nothing
new; a recording deleted since is not brought back. The manifest's retention window becomes
the account's policy (``vault.retention``), applied retroactively by the next sweep.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audio.encode import Encoded, codec_named, encode
from audio.mixdown import mix_down
from callrec.errors import CallrecError, is_permanent
from vault.errors import PolicyTamperedError, VaultInputError
from vault.index import IndexEntry
from vault.regional import RegionVault
from vault.regions import legacy_recording_id
from vault.regions import recording_id as make_recording_id
from worker.calls import kept, replayed
from worker.calls.assemble import AssemblyOutcome, assemble_manifest
from worker.errors import ManifestError, SourceChangedError, SourceError, resource_error
from worker.calls.limits import InputLimits
from worker.calls.manifest import Location, Manifest, Segment, load_manifest
from worker.calls.manifest_digest import manifest_digest
from worker.calls.metadata import index_entry, recording_metadata, sha256_of
from worker.calls.redacting import (
    RedactionResult,
    TranscriptUse,
    load_or_fall_back,
    needs_redaction,
    redact_assembled,
)
from worker.boot import Backends
from worker.calls.source_names import source_name
from worker.calls.sources import SourceFetcher, check_sources, destroy_sources, destroyable
from worker.workdirs import WorkDir

log = logging.getLogger("callrec.jobs")

#: Reason given when a recording was deleted after it was stored.
DELETED = "recording_deleted"


@dataclass(frozen=True)
class ProcessOutcome:
    """What processing one call did (ids, durations, counts: never content)."""

    recording_id: str
    call_id: str
    account_id: str
    region: str
    #: True when the recording is in the vault (stored now or by an earlier run).
    stored: bool
    #: Why no recording is stored (e.g. ``number_recording_off``), else None.
    reason: str | None
    #: True when an earlier run had stored it already (nothing new was written).
    already_stored: bool
    call_duration_s: float
    recorded_duration_s: float
    redacted: bool
    #: Verification of the redacted output (None when not redacted).
    verified: bool | None
    #: Masked spans per entity, e.g. (("card_number", 1), ("keyed_digit", 2)).
    spans_by_kind: tuple[tuple[str, int], ...]
    sources_destroyed: int
    key_version: str | None
    #: Why the call's transcript was not used (it could not be read), else None.
    transcript_problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["spans_by_kind"] = dict(self.spans_by_kind)
        return body


def process_call(manifest_path: str | Path, backends: Backends, expected_digest: str | None = None) -> ProcessOutcome:
    """Run the whole post-call pipeline for the manifest at ``manifest_path`` over ``backends``
    (vault, recognizer, source readers, redaction config, beep: built once, passed in).
    With ``expected_digest`` (its job's, worker.calls.manifest_digest), a manifest whose digest
    is another (edited since its job was made) is refused before any leg is read.

    Bad input raises a permanent error (``ManifestError``, ``AudioInputError``...) and
    stores nothing; transient failures (store, keys) leave the sources in place so a
    retry can finish the job.
    """
    settings = backends.settings
    limits = InputLimits.from_settings(settings)
    if kept.is_kept(settings.data_dir, manifest_path):  # the HTTP API's: sealed at rest
        manifest = kept.read_manifest(manifest_path, backends.vault, limits.max_manifest_bytes)
    else:
        manifest = load_manifest(manifest_path, limits.max_manifest_bytes)
    if expected_digest is not None and manifest_digest(manifest) != expected_digest:
        raise ManifestError("manifest changed since it was enqueued")
    limits.check_manifest(manifest)
    check_sources(manifest, settings, manifest_path)
    account = manifest.account
    rid = make_recording_id(account.id, manifest.call_id, account.region)
    region_vault = backends.vault.region(account.region)

    existing = region_vault.find(rid)
    legacy = legacy_recording_id(account.id, manifest.call_id, account.region)
    if existing is None and legacy != rid:  # stored before ids lost their digit runs: keeps its id
        existing = region_vault.find(legacy)
        rid = legacy if existing is not None else rid
    if existing is not None:
        return _stored_before(manifest, rid, existing, region_vault, backends)

    # A deletion of the call's ticket from now on, while it is processed, keeps it from being
    # stored (RegionVault.put): a ticket's deletion deletes what is stored or being stored.
    began = region_vault.tickets.began(account.id, manifest.ticket_id, region_vault.clock())
    # Marked as the work begins, not only at the vault write: a ticket's deletion from now on finds
    # the marker (and tombstones the id), even when this delivery dies before its write and a
    # redelivery begins after the deletion (it stored the call, playable).
    region_vault.tickets.mark(account.id, manifest.ticket_id, rid, began)

    already = False
    held = WorkDir()  # locked while this process works: a sweep removes it only once it is dead
    workdir = held.path
    try:
        assembled_path = workdir / "assembled.wav"
        fetch = SourceFetcher(manifest, settings, workdir, backends.remotes(account.region))
        transcript, use = None, None
        redacted_transcript = workdir / "transcript.redacted"
        transcript_sha256: list[str] = []  # the digest of the transcript read, once read
        if manifest.transcript is not None:  # unreadable: the recognizer instead, and the metadata says so
            transcript, use = load_or_fall_back(lambda: _read_transcript(manifest, fetch, limits, transcript_sha256),
                                                _name(manifest.transcript.location), manifest.transcript.format,
                                                backends.recognizer, redacted_transcript)
        redacting = needs_redaction(manifest)
        assembly = assemble_manifest(manifest, assembled_path, settings, fetch, temp_parent=workdir,
                                     beep=backends.beep,
                                     keep_tracks=redacting and backends.redaction.by_speaker)
        if not assembly.recorded:
            return _not_recorded(manifest, rid, assembly, _destroy(manifest, backends))
        redaction: RedactionResult | None = None
        final_path = assembled_path
        if redacting:
            redaction = redact_assembled(assembly, manifest, transcript, workdir / "redacted.wav",
                                         backends.recognizer, backends.redaction, settings.verify_listen)
            final_path = redaction.audio_path
            if assembly.recording.channels > 1:  # each party masked on their track: the mono mix is stored
                final_path = mix_down(final_path, workdir / "redacted-mono.wav")
        encoded = encode_for_storage(final_path, workdir, settings.codec_for(account.id), redaction)
        entry = index_entry(manifest, rid, region_vault.clock(), redaction, assembly.recorded_duration_s)
        primary = region_vault.keys.primary()  # once: the metadata names what wraps the keys
        key_version, _ = primary
        inputs = [(segment.uri, _digest(fetch, segment, k)) for k, segment in enumerate(manifest.segments)]
        if manifest.transcript is not None:  # read as it was (a read that failed fell back: not opened again)
            _unchanged(fetch, manifest.transcript.location, "transcript.uri")
        metadata = recording_metadata(entry, assembly, redaction, inputs, encoded, key_version,
                                      region_vault.keys.key_id, use, next(iter(transcript_sha256), None))
        # Before the commit: once the call is stored a rerun returns above, so a failure after
        # it would lose the window for good.
        _follow_retention(region_vault, manifest)
        with open(encoded.path, "rb") as audio:
            artifacts = {"audio": audio, "metadata": io.BytesIO(metadata)}
            if transcript is not None:
                artifacts["transcript"] = open(redacted_transcript, "rb")
            try:
                stored = region_vault.put(entry, artifacts, began=began, primary=primary)
            except VaultInputError:
                # Another delivery of this job (its lease lost) stored it first: one recording.
                stored = region_vault.find(rid)
                if stored is None:
                    raise
                region_vault.clear_leftovers(stored)
                already = True
            finally:
                if "transcript" in artifacts:
                    artifacts["transcript"].close()
    except OSError as exc:  # a full temp disk is not bad input: retried
        transient = resource_error(exc)
        if transient is None:
            raise
        raise transient from exc
    except CallrecError as exc:
        meanwhile = region_vault.find(rid) if is_permanent(exc) or isinstance(exc, SourceChangedError) else None
        if meanwhile is None:
            raise
        # Another run of this call (a second `callrec process` of its dir at once) stored it and
        # destroyed its sources while this one read them: stored, not bad input (session-50 audit).
        return _stored_before(manifest, rid, meanwhile, region_vault, backends)
    finally:
        held.close()
    spare: tuple[Location, ...] = ()
    # Another delivery stored the call: from these files? (Deleted: the ticket's deletion came while
    # this delivery read the call's sources, and destroys them.)
    if already and not stored.deleted:
        made = replayed.stored_inputs(region_vault, stored)
        if not replayed.made_from(made, (d for _, d in inputs)):
            return _outcome(manifest, rid, stored, already=already, destroyed=_kept_other_sources(rid),
                            assembly=assembly, redaction=redaction, use=use)
        if manifest.transcript is not None and not replayed.same_transcript(made, next(iter(transcript_sha256), None)):
            spare = _kept_transcript(manifest, rid)
    destroyed = _destroy(manifest, backends, unchanged=fetch.check_unchanged, spare=spare)
    return _outcome(manifest, rid, stored, already=already, destroyed=destroyed,
                    assembly=assembly, redaction=redaction, use=use)


def _digest(fetch: SourceFetcher, segment: Segment, index: int) -> str:
    """Segment ``index``'s SHA-256, of the file assembly read (its opening checks it before,
    ``SourceFetcher.check_unchanged`` after)."""
    field = f"segments[{index}].uri"
    with _named(field):
        digest = sha256_of(fetch(segment))
    _unchanged(fetch, segment.location, field)
    return digest


def _unchanged(fetch: SourceFetcher, location: Location, field: str) -> None:
    with _named(field):
        fetch.check_unchanged(location)


@contextmanager
def _named(field: str) -> Iterator[None]:
    """A source's error inside the block, headed by the manifest ``field`` naming the source."""
    try:
        yield
    except SourceChangedError as exc:
        raise SourceChangedError(f"{field}: {exc}") from None
    except SourceError as exc:
        raise SourceError(f"{field}: {exc}") from None


def encode_for_storage(wav_path: Path, workdir: Path, codec_name: str,
                       redaction: RedactionResult | None) -> Encoded:
    """The recording in its storage codec, checked on the decoded result (masked spans
    still masked); written beside ``wav_path`` in the private ``workdir``."""
    codec = codec_named(codec_name)
    masked = redaction.report.masked if redaction is not None else ()
    return encode(wav_path, workdir / f"stored{codec.suffix}", codec, masked=masked)


def _follow_retention(region_vault: RegionVault, manifest: Manifest) -> None:
    """The manifest carries the account's retention window as the contact centre holds it: when
    that changed since the account's manifests last carried it (or no policy exists), it becomes
    the policy, and the next sweep applies it to every recording already stored (DESIGN.md §1);
    a window the account set here since stands (``RegionVault.follow_manifest``). A replayed
    manifest (already stored) does not get here; a call about to be stored does, just before
    its commit. A policy that does not verify is left as it is and logged, naming the account
    (the call is stored; the sweep skips the account until ``retention set`` mends it)."""
    try:
        region_vault.follow_manifest(manifest.account.id, manifest.account.retention_days)
    except PolicyTamperedError:
        log.warning("retention_policy_tampered", extra={"fields": {
            "event": "retention_policy_tampered", "account_id": manifest.account.id, "region": region_vault.region}})


def _stored_before(manifest: Manifest, rid: str, entry: IndexEntry, region_vault: RegionVault,
                   backends: Backends) -> ProcessOutcome:
    """The outcome of a call another run stored: what deliveries killed while storing it left
    is cleared, it is deleted when its ticket's deletion missed it (``RegionVault.recheck_ticket``:
    a commit that failed to check it), and its sources are destroyed as after storing when they
    are the ones it was made from (``worker.calls.replayed``). A recording deleted since keeps
    nothing to compare them with, and nothing of a deleted call may survive: what the manifest
    names is the call's (as for a call not to be recorded), destroyed."""
    entry = region_vault.recheck_ticket(entry)
    region_vault.clear_leftovers(entry)
    remotes = backends.remotes(manifest.account.region)
    doomed = destroyable(manifest, backends.settings, remotes)
    if not doomed:  # nothing would be destroyed: nothing read to judge it
        return _outcome(manifest, rid, entry, already=True, destroyed=0)
    if entry.deleted:
        return _outcome(manifest, rid, entry, already=True, destroyed=_destroy(manifest, backends))
    made = replayed.stored_inputs(region_vault, entry)
    redelivery = replayed.judged(manifest, backends.settings, remotes, made, doomed)
    if not redelivery.same_sources:
        return _outcome(manifest, rid, entry, already=True, destroyed=_kept_other_sources(rid))
    spare = _kept_transcript(manifest, rid) if redelivery.transcript_kept else ()
    return _outcome(manifest, rid, entry, already=True, destroyed=_destroy(manifest, backends, spare=spare))


def _kept_other_sources(rid: str) -> int:
    """None of the sources destroyed: not (all) the ones the stored recording was made from."""
    log.warning("%s: stored before from other sources than this delivery names; its sources are kept", rid)
    return 0


def _kept_transcript(manifest: Manifest, rid: str) -> tuple[Location, ...]:
    """The transcript, spared: not the one the stored recording was made from."""
    log.warning("%s: transcript.uri is not the transcript the stored recording was made from; kept, not destroyed",
                rid)
    return (manifest.transcript.location,)


def _destroy(manifest: Manifest, backends: Backends,
             unchanged: Callable[[Location], None] | None = None, spare: tuple[Location, ...] = ()) -> int:
    """Destroy the call's sources but ``spare``; with ``unchanged`` (the fetcher's check), a local
    source that changed since the call read it is kept (``destroy_sources``)."""
    if backends.settings.keep_sources:
        return 0
    return destroy_sources(manifest, backends.settings, backends.remotes(manifest.account.region), unchanged,
                           spare)


def _name(location: Location) -> str:
    """A source as messages name it: a local file's name, a remote one's URI without its query
    string (worker.calls.source_names)."""
    return location.path.name if location.path is not None else source_name(location.uri)


def _read_transcript(manifest: Manifest, fetch: SourceFetcher, limits: InputLimits, digest: list[str]) -> bytes:
    """The provider transcript's bytes, read inside the source roots and within the size limit
    (for the call's length: ``InputLimits.transcript_bytes``); its SHA-256 appended to ``digest``."""
    data = fetch.read(manifest.transcript.location, *limits.transcript_bytes(manifest.call_duration_s))
    digest.append(hashlib.sha256(data).hexdigest())
    return data


def _not_recorded(manifest: Manifest, rid: str, assembly: AssemblyOutcome, destroyed: int) -> ProcessOutcome:
    account = manifest.account
    return ProcessOutcome(
        recording_id=rid, call_id=manifest.call_id, account_id=account.id, region=account.region,
        stored=False, reason=assembly.reason, already_stored=False,
        call_duration_s=assembly.call_duration_s, recorded_duration_s=0.0, redacted=False, verified=None,
        spans_by_kind=(), sources_destroyed=destroyed, key_version=None)


def _outcome(manifest: Manifest, rid: str, entry: IndexEntry, *, already: bool, destroyed: int,
             assembly: AssemblyOutcome | None = None, redaction: RedactionResult | None = None,
             use: TranscriptUse | None = None) -> ProcessOutcome:
    account = manifest.account
    return ProcessOutcome(
        recording_id=rid,
        call_id=manifest.call_id,
        account_id=account.id,
        region=account.region,
        stored=not entry.deleted,
        reason=DELETED if entry.deleted else None,
        already_stored=already,
        call_duration_s=manifest.call_duration_s,
        recorded_duration_s=entry.recorded_duration_s,
        redacted=entry.redacted,
        verified=redaction.verified if redaction is not None else None,
        spans_by_kind=redaction.spans_by_entity() if redaction is not None else (),
        sources_destroyed=destroyed,
        key_version=entry.artifact("audio").key_version if entry.artifact("audio") else None,
        transcript_problem=use.problem if use is not None else None,
    )
