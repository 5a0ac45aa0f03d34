"""https sources named by presigned S3 and Twilio URLs, fetched from a real https server: the
query string (the presigned URL's credential, session token and signature) is sent to fetch the
object and kept nowhere else: not in the metadata (``digests.inputs``), ``process --json``, a
job's status, error texts or logs (worker/calls/source_names.py ``source_name``)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from tests.worker.api.jobs import wait_job
from tests.worker.calls.test_pipeline import decrypt
from tests.worker.cli.vault_cli import run
from tests.worker.stored_calls import write_call
from worker.boot import build_backends
from worker.calls.pipeline import process_call
from worker.errors import FetchError, ManifestError, SourceError
from worker.settings import Settings
from worker.vaults import build_vault

TWILIO_SID = "AC" + "5e" * 16
#: Pieces of the URLs below that are secrets: none may be kept or shown anywhere.
KEY_ID, SESSION, SIGNATURE, TOKEN = "ASIAQXYZEXAMPLEKEY7Q", "IQoJb3JpZ2luX2VjEJrsessiontoken", "9c" * 32, "7d" * 16
SECRETS = (KEY_ID, SESSION, SIGNATURE, TOKEN, "X-Amz-")


def presign(path: str) -> str:
    """``path`` with the query string of a SigV4 presigned GET with temporary credentials."""
    return (f"{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={KEY_ID}%2F20261202%2Fus-east-1%2Fs3%2Faws4_request"
            f"&X-Amz-Date=20261202T101700Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
            f"&X-Amz-Security-Token={SESSION}&X-Amz-Signature={SIGNATURE}")


def leaks(*texts: str) -> list[str]:
    """The secrets found in ``texts`` (an empty list when none)."""
    return [secret for secret in SECRETS for text in texts if secret in text]


def base(media) -> str:
    return f"https://127.0.0.1:{media.port}"


@pytest.fixture
def settings(media, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "state", source_roots=f"{base(media)}/", fetch_hosts=f"127.0.0.1:{media.port}",
                    fetch_ca_file=str(media.cert), fetch_timeout_s=5.0, recognizer="none")


def https_call(media, tmp_path: Path, tag: str, *, transcript: bool = False) -> tuple[Path, list[str]]:
    """write_call's call with leg a behind a presigned S3 URL and leg b behind a Twilio media URL
    that redirects (as Twilio's does) to a presigned URL of its storage; the manifest's URIs."""
    manifest = write_call(tmp_path / tag, transcript="hello" if transcript else None)
    data = {**json.loads(manifest.read_text()), "call_id": f"CA-{tag}"}
    a_path = f"/calls-{tag}/connect/acme/CallRecordings/2026/12/02/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_UTC.wav"
    b_path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE{tag:0>32}.wav"
    store = presign(f"/twilio-media-{tag}/RE{tag:0>32}")
    media.server.routes[presign(a_path)] = (200, {}, (manifest.parent / "CA1-a.wav").read_bytes())
    media.server.routes[b_path + "?RequestedChannels=1"] = (302, {"Location": f"https://127.0.0.1:{{port}}{store}"}, b"")
    media.server.routes[store] = (200, {}, (manifest.parent / "CA1-b.wav").read_bytes())
    data["segments"][0]["uri"] = base(media) + presign(a_path)
    data["segments"][1]["uri"] = base(media) + b_path + "?RequestedChannels=1"
    if transcript:  # not UTF-8: it cannot be read, and the metadata's problem names it
        transcript_path = presign(f"/calls-{tag}/transcripts/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21.txt")
        media.server.routes[transcript_path] = (200, {}, b"\xff\xfe\xfa")
        data["transcript"]["uri"] = base(media) + transcript_path
    manifest.write_text(json.dumps(data))
    return manifest, [segment["uri"] for segment in data["segments"]]


def test_metadata_and_outcome_name_the_objects_without_their_query(media, tmp_path, settings):
    manifest, uris = https_call(media, tmp_path, "a1", transcript=True)
    media.server.requests.clear()
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored
    fetched = [path for path, _ in media.server.requests]
    assert [uri.removeprefix(base(media)) in fetched for uri in uris] == [True, True]  # fetched whole
    assert presign("/twilio-media-a1/RE" + "a1".rjust(32, "0")) in fetched  # and the redirect's
    meta_text = decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata").decode()
    meta = json.loads(meta_text)
    assert [d["uri"] for d in meta["digests"]["inputs"]] == [uri.split("?")[0] for uri in uris]
    problem = meta["transcript"]["problem"]
    assert problem is not None and "UnicodeDecodeError" in problem and "/transcripts/4e3b1c2a" in problem
    assert leaks(meta_text, json.dumps(outcome.to_dict())) == []


@pytest.mark.parametrize("route, error, message", [
    ((403, {}, b"<Error><Code>AccessDenied</Code></Error>"), ManifestError, "answered 403"),
    ((503, {}, b""), FetchError, "answered 503"),
    ((302, {"Location": "http://127.0.0.1:{port}" + presign("/plain")}, b""), ManifestError, "away from https"),
    ((200, {}, b"RIFF" + b"\0" * 400_000), ManifestError, "is larger than"),
], ids=["expired", "unavailable", "redirected-to-http", "too-large"])
def test_a_failed_download_names_the_object_not_its_query(media, tmp_path, settings, route, error, message):
    manifest, uris = https_call(media, tmp_path, "b2")
    media.server.routes[uris[0].removeprefix(base(media))] = route
    with pytest.raises(error, match=message) as caught:
        process_call(manifest, build_backends(replace(settings, max_segment_bytes=200_000)))
    assert "/calls-b2/connect/acme/CallRecordings/" in str(caught.value)
    assert leaks(str(caught.value)) == []


def test_a_source_outside_the_roots_is_named_without_credentials_or_query(media, tmp_path, settings):
    manifest, uris = https_call(media, tmp_path, "c3")
    data = json.loads(manifest.read_text())
    data["segments"][1]["uri"] = uris[1].replace("https://", f"https://{TWILIO_SID}:{TOKEN}@") + "&t=" + TOKEN
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="carries credentials") as caught:
        process_call(manifest, build_backends(settings))
    assert leaks(str(caught.value)) == []
    data["segments"][0]["uri"] = f"https://localhost:{media.port}" + presign("/other/a.wav")  # not in the roots
    manifest.write_text(json.dumps(data))
    with pytest.raises(SourceError, match="outside") as caught:
        process_call(manifest, build_backends(settings))
    assert leaks(str(caught.value)) == []


def test_process_json_and_its_errors_name_no_query(media, tmp_path, settings, monkeypatch, capsys):
    for name, value in {"CALLREC_DATA_DIR": str(settings.data_dir), "CALLREC_SOURCE_ROOTS": settings.source_roots,
                        "CALLREC_FETCH_HOSTS": settings.fetch_hosts, "CALLREC_FETCH_CA_FILE": settings.fetch_ca_file,
                        "CALLREC_RECOGNIZER": "none"}.items():
        monkeypatch.setenv(name, value)
    manifest, uris = https_call(media, tmp_path, "d4", transcript=True)
    code, out, err = run(capsys, "process", manifest, "--json")
    assert code == 0 and json.loads(out)["stored"] and json.loads(out)["transcript_problem"]
    assert leaks(out, err) == []
    failing, uris = https_call(media, tmp_path, "e5")
    media.server.routes[uris[0].removeprefix(base(media))] = (403, {}, b"")
    code, out, err = run(capsys, "process", failing, "--json")
    assert code == 2 and "answered 403" in err and "/calls-e5/connect/" in err
    assert leaks(out, err) == []


def test_queued_jobs_keep_no_query_in_results_reasons_metadata_or_logs(api, acme, media, worker_process,
                                                                        tmp_path, twilio_owner):
    def submit(tag: str, status: int | None = None) -> dict:
        manifest, uris = https_call(media, tmp_path, tag)
        data = {**json.loads(manifest.read_text()), "call_id": f"CA-{tag}-{uuid.uuid4().hex[:8]}"}
        if status is not None:
            media.server.routes[uris[0].removeprefix(base(media))] = (status, {}, b"")
        response = api.post("/v1/calls", content=json.dumps(data),
                             headers={**acme, "Content-Type": "application/json"})
        assert response.status_code == 202, response.text
        return wait_job(api, acme, response.json()["job_id"], worker=worker_process)

    done, failed = submit("f6"), submit("f7", 403)
    assert done["state"] == "done" and failed["state"] == "failed", (done, failed)
    meta = api.get(f"/v1/recordings/{done['result']['recording_id']}", headers=acme)
    assert [d["uri"].split(":", 2)[0] for d in meta.json()["digests"]["inputs"]] == ["https", "https"]
    assert "answered 403" in json.dumps(failed)
    log = Path(worker_process.log_path).read_text(errors="replace")
    assert leaks(json.dumps(done), json.dumps(failed), meta.text, log) == []


def test_an_older_recording_s_metadata_is_served_without_its_inputs_query(api, acme, media, worker_process, twilio_owner,
                                                                         tmp_path):
    """A recording stored before sources were named without their query string holds the
    presigned URL in its metadata: ``GET /v1/recordings/{id}`` serves it query-less."""
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS

    manifest, uris = https_call(media, tmp_path, "g8")
    data = {**json.loads(manifest.read_text()), "call_id": f"CA-g8-{uuid.uuid4().hex[:8]}"}
    response = api.post("/v1/calls", content=json.dumps(data), headers={**acme, "Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    status = wait_job(api, acme, response.json()["job_id"], worker=worker_process)
    assert status["state"] == "done", status
    rid = status["result"]["recording_id"]
    region_vault = build_vault(SETTINGS).for_recording(rid)
    stored = json.loads(decrypt(build_vault(SETTINGS), rid, "metadata"))
    stored["digests"]["inputs"][0]["uri"] = uris[0]  # as stored before
    region_vault.replace(rid, {"metadata": io.BytesIO(json.dumps(stored).encode())})
    assert uris[0] in decrypt(build_vault(SETTINGS), rid, "metadata").decode()
    meta = api.get(f"/v1/recordings/{rid}", headers=acme)
    assert meta.status_code == 200
    assert [d["uri"] for d in meta.json()["digests"]["inputs"]] == [uri.split("?")[0] for uri in uris]
    assert leaks(meta.text) == []


def test_a_recording_whose_input_name_holds_an_undecodable_byte_is_served(api, acme, inbox, worker_process):
    """Session 56's review: ``process`` stored a local leg named with a byte that is not UTF-8 as
    Python reads it ("\\udc80") in ``digests.inputs``, and ``GET /v1/recordings/{id}`` was a 500
    (UnicodeEncodeError as the response was written). A recording so stored is served, the byte as
    ``\\x80`` (new ones are stored so: worker.calls.source_names)."""
    from tests.worker.api.conftest import sample_manifest
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS

    data = sample_manifest(inbox, call_id=f"CA-sur-{uuid.uuid4().hex[:8]}")
    response = api.post("/v1/calls", content=json.dumps(data), headers={**acme, "Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    status = wait_job(api, acme, response.json()["job_id"], worker=worker_process)
    assert status["state"] == "done", status
    rid = status["result"]["recording_id"]
    stored = json.loads(decrypt(build_vault(SETTINGS), rid, "metadata"))
    stored["digests"]["inputs"][0]["uri"] = "file:CA-sur-1-\udc80a.wav"  # as process stored it before
    build_vault(SETTINGS).for_recording(rid).replace(rid, {"metadata": io.BytesIO(json.dumps(stored).encode())})
    meta = api.get(f"/v1/recordings/{rid}", headers=acme)
    assert meta.status_code == 200
    assert meta.json()["digests"]["inputs"][0]["uri"] == "file:CA-sur-1-\\x80a.wav"


@pytest.fixture
def twilio_owner(api, acme):
    """acme's profile names the Twilio account of the calls' media URLs (its token is configured),
    and the calls' region."""
    profile = {"plan": "team", "region": "eu", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto", "twilio_account_sid": TWILIO_SID}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200


def test_a_twilio_url_of_another_account_s_sid_is_refused(api, acme, media, tmp_path):
    """Found by the session-46 audit: any account could submit a manifest naming a Twilio URL of
    another tenant's AccountSid, and the worker fetched it with that tenant's auth token (and
    stored the recording as the submitter's). A Twilio URL whose SID has credentials here is
    taken only from the account whose profile names that SID."""
    manifest, uris = https_call(media, tmp_path, "t9")
    data = {**json.loads(manifest.read_text()), "call_id": f"CA-t9-{uuid.uuid4().hex[:8]}"}
    headers = {**acme, "Content-Type": "application/json"}
    no_twilio = {"plan": "team", "region": "eu", "retention_days": None, "recordings_public": False,
                 "pause_behavior": "silence", "redaction": "auto"}
    assert api.put("/v1/profile", json=no_twilio, headers=acme).status_code == 200  # (another test's may name it)
    refused = api.post("/v1/calls", content=json.dumps(data), headers=headers)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "segments[1].uri" and "not this account's" in error["message"]
    profile = {"plan": "team", "region": "eu", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto", "twilio_account_sid": TWILIO_SID}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200
    assert api.post("/v1/calls", content=json.dumps(data), headers=headers).status_code == 202


def test_another_account_cannot_claim_a_sid_in_its_profile_to_use_its_token(api, acme, keys, media, tmp_path):
    """Found by the session-47 audit: the session-46 fix was bypassed by naming the other
    tenant's SID in one's own profile (any profile could name any SID). A SID is now one
    account's at a time: another's ``PUT /v1/profile`` naming it is ``409``, stores nothing,
    and its manifests' Twilio URLs of that SID stay refused."""
    globex = {"Authorization": f"Bearer {keys.create('globex')[1]}"}
    profile = {"plan": "team", "region": "eu", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto", "twilio_account_sid": TWILIO_SID}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200
    taken = api.put("/v1/profile", json=profile, headers=globex)
    assert taken.status_code == 409, taken.text
    assert taken.json()["error"]["field"] == "twilio_account_sid"
    assert api.get("/v1/profile", headers=globex).json()["error"]["code"] == "no_profile"  # nothing stored
    manifest, _ = https_call(media, tmp_path, "t10")
    data = {**json.loads(manifest.read_text()), "call_id": f"CA-t10-{uuid.uuid4().hex[:8]}"}
    data["account"] = {**data["account"], "id": "globex"}
    refused = api.post("/v1/calls", content=json.dumps(data), headers={**globex, "Content-Type": "application/json"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "segments[1].uri", refused.text
