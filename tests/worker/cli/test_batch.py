"""``callrec batch``: 200 recordings to 100 %, then a second run that does nothing."""

import re

import pytest

from worker.cli import main
from tests.worker.stored_recordings import store_recordings


@pytest.fixture
def bulk(inprocess_worker, redis_client):
    from tests.worker.conftest import queue_backends as backends

    region = backends().vault.region("us")
    ids = store_recordings(region, "bulk", 200)
    new_version = region.keys.rotate()
    return ids, new_version, region


def test_batch_of_200_reaches_100_percent_and_a_rerun_does_nothing(bulk, capsys):
    ids, new_version, region = bulk
    assert main(["batch", "--account", "bulk", "--steps", "rewrap"]) == 0
    err = capsys.readouterr().err
    first_line, *bars = err.strip().splitlines()
    assert re.fullmatch(r"batch b[0-9a-f]{15}: 200 recording\(s\) of bulk, 0 at target already, "
                        r"200 queued, 0 in flight", first_line)
    assert "100.0%  200/200 done  0 failed" in bars[-1] and bars[-1].endswith("ETA 0:00:00")
    assert all(region.get(rid).key_versions() == (new_version,) for rid in ids)

    assert main(["batch", "--account", "bulk", "--steps", "rewrap"]) == 0
    err = capsys.readouterr().err
    first_line, *bars = err.strip().splitlines()
    assert first_line.endswith("200 recording(s) of bulk, 200 at target already, 0 queued, 0 in flight")
    assert bars == [bars[0]] and "100.0%  200/200 done  0 failed" in bars[0]


def test_bad_steps_are_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["batch", "--account", "bulk", "--steps", "redact,encrypt"])
    assert info.value.code == 2
    assert "steps: 'encrypt' is not one of redact, rewrap, retention" in capsys.readouterr().err


