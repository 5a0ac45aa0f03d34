"""Operations on stored recordings, shared by the CLI and the queue actors.

Each takes the vault it works on (or, to redact, the process's ``worker.boot.Backends``),
built once at start and passed in, and returns a frozen outcome that carries ids and
counts only. Deletion crypto-shreds; export checks access
(DESIGN.md §1) and audits every access and refusal; retention applies each account's
current window to every stored recording; keys rotate and re-wrap without re-encrypting.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from audio.encode import Codec, codec_named, encode, sniff, sniff_file
from audio.wav_ranges import WavOfFlac
from callrec.errors import is_permanent
from vault.access import Principal, refusal
from vault.errors import (
    AccessDeniedError,
    DecryptionError,
    IndexCorruptError,
    KeyUnavailableError,
    MigrationNeededError,
    ObjectMissingError,
    PolicyTamperedError,
    RangeNotSatisfiableError,
    RecordingDeletedError,
    UnsupportedKeyError,
    VaultError,
    VaultInputError,
)
from vault.index import IndexEntry, Unreadable, kept_after_deletion
from vault.regional import RegionVault
from vault.retention import AccountPolicy, check_days, effective_days, is_due
from vault.segments import SegmentedCiphertext
from vault.vault import Vault
from worker.errors import scrub_digits
from worker.outputs import atomic_output
from worker.calls.kept import FailedManifests, expire_failed
from worker.calls.metadata import with_redaction
from worker.calls.redacting import RedactionResult, current_detector_version, redact_wav
from worker.boot import Backends
from worker.workdirs import WorkDir

#: Principal recorded for deletions made by the retention sweep.
RETENTION = "retention"

log = logging.getLogger("callrec.retention")


@dataclass(frozen=True)
class DeleteOutcome:
    """Recordings a delete request found, and how many it deleted now."""

    recording_ids: tuple[str, ...]
    deleted: int
    already_deleted: int
    #: Objects destroyed under recordings deleted before (what a killed writer left there).
    reclaimed: int = 0
    #: Manifests the HTTP API kept for jobs failed past their window, removed (or, in a dry
    #: run, that would be): worker.calls.kept.expire_failed.
    manifests_expired: int = 0


@dataclass(frozen=True)
class ExportOutcome:
    recording_id: str
    path: Path
    size_bytes: int
    #: The audio's format in the export (None for a transcript).
    codec: str | None = None


@dataclass(frozen=True)
class RedactOutcome:
    """What redacting a stored recording did (ids and counts only)."""

    recording_id: str
    #: True when a new redacted version replaced the stored audio now.
    redacted: bool
    #: Why nothing was done: ``up_to_date`` (already redacted by these detectors) or
    #: ``recording_deleted``; None when redacted.
    reason: str | None
    detector_version: str
    spans_by_kind: tuple[tuple[str, int], ...] = ()
    verified: bool | None = None


@dataclass(frozen=True)
class SweepReport:
    """Counts of one retention sweep (a dry run deletes nothing and says what it would)."""

    scanned: int
    due: int
    deleted: int
    kept: int
    already_deleted: int
    dry_run: bool
    #: (recording id or index object, why) of each entry the sweep could not judge.
    skipped: tuple[tuple[str, str], ...] = ()
    #: Objects destroyed under recordings deleted before (what a killed writer left there).
    reclaimed: int = 0
    #: Manifests the HTTP API kept for jobs failed past their window, removed (or, in a dry
    #: run, that would be): worker.calls.kept.expire_failed.
    manifests_expired: int = 0
    #: Ticket markers written for entries that had none (vault.tickets: an older version's writes).
    tickets_marked: int = 0
    #: Ticket markers of first writes that never committed, removed (RegionVault.reclaim_markers).
    markers_removed: int = 0


@dataclass(frozen=True)
class RewrapReport:
    """Data keys re-wrapped under each region's primary KEK, and KEK versions retired."""

    recordings: int
    keys_rewrapped: int
    retired: tuple[tuple[str, str], ...]  # (region, version)
    #: (index object, why) of each entry that could not be read or verified: its keys stay
    #: under their KEK version (which is then not retired), every other one is re-wrapped.
    skipped: tuple[tuple[str, str], ...] = ()


