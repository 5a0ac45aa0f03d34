"""The manifests the HTTP API keeps for the workers, from written to forgotten.

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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from callrec.files import leftovers, replaced

#: A kept manifest's file name: a digest of account and call.
_NAME = re.compile(r"[0-9a-f]{32}\.json")


def manifests_dir(data_dir: Path) -> Path:
    """Where the API keeps manifests (one directory per account)."""
    return Path(data_dir).resolve() / "api" / "manifests"


def manifest_path(data_dir: Path, account_id: str, call_id: str) -> Path:
    """Where the HTTP manifest of ``account_id``'s call ``call_id`` is kept for the workers."""
    digest = hashlib.sha256(f"{account_id}\x00{call_id}".encode()).hexdigest()[:32]
    return manifests_dir(data_dir) / account_id / f"{digest}.json"


def write_manifest(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with replaced(path, "w") as out:
        json.dump(document, out, indent=1)


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
