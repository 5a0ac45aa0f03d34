"""The core API end to end: keys, calls, jobs, metadata, audio with Range, deletion, errors."""

from __future__ import annotations

import io
import json
import time
import uuid

import pytest
import soundfile

from tests.worker.api.conftest import error_of, sample_manifest
from tests.worker.api.jobs import wait_done, wait_job
from tests.worker.workers import wait_for
from worker.api.services import KEY_CACHE_S

AGENT = {"as": "agent:ann", "tickets": "T-1001"}


def submit(api, headers, data, **extra):
    return api.post("/v1/calls", content=json.dumps(data), headers={**headers, "Content-Type": "application/json",
                                                                      **extra})


def test_no_key_unknown_key_and_revoked_key_are_401(api, api_server, keys, acme):
    assert api.get("/v1/jobs/x").status_code == 401
    body = error_of(api.get("/v1/jobs/x"))
    assert body == {"code": "unauthorized", "field": None,
                    "message": "an API key is required: Authorization: Bearer crk_..."}
    record, text = keys.create("acme")
    assert api.get("/v1/jobs/x", headers={"Authorization": f"Bearer {text}"}).status_code == 404
    keys.revoke("acme", record.key_id)
    # Servers trust a key KEY_CACHE_S at most (the cache's expiry: test_key_cache_trusts_a_key_for_cache_s_only);
    # waiting 5 times as long for the 401 fails only a server that never lets the key go.
    assert api_server.server.config.app.state.services.keys.cache_s == KEY_CACHE_S
    refused = wait_for(lambda: (r := api.get("/v1/jobs/x", headers={"Authorization": f"Bearer {text}"}))
                       .status_code == 401 and r, timeout_s=5 * KEY_CACHE_S, what="the revocation")
    assert refused.json()["error"]["message"] == "the API key is unknown or revoked"
    wrong_secret = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    assert api.get("/v1/jobs/x", headers={"Authorization": f"Bearer {wrong_secret}"}).status_code == 401
    assert api.get("/v1/jobs/x", headers={"Authorization": "Basic abc"}).status_code == 401


def test_call_end_to_end_metadata_audio_range_and_audit(api, acme, inbox, worker_process):
    data = sample_manifest(inbox, call_id=f"CA-e2e-{uuid.uuid4().hex[:8]}")  # its own audit trail
    response = submit(api, acme, data)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] == "queued" and response.headers["location"] == f"/v1/jobs/{job['job_id']}"
    status = wait_job(api, acme, job["job_id"], worker=worker_process)
    assert status["state"] == "done", status
    rid = status["result"]["recording_id"]
    leg = inbox / data["segments"][0]["uri"].removeprefix("file:")
    assert not leg.exists()  # the call's source, in the inbox (CALLREC_INBOX), destroyed once stored
    meta = api.get(f"/v1/recordings/{rid}", headers=acme)
    assert meta.status_code == 200
    assert meta.json()["call_id"] == data["call_id"] and meta.json()["recorded_duration_s"] == 32.5
    # its inputs named as the client named them, inside its inbox: not by the server's own path (the audit)
    assert [i["uri"] for i in meta.json()["digests"]["inputs"]] == [s["uri"] for s in data["segments"]]
    assert str(inbox) not in meta.text

    full = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT)
    assert full.status_code == 200 and full.headers["content-type"] == "audio/wav"
    assert full.headers["accept-ranges"] == "bytes"
    assert "last-modified" not in full.headers  # the decrypted copy's time, not the recording's: the ETag names it
    info = soundfile.info(io.BytesIO(full.content))
    assert (info.samplerate, info.channels, info.frames) == (8000, 1, meta.json()["frames"])
    part = api.get(f"/v1/recordings/{rid}/audio", headers={**acme, "Range": "bytes=44-1043"}, params=AGENT)
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 44-1043/{len(full.content)}"
    assert part.content == full.content[44:1044]
    assert part.headers["etag"] == full.headers["etag"]  # the same stored version: If-Range works

    flac = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params={**AGENT, "format": "flac"})
    assert flac.status_code == 200 and flac.headers["content-type"] == "audio/flac"
    assert flac.content[:4] == b"fLaC" and len(flac.content) < len(full.content)
    decoded, _ = soundfile.read(io.BytesIO(flac.content), dtype="int16")
    assert (decoded == soundfile.read(io.BytesIO(full.content), dtype="int16")[0]).all()  # lossless
    assert api.get(f"/v1/recordings/{rid}/audio", headers=acme, params={**AGENT, "format": "mp3"}).status_code == 400
    refused = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params={"as": "agent:bob", "tickets": "T-9"})
    assert refused.status_code == 403
    key = f"api-key:{acme['Authorization'].split('_')[1]}"
    assert refused.json()["error"]["message"] == f"agent:bob ({key}) may not export {rid}: agent has no access to the ticket"

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    # each access names the agent the caller vouched for and the API key that vouched (found by the
    # session-47 audit: a leaked key's plays showed only the agents it named, made up or not)
    trail = [(e.action, e.outcome, e.principal) for e in build_vault(SETTINGS).for_recording(rid).audit_events(rid)]
    assert trail.count(("export", "allowed", f"agent:ann ({key})")) == 3
    assert ("export", "refused", f"agent:bob ({key})") in trail
    assert sum(action == "metadata" for action, _, _ in trail) == 1