def delete_recording(recording_id: str, vault: Vault, *, actor: str, reason: str) -> DeleteOutcome:
    """Crypto-shred one recording and leave a tombstone; a voicemail keeps its transcript.
    Deleting a deleted recording again destroys whatever was left under its tombstone. An
    entry that cannot be trusted (altered, unreadable, from before entries were authenticated)
    is no reason to keep the recording: ``RegionVault.delete`` destroys it whole."""
    region_vault = vault.for_recording(recording_id)
    try:
        entry = region_vault.get(recording_id)
    except (IndexCorruptError, MigrationNeededError, ObjectMissingError):
        entry = None  # (no entry: the deletion destroys what an uncommitted write left, and says so)
    if entry is not None and entry.deleted:
        return DeleteOutcome((recording_id,), 0, 1, _reclaim(region_vault, [recording_id]))
    region_vault.delete(recording_id, actor=actor, reason=reason)
    return DeleteOutcome((recording_id,), 1, 0)


def ticket_found(ticket_id: str, account_id: str, vault: Vault) -> Iterator[IndexEntry | str]:
    """What a deletion of one account's ticket finds in every configured region, lazily
    (``RegionVault.ticket_found``: its entries, deleted ones too, and the ids of recordings its
    markers name whose entries do not verify)."""
    return (e for region in vault.regions for e in vault.region(region).ticket_found(account_id, ticket_id))


def ticket_has_recordings(ticket_id: str, account_id: str, vault: Vault) -> bool:
    """Whether a deletion of the account's ticket finds anything (the API asks before queuing one)."""
    return next(ticket_found(ticket_id, account_id, vault), None) is not None


def delete_ticket(ticket_id: str, account_id: str, vault: Vault, *, actor: str, reason: str) -> DeleteOutcome:
    """Delete every recording of one account's ticket (in every configured region). Ticket
    ids are per account (every helpdesk has a ticket 1), so the account is required. A
    recording its markers name whose entry does not verify (altered) is destroyed whole too;
    one with no entry yet (a first write in flight) is tombstoned, and so is the ticket first
    (``TicketMarkers.bury``): a first write of it begun before now never commits
    (``RegionVault.put``), one begun later is a new recording, left alone even when its marker
    is listed here (it holds this deletion as the one its work began after)."""
    deletions = {}
    for region in vault.regions:  # before the markers are listed (RegionVault.put)
        region_vault = vault.region(region)
        deletions[region] = region_vault.tickets.bury(account_id, ticket_id, region_vault.clock())
    found = [e for e in ticket_found(ticket_id, account_id, vault)
             if not _begun_after(e, deletions, account_id, ticket_id, vault)]
    if not found:
        raise ObjectMissingError(f"ticket {ticket_id} of account {account_id}: no recordings")
    deleted = reclaimed = 0
    for entry in found:
        rid = entry if isinstance(entry, str) else entry.recording_id
        if isinstance(entry, str) or not entry.deleted:
            with contextlib.suppress(ObjectMissingError):  # a first write in flight: its id tombstoned
                vault.for_recording(rid).delete(rid, actor=actor, reason=reason, owner=(account_id, ticket_id))
            deleted += 1
        else:
            reclaimed += _reclaim(vault.for_recording(rid), [rid])
    ids = tuple(e if isinstance(e, str) else e.recording_id for e in found)
    return DeleteOutcome(ids, deleted, len(found) - deleted, reclaimed)


def _begun_after(found: IndexEntry | str, deletions: dict[str, str | None], account_id: str, ticket_id: str,
                 vault: Vault) -> bool:
    """Whether what a ticket's deletion found (``ticket_found``) is a recording whose work began
    after that deletion wrote the ticket's tombstone (``deletions``: its id, by region), as its
    marker says: a new recording, not the deletion's."""
    if not isinstance(found, str) and found.deleted:
        return False
    rid = found if isinstance(found, str) else found.recording_id
    region_vault = vault.for_recording(rid)
    began = region_vault.tickets.began_of(account_id, ticket_id, rid)
    return began is not None and began.deletion is not None and began.deletion == deletions.get(region_vault.region)


def _reclaim(region_vault, recording_ids: Iterable[str], *, settle: bool = False) -> int:
    """Destroy what was left under deleted recordings (``RegionVault.reclaim``; ``settle``:
    the sweep's, which marks old tombstones settled); logged with counts only (ids are not
    logged: they may hold digits). Returns how many objects."""
    recordings = objects = 0
    for recording_id in recording_ids:
        found = region_vault.reclaim(recording_id, settle=settle)
        recordings += found > 0
        objects += found
    if objects:
        event = "deleted_leftovers_reclaimed"  # shaped as worker.queue.logs.event (no import up)
        log.warning(event, extra={"fields": {"event": event, "region": region_vault.region,
                                             "recordings": recordings, "objects": objects}})
    return objects


