"""The manifests the HTTP API keeps for the workers, from written to forgotten, sealed at rest.

A call sent over HTTP (``POST /v1/calls``, Twilio and Amazon Connect ingress) has no file of
its own, so the API writes its manifest under ``<data_dir>/api/manifests/<account>/`` (one
file per account and call, its name a digest of both) and the job names that file. It holds
the call's metadata (ticket, account, number ids, where its segments are): personal data,
kept only as long as the job needs it:

- removed once the call's job is done (recording stored, already stored, not recorded, or
  deleted meanwhile): a later delivery of a done job never reads it (worker.queue.records);
- kept while the job is queued, running, retried, or killed mid-way (the redelivery reads
  it) and when it failed (``callrec jobs retry`` and a new submission read it again);
- removed in any case with the call's recording (deleted, or expired by retention), every
  time a deletion goes over it (repeated deletions and retention sweeps too);
- when its job failed, removed by the retention sweep once the job has been failed for
  ``CALLREC_FAILED_MANIFEST_DAYS`` (30 by default, as long as a finished job's status stays
  readable) or for its account's retention window when that is shorter (the window that
  applies at the sweep, as for recordings: a new or shortened window applies to manifests
  already kept). The worker that fails the job leaves a *failure mark* beside the file
  (``<name>.failed``: when it failed, and which file it failed on); a retry (``callrec jobs
  retry``) or the call sent again (the file written anew) clears it, so a manifest whose
  job is queued or running never expires. ``callrec jobs retry`` of a job whose manifest
  expired says so (exit 2): the call must be sent again. A job that failed with no mark (before
  marks were written, or its mark could not be written) is marked by the sweep from the job
  records (:class:`JobStates`): the failure time its record holds, else the sweep's own time
  (the first sweep that finds it); such a mark names its job and counts only while the
  records still show that job failed. The sweep removes only the file the mark was made on,
  under an ``flock`` of the account's directory that the API's writes take too: the call sent
  again meanwhile keeps its new manifest (session 58: it was removed, and its job failed).

Only files under this process's ``<data_dir>/api/manifests/`` are ever removed: a manifest an
operator enqueues (``callrec enqueue PATH``) is the operator's file and stays.

Sealed at rest: the file is one line naming the format and the call's region
(``callrec-kept-manifest/1 eu``), then the manifest encrypted and authenticated with Tink
AEAD (AES-256-GCM) by the region's secrets key (``vault.secrets.SecretBox``: a keyset
wrapped by the region's KEK in the key store, never beside these files), with associated
data naming the region, the account and the file's name. A file altered, cut short, sealed
under another key, or copied to another account's or call's name does not open: reading it
raises ManifestError naming the file (never its content) and leaves it as it is, so the job
fails with that reason and nothing is lost. The manifest is encrypted in memory before
anything is written, so no plaintext reaches the disk, not even in the temporary file of an
atomic write. The name keeps its ``.json`` suffix so that jobs queued before sealing still
name their file.

A manifest kept in plain JSON by an older version is refused (MigrationNeededError) until
``callrec keys migrate`` seals it (``seal_plain_manifests``): reading plain files as they
are would let whoever can write this directory hand the workers any manifest, which is what
authenticating the files prevents.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from callrec.errors import CallrecError, heading
from callrec.files import leftovers, replaced
from vault.errors import DecryptionError, KeyUnavailableError, MigrationNeededError, VaultInputError
from vault.regions import REGIONS
from worker.calls.manifest import MAX_MANIFEST_BYTES, Manifest, decode_manifest, read_manifest_file
from worker.errors import ManifestError

if TYPE_CHECKING:
    from vault.secrets import SecretBox
    from vault.vault import Vault

#: A kept manifest's file name: a digest of account and call.
_NAME = re.compile(r"[0-9a-f]{32}\.json")
#: The first line's start: the format of a sealed manifest (then a space and the region).
FORMAT = b"callrec-kept-manifest/1"
#: A sealed file's bytes beyond its manifest's: the first line (at most 32) and Tink's
#: prefix, nonce and tag (5 + 12 + 16).
_OVERHEAD_BYTES = 32 + 5 + 12 + 16
#: Why a sealed file does not open (one message whatever the cause, as the vault's).
_UNOPENED = ("cannot be opened: altered, cut short, sealed under another key, or moved from "
             "another account's or call's name")
#: Days a failed job's kept manifest stays for a retry, unless its account's retention window
#: is shorter (``CALLREC_FAILED_MANIFEST_DAYS``): as long as a finished job's status stays
#: readable (worker.queue.records.FINISHED_TTL_S).
FAILED_MANIFEST_DAYS = 30
#: The suffix of a kept manifest's failure mark (``<digest>.failed`` beside ``<digest>.json``).
_MARK_SUFFIX = ".failed"


def manifests_dir(data_dir: Path) -> Path:
    """Where the API keeps manifests (one directory per account)."""
    return Path(data_dir).resolve() / "api" / "manifests"


def manifest_path(data_dir: Path, account_id: str, call_id: str) -> Path:
    """Where the HTTP manifest of ``account_id``'s call ``call_id`` is kept for the workers."""
    digest = hashlib.sha256(f"{account_id}\x00{call_id}".encode()).hexdigest()[:32]
    return manifests_dir(data_dir) / account_id / f"{digest}.json"