def test_ranges_of_audio_in_its_stored_format_are_served_from_its_segments(api, acme, inbox, worker_process):
    """``format=flac`` of a recording stored as FLAC: its bytes are the stored ones, so a range
    is decrypted from the segments it covers (worker.stored.operations.audio_ranges; the count
    of segments is tested there), byte for byte what the whole file holds at that range."""
    data = sample_manifest(inbox, call_id=f"CA-rng-{uuid.uuid4().hex[:8]}")
    job = submit(api, acme, data).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    url, flac = f"/v1/recordings/{rid}/audio", {**AGENT, "format": "flac"}
    whole = api.get(url, headers=acme, params=flac)
    assert whole.status_code == 200 and whole.content[:4] == b"fLaC"
    size, etag = len(whole.content), whole.headers["etag"]

    def get(spec: str, **headers):
        return api.get(url, headers={**acme, "Range": spec, **headers}, params=flac)

    for spec, first, last in [("bytes=100-4099", 100, 4099), ("bytes=0-0", 0, 0), (f"bytes={size - 10}-", size - 10, size - 1),
                              ("bytes=-300", size - 300, size - 1), (f"bytes=5-{size + 999}", 5, size - 1)]:
        part = get(spec)
        assert part.status_code == 206, (spec, part.text)
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.headers["content-type"] == "audio/flac" and part.headers["etag"] == etag
        assert part.headers["content-length"] == str(last - first + 1)
        assert part.content == whole.content[first:last + 1], spec
    past = get(f"bytes={size}-")
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"
    assert get("bytes=10-20", **{"If-Range": etag}).status_code == 206
    assert get("bytes=10-20", **{"If-Range": '"1-old-flac"'}).status_code == 200  # another version: whole
    head = api.head(url, headers=acme, params=flac)  # the whole file's headers, read from its segments
    assert head.status_code == 200 and head.content == b""
    assert (head.headers["content-length"], head.headers["etag"]) == (str(size), etag)
    whole_wav = api.get(url, headers=acme, params=AGENT).content  # stored FLAC, served WAV
    head_wav = api.head(url, headers=acme, params=AGENT)  # its length from the FLAC's header: nothing transcoded
    assert head_wav.status_code == 200 and head_wav.headers["content-length"] == str(len(whole_wav))
    assert head_wav.headers["content-type"] == "audio/wav" and head_wav.headers["accept-ranges"] == "bytes"
    wav = api.get(url, headers={**acme, "Range": "bytes=41-1043"}, params=AGENT)  # decoded from the frames there
    assert wav.status_code == 206 and wav.headers["content-type"] == "audio/wav"
    assert wav.headers["content-range"] == f"bytes 41-1043/{len(whole_wav)}" and wav.content == whole_wav[41:1044]
    refused = api.get(url, headers={**acme, "Range": "bytes=0-9"}, params={**flac, "tickets": "T-9"})
    assert refused.status_code == 403
    for spec in ("bytes=0-9,20-29", "bytes=9-0", "bytes=x-y"):  # several ranges, malformed ones: the whole file
        served = api.get(url, headers={**acme, "Range": spec}, params=AGENT)
        assert served.status_code == 200 and served.content == whole_wav, spec

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    trail = [(e.action, e.outcome, e.reason) for e in build_vault(SETTINGS).for_recording(rid).audit_events(rid)]
    assert trail.count(("export", "allowed", "audio range")) == 7  # not the 416: no byte exported
    assert trail.count(("export", "allowed", "headers only")) == 2  # the two HEADs: no byte exported either
    assert trail.count(("export", "refused", "range not satisfiable")) == 1
    assert trail.count(("export", "allowed", "")) == 6  # the whole files: flac, If-Range's, wav, the three above
    assert ("export", "refused", "agent has no access to the ticket") in trail