def export_recording(recording_id: str, out_path: Path, principal: Principal, vault: Vault, *,
                     artifact: str = "audio", audio_format: str = "wav",
                     byte_range: tuple[int | None, int | None] | None = None) -> ExportOutcome:
    """Decrypt a recording's audio (or redacted transcript) to ``out_path`` when
    ``principal`` may have it; audio as ``audio_format`` (wav, flac or opus) whatever codec
    it is stored in (recordings stored before codecs existed are WAV).

    Every access and every refusal is audited in the recording's region. A refusal raises
    AccessDeniedError. ``out_path`` appears complete, replacing a file there, only once the
    access is audited: on any failure (the audit's included) it is left as it was, a file the
    caller had there untouched. ``byte_range`` (first,
    last: as :func:`audio_ranges` takes it) is the one range to be served of the export: when
    it starts past the export's end nothing is exported (``out_path`` left as it was), the
    refusal is audited ("range not satisfiable") and RangeNotSatisfiableError raised.
    """
    codec = codec_named(audio_format) if artifact == "audio" else None
    region_vault, entry = _admitted(recording_id, principal, vault, artifact)
    out_path = Path(out_path)
    for attempt in range(2):
        read = audited = False
        try:
            # Linked in at ``out_path`` (replacing a file there) only once the access is audited:
            # a range past the end or an audit that fails leaves whatever was there as it was.
            with atomic_output(out_path, "wb") as out:
                size = _decrypt_into(region_vault, entry, artifact, codec, out)
                read = True
                if byte_range is not None and resolve_range(byte_range, size) is None:
                    _unsatisfiable(region_vault, recording_id, principal, size)
                region_vault.audit("export", "allowed", recording_id, str(principal),
                                   "" if artifact == "audio" else artifact)
                audited = True
            break
        except (DecryptionError, ObjectMissingError) as exc:
            if read:
                raise
            region_vault, entry = _admitted_again(exc, region_vault, entry, attempt, recording_id, principal, vault,
                                                  artifact)
        except BaseException:
            if audited or not read:  # (read, not audited: refused as out of range, or the audit failed)
                _export_failed(region_vault, recording_id, principal)
            raise
    return ExportOutcome(recording_id, out_path, size, codec.name if codec is not None else None)


def _admitted_again(exc: Exception, region_vault, entry: IndexEntry, attempt: int, recording_id: str,
                    principal: Principal, vault: Vault, artifact: str):
    """After ``exc`` (a decryption or missing object) reading ``entry``: on a first attempt, when
    a re-redaction (or deletion) changed the entry meanwhile and destroyed what was being read,
    the region vault and entry judged again as they are now (to read again); else the failure
    audited and ``exc`` raised."""
    if attempt == 0 and region_vault.changed_since(entry):
        return _admitted(recording_id, principal, vault, artifact)
    _export_failed(region_vault, recording_id, principal)
    raise exc


def _export_failed(region_vault, recording_id: str, principal: Principal) -> None:
    region_vault.audit("export", "failed", recording_id, str(principal), "decryption or store error")


def _admitted(recording_id: str, principal: Principal, vault: Vault, artifact: str):
    """The recording's region vault and index entry when ``principal`` may have ``artifact``;
    a refusal is audited and raises AccessDeniedError."""
    region_vault = vault.for_recording(recording_id)
    entry, why = _refusal(region_vault, recording_id, principal, artifact)
    if why is not None:
        region_vault.audit("export", "refused", recording_id, str(principal), why)
        gone = entry is not None and entry.deleted and why == "recording was deleted"
        raise (RecordingDeletedError if gone else AccessDeniedError)(f"{principal} may not export {recording_id}: {why}")
    return region_vault, entry


#: The audit reason of an access that sent no byte of the artifact (a HEAD): its headers only.
HEADERS_ONLY = "headers only"


def admit_headers(recording_id: str, principal: Principal, vault: Vault, artifact: str = "audio", *,
                  action: str = "export") -> IndexEntry:
    """The index entry of a recording whose ``artifact`` ``principal`` may have, for a response
    of its headers only (a HEAD): checked as ``export_recording`` (a refusal audited, and
    AccessDeniedError or RecordingDeletedError), audited as an allowed ``action`` with the
    reason ``HEADERS_ONLY``, and nothing decrypted."""
    region_vault, entry = _admitted(recording_id, principal, vault, artifact)
    region_vault.audit(action, "allowed", recording_id, str(principal), HEADERS_ONLY)
    return entry


