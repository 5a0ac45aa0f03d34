import json

import pytest

from worker.cli import main
from worker.queue.jobs import ProcessCall


@pytest.fixture
def status(redis_client):
    from tests.worker.conftest import queue_broker
    from worker.queue.records import JobRecords

    broker = queue_broker()

    clock = iter([1_700_000_000.0, 1_700_000_001.0, 1_700_000_003.5])
    return JobRecords(broker.client, clock=lambda: next(clock))


def test_status_of_a_done_job(status, capsys):
    job = ProcessCall.for_call("/calls/CA1.json", "acme", "CA1")
    status.create(job)
    status.running(job.job_id)
    status.done(job.job_id, {"recording_id": "rec_us_0123456789abcdef0123456789abcdef", "stored": "yes"})
    assert main(["status", job.job_id]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"job       {job.job_id}",
        "kind      process_call",
        "state     done",
        "attempts  1",
        "enqueued  2023-11-14 22:13:20 UTC",
        "started   2023-11-14 22:13:21 UTC",
        "finished  2023-11-14 22:13:23 UTC",
        "recording_id rec_us_0123456789abcdef0123456789abcdef",
        "stored    yes",
    ]


def test_status_json(status, capsys):
    job = ProcessCall.for_call("/calls/CA2.json", "acme", "CA2")
    status.create(job)
    assert main(["status", "--json", job.job_id]) == 0
    body = json.loads(capsys.readouterr().out)
    assert (body["job_id"], body["state"], body["attempts"], body["enqueued_at"]) == \
        (job.job_id, "queued", 0, 1_700_000_000.0)
    assert "job" not in body


def test_unknown_job_exits_2(status, capsys):
    assert main(["status", "call-nope"]) == 2
    assert "no job 'call-nope'" in capsys.readouterr().err


def test_an_unknown_job_id_holding_digits_is_not_echoed(status, capsys):
    assert main(["status", "call-4111_1111_1111_1111"]) == 2
    err = capsys.readouterr().err
    assert "no job" in err and "1111" not in err and "#" not in err, err