def test_an_opus_transcoding_is_served_whole_whatever_range_is_asked_for(api, acme, inbox, worker_process):
    """Opus of a recording stored as FLAC is a fresh encoding each time (its Ogg serial number is
    random: two exports differ), so ranges of it could not be joined: it is served whole (200),
    under a weak ETag and ``Accept-Ranges: none``, whatever range or If-Range is asked for, even
    one past its end; each response is one allowed export."""
    data = sample_manifest(inbox, call_id=f"CA-rngx-{uuid.uuid4().hex[:8]}")
    job = submit(api, acme, data).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    url, opus = f"/v1/recordings/{rid}/audio", {**AGENT, "format": "opus"}
    whole = api.get(url, headers=acme, params=opus)
    assert whole.status_code == 200 and whole.content[:4] == b"OggS"
    assert whole.headers["etag"].startswith('W/"') and whole.headers["accept-ranges"] == "none"
    again = api.get(url, headers=acme, params=opus)
    assert again.content != whole.content and len(again.content) == len(whole.content)  # why: not the same bytes
    size = len(whole.content)
    for extra in [{"Range": "bytes=44-1043"}, {"Range": f"bytes={size}-"},
                  {"Range": "bytes=0-9", "If-Range": whole.headers["etag"]}]:
        served = api.get(url, headers={**acme, **extra}, params=opus)
        assert served.status_code == 200 and "content-range" not in served.headers, extra
        assert len(served.content) == size and served.content[:4] == b"OggS"
    head = api.head(url, headers=acme, params=opus)  # its headers: nothing transcoded, so no length
    assert head.status_code == 200 and head.content == b"" and "content-length" not in head.headers
    assert head.headers["content-type"] == "audio/ogg" and head.headers["accept-ranges"] == "none"
    assert head.headers["etag"] == whole.headers["etag"]
    assert api.head(url, headers=acme, params={**opus, "tickets": "T-9"}).status_code == 403

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    trail = [(e.action, e.outcome, e.reason) for e in build_vault(SETTINGS).for_recording(rid).audit_events(rid)]
    assert trail.count(("export", "allowed", "")) == 5 and ("export", "refused", "range not satisfiable") not in trail
    assert trail.count(("export", "allowed", "headers only")) == 1  # the HEAD: audited, not as an export of bytes
    assert ("export", "refused", "agent has no access to the ticket") in trail