def still_admitted(recording_id: str, principal: Principal, vault: Vault, artifact: str = "audio") -> bool:
    """Whether ``principal`` may still have ``artifact`` (an export being streamed checks it
    now and then: a recording deleted, past its window or out of the principal's reach
    meanwhile ends the stream). A refusal now is audited as the export ``stopped``."""
    region_vault = vault.for_recording(recording_id)
    _, why = _refusal(region_vault, recording_id, principal, artifact)
    if why is not None:
        region_vault.audit("export", "stopped", recording_id, str(principal), why)
    return why is None


def refusal_now(region_vault, entry: IndexEntry, principal: Principal, artifact: str = "audio") -> str | None:
    """Why ``principal`` may not have ``artifact`` of ``entry`` now: ``vault.access.refusal``, and
    past the window that applies to it (the account's policy now). A review link is refused so,
    as its page and player would be (session 53: it was made for a recording past its window)."""
    why = refusal(principal, entry, artifact)
    if why is None and artifact not in kept_after_deletion(entry.kind) and past_retention(region_vault, entry):
        why = PAST_RETENTION
    return why


#: Why a recording past the window that applies to it is refused (audited so).
PAST_RETENTION = "recording is past its retention window"


def _refusal(region_vault, recording_id: str, principal: Principal, artifact: str) -> tuple[IndexEntry | None, str | None]:
    """The recording's index entry and why ``principal`` may not have its ``artifact`` now
    (None: it may)."""
    try:
        entry = region_vault.find(recording_id)
        # past its window: the next sweep deletes it (a voicemail's transcript stays)
        why = "no such recording" if entry is None else refusal_now(region_vault, entry, principal, artifact)
    except IndexCorruptError:  # altered (e.g. its ticket or public flag) or unreadable: no access
        entry, why = None, "index entry does not verify"
    return entry, why


def refuse_past_retention(region_vault, entry: IndexEntry, action: str, actor: str) -> None:
    """AccessDeniedError, the refusal audited as ``action`` by ``actor``, when ``entry`` is past the
    window that applies to it. Past it a recording is read by no one and re-processed by no one
    (re-redaction decrypts it and stores it anew): the sweep deletes it (DESIGN: deleted after the
    window, a new or shortened one applying to recordings already stored; found by the red team,
    session 53: re-redaction was taken)."""
    if past_retention(region_vault, entry):
        region_vault.audit(action, "refused", entry.recording_id, actor, PAST_RETENTION)
        raise AccessDeniedError(past_retention_message(entry.recording_id))


def past_retention_message(recording_id: str) -> str:
    """How a refusal past the window says so (the API's 403, the CLI's exit 2)."""
    return f"recording {recording_id} is past its retention window; the next sweep deletes it"


def past_retention(region_vault, entry) -> bool:
    """Whether the window that applies to ``entry`` (its account's policy now, else its own) has
    ended: no one plays it from then on, sweep or no sweep. A window out of range is the sweep's
    to report (``vault.retention.is_due``), not a reason to refuse."""
    try:
        return is_due(entry, region_vault.policy(entry.account_id), region_vault.clock())  # the sweep's clock
    except VaultInputError:
        return False


@dataclass(frozen=True)
class AudioRanges:
    """A byte range of a recording's audio, served by decrypting only the ciphertext segments
    it covers (vault.segments): of the audio as stored, or of the WAV that audio stored as
    FLAC exports as, decoded from the frames the range covers (``audio.wav_ranges``)."""

    recording_id: str
    codec: str
    #: The audio's length in bytes (authenticated: its last segment was decrypted).
    size_bytes: int
    segments: SegmentedCiphertext
    #: The range asked for, resolved against the length: its first and last byte (inclusive).
    first: int = 0
    last: int = 0
    #: The WAV of audio stored as FLAC (None: the stored bytes themselves).
    wav: WavOfFlac | None = None

    def chunks(self, start: int, stop: int) -> Iterator[bytes]:
        """Bytes ``[start, stop)``, a segment's (or a block of frames') worth at a time."""
        return (self.wav or self.segments).chunks(start, stop)


