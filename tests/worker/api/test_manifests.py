"""The manifests the API keeps for the workers (worker.calls.kept): there while the call's job
needs them, gone once it is done, and never beyond the call's recording."""

from __future__ import annotations

import json
import shutil
import uuid

from tests.worker.api.conftest import SAMPLES, sample_manifest
from tests.worker.api.jobs import wait_done, wait_job


def submit(api, headers, data):
    return api.post("/v1/calls", content=json.dumps(data), headers={**headers, "Content-Type": "application/json"})


def kept_of(api_settings, data):
    from worker.calls.kept import manifest_path

    return manifest_path(api_settings.data_dir, data["account"]["id"], data["call_id"])


def left_of(api_settings, data) -> list:
    """Files under ``<data_dir>/api`` that name the call or hold its id (other tests' calls
    may have left theirs: a failed job keeps its manifest for a retry)."""
    kept = kept_of(api_settings, data)
    return [p for p in (api_settings.data_dir / "api").rglob("*")
            if p.is_file() and (kept.name in p.name or data["call_id"].encode() in p.read_bytes())]


def test_a_processed_call_leaves_nothing_under_the_apis_data_dir_nor_does_its_deletion(
        api, acme, inbox, worker_process, api_settings):
    data = sample_manifest(inbox, call_id=f"CA-kept-{uuid.uuid4().hex[:8]}")
    kept = kept_of(api_settings, data)
    job = submit(api, acme, data).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    assert left_of(api_settings, data) == []  # its job is done: the workers no longer need it
    again = submit(api, acme, data)  # the same call sent again is the job done already
    assert again.json()["job_id"] == job["job_id"] and again.json()["state"] == "done"
    assert left_of(api_settings, data) == []
    kept.write_text(json.dumps(data))  # as a worker killed between done and removing it leaves it
    deleting = api.delete(f"/v1/recordings/{rid}", headers=acme)
    assert wait_done(api, acme, deleting.json()["job_id"], worker=worker_process)["result"]["deleted"] == "1"
    assert left_of(api_settings, data) == []


def test_a_call_not_recorded_leaves_nothing_either(api, acme, inbox, worker_process, api_settings):
    data = sample_manifest(inbox, call_id=f"CA-off-{uuid.uuid4().hex[:8]}")
    data["number"]["recording"] = False
    job = submit(api, acme, data).json()
    assert wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["stored"] == "no"
    assert left_of(api_settings, data) == []


def test_a_failed_call_keeps_its_manifest_until_sent_again_and_done(api, acme, inbox, worker_process,
                                                                     api_settings):
    data = sample_manifest(inbox, call_id=f"CA-fix-{uuid.uuid4().hex[:8]}")
    leg = inbox / data["segments"][0]["uri"].removeprefix("file:")
    leg.write_bytes(b"RIFF not audio")
    job = submit(api, acme, data).json()
    assert wait_job(api, acme, job["job_id"], worker=worker_process)["state"] == "failed"
    assert kept_of(api_settings, data).exists()  # `callrec jobs retry` after a fix reads it
    name = data["segments"][0]["uri"].removeprefix("file:").split("/", 1)[1]
    shutil.copyfile(SAMPLES / "01-plain-inbound" / name, leg)  # the fix
    again = submit(api, acme, data).json()
    assert again["job_id"] == job["job_id"]
    wait_done(api, acme, job["job_id"], worker=worker_process)
    assert left_of(api_settings, data) == []
