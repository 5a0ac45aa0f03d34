"""``callrec retention set`` and ``callrec retention sweep``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
from worker.vaults import build_vault

LONG_AGO = datetime.now(UTC) - timedelta(days=40)
RECENT = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def test_window_set_later_applies_to_stored_recordings(tmp_path, settings, capsys):
    old = stored_call(tmp_path, settings, "CA1", created_at=LONG_AGO)    # stored with no window
    new = stored_call(tmp_path, settings, "CA2", created_at=RECENT)
    other = stored_call(tmp_path, settings, "CA3", created_at=LONG_AGO, region="us")  # another region
    code, out, _ = run(capsys, "retention", "set", "--account", "acme", "--days", "30", "--region", "eu")
    assert (code, out) == (0, "account acme: retention 30 days in eu; the next sweep applies it to stored recordings\n")
    code, out, _ = run(capsys, "retention", "sweep", "--dry-run")
    assert (code, out) == (0, "scanned 3, due 1, would delete 1, kept 2, already deleted 0\n")
    assert not build_vault(settings).get(old).deleted
    code, out, _ = run(capsys, "retention", "sweep")
    assert out == "scanned 3, due 1, deleted 1, kept 2, already deleted 0\n"
    code, out, _ = run(capsys, "retention", "sweep")
    assert out == "scanned 3, due 0, deleted 0, kept 2, already deleted 1\n"
    vault = build_vault(settings)
    assert vault.get(old).tombstone.deleted_by == "retention"
    assert vault.get(old).tombstone.reason == "retention window of 30 days"
    assert not vault.get(new).deleted and not vault.get(other).deleted
    assert [(e.action, e.principal) for e in vault.for_recording(old).audit_events(old)] == [
        ("retention-delete", "retention")]


def test_shortened_window_and_recorded_window(tmp_path, settings, capsys):
    a = stored_call(tmp_path, settings, "CA1", created_at=RECENT, retention_days=90)
    b = stored_call(tmp_path, settings, "CA2", created_at=LONG_AGO, retention_days=30)
    assert run(capsys, "retention", "sweep")[1] == "scanned 2, due 1, deleted 1, kept 1, already deleted 0\n"
    assert build_vault(settings).get(b).deleted
    run(capsys, "retention", "set", "--account", "acme", "--days", "1")
    assert run(capsys, "retention", "sweep")[1] == "scanned 2, due 1, deleted 1, kept 0, already deleted 1\n"
    assert build_vault(settings).get(a).deleted


def test_clearing_the_window(tmp_path, settings, capsys):
    stored_call(tmp_path, settings, "CA1", created_at=LONG_AGO, retention_days=1)
    assert run(capsys, "retention", "set", "--account", "acme", "--none")[0] == 0
    assert run(capsys, "retention", "sweep")[1] == "scanned 1, due 0, deleted 0, kept 1, already deleted 0\n"


@pytest.mark.parametrize("days", ["0", "-3"])
def test_bad_days(tmp_path, settings, capsys, days):
    code, _, err = run(capsys, "retention", "set", "--account", "acme", "--days", days)
    assert code == 2 and f"--days {days}: must be 1 or more" in err


def test_the_sweep_reclaims_what_a_killed_writer_left_under_a_deleted_recording(tmp_path, settings, capsys):
    from vault.stores.base import put_bytes

    rid = stored_call(tmp_path, settings, "CA1", created_at=RECENT)
    assert run(capsys, "delete", "--recording", rid)[0] == 0
    region_vault = build_vault(settings).for_recording(rid)
    put_bytes(region_vault.store, f"data/{rid}/audio.2-0badc0de.enc", b"ciphertext")
    put_bytes(region_vault.key_store, f"keys/{rid}/audio.2-0badc0de.json", b"wrapped key")
    code, out, _ = run(capsys, "retention", "sweep", "--dry-run")
    assert (code, out) == (0, "scanned 1, due 0, would delete 0, kept 0, already deleted 1\n")
    code, out, _ = run(capsys, "retention", "sweep")
    assert (code, out) == (0, "scanned 1, due 0, deleted 0, kept 0, already deleted 1, "
                              "reclaimed 2 object(s) left under deleted ones\n")
    assert list(region_vault.store.names(f"data/{rid}/")) == list(region_vault.key_store.names(f"keys/{rid}/")) == []
    assert run(capsys, "retention", "sweep")[1] == "scanned 1, due 0, deleted 0, kept 0, already deleted 1\n"


def test_a_recording_deleted_by_retention_takes_what_the_api_kept_of_its_call(tmp_path, settings, capsys):
    from tests.worker.cli.test_delete import kept_by_api

    stored_call(tmp_path, settings, "CA1", created_at=LONG_AGO)
    stored_call(tmp_path, settings, "CA2", created_at=RECENT)
    old, new = kept_by_api(settings, "CA1"), kept_by_api(settings, "CA2")
    run(capsys, "retention", "set", "--account", "acme", "--days", "30")
    assert run(capsys, "retention", "sweep")[1] == "scanned 2, due 1, deleted 1, kept 1, already deleted 0\n"
    assert not any(p.exists() for p in old) and all(p.exists() for p in new)
    again = kept_by_api(settings, "CA1")
    run(capsys, "retention", "sweep")  # each sweep goes over deleted recordings again
    assert not any(p.exists() for p in again)


def test_the_sweep_removes_the_apis_manifests_of_jobs_failed_past_their_window(tmp_path, settings, capsys):
    from tests.worker.cli.test_delete import kept_by_api
    from worker.calls.kept import failure_mark, mark_failed

    stored_call(tmp_path, settings, "CA1", created_at=RECENT)
    old, new, queued = (kept_by_api(settings, call)[0] for call in ("CA-OLD", "CA-NEW", "CA-QUEUED"))
    mark_failed(old, LONG_AGO)  # failed 40 days ago: past the default 30
    mark_failed(new, RECENT)
    code, out, _ = run(capsys, "retention", "sweep", "--dry-run")
    assert (code, out) == (0, "scanned 1, due 0, would delete 0, kept 1, already deleted 0, "
                              "would remove 1 expired manifest(s) of failed jobs\n")
    assert old.exists()
    code, out, _ = run(capsys, "retention", "sweep")
    assert (code, out) == (0, "scanned 1, due 0, deleted 0, kept 1, already deleted 0, "
                              "removed 1 expired manifest(s) of failed jobs\n")
    assert not old.exists() and not failure_mark(old).exists()
    assert new.exists() and queued.exists()
    assert run(capsys, "retention", "sweep")[1] == "scanned 1, due 0, deleted 0, kept 1, already deleted 0\n"