def audio_ranges(recording_id: str, principal: Principal, vault: Vault, audio_format: str,
                 wanted: tuple[int | None, int | None] = (0, None), *, head: bool = False) -> AudioRanges | None:
    """The byte range ``wanted`` of the recording's audio when ``principal`` may have it
    (checked and audited as ``export_recording``) and it is stored as ``audio_format``: then
    its bytes are the stored plaintext's, and a range is decrypted from the segments it covers
    only (plus the first, to see the format, and the last, which authenticates the length).
    WAV of audio stored as 16-bit mono FLAC (the default codec, and what a player asks for) is
    served the same way: the range's bytes are decoded from the FLAC frames it covers, found by
    FLAC's seeking (``audio.wav_ranges``), byte for byte what the whole-file export writes.
    ``wanted`` is (first, last) as a ``Range`` header gives them: None for an open end, a
    suffix of N bytes as (None, N); a last byte past the end means the end. None when it is
    stored in another codec (any other transcoding: no stored range maps to its bytes) or
    under a data key of another kind: export it whole instead. A range that starts past the
    end exports nothing: audited as refused ("range not satisfiable", as an access refusal
    is) and RangeNotSatisfiableError (its ``size_bytes`` for the ``416``); an allowed export
    is audited only for a range that is served; ``head``: for a HEAD's headers, audited with the
    reason ``HEADERS_ONLY``. An entry replaced while it was being read (its old generation
    destroyed by a re-redaction) is judged and read again as it is now."""
    region_vault, entry = _admitted(recording_id, principal, vault, "audio")
    for attempt in range(2):
        wav = None
        try:
            segments = region_vault.segments(entry, "audio")
            stored = sniff(segments.read(0, 64))
            if stored is not None and (stored.name, audio_format) == ("flac", "wav"):
                wav = WavOfFlac.of(segments.reader())
                if wav is None:
                    return None
                size = wav.size_bytes
            elif stored is None or stored.name != audio_format:
                return None
            else:
                size = segments.check_length()
            break
        except UnsupportedKeyError:
            return None
        except (DecryptionError, ObjectMissingError) as exc:
            region_vault, entry = _admitted_again(exc, region_vault, entry, attempt, recording_id, principal, vault,
                                                  "audio")
        except BaseException:
            _export_failed(region_vault, recording_id, principal)
            raise
    resolved = resolve_range(wanted, size)
    if resolved is None:
        _unsatisfiable(region_vault, recording_id, principal, size)
    region_vault.audit("export", "allowed", recording_id, str(principal), HEADERS_ONLY if head else "audio range")
    return AudioRanges(recording_id, audio_format, size, segments, *resolved, wav=wav)