def write_manifest(path: Path, document: dict[str, Any], box: SecretBox) -> None:
    """Seal ``document`` with ``box`` (the secrets box of the call's region) bound to ``path``'s
    account and name, and write it atomically (a reader sees the old file or the new one).
    A failure mark of the file it replaces goes: the call's job is about to be queued anew."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _account_locked(path.parent):  # never between the sweep's last look and its removal
        _write_sealed(path, json.dumps(document, indent=1).encode("utf-8"), box)
        clear_failed(path)


def read_manifest(path: str | os.PathLike[str], vault: Vault, max_bytes: int = MAX_MANIFEST_BYTES) -> Manifest:
    """The kept manifest at ``path``, opened with its region's secrets key from ``vault`` and
    validated. ManifestError naming the file when it does not open, MigrationNeededError when
    an older version kept it in plain JSON; the file stays as it is either way."""
    path = Path(path)
    raw = read_manifest_file(path, max_bytes + _OVERHEAD_BYTES)
    region, sealed = _parts(path, raw)
    try:
        box = vault.region(region).secrets
    except VaultInputError:
        raise ManifestError(f"{heading(path)}: sealed in region {region}, which this deployment does not "
                            "serve (CALLREC_REGIONS)") from None
    try:
        plain = box.decrypt(sealed, _aad(path, region))
    except KeyUnavailableError:
        raise  # the region's key, not the file: the server's problem
    except DecryptionError:
        raise ManifestError(f"{heading(path)}: {_UNOPENED}") from None
    if len(plain) > max_bytes:
        raise ManifestError(f"{heading(path)}: more than the {max_bytes} bytes allowed")
    return decode_manifest(plain, path)


def is_kept(data_dir: Path, path: str | os.PathLike[str]) -> bool:
    """True when ``path`` names a manifest the API keeps under ``data_dir`` (and nothing else:
    not an operator's manifest, not a file elsewhere reached through ``..``)."""
    path = Path(os.path.abspath(path))
    return _NAME.fullmatch(path.name) is not None and path.parent.parent == manifests_dir(data_dir)


def forget(path: Path, identity: list[int] | None = None) -> int:
    """Remove the kept manifest at ``path``, its failure mark and the temporary files a writer
    killed mid-write left beside them (``callrec.files.leftovers``); returns how many went. The
    manifest goes last: when a removal fails, a retried job still finds it. Under the lock the
    API's writes take, so a live writer's temporary file is not one of those. With ``identity``
    (:func:`_identity`), only when the file there is still that one: nothing goes when it was
    written anew (the call sent again)."""
    with _account_locked(path.parent):  # a live writer's temporary file is never taken for a leftover
        try:
            if identity is not None and _identity(path) != identity:
                return 0
        except FileNotFoundError:
            return 0
        return _forget(path)


@contextmanager
def _account_locked(directory: Path) -> Iterator[None]:
    """An exclusive ``flock`` on an account's directory of kept manifests (the kernel drops it
    when its holder dies): a manifest written anew and the sweep's conditional removal one at a
    time. Nothing to lock when the directory is gone (nothing to remove either)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # drops the lock


def _forget(path: Path) -> int:
    removed = 0
    mark = failure_mark(path)
    for candidate in [*leftovers(path), *leftovers(mark), mark, path]:
        try:
            candidate.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def forget_call(data_dir: Path, account_id: str, call_id: str) -> int:
    """Remove what the API kept of ``account_id``'s call ``call_id``; returns how many files.
    Ids that would lead out of the account's directory (an index entry altered) remove nothing."""
    path = manifest_path(data_dir, account_id, call_id)
    if not account_id or not is_kept(data_dir, path):
        return 0
    return forget(path)


# -- failed jobs' manifests: kept for a retry, not forever ----------------------------------


class JobStates(Protocol):
    """What the sweep asks of the job records (worker.queue.records.FailedCallJobs)."""

    def failed_calls(self) -> Iterable[tuple[str, str, float | None]]:
        """Every call job recorded as failed for good: its id, its manifest reference and
        when it failed (seconds since the epoch; None when its record does not say)."""

    def is_failed(self, job_id: str) -> bool:
        """True while ``job_id`` is recorded as failed for good."""


@dataclass(frozen=True)
class FailedManifests:
    """Where the API keeps manifests, and how long one stays once its job failed."""

    data_dir: Path
    #: Days after its job failed (the account's retention window when shorter).
    days: int = FAILED_MANIFEST_DAYS
    #: The job records, to mark the manifests of jobs that failed without a mark; None: only
    #: marked manifests expire (and marks the sweep wrote wait for a sweep that has them).
    jobs: JobStates | None = None

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise ValueError(f"days must be a whole number >= 1, got {self.days!r}")

    @classmethod
    def from_settings(cls, settings, jobs: JobStates | None = None) -> FailedManifests:
        return cls(Path(settings.data_dir), settings.failed_manifest_days, jobs)


def failure_mark(path: str | os.PathLike[str]) -> Path:
    """The failure mark of the kept manifest at ``path`` (``<digest>.failed``)."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".json") + _MARK_SUFFIX)


def mark_failed(path: str | os.PathLike[str], at: datetime) -> bool:
    """Note beside the kept manifest at ``path`` that its job failed ``at`` (and on which file:
    its inode, size and time, so a file written anew later is not taken for it). Holds no
    content of the manifest. False (and nothing written) when there is no such file."""
    path = Path(path)
    try:
        identity = _identity(path)
    except FileNotFoundError:
        return False
    body = json.dumps({"failed_at": at.astimezone(UTC).isoformat(), "manifest": identity})
    with replaced(failure_mark(path)) as out:
        out.write(body.encode("ascii"))
    return True


def clear_failed(path: str | os.PathLike[str]) -> None:
    """Remove the failure mark of the kept manifest at ``path`` (its job is queued again)."""
    failure_mark(path).unlink(missing_ok=True)


def expire_failed(manifests: FailedManifests, vault: Vault, *, now: datetime,
                  dry_run: bool = False, account_id: str | None = None) -> int:
    """Remove every kept manifest whose job has been failed for longer than its window
    (:func:`failure_window_days`) at ``now``; returns how many (a dry run removes nothing).
    With the job records (``manifests.jobs``), a manifest whose job is recorded failed but
    has no mark is marked first (:func:`mark_recorded_failures`; a dry run counts it as
    marked). A failure mark left behind (its manifest gone, or written anew since: the call
    was sent again; or, for a mark the sweep wrote, its job no longer failed) is removed and
    counts for nothing."""
    expired = 0
    root = manifests_dir(manifests.data_dir)
    found = {}
    if manifests.jobs is not None:
        found = mark_recorded_failures(manifests, now=now, dry_run=dry_run, account_id=account_id)
    marks = set(root.glob(f"*/*{_MARK_SUFFIX}")) if root.is_dir() else set()
    for mark in sorted(marks | set(found)):
        path = mark.with_name(mark.name.removesuffix(_MARK_SUFFIX) + ".json")
        if account_id is not None and mark.parent.name != account_id:
            continue
        if not is_kept(manifests.data_dir, path):
            continue
        try:
            failed_at, identity, job_id = found[mark] if mark in found else _read_mark(mark)
        except FileNotFoundError:
            continue  # removed meanwhile (the call sent again, another sweep)
        if job_id is not None and manifests.jobs is None:
            continue  # the sweep's mark, judged only where the job records can be read
        try:
            current = _identity(path)
        except FileNotFoundError:
            current = None
        if (current is None or (identity is not None and identity != current)
                or (job_id is not None and not manifests.jobs.is_failed(job_id))):
            if not dry_run:
                mark.unlink(missing_ok=True)  # stale: nothing of its failed job is left here
            continue
        if failed_at + timedelta(days=failure_window_days(path, vault, manifests.days)) > now:
            continue
        if dry_run or forget(path, current):  # the file judged, not one written anew since (session 58)
            expired += 1
    return expired


def mark_recorded_failures(manifests: FailedManifests, *, now: datetime, dry_run: bool = False,
                           account_id: str | None = None) -> dict[Path, tuple[datetime, list[int], str]]:
    """Mark each kept manifest whose job the records show failed for good but that has no
    failure mark (its job failed before marks were written, or its mark could not be
    written): failed when the job's record says, else ``now`` (the first sweep that finds
    it counts). Only a job recorded as failed is marked: never one queued, running or
    retrying. The mark names its job (:func:`expire_failed` drops it once the job is no
    longer failed: queued again in a race with this sweep) and never replaces a mark there
    already (a worker's, of the job's last failure). Returns the marks written (in a dry
    run, that would be): mark path -> (failed at, file identity, job id)."""
    written = {}
    for job_id, uri, finished_at in manifests.jobs.failed_calls():
        if uri.startswith("s3://"):
            continue
        path = Path(os.path.abspath(uri.removeprefix("file://").removeprefix("file:")))
        if not is_kept(manifests.data_dir, path) or (account_id is not None and path.parent.name != account_id):
            continue
        mark = failure_mark(path)
        if mark.exists():
            continue
        try:
            identity = _identity(path)  # before the record is read again: a file written anew
        except FileNotFoundError:  # after it makes this mark stale
            continue
        failed_at = now if finished_at is None else datetime.fromtimestamp(finished_at, UTC)
        if not dry_run:
            body = json.dumps({"failed_at": failed_at.astimezone(UTC).isoformat(), "manifest": identity,
                               "job": job_id})
            if not _create(mark, body.encode("ascii")):
                continue  # a worker's mark came first
        written[mark] = (failed_at, identity, job_id)
    return written


def _create(path: Path, body: bytes) -> bool:
    """Write ``path`` whole (mode 0600) unless it exists: False when it does. Written aside
    (a temporary name :func:`callrec.files.leftovers` knows, so :func:`forget` removes what
    a killed writer left) and linked in: a reader never sees it half-written, and a file
    there is never replaced. False too when the temporary file is gone before its link: the
    call was forgotten meanwhile (its job done elsewhere), its partial writes with it."""
    aside = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    handle = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.link(aside, path)
        return True
    except (FileExistsError, FileNotFoundError):
        return False
    finally:
        aside.unlink(missing_ok=True)


def failure_window_days(path: Path, vault: Vault, days: int = FAILED_MANIFEST_DAYS) -> int:
    """Days the kept manifest at ``path`` stays once its job failed: ``days``, or its account's
    retention window when shorter (the account's policy in the manifest's region, else the
    window the manifest itself names), as the retention sweep judges recordings. When the
    window cannot be read (a file that does not open, a region not served, a store away)
    ``days`` applies: never sooner than the account's window would."""
    try:
        region = _region_of(path)
        policy = vault.region(region).policy(path.parent.name)
        window = policy.retention_days if policy is not None else read_manifest(path, vault).account.retention_days
    except (CallrecError, OSError):
        return days
    return days if window is None else min(days, window)


