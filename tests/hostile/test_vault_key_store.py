"""Deletion does not depend on there being no copy of the store (issue 10, defect 10).

Wrapped data keys used to sit beside their ciphertext, so a backup of the object store plus
the live key-encryption key decrypted a deleted recording. They live in a key store of their
own now; a copy of the object store restored after a deletion opens nothing.
"""

from __future__ import annotations

import io

import pytest

from tests.vault.conftest import clock, make_key_store, make_keys, make_region, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
from vault import envelope
from vault.context import ArtifactRef
from vault.errors import DecryptionError, MigrationNeededError
from vault.stores.base import get_bytes, put_bytes
from worker.vaults import build_vault


def put_call(rv):
    return rv.put(make_entry(rv.region), {"audio": io.BytesIO(b"RIFF-secret-audio"),
                                          "metadata": io.BytesIO(b"{}")})


def test_a_restored_backup_of_the_object_store_opens_nothing(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rid = entry.recording_id
    assert [n for n in rv.store.names("") if n.startswith("keys/")] == []  # no key beside its ciphertext
    backup = {name: get_bytes(rv.store, name) for name in rv.store.names("")}  # the operator's nightly copy

    rv.delete(rid, actor="operator", reason="customer request")
    for name, data in backup.items():  # ... restored, index entry and all
        put_bytes(rv.store, name, data)

    # The old entry, authentic (it was the vault's own), reads as deleted: its deletion is recorded in
    # the key store (vault.deletions; until session 56 it read as live, its keys gone).
    assert rv.get(rid) == entry.copy(artifacts=(), tombstone=rv.get(rid).tombstone) and rv.get(rid).deleted
    for kind in ("audio", "metadata"):
        with pytest.raises(DecryptionError):
            rv.read(entry, kind, io.BytesIO())
    # Not with any key the key store still holds either, under any KEK version.
    for name in rv.key_store.names("keys/"):
        wrapped = envelope.WrappedKey.decode(get_bytes(rv.key_store, name))
        for data_name, data in backup.items():
            if data_name.startswith("data/"):
                with pytest.raises(DecryptionError):
                    envelope.decrypt_stream(io.BytesIO(data), io.BytesIO(), wrapped, rv.keys,
                                            ArtifactRef(rid, "acme", "eu", "audio"))


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def test_the_pipeline_keeps_keys_out_of_the_object_store(tmp_path, settings):
    rid = stored_call(tmp_path, settings)
    vault_files = [p.relative_to(settings.data_dir) for p in (settings.data_dir / "vault").rglob("*") if p.is_file()]
    assert vault_files and not any(p.parts[2] == "keys" for p in vault_files)
    assert len(list((settings.data_dir / "keystore" / "eu" / "keys" / rid).iterdir())) == 2


def legacy(region_vault) -> int:
    """Moves every wrapped key back beside its ciphertext, as a vault of the old layout had it."""
    names = list(region_vault.key_store.names("keys/"))
    for name in names:
        put_bytes(region_vault.store, name, get_bytes(region_vault.key_store, name))
        region_vault.key_store.delete(name)
    return len(names)


def test_old_layout_is_refused_clearly_then_migrated(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    doomed = stored_call(tmp_path, settings, "CA2")
    region_vault = build_vault(settings).region("eu")
    assert legacy(region_vault) == 4
    entry = region_vault.get(rid)
    with pytest.raises(MigrationNeededError, match=r"run `callrec keys migrate --region eu`"):
        region_vault.read(entry, "audio", io.BytesIO())
    code, _, err = run(capsys, "export", rid, "-o", tmp_path / "out.wav", "--account", "acme",
                       "--as", "agent:a", "--tickets", "T-7")
    assert code == 2 and "callrec keys migrate --region eu" in err and not (tmp_path / "out.wav").exists()
    region_vault.delete(doomed, actor="operator", reason="r")  # deletion needs no migration
    assert [n for n in region_vault.store.names("keys/") if doomed in n] == []

    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert (code, out) == (0, "eu: moved 2 wrapped data key(s) into the key store, authenticated 0 index entries, "
                              "wrote 2 ticket marker(s)\n")
    assert list(region_vault.store.names("keys/")) == []
    out_audio = io.BytesIO()
    region_vault.read(entry, "audio", out_audio)
    assert out_audio.getvalue()[:4] == b"fLaC"  # the stored recording (FLAC by default) decrypts intact
    assert run(capsys, "keys", "migrate")[1] == "".join(
        f"{region}: moved 0 wrapped data key(s) into the key store, authenticated 0 index entries, "
        f"wrote {2 if region == 'eu' else 0} ticket marker(s)\n" for region in ("us", "eu", "au"))


def test_migration_interrupted_after_the_copy_finishes_on_a_rerun(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    legacy(rv)
    name = next(iter(rv.store.names("keys/")))
    put_bytes(rv.key_store, name, get_bytes(rv.store, name))  # copied, then the process died
    assert rv.migrate_keys() == 2
    assert list(rv.store.names("keys/")) == []
    out = io.BytesIO()
    rv.read(entry, "audio", out)
    assert out.getvalue() == b"RIFF-secret-audio"