def resolve_range(wanted: tuple[int | None, int | None], size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) of ``wanted`` in ``size`` bytes (None for an open
    end, a suffix of N bytes as (None, N); a last byte past the end means the end), or None
    when it is not satisfiable: it starts past the end."""
    first, last = wanted
    if first is None:  # the last N bytes
        first, last = max(0, size - (last or 0)), size - 1
    elif last is None or last >= size:
        last = size - 1
    return None if first >= size or last < first else (first, last)


def _unsatisfiable(region_vault, recording_id: str, principal: Principal, size: int):
    """A range past the end: no byte exported, so audited as refused (as an access refusal
    is, with the reason), never as an allowed export."""
    region_vault.audit("export", "refused", recording_id, str(principal), "range not satisfiable")
    raise RangeNotSatisfiableError(f"range of {recording_id}'s audio starts past its end ({size} bytes)", size)


def _decrypt_into(region_vault, entry: IndexEntry, artifact: str, codec: Codec | None, out: BinaryIO) -> int:
    """Write ``artifact`` decrypted to ``out``: the audio as ``codec`` (decrypted into a private
    temp dir, then copied when stored as ``codec``, else transcoded there and checked on the
    decoded result); returns the bytes written."""
    if codec is None:
        return region_vault.read(entry, artifact, out)
    with WorkDir() as workdir:
        stored = workdir / "stored"
        with open(stored, "wb") as dst:
            region_vault.read(entry, "audio", dst)
        if sniff_file(stored) != codec:
            stored = encode(stored, workdir / f"export{codec.suffix}", codec).path
        size = 0
        with open(stored, "rb") as src:
            while block := src.read(1 << 20):
                out.write(block)
                size += len(block)
        return size


def redact_stored(recording_id: str, backends: Backends, *, force: bool = False,
                  actor: str = "operator") -> RedactOutcome:
    """Redact a stored recording in place (e.g. when the add-on is installed).

    The audio is decrypted into a private temp dir, redacted, re-encrypted under a fresh data
    key with updated metadata in one commit; the unredacted version (ciphertext and key) is
    then destroyed. A recording already redacted by the current detectors is left alone
    unless ``force``. Verification failure raises VerificationError and changes nothing. A
    recording past its retention window is refused (``refuse_past_retention``).
    """
    region_vault = backends.vault.for_recording(recording_id)
    entry = region_vault.get(recording_id)
    target = current_detector_version(backends.recognizer)
    if entry.deleted:
        return RedactOutcome(recording_id, False, "recording_deleted", entry.detector_version)
    # What a delivery of this job stopped after its commit left (the old, unredacted generation).
    region_vault.clear_leftovers(entry)
    refuse_past_retention(region_vault, entry, "redact", actor)  # nothing decrypted or stored anew
    if entry.redacted and entry.detector_version == target and not force:
        return RedactOutcome(recording_id, False, "up_to_date", entry.detector_version)
    held = WorkDir()  # the stored audio is unredacted: a dead worker's copy is swept
    workdir = held.path
    try:
        result = _redacted_again(region_vault, entry, workdir, backends)
    except (VaultInputError, DecryptionError, ObjectMissingError) as exc:
        changed = region_vault.changed_since(entry)  # waits for the tombstone of a deletion under way
        current = region_vault.find(recording_id)
        if current is not None and not current.deleted and changed:
            # another redaction committed and destroyed the generation before this one read it
            raise VaultError(f"recording {recording_id} changed during the redaction; try again") from exc
        if current is None or not current.deleted:
            raise
        # deleted while it worked (its keys destroyed under the read, or its entry under the commit)
        return RedactOutcome(recording_id, False, "recording_deleted", current.detector_version)
    finally:
        held.close()
    region_vault.audit("redact", "done", recording_id, actor, f"detectors {result.detector_version}")
    return RedactOutcome(recording_id, True, None, result.detector_version, result.spans_by_entity(), result.verified)


def _redacted_again(region_vault: RegionVault, entry: IndexEntry, workdir: Path, backends: Backends) -> RedactionResult:
    """``redact_stored``'s work in ``workdir``: the stored audio decrypted, redacted, encoded and
    committed as a new generation over ``entry``; returns the redaction's result."""
    stored = workdir / "stored.wav"
    with open(stored, "wb") as out:
        region_vault.read(entry, "audio", out)
    metadata = io.BytesIO()
    region_vault.read(entry, "metadata", metadata)
    result = redact_wav(stored, workdir / "redacted.wav", backends.recognizer, backends.redaction)
    codec = codec_named(backends.settings.codec_for(entry.account_id))
    encoded = encode(result.audio_path, workdir / f"restored{codec.suffix}", codec, masked=result.report.masked)
    meta = with_redaction(json.loads(metadata.getvalue()), result, encoded, region_vault.clock())
    with open(encoded.path, "rb") as audio:
        region_vault.replace(entry.recording_id, {"audio": audio, "metadata": io.BytesIO(json.dumps(meta).encode())},
                             based_on=entry, redacted=True, detector_version=result.detector_version)
    return result


