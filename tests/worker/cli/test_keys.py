"""``callrec keys rotate|rewrap|status|migrate``: rotation without re-encrypting audio; migration."""

from __future__ import annotations

import io

import pytest

from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
from worker.vaults import build_vault


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def test_rotate_rewrap_retire(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    (audio_file,) = (settings.data_dir / "vault" / "eu" / "data" / rid).glob("audio.*.enc")
    before = audio_file.read_bytes()
    code, out, _ = run(capsys, "keys", "rotate", "--region", "eu")
    assert (code, out) == (0, "eu: new primary version v2; run `callrec keys rewrap` to move data keys to it\n")
    code, out, _ = run(capsys, "keys", "status", "--region", "eu")
    assert out == "eu local:eu v1: 2 data key(s)\neu local:eu v2 (primary): 0 data key(s)\n"
    code, out, _ = run(capsys, "keys", "rewrap", "--region", "eu")
    assert (code, out) == (0, "re-wrapped 2 data key(s) of 1 recording(s); retired: eu v1\n")
    assert audio_file.read_bytes() == before  # the audio was not re-encrypted
    region_vault = build_vault(settings).region("eu")
    entry = region_vault.get(rid)
    assert entry.key_versions() == ("v2",) and region_vault.keys.versions() == ("v2",)
    out_audio = io.BytesIO()
    region_vault.read(entry, "audio", out_audio)
    assert out_audio.getvalue()[:4] == b"fLaC"  # the stored FLAC decrypts intact
    assert run(capsys, "keys", "rewrap")[1] == "re-wrapped 0 data key(s) of 0 recording(s); retired: none\n"


def test_old_version_kept_while_in_use(tmp_path, settings, capsys):
    stored_call(tmp_path, settings)
    run(capsys, "keys", "rotate", "--region", "eu")
    code, out, _ = run(capsys, "keys", "rewrap", "--region", "eu", "--keep-old")
    assert out == "re-wrapped 2 data key(s) of 1 recording(s); retired: none\n"
    assert build_vault(settings).region("eu").keys.versions() == ("v1", "v2")


def test_unknown_region_exits_2(tmp_path, settings, capsys):
    with pytest.raises(SystemExit) as info:
        run(capsys, "keys", "rotate", "--region", "mars")
    assert info.value.code == 2


def test_migrate_seals_the_manifests_the_api_kept_in_plain_json(tmp_path, settings, capsys):
    from tests.worker.stored_calls import write_call
    from worker.calls.kept import manifest_path, read_manifest

    plain = write_call(tmp_path / "calls", "CA1", ticket="T-77").read_bytes()
    kept, moved = manifest_path(settings.data_dir, "acme", "CA1"), manifest_path(settings.data_dir, "globex", "CA1")
    for path in (kept, moved):  # as an older version kept it; and acme's under globex's name
        path.parent.mkdir(parents=True)
        path.write_bytes(plain)
    code, out, err = run(capsys, "keys", "migrate", "--region", "eu")
    assert (code, out.splitlines()[-1]) == (1, "api manifests: sealed 1 kept in plain JSON by an older version")
    assert "refused 1 api manifest(s)" in err and moved.name in err and "T-77" not in err
    assert b"T-77" not in kept.read_bytes() and read_manifest(kept, build_vault(settings)).ticket_id == "T-77"
    assert moved.read_bytes() == plain


def stored_three(settings):
    """The EU region vault and the sorted ids of three small recordings stored in it."""
    from tests.vault.conftest import make_entry

    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    rids = sorted(region_vault.put(make_entry("eu", call), {"audio": io.BytesIO(b"a"), "metadata": io.BytesIO(b"{}")})
                  .recording_id for call in ("CA1", "CA2", "CA3"))
    return region_vault, rids


def rotated_and_rewrapped(capsys):
    """``keys rotate`` then ``keys rewrap`` of the EU region: the re-wrap's exit code, stdout, stderr."""
    run(capsys, "keys", "rotate", "--region", "eu")
    return run(capsys, "keys", "rewrap", "--region", "eu")


def test_rewrap_skips_and_names_an_entry_it_cannot_read_and_re_wraps_every_other(settings, capsys):
    """A rotation is done after a key may have leaked: one unreadable index entry used to stop
    the re-wrap (exit 2, as if the command were wrong) and leave every later recording under
    the old KEK version; it is skipped and named (exit 1), as the retention sweep does."""
    region_vault, rids = stored_three(settings)
    (settings.data_dir / "vault" / "eu" / "index" / f"{rids[0]}.json").write_bytes(b'{"trunc')
    code, out, err = rotated_and_rewrapped(capsys)
    assert (code, out) == (1, "re-wrapped 4 data key(s) of 2 recording(s); retired: none\n")
    assert err == f"callrec keys: skipped index/{rids[0]}.json: index entry is corrupt (not JSON)\n"
    assert [region_vault.get(rid).key_versions() for rid in rids[1:]] == [("v2",), ("v2",)]


def test_rewrap_skips_and_names_a_recording_whose_wrapped_key_is_missing(settings, capsys, monkeypatch):
    """Found by the session-46 audit: a deletion killed after it destroyed the keys and before
    its tombstone leaves a live entry without keys; the re-wrap stopped there (exit 2, naming
    nothing) and left every later recording under the old KEK version. (The re-wrap waits for a
    tombstone that never comes: DELETION_SETTLE_S, shortened here.)"""
    import vault.regional

    monkeypatch.setattr(vault.regional, "DELETION_SETTLE_S", 0.2)
    region_vault, rids = stored_three(settings)
    for name in list(region_vault.key_store.names(f"keys/{rids[0]}/")):
        region_vault.key_store.delete(name)
    code, out, err = rotated_and_rewrapped(capsys)
    # nothing is left under v1 (the skipped recording has no key under any version): retired
    assert (code, out) == (1, "re-wrapped 4 data key(s) of 2 recording(s); retired: eu v1\n")
    assert err == f"callrec keys: skipped {rids[0]}: cannot re-wrap its data keys (cannot decrypt: ciphertext or key is invalid)\n"
    assert [region_vault.get(rid).key_versions() for rid in rids[1:]] == [("v2",), ("v2",)]


def test_status_counts_data_keys_under_a_version_no_longer_in_the_keyring(settings, capsys):
    """Found by the session-46 audit: keys wrapped under a retired version (a write that raced a
    retirement, before the fix) were not listed at all: 47+1 keys shown where 50 existed. They
    are listed, marked as unreadable."""
    from tests.vault.conftest import make_entry
    from vault.envelope import WrappedKey
    from vault.stores.base import get_bytes, put_bytes

    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    rid = region_vault.put(make_entry("eu", "CA1"), {"audio": io.BytesIO(b"a"), "metadata": io.BytesIO(b"{}")}).recording_id
    [name, *_] = sorted(region_vault.key_store.names(f"keys/{rid}/"))
    wrapped = WrappedKey.decode(get_bytes(region_vault.key_store, name))
    put_bytes(region_vault.key_store, name, WrappedKey(**{**wrapped.__dict__, "version": "v0"}).encode())
    code, out, _ = run(capsys, "keys", "status", "--region", "eu")
    assert code == 0 and out.splitlines()[-1].endswith("v0 (not in the keyring: unreadable): 1 data key(s)"), out
