"""A call sent again is its job only with the manifest that job was made from (found by hand over
the API, session 53: a call re-sent naming other legs, uploaded anew to other inbox paths, was
answered as the first job, ``stored``, and its new legs stayed in the inbox, never stored nor
destroyed). The same manifest sent again is the same job; another is refused (409), nothing of
it read, kept or queued. A worker process runs the jobs: they end done (or failed) whenever it
takes them, so each test waits for that before it looks."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

from tests.worker.api.conftest import SAMPLES, error_of, sample_manifest
from tests.worker.api.jobs import wait_done, wait_job
from tests.worker.conftest import queue_broker
from tests.worker.workers import wait_acked
from worker.queue.jobs import ProcessCall
from worker.queue.records import JobRecords

TAKEN = "call_id: this call was already taken with another manifest (its job is done); nothing of this one was read or queued"


def submit(api, headers, data):
    return api.post("/v1/calls", content=json.dumps(data), headers={**headers, "Content-Type": "application/json"})


def stored_inputs(api, headers, job_id: str, worker) -> list[str]:
    """The legs the call's recording was made from, as its metadata names them."""
    rid = wait_done(api, headers, job_id, worker=worker)["result"]["recording_id"]
    return [item["uri"] for item in api.get(f"/v1/recordings/{rid}", headers=headers).json()["digests"]["inputs"]]


def legs(inbox: Path, manifest: dict) -> list[Path]:
    return [inbox / item["uri"].removeprefix("file:") for item in manifest["segments"]]


