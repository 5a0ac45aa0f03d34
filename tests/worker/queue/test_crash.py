"""A worker killed with SIGKILL mid-job: after a restart the job is done exactly once.

The job's segment is an s3:// object and the first worker's S3 endpoint is a socket that
accepts connections and never answers, so that worker deterministically blocks inside the
job (claimed, status running); the test kills the whole worker process group there. (A
named pipe used to play that part; inputs are now refused unless they are regular files.)
The restarted worker only gets the message once Dramatiq's heartbeat timeout (2 s in these
tests) declares the dead worker gone and requeues its unacked message.
"""

import json
import socket
import uuid

import pytest

from tests.aws import aws_client
from vault.stores.s3 import S3Store

from worker.queue.jobs import ProcessCall
from tests.worker.queue_calls import job_of, write_call
from tests.worker.workers import WorkerProcess, wait_for


@pytest.fixture
def env(redis_url, redis_client, only_worker_processes):
    from tests.worker.conftest import queue_broker
    from worker.queue.records import JobRecords

    broker = queue_broker()

    return broker, JobRecords(broker.client, lease_s=1, max_crashes=5)


def _call_on_s3(tmp_path, moto_url, call_id: str, key: str) -> tuple[dict, S3Store]:
    """A call's manifest (as a dict) whose segment is an s3:// object in a new bucket."""
    data = json.loads(write_call(tmp_path, call_id, seconds=3.0).read_text())
    legs = S3Store(aws_client("s3", moto_url, "us"), f"legs-{uuid.uuid4().hex[:8]}", "us")
    legs.ensure_bucket(versioned=True)
    with legs.writer(key) as out:
        out.write((tmp_path / f"{call_id}.wav").read_bytes())
    data["segments"][0]["uri"] = f"s3://{legs.bucket}/{key}"
    return data, legs


def _killed_mid_job_then_redelivered(tmp_path, moto_url, status, job, legs: S3Store, while_dead=lambda: None) -> None:
    """Send ``job``; a first worker blocks inside it (its S3 endpoint never answers) and is
    SIGKILLed there; ``while_dead()`` checks the state left; a second worker finishes it."""
    from tests.worker.conftest import queue_broker

    status.create(job)
    queue_broker().get_actor("process_call").send(job.encode())
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "CALLREC_SOURCE_ROOTS": f"s3://{legs.bucket}/"}
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody answers
        first = WorkerProcess(tmp_path / "worker1.log",
                              env={**aws, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{silent.getsockname()[1]}"})
        try:
            wait_for(lambda: status.get(job.job_id).state == "running", timeout_s=90, what="the job to start",
                     workers=(first,))
        finally:
            first.kill()
    assert status.get(job.job_id).state == "running"  # stuck: nobody acked or finished it
    while_dead()
    second = WorkerProcess(tmp_path / "worker2.log", env={**aws, "AWS_ENDPOINT_URL": moto_url})
    try:
        assert wait_for(lambda: status.get(job.job_id).state == "done", timeout_s=90, what="the job to finish",
                        workers=(second,))
    finally:
        second.stop()


def test_sigkill_mid_job_then_restart_does_the_job_exactly_once(env, tmp_path, moto_url):
    from tests.worker.conftest import queue_backends as backends

    broker, status = env
    data, legs = _call_on_s3(tmp_path, moto_url, "CA-CRASH", "CA-CRASH.wav")
    manifest = tmp_path / "CA-CRASH.json"
    manifest.write_text(json.dumps(data))
    job = job_of(str(manifest))
    _killed_mid_job_then_redelivered(tmp_path, moto_url, status, job, legs)
    final = status.get(job.job_id)
    assert final.attempts == 2
    assert int(broker.client.hget(f"callrec:job:{job.job_id}", "crashes")) == 1
    entries = [e for e in backends().vault.region("us").entries() if e.call_id == "CA-CRASH"]
    assert [e.recording_id for e in entries] == [final.result["recording_id"]]
    assert broker.do_qsize("calls") == 0  # nothing left to deliver a third time


def test_sigkill_mid_job_leaves_the_api_manifest_for_the_redelivery_then_it_goes(env, tmp_path, moto_url):
    """The manifest the HTTP API keeps for the workers outlives a killed delivery (the next
    one reads it) and goes once the job is done."""
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from tests.worker.conftest import queue_backends as backends
    from worker.calls.kept import manifest_path, write_manifest

    _, status = env
    data, legs = _call_on_s3(tmp_path, moto_url, "CA-CRASH-API", "acme/CA-CRASH-API.wav")
    kept = manifest_path(SETTINGS.data_dir, "acme", "CA-CRASH-API")
    write_manifest(kept, data, backends().vault.region(data["account"]["region"]).secrets)
    job = ProcessCall.for_call(str(kept), "acme", "CA-CRASH-API")  # sealed: job_of cannot read it

    def still_kept() -> None:
        assert kept.exists()  # the job is not done: the redelivery needs it

    _killed_mid_job_then_redelivered(tmp_path, moto_url, status, job, legs, still_kept)
    assert status.get(job.job_id).attempts == 2
    assert not kept.exists()
