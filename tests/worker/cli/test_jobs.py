"""``callrec jobs failed`` / ``retry``: a poison message and a bad manifest, then a fix."""

import json

import pytest

from worker.cli import main
from tests.worker.queue_calls import job_of, write_call


@pytest.fixture
def queue(inprocess_worker, redis_client):
    def drain():
        for name in ("calls", "recordings", "batch"):
            inprocess_worker.join(name, timeout=20_000)

    return inprocess_worker, drain


def test_failed_jobs_are_listed_and_retried_after_a_fix(queue, tmp_path, capsys):
    from tests.worker.conftest import queue_broker

    process_call = queue_broker().get_actor("process_call")

    broker, drain = queue
    manifest = write_call(tmp_path, "CA-FIX")
    good = manifest.read_text()
    data = json.loads(good)
    data["account"]["region"] = "mars"
    manifest.write_text(json.dumps(data))
    process_call.send("{not json")  # a poison message
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.queue.jobs import ProcessCall
    from worker.queue.submit import JobQueue

    job = job_of(str(manifest))  # enqueued without the CLI's validation
    JobQueue(broker, SETTINGS).submit(job)
    drain()

    assert main(["jobs", "failed"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "2 failed job(s)"
    # the count is of every failed job, however many are shown (found by the session-47 audit:
    # it counted the lines shown, 100 of 1626)
    assert main(["jobs", "failed", "--limit", "1"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "2 failed job(s), the oldest 1 shown (--limit)"
    for bad in ("0", "-1"):  # were every job and all but one
        with pytest.raises(SystemExit) as info:
            main(["jobs", "failed", "--limit", bad])
        assert info.value.code == 2 and "must be at least 1" in capsys.readouterr().err
    reasons = sorted(line.split("\t")[3] for line in lines[:-1])
    assert reasons[0] == "JobDecodeError: job message is not JSON"
    assert reasons[1].startswith("ManifestError: account.region")

    manifest.write_text(good)  # the fix
    assert main(["jobs", "retry", job.job_id]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{job.job_id}\tqueued", "1 job(s) queued again"]
    drain()
    assert main(["status", job.job_id]) == 0
    assert "state     done" in capsys.readouterr().out
    assert broker.client.zcard(f"{broker.namespace}:calls.XQ") == 1  # only the poison's dead letter

    assert main(["jobs", "retry", "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 job(s) queued again"
    assert main(["jobs", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "0 failed job(s)"


def test_retry_of_a_job_that_did_not_fail_is_refused(queue, capsys):
    assert main(["jobs", "retry", "call-unknown"]) == 2
    assert "no job 'call-unknown'" in capsys.readouterr().err
    assert main(["jobs", "retry"]) == 2
    assert "give JOB ids or --all" in capsys.readouterr().err


def test_retry_of_an_unknown_job_id_holding_digits_does_not_echo_it(queue, capsys):
    assert main(["jobs", "retry", "call-4111+1111+1111+1111"]) == 2
    err = capsys.readouterr().err
    assert "no job" in err and "1111" not in err and "#" not in err, err


def test_retry_of_a_job_whose_kept_manifest_expired_says_so(queue, capsys):
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.calls.kept import manifest_path
    from worker.queue.jobs import ProcessCall
    from worker.queue.records import JobRecords

    broker, _ = queue
    records = JobRecords(broker.client)
    expired = ProcessCall.for_call(str(manifest_path(SETTINGS.data_dir, "acme", "CA-GONE")), "acme", "CA-GONE")
    records.create(expired)
    records.failed(expired.job_id, "ManifestError: bad leg")  # then the sweep removed its manifest
    assert main(["jobs", "retry", expired.job_id]) == 2
    err = capsys.readouterr().err
    assert f"job {expired.job_id}: its manifest, kept by the HTTP API, expired and was removed" in err
    assert "CALLREC_FAILED_MANIFEST_DAYS=30" in err and "send the call again" in err
    assert records.get(expired.job_id).state == "failed"  # nothing queued
    assert main(["jobs", "retry", "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{expired.job_id}\tits manifest, kept by the HTTP API, expired")
    assert out[0].endswith(": dropped from the list") and out[-1] == "0 job(s) queued again"
    assert records.failed_jobs() == []
