from datetime import UTC, datetime

import pytest

from vault.index import ArtifactInfo, IndexEntry, Tombstone
from worker.queue.batch import BatchRequest, Pacer, Targets, batch_id, jobs_of, needs_work, plan_batch
from worker.errors import JobDecodeError

TARGETS = Targets(detector_version="dtmf/1.0", key_versions={"us": "v2", "eu": "v1"})


def entry(n, *, account="acme", region="us", redacted=True, detector="dtmf/1.0", keys=("v2", "v2"),
          created=datetime(2026, 3, 1, tzinfo=UTC), deleted=False):
    digits = f"{n:032x}"
    return IndexEntry(
        recording_id=f"rec_{region}_{digits}", account_id=account, call_id=f"C{n}", ticket_id="T",
        kind="call", region=region, created_at=created, retention_days=None, public=False,
        redacted=redacted, pipeline_version="p", detector_version=detector,
        artifacts=tuple(ArtifactInfo(kind, 1, v, "t") for kind, v in zip(("audio", "metadata"), keys)),
        tombstone=Tombstone(created, "x", "y") if deleted else None)


def never_due(_):
    return False


@pytest.mark.parametrize("changes, steps, expected", [
    ({}, ("redact", "rewrap"), False),
    ({"redacted": False, "detector": ""}, ("redact",), True),
    ({"detector": "dtmf/0.9"}, ("redact",), True),
    ({"detector": "dtmf/0.9"}, ("rewrap",), False),
    ({"keys": ("v2", "v1")}, ("rewrap",), True),
    ({"keys": ("v1", "v1")}, ("redact",), False),
])
def test_needs_work(changes, steps, expected):
    assert needs_work(entry(1, **changes), steps, TARGETS, never_due) is expected


def test_needs_work_for_retention_asks_the_policy():
    assert needs_work(entry(1), ("retention",), TARGETS, lambda e: e.call_id == "C1") is True
    assert needs_work(entry(2), ("retention",), TARGETS, lambda e: e.call_id == "C1") is False


def test_needs_work_for_retention_sends_a_job_for_a_window_it_cannot_judge():
    """A window out of range raised out of the plan: the whole batch failed for one recording."""
    from vault.errors import VaultInputError

    def out_of_range(_):
        raise VaultInputError("retention window is out of range")

    assert needs_work(entry(1), ("retention",), TARGETS, out_of_range) is True
    assert needs_work(entry(1), ("redact",), TARGETS, out_of_range) is False  # not asked


def test_plan_selects_the_accounts_live_recordings_since_a_date():
    entries = [
        entry(1, keys=("v1", "v1")),
        entry(2),
        entry(3, account="other", keys=("v1", "v1")),
        entry(4, deleted=True, keys=("v1", "v1")),
        entry(5, created=datetime(2025, 12, 31, tzinfo=UTC), keys=("v1", "v1")),
        entry(6, region="eu", keys=("v1", "v1")),  # eu's primary is v1: at target
    ]
    request = BatchRequest(account="acme", steps=("rewrap",), since=datetime(2026, 1, 1, tzinfo=UTC))
    plan = plan_batch(request, entries, TARGETS, never_due, past_window=never_due)
    assert plan.work == (entries[0].recording_id,)
    assert plan.settled == tuple(sorted([entries[1].recording_id, entries[5].recording_id]))
    assert plan.total == 3
    (job,) = jobs_of(plan)
    assert (job.recording_id, job.steps, job.batch_id) == (entries[0].recording_id, ("rewrap",), plan.batch_id)


def test_batch_id_is_the_same_for_the_same_request_and_targets():
    request = BatchRequest(account="acme", steps=("rewrap", "redact"))
    same = BatchRequest(account="acme", steps=("redact", "rewrap"))
    assert batch_id(request, TARGETS) == batch_id(same, TARGETS)
    assert batch_id(request, TARGETS) != batch_id(BatchRequest(account="acme", steps=("redact",)), TARGETS)
    rotated = Targets(detector_version="dtmf/1.0", key_versions={"us": "v3", "eu": "v1"})
    assert batch_id(request, TARGETS) != batch_id(request, rotated)