def _identity(path: Path) -> list[int]:
    """What tells one written file from the next under the same name (each write is a new
    file renamed over the old one): inode, size, modification time."""
    stat = os.stat(path)
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


def _read_mark(mark: Path) -> tuple[datetime, list[int] | None, str | None]:
    """When the job failed, the file it failed on and, for a mark the sweep wrote from the job
    records, the job's id; a mark that does not read (cut short by a crash) counts from its
    own time, on whatever file is there."""
    try:
        body = json.loads(mark.read_bytes())
        failed_at = datetime.fromisoformat(body["failed_at"])
        identity = body["manifest"]
        job_id = body.get("job")
        if (failed_at.tzinfo is None or not (isinstance(identity, list) and len(identity) == 3)
                or not (job_id is None or isinstance(job_id, str))):
            raise ValueError("not a failure mark")
        return failed_at, [int(value) for value in identity], job_id
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return datetime.fromtimestamp(os.stat(mark).st_mtime, UTC), None, None


def _region_of(path: Path) -> str:
    """The region a sealed manifest names on its first line (VaultInputError otherwise)."""
    with open(path, "rb") as handle:
        first = handle.readline(64)
    name, _, region = first.rstrip(b"\n").partition(b" ")
    if name != FORMAT or region.decode("ascii", "replace") not in REGIONS:
        raise VaultInputError(f"{heading(path)}: names no region")
    return region.decode("ascii")