def retention_sweep(vault: Vault, *, now: datetime | None = None,
                    dry_run: bool = False, account_id: str | None = None,
                    failed_manifests: FailedManifests | None = None) -> SweepReport:
    """Delete every recording past its account's current retention window, and destroy
    what a killed writer left under recordings deleted before (``RegionVault.reclaim``;
    ``reclaimed`` counts the objects). Every entry read gets its ticket marker when it has
    none (``vault.tickets``: ``tickets_marked``), and the markers of first writes that never
    committed go once no writer of them can be live (``markers_removed``). With ``failed_manifests``, also remove the manifests
    the HTTP API kept for jobs that have been failed past their window (``manifests_expired``).
    Idempotent.

    A recording whose index entry, policy or window is bad is skipped and reported (its id
    and why, in ``skipped``): one bad entry never stops retention for everyone else, nor does a
    region whose key cannot be opened (``KeyUnavailableError``: reported as ``region <name>``,
    the other regions swept)."""
    scanned = due = deleted = already = reclaimed = undeleted = marked = removed = regions_skipped = 0
    skipped: list[tuple[str, str]] = []
    for region in vault.regions:
        region_vault = vault.region(region)
        try:
            moment = now or region_vault.clock()
            policies: dict[str, AccountPolicy | None | str] = {}
            tombstones: list[str] = []
            markers = region_vault.tickets.listed() if not dry_run else set()
            for entry in region_vault.scan():
                if isinstance(entry, Unreadable):
                    if account_id is None:
                        scanned += 1
                        skipped.append((entry.name, entry.reason))
                    continue
                if account_id is not None and entry.account_id != account_id:
                    continue
                scanned += 1
                if not dry_run and entry.account_id:
                    marked += region_vault.tickets.mark_missing(entry.account_id, entry.ticket_id, entry.recording_id,
                                                                markers)
                if entry.deleted:
                    already += 1
                    if entry.tombstone.settled_at is None:  # a settled one has nothing left to reclaim
                        tombstones.append(entry.recording_id)
                    continue
                if entry.account_id not in policies:
                    try:
                        policies[entry.account_id] = region_vault.policy(entry.account_id)
                    except PolicyTamperedError as exc:  # its own words: what is wrong, and the mend
                        policies[entry.account_id] = f"{exc}; `callrec retention set` mends it"
                    except VaultInputError:
                        policies[entry.account_id] = (
                            f"retention policy of account {entry.account_id} is unreadable or out of range")
                policy = policies[entry.account_id]
                try:
                    if isinstance(policy, str):
                        raise VaultInputError(policy)
                    if not is_due(entry, policy, moment):
                        continue
                except VaultInputError as exc:
                    skipped.append((entry.recording_id, str(exc)))
                    continue
                if not dry_run:
                    # Judged again on the policy as it is now: a sweep runs for minutes to an hour, and
                    # an account that lengthened or removed its window meanwhile must lose nothing more.
                    try:
                        policy = policies[entry.account_id] = region_vault.policy(entry.account_id)
                        if not is_due(entry, policy, moment):
                            continue
                    except VaultInputError as exc:
                        skipped.append((entry.recording_id, str(exc)))
                        continue
                due += 1
                if not dry_run:
                    days = effective_days(entry, policy)
                    try:
                        region_vault.delete(entry.recording_id, actor=RETENTION,
                                            reason=f"retention window of {days} days")
                    except VaultError as exc:  # one failing never stops the sweep for the rest; the next tries again
                        skipped.append((entry.recording_id, f"deletion failed: {exc}"))
                        undeleted += 1
                        continue
                    deleted += 1
            if not dry_run:
                reclaimed += _reclaim(region_vault, tombstones, settle=True)
                if account_id is None:  # whose an uncommitted write was cannot be told
                    reclaimed += region_vault.reclaim_uncommitted()
                    removed += region_vault.reclaim_markers(markers)
        except KeyUnavailableError as exc:  # the region's key, not an entry: the other regions are swept
            skipped.append((f"region {region}", str(exc)))
            regions_skipped += 1
    kept = scanned - due - already - (len(skipped) - undeleted - regions_skipped)
    expired = 0
    if failed_manifests is not None:
        moment = now or vault.region(vault.regions[0]).clock()
        expired = expire_failed(failed_manifests, vault, now=moment, dry_run=dry_run, account_id=account_id)
    # a reason names its account, whose id may hold a card number's digits (an older manifest's)
    skipped = [(name, scrub_digits(why, card_numbers_only=True)) for name, why in skipped]
    return SweepReport(scanned, due, deleted, kept, already, dry_run, tuple(skipped), reclaimed, expired, marked,
                       removed)


def apply_retention(recording_id: str, vault: Vault, *, now: datetime | None = None) -> bool:
    """The retention step for one recording: delete it when due; True when it was deleted."""
    region_vault = vault.for_recording(recording_id)
    entry = region_vault.get(recording_id)
    policy = region_vault.policy(entry.account_id)
    if not is_due(entry, policy, now or region_vault.clock()):
        return False
    region_vault.delete(recording_id, actor=RETENTION, reason=f"retention window of {effective_days(entry, policy)} days")
    return True


def set_retention(account_id: str, days: int | None, vault: Vault, *,
                  regions: Iterable[str] | None = None) -> tuple[AccountPolicy, ...]:
    """Set (or clear, with None) an account's window; the next sweep applies it to old recordings too."""
    check_days(days, "retention days")
    chosen = vault.regions if regions is None else tuple(regions)
    return tuple(vault.region(region).set_policy(account_id, days) for region in chosen)


