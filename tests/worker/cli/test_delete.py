"""``callrec delete``: crypto-shredding with an audit tombstone."""

from __future__ import annotations

import io

import pytest

from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
from vault.errors import DecryptionError
from vault.regional import data_name
from vault.stores.base import get_bytes
from worker.vaults import build_vault


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def files_of(settings, rid):
    return sorted(p.relative_to(settings.data_dir).as_posix()
                  for p in (settings.data_dir / "vault").rglob("*") if p.is_file() and rid in p.as_posix())


def test_delete_one_recording(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    region_vault = build_vault(settings).for_recording(rid)
    ciphertext = get_bytes(region_vault.store, data_name(rid, region_vault.get(rid).artifact("audio")))
    code, out, err = run(capsys, "delete", "--recording", rid, "--reason", "customer asked", "--by", "agent:a9")
    assert (code, out, err) == (0, "deleted 1, already deleted 0 (1 recording(s))\n", "")
    assert files_of(settings, rid) == [f"vault/eu/index/{rid}.json"]
    entry = region_vault.get(rid)
    assert (entry.tombstone.deleted_by, entry.tombstone.reason, entry.artifacts) == ("agent:a9", "customer asked", ())
    # Nothing left in the region opens the old ciphertext, under any KEK version.
    from vault import envelope
    from vault.context import ArtifactRef
    for version in region_vault.keys.versions():
        with pytest.raises(DecryptionError):
            envelope.decrypt_stream(io.BytesIO(ciphertext), io.BytesIO(),
                                    envelope.WrappedKey("local:eu", version, b"\x00" * 100), region_vault.keys,
                                    ArtifactRef(rid, "acme", "eu", "audio"))
    assert run(capsys, "delete", "--recording", rid)[1] == "deleted 0, already deleted 1 (1 recording(s))\n"


def test_delete_a_ticket_across_regions(tmp_path, settings, capsys):
    a = stored_call(tmp_path, settings, "CA1", ticket="T-50")
    b = stored_call(tmp_path, settings, "CA2", ticket="T-50", region="us", voicemail=True)
    c = stored_call(tmp_path, settings, "CA3", ticket="T-51")
    d = stored_call(tmp_path, settings, "CA4", ticket="T-50", account="globex")
    code, out, _ = run(capsys, "delete", "--ticket", "T-50", "--account", "acme")
    assert (code, out) == (0, "deleted 2, already deleted 0 (2 recording(s))\n")
    vault = build_vault(settings)
    assert vault.get(a).deleted and vault.get(b).deleted and not vault.get(c).deleted
    assert not vault.get(d).deleted  # another account's ticket T-50 is another ticket
    assert vault.get(b).tombstone.deleted_by.startswith("operator:")


def test_unknown_targets_exit_2(tmp_path, settings, capsys):
    code, _, err = run(capsys, "delete", "--ticket", "T-404", "--account", "acme")
    assert code == 2 and err == "callrec delete: ticket T-404 of account acme: no recordings\n"
    code, _, err = run(capsys, "delete", "--ticket", "T-404")
    assert code == 2 and err == "callrec delete: --ticket needs --account: ticket ids are per account\n"
    code, _, err = run(capsys, "delete", "--recording", "rec_eu_" + "0a" * 16)
    assert code == 2 and "no recording" in err
    code, _, err = run(capsys, "delete", "--recording", "bogus")
    assert code == 2 and "not a recording id" in err


def test_deleting_again_reclaims_what_a_killed_writer_left_and_exits_0(tmp_path, settings, capsys, caplog):
    from vault.stores.base import put_bytes

    rid = stored_call(tmp_path, settings)
    assert run(capsys, "delete", "--recording", rid)[0] == 0
    region_vault = build_vault(settings).for_recording(rid)
    # A re-redaction killed before its commit wrote generation 2 after the deletion swept.
    put_bytes(region_vault.store, f"data/{rid}/audio.2-0badc0de.enc", b"ciphertext")
    put_bytes(region_vault.key_store, f"keys/{rid}/audio.2-0badc0de.json", b"wrapped key")
    with caplog.at_level("WARNING", logger="callrec.retention"):
        code, out, err = run(capsys, "delete", "--recording", rid)
    assert (code, out, err) == (
        0, "deleted 0, already deleted 1, reclaimed 2 object(s) left under them (1 recording(s))\n", "")
    assert files_of(settings, rid) == [f"vault/eu/index/{rid}.json"]
    assert list(region_vault.key_store.names(f"keys/{rid}/")) == []
    [record] = [r for r in caplog.records if r.name == "callrec.retention"]
    assert record.fields == {"event": "deleted_leftovers_reclaimed", "region": "eu", "recordings": 1, "objects": 2}
    assert rid not in record.getMessage()
    assert run(capsys, "delete", "--recording", rid)[1] == "deleted 0, already deleted 1 (1 recording(s))\n"


def kept_by_api(settings, call_id, account="acme"):
    """What the HTTP API keeps of a call under ``<data_dir>/api`` (its manifest, and the
    temporary file a writer killed mid-write leaves beside it); returns their paths."""
    from worker.calls.kept import manifest_path

    path = manifest_path(settings.data_dir, account, call_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"call_id": "%s"}' % call_id)
    partial = path.parent / f".{path.name}.k1ll3d.tmp"
    partial.write_text('{"call_id": "%s"' % call_id)
    return [path, partial]


def test_deleting_a_recording_or_a_ticket_removes_what_the_api_kept_of_its_call(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings, "CA1")
    stored_call(tmp_path, settings, "CA2", ticket="T-60")
    stored_call(tmp_path, settings, "CA3", ticket="T-61")
    one, ticket, other = (kept_by_api(settings, c) for c in ("CA1", "CA2", "CA3"))
    theirs = kept_by_api(settings, "CA1", account="globex")  # another account's call CA1
    assert run(capsys, "delete", "--recording", rid)[0] == 0
    assert not any(p.exists() for p in one)
    assert run(capsys, "delete", "--ticket", "T-60", "--account", "acme")[0] == 0
    assert not any(p.exists() for p in ticket)
    assert all(p.exists() for p in other + theirs)
    again = kept_by_api(settings, "CA1")  # left by a delivery that ran during the deletion
    assert run(capsys, "delete", "--recording", rid)[0] == 0  # deleting again removes it too
    assert not any(p.exists() for p in again)


def test_a_commands_warning_reaches_stderr_as_a_json_line(tmp_path, settings):
    """Outside pytest nothing configured logging for one-shot commands: Python's last-resort
    handler printed the reclaim event as a bare word ("deleted_leftovers_reclaimed"), and
    would print any record's text and traceback unscrubbed. The command logs as the workers do."""
    import json
    import os
    import subprocess
    import sys

    from vault.stores.base import put_bytes

    rid = stored_call(tmp_path, settings)
    env = {**os.environ, "CALLREC_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-m", "worker", "delete", "--recording", rid]
    assert subprocess.run(command, env=env, capture_output=True, text=True).returncode == 0
    region_vault = build_vault(settings).for_recording(rid)
    put_bytes(region_vault.store, f"data/{rid}/audio.2-0badc0de.enc", b"ciphertext")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("deleted 0, already deleted 1, reclaimed 1 object")
    [line] = done.stderr.splitlines()
    logged = json.loads(line)
    assert (logged["level"], logged["event"], logged["objects"]) == ("warning", "deleted_leftovers_reclaimed", 1)
    assert rid not in line


def test_a_region_whose_index_key_cannot_be_opened_exits_1_not_2(tmp_path, settings, capsys):
    """The index MAC key wrapped under a KEK version since retired: the operator's command
    was right, the server's key is the problem (exit 1, as any failure that is not bad input;
    it exited 2, "bad input"), and the message names the key, nothing of it."""
    stored_call(tmp_path, settings, "CA1", ticket="T-50")
    keys = build_vault(settings).region("eu").keys
    old = keys.current()
    keys.rotate()
    keys.retire(old)  # by hand: `keys rotate` re-wraps the index key first
    code, out, err = run(capsys, "delete", "--ticket", "T-50", "--account", "acme")
    assert (code, out) == (1, "") and "the index key of region eu cannot be opened" in err