@dataclass(frozen=True)
class SealReport:
    """What ``seal_plain_manifests`` did (counts only)."""

    #: Plain manifests sealed in place.
    sealed: int
    #: Plain files left as they are: not a manifest, or not the one their name is for.
    refused: int
    #: Plain temporary files of older writers killed mid-write, removed.
    partial_removed: int
    #: Plain manifests of regions not migrated now, left for a run that covers them.
    other_regions: int
    #: The refused files (paths, for the operator's look).
    refused_paths: tuple[Path, ...] = ()


def seal_plain_manifests(data_dir: Path, vault: Vault, max_bytes: int = MAX_MANIFEST_BYTES) -> SealReport:
    """Seal the manifests an older version kept in plain JSON under ``data_dir`` (those of the
    regions ``vault`` serves), and remove the plain temporary files its writers left. A plain
    file is sealed only when it is a valid manifest whose account and call give its name (one
    moved to another name is refused and left). Safe to run again; run it right after
    upgrading, before the workers read the files."""
    sealed = other = partial = 0
    refused: list[Path] = []
    root = manifests_dir(data_dir)
    for path in sorted(root.glob("*/*.json")) if root.is_dir() else ():
        if not is_kept(data_dir, path):
            continue
        for temp in leftovers(path):
            if _is_plain(temp):
                temp.unlink(missing_ok=True)
                partial += 1
        try:
            raw = read_manifest_file(path, max_bytes + _OVERHEAD_BYTES)
            if not _is_plain(path, raw):
                continue
            manifest = decode_manifest(raw, path)
        except ManifestError:
            refused.append(path)
            continue
        if manifest_path(data_dir, manifest.account.id, manifest.call_id) != path:
            refused.append(path)
            continue
        if manifest.account.region not in vault.regions:
            other += 1
            continue
        _write_sealed(path, raw, vault.region(manifest.account.region).secrets)
        sealed += 1
    return SealReport(sealed, len(refused), partial, other, tuple(refused))


