"""A worker killed with SIGKILL mid-job: after a restart the job is done exactly once.

The job's manifest is a named pipe, so the first worker deterministically blocks inside the
job (claimed, status running) until the test feeds it; the test kills the whole worker
process group there. The restarted worker only gets the message once Dramatiq's heartbeat
timeout (2 s in these tests) declares the dead worker gone and requeues its unacked message.
"""

import json
import os
import threading

import pytest

from worker.jobs import ProcessCall
from tests.worker.calls import write_call
from tests.worker.workers import WorkerProcess, wait_for


@pytest.fixture
def env(redis_url, redis_client, only_worker_processes):
    from worker.broker import broker
    from worker.idempotency import IdempotencyStore
    from worker.status import StatusStore

    return broker, StatusStore(broker.client), IdempotencyStore(broker.client, lease_s=1, max_crashes=5)


def test_sigkill_mid_job_then_restart_does_the_job_exactly_once(env, tmp_path):
    from worker.actors import process_call
    from worker.effects import vault

    broker, status, idempotency = env
    text = write_call(tmp_path, "CA-CRASH", seconds=3.0).read_text()
    fifo = tmp_path / "CA-CRASH-fifo.json"
    os.mkfifo(fifo)
    job = ProcessCall.for_manifest(str(fifo))
    status.create(job)
    process_call.send(job.encode())

    first = WorkerProcess(tmp_path / "worker1.log")
    try:
        wait_for(lambda: status.get(job.job_id).state == "running", timeout_s=90, what="the job to start",
                 workers=(first,))
    finally:
        first.kill()  # returns once its worker process is gone too: it was the pipe's reader
    assert status.get(job.job_id).state == "running"  # stuck: nobody acked or finished it

    feeder = threading.Thread(target=lambda: fifo.write_text(text), daemon=True)
    feeder.start()  # blocks until the next worker opens the manifest
    second = WorkerProcess(tmp_path / "worker2.log")
    try:
        done = wait_for(lambda: status.get(job.job_id).state == "done", timeout_s=90, what="the job to finish",
                        workers=(second,))
    finally:
        second.stop()
    assert done
    final = status.get(job.job_id)
    assert final.attempts == 2
    assert int(broker.client.hget(f"callrec:idem:{job.job_id}", "crashes")) == 1
    entries = [e for e in vault().region("us").entries() if e.call_id == "CA-CRASH"]
    assert [e.recording_id for e in entries] == [final.result["recording_id"]]
    assert broker.do_qsize("calls") == 0  # nothing left to deliver a third time
