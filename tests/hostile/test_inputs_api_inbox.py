"""Hostile sources of calls sent over HTTP: an account's files must stay its own.

A manifest sent to ``POST /v1/calls`` names files in its account's inbox
(``CALLREC_API_INBOX/<account>/``); the API checks that when it takes the manifest, and the
worker reads the files (and destroys them, inside ``CALLREC_INBOX``) later. Found by the
session-50 audit from the outside: the worker checked only the source roots (the whole inbox,
every account's), so a directory of the account's inbox swapped for a symlink to another
account's directory after the ``202`` had the worker read the other account's recording into
this account's, and then overwrite and unlink it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.worker.stored_calls import write_call
from worker.boot import build_backends
from worker.calls.kept import manifest_path, read_manifest, write_manifest
from worker.calls.pipeline import process_call
from worker.calls.sources import destroy_sources
from worker.errors import SourceError
from worker.settings import Settings


def kept_call(tmp_path: Path, settings: Settings) -> tuple[Path, Path]:
    """acme's call as the API keeps it (its legs under ``inbox/acme/legs/``, named by absolute
    path), and globex's precious leg beside it in ``inbox/globex/``; returns both paths."""
    legs = tmp_path / "inbox" / "acme" / "legs"
    document = json.loads(write_call(legs, region="us").read_text())
    for segment in document["segments"]:
        segment["uri"] = str(legs / segment["uri"].removeprefix("file:"))
    precious = tmp_path / "inbox" / "globex"
    precious.mkdir()
    for leg in legs.glob("CA1-*.wav"):
        shutil.copy(leg, precious / leg.name)
    path = manifest_path(settings.data_dir, "acme", "CA1")
    write_manifest(path, document, build_backends(settings).vault.region("us").secrets)
    return path, precious


@pytest.mark.parametrize("worker_knows_the_api_inbox", [True, False])
def test_a_directory_of_an_accounts_inbox_swapped_for_another_accounts_is_neither_read_nor_destroyed(
        tmp_path, worker_knows_the_api_inbox):
    inbox = str(tmp_path / "inbox")
    settings = Settings(data_dir=tmp_path / "state", api_inbox=inbox, source_roots=inbox, inbox=inbox,
                        recognizer="none")
    path, precious = kept_call(tmp_path, settings)
    before = {leg.name: leg.read_bytes() for leg in precious.iterdir()}
    legs = tmp_path / "inbox" / "acme" / "legs"
    shutil.rmtree(legs)  # after the API's 202: the account's directory now leads to globex's
    legs.symlink_to(precious)

    worker = settings if worker_knows_the_api_inbox else replace(settings, api_inbox="")
    backends = build_backends(worker)
    with pytest.raises(SourceError, match=r"segments\[0\]\.uri: .*CA1-a\.wav: outside"):
        process_call(path, backends)
    manifest = read_manifest(path, backends.vault)
    assert destroy_sources(manifest, worker) == 0  # as a call not recorded destroys its sources
    assert {leg.name: leg.read_bytes() for leg in precious.iterdir()} == before