def test_batch_redact_since_a_date_then_nothing_left(inprocess_worker, redis_client, capsys):
    from datetime import UTC, datetime

    from tests.worker.conftest import queue_backends as backends
    from worker.queue.effects import detector_version

    region = backends().vault.region("us")
    old = store_recordings(region, "addon-batch", 2, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    new = store_recordings(region, "addon-batch-new", 3)  # another account: untouched
    recent = [region.get(rid) for rid in store_recordings(region, "addon-batch", 3, first=2)]
    assert main(["batch", "--account", "addon-batch", "--since", "2026-01-01", "--steps", "redact"]) == 0
    assert "3 recording(s) of addon-batch, 0 at target already, 3 queued" in capsys.readouterr().err
    assert all(region.get(e.recording_id).redacted for e in recent)
    assert all(region.get(e.recording_id).detector_version == detector_version(backends()) for e in recent)
    assert not any(region.get(rid).redacted for rid in old + new)
    assert main(["batch", "--account", "addon-batch", "--since", "2026-01-01", "--steps", "redact"]) == 0
    assert "3 at target already, 0 queued" in capsys.readouterr().err


def test_batch_retention_deletes_what_is_due(inprocess_worker, redis_client, capsys):
    from tests.worker.conftest import queue_backends as backends

    region = backends().vault.region("us")
    ids = store_recordings(region, "expiring", 4)  # created 2026-01-01
    region.set_policy("expiring", 30)
    assert main(["batch", "--account", "expiring", "--steps", "retention"]) == 0
    assert "4 recording(s) of expiring, 0 at target already, 4 queued" in capsys.readouterr().err
    assert all(region.get(rid).deleted for rid in ids)
    assert main(["batch", "--account", "expiring", "--steps", "retention"]) == 0
    assert "0 recording(s) of expiring" in capsys.readouterr().err  # deleted ones are not selected


def test_a_batch_applying_retention_fails_only_the_recording_whose_window_is_out_of_range(inprocess_worker,
                                                                                          redis_client, capsys):
    """One recording whose own window is out of range (stored by an older version that accepted
    any) made the plan raise: the whole batch failed, nothing deleted. Its job fails (the sweep
    skips it the same way), the others are deleted, exit 1."""
    from tests.worker.conftest import queue_backends as backends
    from worker.queue.jobs import Reprocess
    from worker.queue.records import JobRecords

    region = backends().vault.region("us")
    due = store_recordings(region, "overflowing", 3, retention_days=30)  # created 2026-01-01
    huge, = store_recordings(region, "overflowing", 1, first=3, retention_days=99999999999)
    assert main(["batch", "--account", "overflowing", "--steps", "retention"]) == 1
    first_line, *bars = capsys.readouterr().err.strip().splitlines()
    assert first_line.endswith("4 recording(s) of overflowing, 0 at target already, 4 queued, 0 in flight")
    assert "100.0%  3/4 done  1 failed" in bars[-1]
    assert all(region.get(rid).deleted for rid in due) and not region.get(huge).deleted
    batch = re.match(r"batch (b[0-9a-f]{15}):", first_line).group(1)
    failed = JobRecords(inprocess_worker.client).get(Reprocess.for_batch(batch, huge, ("retention",)).job_id)
    assert (failed.state, failed.reason) == ("failed", "VaultInputError: retention window is out of range "
                                                       "(at most ##### days)")  # digit runs scrubbed


def test_a_batch_applying_retention_under_an_account_policy_out_of_range_is_refused(inprocess_worker,
                                                                                     redis_client, capsys):
    """Session 54 review: the plan caught the policy's VaultInputError as if it were one recording's
    window, so every recording of the account was queued as a job bound to fail (5 queued, 5 failed,
    exit 1). The policy is read once before planning: out of range, the batch is refused (exit 2),
    nothing queued."""
    import json

    from tests.worker.conftest import queue_backends as backends
    from vault.retention import policy_name
    from vault.stores.base import put_bytes

    region = backends().vault.region("us")
    ids = store_recordings(region, "overlong", 5)
    name = policy_name("overlong")  # one an older version took, sealed by `keys migrate` since
    put_bytes(region.store, name, region._sealer.seal_policy(name, json.dumps(
        {"account_id": "overlong", "retention_days": 99999999999, "updated_at": "2026-01-01T00:00:00+00:00",
         "manifest_seen": False, "manifest_days": None}).encode()))
    assert main(["batch", "--account", "overlong", "--steps", "retention"]) == 2
    assert capsys.readouterr().err == "callrec batch: retention_days must be at most 36500 days (100 years) or none\n"
    assert not any(region.get(rid).deleted for rid in ids)


def test_a_batch_run_again_after_failures_watches_the_jobs_it_sent_again(inprocess_worker, redis_client, capsys,
                                                                          monkeypatch):
    """Found by the session-47 audit: the second run re-sent the failed jobs, but their recordings
    stayed in the batch's failed set, so it showed "2 failed" and exited 1 at once while they ran
    unwatched. A job sent again leaves the failed set; the run ends 4/4 done, exit 0."""
    import vault.regional

    from tests.worker.conftest import queue_backends as backends
    from vault.stores.base import get_bytes, put_bytes

    monkeypatch.setattr(vault.regional, "DELETION_SETTLE_S", 0.1)  # a lost key: no deletion to wait for
    region = backends().vault.region("us")
    ids = store_recordings(region, "refail", 4)
    region.keys.rotate()
    hidden = {name: get_bytes(region.key_store, name) for rid in ids[:2] for name in region.key_store.names(f"keys/{rid}/")}
    for name in hidden:
        region.key_store.delete(name)
    assert main(["batch", "--account", "refail", "--steps", "rewrap"]) == 1
    assert "2/4 done  2 failed" in capsys.readouterr().err
    for name, data in hidden.items():
        put_bytes(region.key_store, name, data)  # the operator puts them back
    assert main(["batch", "--account", "refail", "--steps", "rewrap"]) == 0
    err = capsys.readouterr().err
    assert "2 at target already, 2 queued, 0 in flight" in err and "4/4 done  0 failed" in err.splitlines()[-1]


def test_a_batch_run_again_sends_again_a_finished_job_whose_recording_needs_work_again(inprocess_worker, redis_client,
                                                                                         capsys):
    """Found by the session-47 audit: a rerun took a job finished in the first run for one "in
    flight" and never sent it, though its recording needed work again (its retention window now
    due): "5 in flight ... 100% done", and nothing deleted."""
    from tests.worker.conftest import queue_backends as backends

    region = backends().vault.region("us")
    ids = store_recordings(region, "due-later", 3)  # created 2026-01-01
    region.keys.rotate()
    assert main(["batch", "--account", "due-later", "--steps", "rewrap,retention"]) == 0
    capsys.readouterr()
    assert not any(region.get(rid).deleted for rid in ids)
    region.set_policy("due-later", 30)  # now due
    assert main(["batch", "--account", "due-later", "--steps", "rewrap,retention"]) == 0
    assert "0 at target already, 3 queued, 0 in flight" in capsys.readouterr().err
    assert all(region.get(rid).deleted for rid in ids)


def test_a_batch_redaction_leaves_out_recordings_past_their_window(inprocess_worker, redis_client, capsys):
    """Found by the red team (session 53): re-redaction past the window was taken. ``batch --steps
    redact`` leaves such recordings alone and says how many; with ``retention`` it deletes them."""
    from tests.worker.conftest import queue_backends as backends

    region = backends().vault.region("us")
    ids = store_recordings(region, "lapsed-batch", 2)  # stored 2026-01-01, unredacted
    region.set_policy("lapsed-batch", 30)
    assert main(["batch", "--account", "lapsed-batch", "--steps", "redact"]) == 0
    first_line = capsys.readouterr().err.strip().splitlines()[0]
    assert first_line.endswith("0 recording(s) of lapsed-batch, 0 at target already, 0 queued, 0 in flight, "
                               "2 past their retention window left out (not redacted: the next sweep deletes them)")
    assert not any(region.get(rid).redacted or region.get(rid).deleted for rid in ids)
    assert main(["batch", "--account", "lapsed-batch", "--steps", "redact,retention"]) == 0
    assert "2 recording(s) of lapsed-batch, 0 at target already, 2 queued" in capsys.readouterr().err
    assert all(region.get(rid).deleted and not region.get(rid).redacted for rid in ids)