def _write_sealed(path: Path, plain: bytes, box: SecretBox) -> None:
    sealed = box.encrypt(plain, _aad(path, box.region))  # in memory: only ciphertext is written
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with replaced(path) as out:  # a temporary file of mode 0600, renamed over the old one
        out.write(FORMAT + b" " + box.region.encode("ascii") + b"\n" + sealed)


def _parts(path: Path, raw: bytes) -> tuple[str, bytes]:
    """The region and ciphertext of the sealed file ``raw``."""
    first, newline, sealed = raw.partition(b"\n")
    name, _, region = first.partition(b" ")
    if name == FORMAT and newline and region.decode("ascii", "replace") in REGIONS:
        return region.decode("ascii"), sealed
    if _is_plain(path, raw):
        raise MigrationNeededError(f"{heading(path)}: kept in plain JSON by an older version; run "
                                   "`callrec keys migrate`, then `callrec jobs retry` for its job")
    raise ManifestError(f"{heading(path)}: {_UNOPENED}")


def _is_plain(path: Path, raw: bytes | None = None) -> bool:
    """Whether the file (or ``raw``, its bytes) is plain JSON as older versions wrote it."""
    if raw is None:
        try:
            with open(path, "rb") as handle:
                raw = handle.read(64)
        except FileNotFoundError:
            return False
    return raw.lstrip()[:1] == b"{"


def _aad(path: Path, region: str) -> bytes:
    """What a kept manifest is bound to: its purpose, region, account (its directory) and name."""
    return json.dumps(["callrec/v1", "kept-manifest", region, path.parent.name, path.name],
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")