def test_idempotency_key_returns_the_same_job_and_refuses_another_body(api, acme, inbox, worker_process):
    data = sample_manifest(inbox, call_id="CA-idem")
    first = submit(api, acme, data, **{"Idempotency-Key": "retry-1"})
    again = submit(api, acme, data, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["job_id"] == again.json()["job_id"]
    reused = submit(api, acme, {**data, "ticket_id": "T-other"}, **{"Idempotency-Key": "retry-1"})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert reused.json()["error"]["field"] == "Idempotency-Key"
    # a request refused before it made a job gives its key back: the corrected one goes through
    bad = submit(api, acme, {**data, "events": "none"}, **{"Idempotency-Key": "retry-2"})
    assert bad.status_code in (400, 422) and bad.json()["error"]["code"] != "idempotency_key_reused"
    assert submit(api, acme, data, **{"Idempotency-Key": "retry-2"}).json()["job_id"] == first.json()["job_id"]
    # without a key the same call is still one job (its id is deterministic), with its manifest
    assert submit(api, acme, data).json()["job_id"] == first.json()["job_id"]
    wait_done(api, acme, first.json()["job_id"], worker=worker_process)  # no work left for the next test


def test_another_accounts_recording_and_job_are_404_like_missing_ones(api, keys, acme, inbox, worker_process):
    job = submit(api, acme, sample_manifest(inbox, call_id="CA-mine")).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    other = {"Authorization": f"Bearer {keys.create('globex')[1]}"}
    theirs = api.get(f"/v1/recordings/{rid}", headers=other)
    missing = api.get("/v1/recordings/rec_us_0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", headers=other)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == "not_found"
    assert api.get(f"/v1/recordings/{rid}/audio", headers=other,
                   params={"as": "agent:x", "tickets": "T-1001"}).status_code == 404
    assert api.get(f"/v1/jobs/{job['job_id']}", headers=other).status_code == 404
    assert api.delete(f"/v1/recordings/{rid}", headers=other).status_code == 404
    assert api.get(f"/v1/recordings/{rid}", headers=acme).status_code == 200


def test_manifest_errors_are_json_worded_as_the_cli(api, acme, inbox, tmp_path, api_settings):
    from worker.errors import ManifestError
    from worker.calls.manifest import parse_manifest

    data = sample_manifest(inbox)
    data["account"]["plan"] = "gold"
    response = submit(api, acme, data)
    try:
        parse_manifest(data, inbox)
    except ManifestError as exc:
        cli_message = str(exc)
    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid_manifest", "field": "account.plan", "message": cli_message}

    data = sample_manifest(inbox)
    data["events"][0]["end"] = -1
    assert submit(api, acme, data).json()["error"]["field"] == "events[0].end"

    long_call = sample_manifest(inbox)
    long_call["events"][0]["end"] = 10 * 86400.0
    assert error_of(submit(api, acme, long_call)) == {
        "code": "invalid_manifest", "field": "events[0].end",
        "message": "events[0].end: 864000 s makes the call longer than the longest allowed "
                   f"({api_settings.max_call_s:g} s, CALLREC_MAX_CALL_S)"}

    outside = sample_manifest(inbox)
    outside["segments"][0]["uri"] = str(tmp_path / "agent.wav")
    error = submit(api, acme, outside).json()["error"]
    assert error["field"] == "segments[0].uri" and "outside this account's inbox" in error["message"]
    (inbox / "escape").symlink_to(tmp_path)
    outside["segments"][0]["uri"] = "file:escape/agent.wav"
    assert "outside this account's inbox" in submit(api, acme, outside).json()["error"]["message"]
    outside["segments"][0]["uri"] = "file:../globex/agent.wav"
    assert "outside this account's inbox" in submit(api, acme, outside).json()["error"]["message"]

    foreign = sample_manifest(inbox)
    foreign["account"]["id"] = "globex"
    assert error_of(submit(api, acme, foreign)) == {
        "code": "invalid_manifest", "field": "account.id",
        "message": "account.id: 'globex' is not this API key's account"}

    s3 = sample_manifest(inbox)
    s3["segments"][0]["uri"] = "s3://someone-else/acme/a.wav"
    assert "not one this server reads" in submit(api, acme, s3).json()["error"]["message"]
    s3["segments"][0]["uri"] = "s3://calls-in/globex/a.wav"
    assert "not under this account's prefix acme/" in submit(api, acme, s3).json()["error"]["message"]
    web = sample_manifest(inbox)
    web["segments"][0]["uri"] = "https://169.254.169.254/latest/meta-data"
    assert error_of(submit(api, acme, web)) == {
        "code": "invalid_manifest", "field": "segments[0].uri",
        "message": "segments[0].uri: host 169.254.169.254 is not one this service fetches from "
                   "(CALLREC_FETCH_HOSTS)"}


def test_bad_bodies_are_415_400_and_413(api, acme):
    assert api.post("/v1/calls", content="{}", headers={**acme, "Content-Type": "text/plain"}).status_code == 415
    response = api.post("/v1/calls", content="{nope", headers={**acme, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "manifest: not JSON (Expecting property name enclosed in " \
                                                  "double quotes at line 1 column 2)"
    big = api.post("/v1/calls", content=b"[" + b"0," * 40000 + b"0]",
                   headers={**acme, "Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
    deep = api.post("/v1/calls", content="[" * 5000 + "]" * 5000, headers={**acme, "Content-Type": "application/json"})
    assert deep.status_code in (400, 422)
    assert api.get("/v1/nowhere", headers=acme).json()["error"]["code"] == "not_found"
    assert api.put("/v1/calls", headers=acme).json()["error"]["code"] == "method_not_allowed"
    # a 405's Allow names every method of the path (RFC 9110 15.5.6; found by the session-46 audit:
    # each method is a route of its own, and Starlette named the first matching route's only)
    rid = "rec_us_0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
    allowed = {f"/v1/recordings/{rid}": {"GET", "HEAD", "DELETE"}, "/v1/webhooks": {"GET", "HEAD", "POST"},
               "/v1/profile": {"GET", "HEAD", "PUT"}}  # (Starlette answers HEAD wherever GET)
    for path, methods in allowed.items():
        refused = api.patch(path, headers=acme)
        assert refused.status_code == 405 and set(refused.headers["allow"].split(", ")) == methods, path


def test_a_field_given_twice_is_refused_as_in_the_cli(api, acme, inbox):
    body = json.dumps(sample_manifest(inbox))
    twice = body[:-1] + ', "call_id": "CA9999"}'  # the manifest's own call_id, then another
    response = api.post("/v1/calls", content=twice, headers={**acme, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == ("manifest: 'call_id': a field given twice in one object "
                                                   "(which one counts would be a guess)")


def test_an_error_never_echoes_a_card_number(api, acme, inbox):
    data = sample_manifest(inbox)
    data["account"]["plan"] = "4532015112830366"
    error = submit(api, acme, data).json()["error"]
    assert error["field"] == "account.plan"
    assert "4532015112830366" not in json.dumps(error) and "(value not shown)" in error["message"]


def test_delete_recording_ticket_and_retention(api, acme, inbox, worker_process):
    job = submit(api, acme, sample_manifest(inbox, call_id="CA-del")).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    redo = api.post(f"/v1/recordings/{rid}/redact", headers=acme)
    assert redo.status_code == 202 and redo.json()["kind"] == "redact_recording"
    assert wait_done(api, acme, redo.json()["job_id"], worker=worker_process)["result"]["reason"] == "up_to_date"
    # asked again after it finished, it runs again (newer detectors may be deployed: found by the audit,
    # the finished job was returned for 30 days and nothing ran)
    again = api.post(f"/v1/recordings/{rid}/redact", headers=acme)
    assert again.status_code == 202 and again.json()["job_id"] == redo.json()["job_id"]
    assert again.json()["state"] in ("queued", "running"), again.json()
    assert wait_done(api, acme, again.json()["job_id"], worker=worker_process)["result"]["reason"] == "up_to_date"
    assert api.post("/v1/recordings/rec_us_0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a/redact", headers=acme).status_code == 404
    bad = api.delete(f"/v1/recordings/{rid}", headers=acme, params={"reason": "card 4111"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "reason"
    deleting = api.delete(f"/v1/recordings/{rid}", headers=acme, params={"reason": "customer asked"})
    assert deleting.status_code == 202 and deleting.json()["kind"] == "delete"
    assert wait_job(api, acme, deleting.json()["job_id"], worker=worker_process)["result"]["deleted"] == "1"
    repeated = api.delete(f"/v1/recordings/{rid}", headers=acme, params={"reason": "customer asked"})
    assert repeated.status_code == 202 and repeated.json()["state"] in ("queued", "running"), repeated.json()
    assert wait_job(api, acme, repeated.json()["job_id"], worker=worker_process)["state"] == "done"
    gone = api.get(f"/v1/recordings/{rid}", headers=acme)
    assert gone.status_code == 410 and "customer asked" in gone.json()["error"]["message"]
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    key = f"api-key:{acme['Authorization'].split('_')[1]}"
    region_vault = build_vault(SETTINGS).for_recording(rid)
    assert region_vault.get(rid).tombstone.deleted_by == key  # the key that asked, not "callrec-queue"
    assert ("delete", key) in {(e.action, e.principal) for e in region_vault.audit_events(rid)}
    # every route of a deleted recording says so, as its metadata does (found by the session-46
    # audit: 403 "forbidden" told a helpdesk client it lacked a permission)
    for answer in (api.get(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT),
                   api.head(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT),
                   api.get(f"/v1/recordings/{rid}/transcript", headers=acme, params=AGENT)):
        assert answer.status_code == 410, (answer.request.url, answer.status_code)
    assert api.get(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT).json()["error"]["code"] == "deleted"
    assert api.post(f"/v1/recordings/{rid}/redact", headers=acme).status_code == 410  # was 202 and a job
    link = api.post(f"/v1/recordings/{rid}/review-links", headers=acme,
                    json={"as": "agent:ann", "tickets": ["T-1001"], "ttl_s": 600})
    assert link.status_code == 410 and link.json()["error"]["code"] == "deleted"

    ticket = api.delete("/v1/tickets/T-none/recordings", headers=acme)  # no recording of it: no job
    assert ticket.status_code == 404 and ticket.json()["error"]["code"] == "not_found"

    assert api.put("/v1/retention", json={"days": 30}, headers=acme).json()["days"] == 30
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    assert build_vault(SETTINGS).region("us").policy("acme").retention_days == 30
    assert api.put("/v1/retention", json={"days": True}, headers=acme).status_code == 422
    assert api.put("/v1/retention", json={"days": None}, headers=acme).status_code == 200
    assert build_vault(SETTINGS).region("us").policy("acme").retention_days is None


def test_sources_outside_the_workers_source_roots_are_refused_at_submission(api_settings, keys, inbox, redis_client):
    """The per-account rules pass, but the workers would refuse it: so does the API, at once. Until
    session 57 its 422 named the file by the server's path of the account's inbox."""
    from dataclasses import replace

    import httpx

    from tests.worker.api.server import ThreadedServer
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.vaults import build_vault
    from tests.worker.conftest import queue_broker

    broker = queue_broker()

    narrow = replace(api_settings, source_roots="s3://calls-in/")
    server = ThreadedServer(create_app(build_services(narrow, broker, build_vault(narrow)))).start()
    try:
        headers = {"Authorization": f"Bearer {keys.create('acme')[1]}", "Content-Type": "application/json"}
        data = sample_manifest(inbox, call_id="CA-roots")
        with httpx.Client(base_url=server.url) as client:
            error = client.post("/v1/calls", content=json.dumps(data), headers=headers).json()["error"]
        assert error["code"] == "invalid_manifest" and error["field"] == "segments[0].uri"
        # the file as the account's manifest names it, not by the server's path of its inbox
        assert error["message"] == (f"segments[0].uri: {data['segments'][0]['uri']}: outside the directories sources "
                                    "may be read from (the manifest's directory, or CALLREC_SOURCE_ROOTS); symlinks "
                                    "out of them are not followed")
    finally:
        server.stop()


def test_redacted_transcript_is_served_without_the_card_digits(api, acme, keys, inbox, worker_process):
    data = sample_manifest(inbox, "09-card-spoken", call_id=f"CA-tx-{uuid.uuid4().hex[:8]}")
    status = wait_done(api, acme, submit(api, acme, data).json()["job_id"], worker=worker_process)
    rid = status["result"]["recording_id"]
    who = {"as": "agent:ann", "tickets": "T-1009"}
    served = api.get(f"/v1/recordings/{rid}/transcript", headers=acme, params=who)
    assert served.status_code == 200
    results = json.loads(served.content)["results"]
    text = results["transcripts"][0]["transcript"]
    words = " ".join(alt["content"] for item in results["items"] for alt in item["alternatives"])
    assert text.startswith("Thank you for calling.")
    for digits in ("4532", "0151", "1283", "0366", "12/27", "731"):
        assert digits not in text and digits not in words
    assert api.get(f"/v1/recordings/{rid}/transcript", headers=acme,
                   params={"as": "agent:bob", "tickets": "T-1"}).status_code == 403
    # found by the session-47 audit: Starlette answered a transcript's Range itself (416 text/plain,
    # 400, multipart 206), each audited as a whole export, and its HEAD decrypted it
    for spec in ("bytes=5-10", "bytes=99999999-", "bytes=abc", "bytes=0-1,5-6"):
        whole = api.get(f"/v1/recordings/{rid}/transcript", headers={**acme, "Range": spec}, params=who)
        assert whole.status_code == 200 and whole.content == served.content, spec
    head = api.head(f"/v1/recordings/{rid}/transcript", headers=acme, params=who)
    assert head.status_code == 200 and head.content == b"" and "content-length" not in head.headers

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    trail = [(e.action, e.outcome, e.reason) for e in build_vault(SETTINGS).for_recording(rid).audit_events(rid)]
    assert trail.count(("export", "allowed", "transcript")) == 5 and ("export", "allowed", "headers only") in trail
    plain = wait_done(api, acme, submit(api, acme, sample_manifest(inbox, call_id=f"CA-nt-{uuid.uuid4().hex[:8]}")
                                        ).json()["job_id"], worker=worker_process)["result"]["recording_id"]
    missing = api.get(f"/v1/recordings/{plain}/transcript", headers=acme, params={"as": "agent:ann",
                                                                                  "tickets": "T-1001"})
    assert missing.status_code == 404 and missing.json()["error"]["message"] == f"recording {plain} has no transcript"
    # a HEAD answers as the GET does (found by the review: it skipped the account's check)
    other = {"Authorization": f"Bearer {keys.create('globex')[1]}"}
    assert api.head(f"/v1/recordings/{rid}/transcript", headers=other, params=who).status_code == 404
    assert api.head(f"/v1/recordings/{plain}/transcript", headers=acme,
                    params={"as": "agent:ann", "tickets": "T-1001"}).status_code == 404
    assert api.head("/v1/recordings/rec_us_000000000000000000000000000000ab/transcript", headers=acme,
                    params=who).status_code == 400  # a made-up id holding a card-length run: never audited


def test_manifest_limits_apply_at_submission(api_settings, keys, inbox, redis_client):
    from dataclasses import replace

    import httpx

    from tests.worker.api.server import ThreadedServer
    from tests.worker.conftest import queue_broker
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.vaults import build_vault

    broker = queue_broker()
    narrow = replace(api_settings, max_events=3, max_manifest_bytes=2000)
    server = ThreadedServer(create_app(build_services(narrow, broker, build_vault(narrow)))).start()
    try:
        headers = {"Authorization": f"Bearer {keys.create('acme')[1]}", "Content-Type": "application/json"}
        many = sample_manifest(inbox, call_id="CA-many")
        many["events"] += [{"type": "hold", "start": 1.0, "end": 2.0}] * 3
        with httpx.Client(base_url=server.url) as client:
            error = error_of(client.post("/v1/calls", content=json.dumps(many), headers=headers))
            assert error == {"code": "invalid_manifest", "field": "events",
                             "message": "events: 4 given, more than the 3 allowed (CALLREC_MAX_EVENTS)"}
            many["ticket_id"] = "T" * 2000
            too_big = client.post("/v1/calls", content=json.dumps(many), headers=headers)
            assert too_big.status_code == 413  # CALLREC_MAX_MANIFEST_BYTES, below the API's own limit
    finally:
        server.stop()


def test_key_cache_trusts_a_key_for_cache_s_only(redis_client, monkeypatch):
    from types import SimpleNamespace

    from worker.api import keys

    now_s = [1000.0]
    monkeypatch.setattr(keys, "time", SimpleNamespace(monotonic=lambda: now_s[0], time=time.time))
    cached = keys.KeyStore(redis_client, cache_s=60)
    record, text = cached.create("acme")
    assert cached.verify(text) == record  # trusted until 1060.0
    keys.KeyStore(redis_client).revoke("acme", record.key_id)
    now_s[0] = 1059.999
    assert cached.verify(text) == record  # within cache_s: still trusted by this process
    assert keys.KeyStore(redis_client).verify(text) is None  # uncached: revoked at once
    now_s[0] = 1060.0
    assert cached.verify(text) is None  # cache_s over: asked again, revoked
    assert cached.verify(text[:-1] + ("A" if text[-1] != "A" else "B")) is None  # never a near miss


@pytest.mark.parametrize("method,path", [("GET", "/v1/jobs/x/"), ("POST", "/v1/calls/"), ("GET", "/v1/webhooks/"),
                                         ("DELETE", "/v1/recordings/rec_x/"), ("GET", "/v1/health/"),
                                         ("GET", "/v1/nowhere/"), ("GET", "/review/tok/")])
def test_a_path_with_a_trailing_slash_is_a_json_404_never_a_redirect(api, acme, method, path):
    """Found by the audit: Starlette answered these with a 307 to the path without the slash
    and an empty body (a POST redirected, its body to be sent again); every other unknown
    path is the API's JSON 404."""
    response = api.request(method, path, headers=acme, json={} if method == "POST" else None)
    assert response.status_code == 404 and "location" not in response.headers
    assert response.headers["content-type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": f"no such endpoint: {path}", "field": None}


def test_served_audio_lives_in_a_work_dir_removed_once_sent_or_abandoned(api, acme, inbox, worker_process,
                                                                          monkeypatch):
    """Decrypted audio is served from a work dir (``worker.workdirs``: locked while it streams,
    swept if the server dies), removed when the response ends, a client gone mid-download too."""
    from worker.api.routes import recordings
    from worker.workdirs import PREFIX, WorkDir

    made = []

    class Spy(WorkDir):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.path)

    monkeypatch.setattr(recordings, "WorkDir", Spy)
    job = submit(api, acme, sample_manifest(inbox, call_id="CA-workdir")).json()
    rid = wait_done(api, acme, job["job_id"], worker=worker_process)["result"]["recording_id"]
    whole = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT)
    assert whole.status_code == 200 and len(made) == 1 and made[0].name.startswith(PREFIX)
    wait_for(lambda: not made[0].exists(), timeout_s=10, what="the work dir removed after the response")
    with api.stream("GET", f"/v1/recordings/{rid}/audio", headers=acme, params={**AGENT, "format": "flac"}) as gone:
        assert gone.status_code == 200
        next(gone.iter_raw(64))  # the client reads a little and hangs up (a send that raises: test_workdirs)
    assert len(made) == 2
    wait_for(lambda: not made[1].exists(), timeout_s=10, what="the work dir removed after the client left")


def test_a_call_naming_another_region_than_the_accounts_profile_is_refused(api, acme, inbox):
    """Found by the session-47 audit: with the account's profile in the EU, a manifest naming
    ``us`` was stored in the US: nothing tied an account to its region outside ingress. Where
    the account has a profile, its region is the account's (DESIGN: stored in the account's
    region), and a call naming another is refused before anything is kept or queued."""
    profile = {"plan": "team", "region": "eu", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto"}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200
    data = sample_manifest(inbox, call_id=f"CA-res-{uuid.uuid4().hex[:8]}")
    assert data["account"]["region"] == "us"
    refused = submit(api, acme, data)
    assert refused.status_code == 422, refused.text
    assert error_of(refused) == {"code": "invalid_manifest", "field": "account.region", "message":
                                       "account.region: 'us' is not the account's region (eu, in its profile)"}
    assert api.put("/v1/profile", json={**profile, "region": "us"}, headers=acme).status_code == 200
    assert submit(api, acme, data).status_code == 202


def test_a_call_naming_another_calls_files_in_the_accounts_inbox_is_refused(api, acme, inbox):
    """Session 57: within an account's inbox a manifest could name another call's folder, and the
    worker destroyed those legs once the call was stored (or unread, not to be recorded). A
    file there is the call's own only in its folder (``<call_id>/...``) or named for it."""
    theirs = sample_manifest(inbox, call_id=f"CA-own-{uuid.uuid4().hex[:8]}")
    data = {**sample_manifest(inbox, call_id=f"CA-own-{uuid.uuid4().hex[:8]}"), "segments": theirs["segments"]}
    legs = {path: path.read_bytes() for path in (inbox / theirs["call_id"]).rglob("*") if path.is_file()}
    refused = submit(api, acme, data)
    assert refused.status_code == 422, refused.text
    assert error_of(refused) == {"code": "invalid_manifest", "field": "segments[0].uri", "message":
                                 f"segments[0].uri: {theirs['segments'][0]['uri']}: in the inbox (CALLREC_INBOX) "
                                 "but not this call's: a call's files there lie in a folder named its call_id or "
                                 "are named for it (<call_id>.wav, <call_id>-a.wav, <call_id>_...)"}
    assert {path: path.read_bytes() for path in (inbox / theirs["call_id"]).rglob("*") if path.is_file()} == legs


def test_the_metadata_of_a_recording_past_its_retention_window_is_refused_as_its_audio(api, keys):
    """Found by hand (session 53): past its window a recording's audio, transcript and review links
    were refused (403, "past its retention window", audited) from the moment the window ended,
    but ``GET /v1/recordings/{id}`` still served its metadata (ticket, call, durations, where its
    inputs came from, what was masked) until a sweep deleted it. It is refused alike, and audited."""
    import io

    from tests.vault.conftest import make_entry
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    account = f"initech-{uuid.uuid4().hex[:8]}"
    entry = make_entry("us", "CA-OLD", account=account, ticket="T-7", retention_days=30)  # stored 2026-01-15
    region_vault = build_vault(SETTINGS).region("us")
    region_vault.put(entry, {"audio": io.BytesIO(b"RIFF"), "metadata": io.BytesIO(b'{"call_id": "CA-OLD"}')})
    headers = {"Authorization": f"Bearer {keys.create(account)[1]}"}
    refused = api.get(f"/v1/recordings/{entry.recording_id}", headers=headers)
    assert refused.status_code == 403, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["message"]) == (
        "forbidden", f"recording {entry.recording_id} is past its retention window; the next sweep deletes it")
    audio = api.get(f"/v1/recordings/{entry.recording_id}/audio", headers=headers,
                    params={"as": "agent:ann", "tickets": "T-7"})
    assert audio.status_code == 403 and "past its retention window" in audio.json()["error"]["message"]
    trail = [(e.action, e.outcome, e.reason) for e in region_vault.audit_events(entry.recording_id)]
    assert trail[0] == ("metadata", "refused", "recording is past its retention window")


def test_a_recording_past_its_retention_window_is_not_redacted_again(api, keys, redis_client):
    """Found by the red team (session 53): ``POST /v1/recordings/{id}/redact`` was accepted (202, a
    job queued to decrypt and store it anew) for a recording whose reads are refused past its window.
    Refused alike (403 naming the window, audited), no job made."""
    import io

    from tests.vault.conftest import make_entry
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS, queue_broker
    from worker.vaults import build_vault

    account = f"initech-{uuid.uuid4().hex[:8]}"
    entry = make_entry("us", "CA-OLD", account=account, ticket="T-7", retention_days=30)  # stored 2026-01-15
    region_vault = build_vault(SETTINGS).region("us")
    region_vault.put(entry, {"audio": io.BytesIO(b"RIFF"), "metadata": io.BytesIO(b'{"call_id": "CA-OLD"}')})
    key, secret = keys.create(account)
    refused = api.post(f"/v1/recordings/{entry.recording_id}/redact", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 403, refused.text
    assert error_of(refused) == {"code": "forbidden", "field": None, "message":
                                 f"recording {entry.recording_id} is past its retention window; the next sweep deletes it"}
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(entry.recording_id)]
    assert trail == [("redact", "refused", f"api-key:{key.key_id}", "recording is past its retention window")]
    assert redis_client.keys("callrec:job:*") == [] and queue_broker().do_qsize("recordings") == 0