def test_every_batch_id_makes_jobs():
    """A batch id is a digest's hex, and a job refuses a batch id holding 12 digits in a row
    (ids an operator types never hold card-length runs): about 1 batch in 130 could not be
    enqueued at all, every time it was asked for (its id is deterministic)."""
    for n in range(2000):
        plan = plan_batch(BatchRequest(account=f"acct{n}", steps=("rewrap",)),
                          [entry(1, account=f"acct{n}", keys=("v1", "v1"))], TARGETS, never_due,
                          past_window=never_due)
        assert [job.batch_id for job in jobs_of(plan)] == [plan.batch_id]


def test_unknown_steps_are_refused():
    with pytest.raises(JobDecodeError, match="steps: 'compress' is not one of"):
        BatchRequest(account="acme", steps=("compress",))


def test_pacer_spaces_calls():
    now = [100.0]
    slept = []

    def sleep(s):
        slept.append(round(s, 6))
        now[0] += s

    pacer = Pacer(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert slept == [0.25, 0.25]
    with pytest.raises(ValueError, match="rate_per_s must be positive"):
        Pacer(0)


def test_a_recording_past_its_window_is_left_out_of_a_redaction_unless_the_batch_applies_retention():
    """Found by the red team (session 53): re-redaction past the window was taken. A batch that
    redacts leaves such a recording out (named apart: the sweep deletes it); one that also
    applies retention takes it, to delete it (``effects.reprocess`` deletes it first)."""
    due = {"C1", "C3"}
    entries = [entry(1, redacted=False, detector=""), entry(2, redacted=False, detector=""), entry(3)]
    plan = plan_batch(BatchRequest(account="acme", steps=("redact",)), entries, TARGETS, never_due,
                      past_window=lambda e: e.call_id in due)
    assert (plan.work, plan.settled, plan.past_window) == (
        (entries[1].recording_id,), (entries[2].recording_id,), (entries[0].recording_id,))
    assert plan.total == 2
    both = plan_batch(BatchRequest(account="acme", steps=("redact", "retention")), entries, TARGETS,
                      lambda e: e.call_id in due, past_window=lambda e: e.call_id in due)
    assert (both.work, both.settled, both.past_window) == (
        tuple(e.recording_id for e in entries), (), ())


def test_a_reprocessing_that_applies_retention_deletes_a_recording_past_its_window_without_redacting_it(
        redis_client):
    import uuid

    from tests.worker.conftest import queue_backends as backends
    from tests.worker.stored_recordings import store_recordings
    from worker.queue.effects import reprocess
    from worker.queue.jobs import Reprocess

    account = f"lapsed-{uuid.uuid4().hex[:8]}"
    region_vault = backends().vault.region("us")
    rid, = store_recordings(region_vault, account, 1)  # stored 2026-01-01, unredacted
    region_vault.set_policy(account, 30)
    result = reprocess(Reprocess.for_batch("b1", rid, ("redact", "retention")), backends())
    assert dict(result.references) == {"recording_id": rid, "deleted": "yes"}
    assert region_vault.get(rid).deleted
    assert [(e.action, e.outcome) for e in region_vault.audit_events(rid)] == [("retention-delete", "done")]


def test_a_redact_only_batch_leaves_out_by_the_judgement_of_the_redaction_not_the_sweeps():
    """Found by review (session 53): a recording whose window is out of range (stored by an older
    version) made the whole redact-only batch fail (the sweep's ``is_due`` raises for it), where
    the redaction it plans refuses only by ``operations.past_retention`` (False for it)."""
    import dataclasses

    from vault.errors import VaultInputError

    def out_of_range(_):
        raise VaultInputError("retention window is out of range")

    lapsed = dataclasses.replace(entry(1, redacted=False, detector=""), retention_days=99999)
    plan = plan_batch(BatchRequest(account="acme", steps=("redact",)), [lapsed], TARGETS, out_of_range,
                      past_window=lambda e: False)
    assert (plan.work, plan.settled, plan.past_window) == ((lapsed.recording_id,), (), ())