def rotate_key(region: str, vault: Vault) -> str:
    """Make a new primary KEK version in ``region``; returns it. Old versions stay until unused."""
    return vault.region(region).keys.rotate()


@dataclass(frozen=True)
class MigrationReport:
    """What ``migrate_vault`` did in one region."""

    region: str
    #: Wrapped data keys moved out of the object store into the key store.
    keys_moved: int
    #: Bare index entries of an older vault authenticated now.
    entries_sealed: int
    #: Bare or unreadable index entries refused (appeared after the vault was sealed).
    entries_refused: int
    #: Entries whose ticket marker was written (``vault.tickets``; all of them, every run).
    tickets_marked: int = 0
    #: Bare retention policies of an older vault authenticated now.
    policies_sealed: int = 0
    #: Bare audit events of an older vault authenticated now.
    events_sealed: int = 0
    #: Deletions made before they were recorded in the key store, recorded now (``vault.deletions``).
    deletions_recorded: int = 0


def migrate_vault(vault: Vault, *, regions: Iterable[str] | None = None) -> tuple[MigrationReport, ...]:
    """Bring a vault from before the key store, authenticated index entries and ticket
    markers up to date: move wrapped data keys into the key store, seal the bare index
    entries, retention policies and audit events, then mark every entry's ticket (after which
    a ticket's recordings are found without reading every entry) and record every tombstone's
    deletion in the key store (``vault.deletions``). Safe to re-run; run it right
    after upgrading (an entry altered before it is sealed as it is)."""
    chosen = vault.regions if regions is None else tuple(regions)
    reports = []
    for region in chosen:
        region_vault = vault.region(region)
        moved = region_vault.migrate_keys()
        sealed, refused = region_vault.migrate_index()
        reports.append(MigrationReport(region, moved, sealed, refused, region_vault.migrate_tickets(),
                                       region_vault.migrate_policies(), region_vault.migrate_audit(),
                                       region_vault.migrate_deletions()))
    return tuple(reports)


def rewrap_recording(recording_id: str, vault: Vault) -> int:
    """Re-wrap one recording's data keys under its region's primary KEK; returns how many."""
    region_vault = vault.for_recording(recording_id)
    changed = region_vault.rewrap(recording_id)
    if changed:
        region_vault.audit("rewrap", "done", recording_id, "operator", f"{changed} data keys re-wrapped")
    return changed


def rewrap_all(vault: Vault, *, regions: Iterable[str] | None = None,
               retire: bool = True, progress: Callable[[str], None] | None = None) -> RewrapReport:
    """Re-wrap every stored data key not under its region's primary KEK, then retire the
    KEK versions that nothing uses any more. An index entry that cannot be read or verified is
    skipped and reported (``skipped``), as the retention sweep does, and so is a recording whose
    keys cannot be re-wrapped for good (a wrapped key missing): one bad entry never keeps every
    other recording under a KEK version being rotated away."""
    recordings = keys = 0
    retired: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for region in vault.regions if regions is None else tuple(regions):
        region_vault = vault.region(region)
        for entry in region_vault.scan():
            if isinstance(entry, Unreadable):
                skipped.append((entry.name, entry.reason))
            elif entry.artifacts:
                try:
                    changed = rewrap_recording(entry.recording_id, vault)
                except VaultError as exc:
                    if not is_permanent(exc):
                        raise  # the store or key store unreachable: every later one would fail too
                    # a wrapped key missing (a deletion killed between its keys and its tombstone)
                    skipped.append((entry.recording_id, f"cannot re-wrap its data keys ({exc})"))
                    continue
                recordings += 1 if changed else 0
                keys += changed
                if progress is not None:
                    progress(entry.recording_id)
        if retire:
            retired.extend((region, version) for version in region_vault.retire_unused())
    return RewrapReport(recordings, keys, tuple(retired), tuple(skipped))


def entries(vault: Vault, *, account_id: str | None = None, since: datetime | None = None,
            regions: Iterable[str] | None = None) -> list[IndexEntry]:
    """Stored (not deleted) recordings, e.g. for a batch: filtered by account and creation time.
    An index entry that cannot be read or verified is passed over (whose it is cannot be told;
    the retention sweep names it): one never stops every account's batch."""
    chosen = vault.regions if regions is None else tuple(regions)
    return [e for region in chosen for e in vault.region(region).scan()
            if isinstance(e, IndexEntry) and not e.deleted and (account_id is None or e.account_id == account_id)
            and (since is None or e.created_at >= since)]