def submit_at_once(api, headers, manifests: list[dict]) -> list:
    answers: list = [None] * len(manifests)
    start = threading.Barrier(len(manifests))

    def send(index: int) -> None:
        start.wait()
        answers[index] = submit(api, headers, manifests[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(manifests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_same_manifest_sent_again_is_the_same_job_and_another_is_refused(api, acme, inbox, worker_process):
    call_id = f"CA-again-{uuid.uuid4().hex[:8]}"
    first = sample_manifest(inbox, call_id=call_id)
    sent = submit(api, acme, first)
    assert sent.status_code == 202, sent.text
    job_id = sent.json()["job_id"]
    assert stored_inputs(api, acme, job_id, worker_process) == [item["uri"] for item in first["segments"]]
    # done shows before the message's ack: acked here, so a second message queued below is still counted
    wait_acked(queue_broker(), "calls", workers=(worker_process,))
    # a client's retry, written otherwise (keys in another order, indented)
    again = api.post("/v1/calls", content=json.dumps(dict(reversed(first.items())), indent=2),
                     headers={**acme, "Content-Type": "application/json"})
    assert again.status_code == 202, again.text
    assert (again.json()["job_id"], again.json()["state"]) == (job_id, "done")
    other = sample_manifest(inbox, call_id=call_id)  # the same call, its legs uploaded anew elsewhere
    refused = submit(api, acme, other)
    assert refused.status_code == 409, refused.text
    assert error_of(refused) == {"code": "conflict", "field": "call_id", "message": TAKEN}
    assert all(path.is_file() for path in legs(inbox, other))  # nothing destroyed: the caller still has them
    assert queue_broker().do_qsize("calls") == 0 and JobRecords(queue_broker().client).get(job_id).attempts == 1


def test_two_manifests_for_one_call_at_once_make_one_job_and_one_409(api, acme, inbox, worker_process):
    call_id = f"CA-race-{uuid.uuid4().hex[:8]}"
    manifests = [sample_manifest(inbox, call_id=call_id) for _ in range(2)]
    answers = submit_at_once(api, acme, manifests)
    assert sorted(answer.status_code for answer in answers) == [202, 409], [a.text for a in answers]
    won = [answer.status_code for answer in answers].index(202)
    assert error_of(answers[1 - won])["field"] == "call_id"
    # the recording is the winner's legs, not the loser's (which stay where they were put)
    inputs = stored_inputs(api, acme, answers[won].json()["job_id"], worker_process)
    assert inputs == [item["uri"] for item in manifests[won]["segments"]]
    assert all(path.is_file() for path in legs(inbox, manifests[1 - won]))


def test_two_corrections_of_a_failed_call_at_once_run_one_and_refuse_the_other(api, acme, inbox, worker_process):
    """A failed call sent again with another manifest runs it (its correction); two at once: one runs,
    from the manifest its job keeps, and the other is refused."""
    call_id = f"CA-fix-{uuid.uuid4().hex[:8]}"
    broken = sample_manifest(inbox, call_id=call_id)
    legs(inbox, broken)[0].write_bytes(b"RIFF, but no audio")
    sent = submit(api, acme, broken)
    assert sent.status_code == 202, sent.text
    assert wait_job(api, acme, sent.json()["job_id"], worker=worker_process)["state"] == "failed"
    manifests = [sample_manifest(inbox, call_id=call_id) for _ in range(2)]
    answers = submit_at_once(api, acme, manifests)
    assert sorted(answer.status_code for answer in answers) == [202, 409], [a.text for a in answers]
    won = [answer.status_code for answer in answers].index(202)
    inputs = stored_inputs(api, acme, sent.json()["job_id"], worker_process)
    assert inputs == [item["uri"] for item in manifests[won]["segments"]]
    assert all(path.is_file() for path in legs(inbox, manifests[1 - won]))


def test_a_job_made_before_digests_were_kept_takes_its_call_sent_again_as_before(api, acme, inbox, redis_client):
    """A job recorded without a digest (made before this change) cannot tell: a call sent again is
    that job, whatever manifest it names (as it was)."""
    call_id = f"CA-old-{uuid.uuid4().hex[:8]}"
    job = ProcessCall.for_call("/srv/old/manifest.json", "acme", call_id)
    assert job.manifest_digest is None and "manifest_digest" not in job.encode()
    assert JobRecords(redis_client).create(job)  # recorded, never sent: no worker takes it
    again = submit(api, acme, sample_manifest(inbox, call_id=call_id))
    assert again.status_code == 202, again.text
    assert (again.json()["job_id"], again.json()["state"]) == (job.job_id, "queued")
    assert queue_broker().do_qsize("calls") == 0


def test_twilios_retry_of_its_callback_is_the_same_job(api, acme, media, worker_process):
    """A provider that did not hear the 202 posts the same callback again: the same manifest."""
    from tests.worker.api.conftest import TWILIO_SID
    from tests.worker.api.test_twilio import RECORDING_SID, callback, dual_channel_wav

    profile = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto", "twilio_account_sid": TWILIO_SID}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/{RECORDING_SID}.wav?RequestedChannels=2"
    media.server.routes[path] = (200, {"Content-Type": "audio/wav"}, dual_channel_wav())
    call = {"CallSid": "CA" + uuid.uuid4().hex}  # a call of its own: the vault outlives each test
    first, again = callback(api, media, **call), callback(api, media, **call)
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert again.json()["job_id"] == first.json()["job_id"]
    wait_done(api, acme, first.json()["job_id"], worker=worker_process)
    late = callback(api, media, **call)  # a retry after the job is done: still that job
    assert (late.status_code, late.json()["job_id"], late.json()["state"]) == (202, first.json()["job_id"], "done")
    longer = callback(api, media, RecordingDuration="7", **call)  # the same recording said otherwise: not its job
    assert longer.status_code == 409 and error_of(longer) == {"code": "conflict", "field": "call_id",
                                                              "message": TAKEN}


def test_connects_retry_of_a_contact_record_is_the_same_job(api, acme, moto_s3, worker_process):
    from tests.worker.api.ingress.test_connect import HOLD, PROFILE, record

    contact_id = f"c-{uuid.uuid4().hex[:12]}"
    key = f"connect/acme-instance/CallRecordings/2026/12/01/{contact_id}.wav"
    moto_s3.put_object(Bucket="connect-acme", Key=key,
                       Body=(SAMPLES / "01-plain-inbound" / "legs" / "agent.wav").read_bytes())
    body = {"ticket_id": "T-3001", "holds": HOLD, "contact_record": record(contact_id, f"connect-acme/{key}")}
    assert api.put("/v1/profile", json=PROFILE, headers=acme).status_code == 200
    first = api.post("/v1/ingress/connect", json=body, headers=acme)
    assert first.status_code == 202, first.text
    wait_done(api, acme, first.json()["job_id"], worker=worker_process)
    again = api.post("/v1/ingress/connect", json=body, headers=acme)
    assert (again.status_code, again.json()["job_id"], again.json()["state"]) == (202, first.json()["job_id"], "done")
    refused = api.post("/v1/ingress/connect", json={**body, "ticket_id": "T-3002"}, headers=acme)
    assert refused.status_code == 409 and error_of(refused) == {"code": "conflict", "field": "call_id", "message": TAKEN}
