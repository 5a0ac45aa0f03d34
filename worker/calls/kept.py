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
  time a deletion goes over it (repeated deletions and retention sweeps too).

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

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callrec.errors import heading
from callrec.files import leftovers, replaced
from vault.errors import DecryptionError, MigrationNeededError, VaultInputError
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


def manifests_dir(data_dir: Path) -> Path:
    """Where the API keeps manifests (one directory per account)."""
    return Path(data_dir).resolve() / "api" / "manifests"


def manifest_path(data_dir: Path, account_id: str, call_id: str) -> Path:
    """Where the HTTP manifest of ``account_id``'s call ``call_id`` is kept for the workers."""
    digest = hashlib.sha256(f"{account_id}\x00{call_id}".encode()).hexdigest()[:32]
    return manifests_dir(data_dir) / account_id / f"{digest}.json"


def write_manifest(path: Path, document: dict[str, Any], box: SecretBox) -> None:
    """Seal ``document`` with ``box`` (the secrets box of the call's region) bound to ``path``'s
    account and name, and write it atomically (a reader sees the old file or the new one)."""
    _write_sealed(path, json.dumps(document, indent=1).encode("utf-8"), box)


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


def forget(path: Path) -> int:
    """Remove the kept manifest at ``path`` and the temporary files a writer killed mid-write
    left beside it (``callrec.files.leftovers``); returns how many went. The
    manifest goes last: when a removal fails, a retried job still finds it."""
    removed = 0
    for candidate in [*leftovers(path), path]:
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
