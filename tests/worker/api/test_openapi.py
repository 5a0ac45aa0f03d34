"""The OpenAPI document (worker/api/openapi.py) says what the server does: every route and
method, every status each one answers, and each body as its schema says (found by the
session-47 audit's contract checker: a client generated from it knew of none of 409, 410,
413, 415 on most routes, nor of HEAD, and no success body had a schema)."""

from __future__ import annotations

import json
import uuid

import pytest
from starlette.routing import Route

from tests.worker.api.conftest import TWILIO_SID, sample_manifest
from tests.worker.api.jobs import wait_done
from tests.worker.api.openapi_contract import contract_problems, schema_problems
from tests.worker.api.test_recording_ids import MADE_UP
from tests.worker.api.test_twilio import callback

PROFILE = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
           "pause_behavior": "silence", "redaction": "auto"}
AGENT = {"as": "agent:ann", "tickets": "T-1009"}
#: Routes that read a request body (408 when it comes too slowly, 413 when too large, 415 as another type).
BODY_ROUTES = {("/v1/calls", "post"), ("/v1/retention", "put"), ("/v1/webhooks", "post"), ("/v1/profile", "put"),
               ("/v1/ingress/twilio/{account}/recording", "post"), ("/v1/ingress/connect", "post"),
               ("/v1/recordings/{recording_id}/review-links", "post")}


@pytest.fixture
def document(api):
    return api.get("/v1/openapi.json").json()


class Checked:
    """An httpx client whose every response is checked against the document (problems kept)."""

    def __init__(self, client, document: dict) -> None:
        self.client, self.document, self.problems, self.seen = client, document, [], set()

    def __getattr__(self, name: str):
        if name not in ("get", "head", "post", "put", "delete"):
            return getattr(self.client, name)

        def call(*args, **kwargs):
            method = name
            response = getattr(self.client, method)(*args, **kwargs)
            self.problems += contract_problems(self.document, response)
            self.seen.add(response.status_code)
            return response
        return call


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in ("get", "head", "post", "put", "delete", "patch"):
                yield path, method, op


def test_the_document_is_valid_openapi_3_1(document):
    validator = pytest.importorskip("openapi_spec_validator")
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


def test_every_route_and_method_is_documented(document, api_server):
    routes = api_server.server.config.app.routes
    for route in routes:
        if isinstance(route, Route):
            methods = {m.lower() for m in route.methods}  # Starlette answers HEAD wherever it answers GET
            assert methods <= set(document["paths"].get(route.path, {})), (route.path, methods)


def test_every_operation_documents_the_answers_every_route_can_give(document):
    """Too many requests (429, Retry-After) and an unavailable server (503: Redis, or past
    CALLREC_API_MAX_CONNECTIONS) on every route; 401 (WWW-Authenticate) wherever a key is asked
    for; 400, 408, 413, 415 wherever a body is read; Location on every 202."""
    for path, method, op in operations(document):
        responses = op["responses"]
        assert {"429", "503"} <= set(responses), (path, method)
        assert responses["429"]["headers"]["Retry-After"]["required"], (path, method)
        assert "Retry-After" in responses["503"]["headers"]
        keyless = op.get("security", document["security"]) == []
        assert keyless or responses["401"]["headers"]["WWW-Authenticate"]["required"], (path, method)
        if (path, method) in BODY_ROUTES:
            assert {"400", "408", "413", "415"} <= set(responses), (path, method)
        if "202" in responses:
            assert responses["202"]["headers"]["Location"]["required"], (path, method)
        for status, response in responses.items():
            if status.startswith("2") and method != "head" and status != "204":
                assert response.get("content"), (path, method, status)
                for kind, media in response["content"].items():
                    assert kind != "application/json" or media.get("schema"), (path, method, status)


def body_schema(document: dict, path: str, method: str) -> dict:
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def test_request_bodies_name_their_fields(document):
    paths = document["paths"]
    manifest = body_schema(document, "/v1/calls", "post")
    assert schema_problems({}, manifest, document)  # its top-level fields are required
    assert set(manifest["required"]) >= {"call_id", "ticket_id", "account", "number", "direction", "consent",
                                         "events", "controls", "segments"}
    profile = body_schema(document, "/v1/profile", "put")
    assert set(profile["properties"]) == {*PROFILE, "twilio_account_sid"}
    days = body_schema(document, "/v1/retention", "put")
    assert (days["properties"]["days"]["minimum"], days["properties"]["days"]["maximum"]) == (1, 36500)
    audio = {p["name"] for p in paths["/v1/recordings/{recording_id}/audio"]["get"]["parameters"]}
    assert {"Range", "If-Range"} <= audio
    assert "Idempotency-Key" in {p["name"] for p in paths["/v1/calls"]["post"]["parameters"]}
    ranged = paths["/v1/recordings/{recording_id}/audio"]["get"]["responses"]
    assert {"ETag", "Accept-Ranges"} <= set(ranged["200"]["headers"])
    assert {"ETag", "Content-Range"} <= set(ranged["206"]["headers"])


def test_what_the_server_answers_without_a_recording_is_documented(api, keys, acme, inbox, document, media):
    checked = Checked(api, document)
    json_type = {**acme, "Content-Type": "application/json"}
    checked.get("/v1/health")
    checked.head("/v1/health")
    checked.get("/v1/openapi.json")
    # calls: 401, 415, 400, 413, 422, 202; jobs: 200, 404
    checked.post("/v1/calls", json={})
    checked.post("/v1/calls", content=b"{}", headers={**acme, "Content-Type": "text/plain"})
    checked.post("/v1/calls", content=b"{nope", headers=json_type)
    checked.post("/v1/calls", content=b" " * (65 * 1024), headers=json_type)
    checked.post("/v1/calls", json={"call_id": "x"}, headers=acme)
    job = checked.post("/v1/calls", json=sample_manifest(inbox), headers=acme).json()
    checked.get(f"/v1/jobs/{job['job_id']}", headers=acme)
    checked.head(f"/v1/jobs/{job['job_id']}", headers=acme)
    checked.get("/v1/jobs/nope", headers=acme)
    # recordings that are not: 404, and 400 for an id holding a card-number length run
    missing = "rec_us_" + "ab" * 16
    for rid in (missing, MADE_UP):
        checked.get(f"/v1/recordings/{rid}", headers=acme)
        checked.get(f"/v1/recordings/{rid}/audio", headers=acme, params=AGENT)
        checked.get(f"/v1/recordings/{rid}/transcript", headers=acme, params=AGENT)
        checked.post(f"/v1/recordings/{rid}/redact", headers=acme)
        checked.delete(f"/v1/recordings/{rid}", headers=acme)
        checked.post(f"/v1/recordings/{rid}/review-links", headers=acme, json={"as": "agent:ann"})
    checked.post(f"/v1/recordings/{missing}/review-links", headers={**acme, "Content-Type": "text/plain"},
                 content=b"{}")
    checked.delete("/v1/tickets/T-none/recordings", headers=acme)
    checked.delete("/v1/tickets/T-none/recordings", headers=acme, params={"reason": "no 1"})
    # retention, webhooks
    checked.put("/v1/retention", json={"days": 30}, headers=acme)
    checked.put("/v1/retention", json={"days": 0}, headers=acme)
    checked.put("/v1/retention", content=b"days", headers=acme)
    hook = checked.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=acme).json()
    checked.post("/v1/webhooks", json={"url": "ftp://x"}, headers=acme)
    checked.get("/v1/webhooks", headers=acme)
    checked.delete(f"/v1/webhooks/{hook['id']}", headers=acme)
    checked.delete(f"/v1/webhooks/{hook['id']}", headers=acme)
    # profile: 404 before one, 200, 422, 409 (another account names the SID); Connect needs one (409)
    globex = {"Authorization": f"Bearer {keys.create('globex')[1]}"}
    checked.post("/v1/ingress/connect", json={"ticket_id": "T-1", "contact_record": {}}, headers=globex)
    checked.get("/v1/profile", headers=acme)
    checked.put("/v1/profile", json={**PROFILE, "twilio_account_sid": TWILIO_SID}, headers=acme)
    checked.get("/v1/profile", headers=acme)
    checked.put("/v1/profile", json={**PROFILE, "plan": "gold"}, headers=globex)
    checked.put("/v1/profile", json={**PROFILE, "twilio_account_sid": TWILIO_SID}, headers=globex)
    checked.post("/v1/ingress/connect", json={"ticket_id": "T-1", "contact_record": {}}, headers=acme)
    # Twilio: 404 (malformed account), 415, 403 (bad signature), 200 (ignored), 400
    checked.post("/v1/ingress/twilio/no%20such/recording?ticket=T-1", content=b"")
    checked.post("/v1/ingress/twilio/acme/recording?ticket=T-1", content=b"{}",
                 headers={"Content-Type": "application/json"})
    ignored = callback(checked, media, RecordingStatus="in-progress")
    assert ignored.status_code == 200 and ignored.json() == {"ignored": "RecordingStatus in-progress"}
    callback(checked, media, headers={"X-Twilio-Signature": "bad"})
    callback(checked, media, query="ticket=")
    # the review page of a link that is not
    checked.get("/review/not-a-token")
    checked.head("/review/not-a-token")
    checked.get("/review/not-a-token/audio")
    assert checked.problems == []
    assert {200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 415, 422} <= checked.seen


def test_what_the_server_answers_of_a_recording_is_documented(api, acme, inbox, worker_process, document):
    checked = Checked(api, document)
    data = sample_manifest(inbox, "09-card-spoken", call_id=f"CA-oa-{uuid.uuid4().hex[:8]}")
    job = checked.post("/v1/calls", content=json.dumps(data), headers={**acme, "Content-Type": "application/json",
                                                                        "Idempotency-Key": uuid.uuid4().hex})
    rid = wait_done(api, acme, job.json()["job_id"], worker=worker_process)["result"]["recording_id"]
    checked.get(f"/v1/recordings/{rid}", headers=acme)
    audio = f"/v1/recordings/{rid}/audio"
    for fmt in ("wav", "flac", "opus"):
        checked.get(audio, headers=acme, params={**AGENT, "format": fmt})
        checked.head(audio, headers=acme, params={**AGENT, "format": fmt})
    checked.get(audio, headers={**acme, "Range": "bytes=0-99"}, params=AGENT)
    checked.get(audio, headers={**acme, "Range": "bytes=999999999-"}, params=AGENT)
    checked.get(audio, headers=acme, params={**AGENT, "format": "mp3"})
    checked.get(audio, headers=acme, params={"as": "agent:bob", "tickets": "T-9"})
    transcript = f"/v1/recordings/{rid}/transcript"
    checked.get(transcript, headers=acme, params=AGENT)
    checked.get(transcript, headers={**acme, "Range": "bytes=0-9"}, params=AGENT)
    checked.get(transcript, headers={**acme, "Range": "bytes=0-9,20-29"}, params=AGENT)
    checked.get(transcript, headers={**acme, "Range": "bytes=999999999-"}, params=AGENT)
    checked.head(transcript, headers=acme, params=AGENT)
    link = checked.post(f"/v1/recordings/{rid}/review-links", headers=acme,
                        json={"as": "agent:ann", "tickets": ["T-1009"]}).json()
    checked.post(f"/v1/recordings/{rid}/review-links", headers=acme, json={"as": "agent:bob", "tickets": ["T-9"]})
    page = link["url"].split("/review/", 1)[1]
    checked.get(f"/review/{page}")
    checked.head(f"/review/{page}")
    checked.get(f"/review/{page}/audio", headers={"Range": "bytes=0-99"})
    checked.head(f"/review/{page}/audio")
    checked.post(f"/v1/recordings/{rid}/redact", headers=acme)
    deleting = checked.delete(f"/v1/recordings/{rid}", headers=acme, params={"reason": "customer asked"})
    wait_done(api, acme, deleting.json()["job_id"], worker=worker_process)
    checked.get(f"/v1/recordings/{rid}", headers=acme)
    checked.get(audio, headers=acme, params=AGENT)
    checked.head(audio, headers=acme, params=AGENT)
    checked.get(transcript, headers=acme, params=AGENT)
    checked.post(f"/v1/recordings/{rid}/redact", headers=acme)
    checked.post(f"/v1/recordings/{rid}/review-links", headers=acme, json={"as": "agent:ann", "tickets": ["T-1009"]})
    assert checked.problems == []
    assert {200, 201, 202, 206, 400, 403, 410, 416} <= checked.seen


@pytest.mark.parametrize("host, url", [("::1", "http://[::1]:8080"), ("127.0.0.1", "http://127.0.0.1:8080"),
                                       ("api.internal", "http://api.internal:8080")])
def test_the_documents_server_is_a_url_an_ipv6_address_included(host, url):
    """Found by hand (session 53): ``callrec serve --host ::1`` documented (and printed) its server
    as ``http://::1:8080``, which no client parses: an IPv6 address goes in brackets in a URL."""
    from worker.api import openapi
    from worker.settings import Settings

    assert openapi.document(Settings(api_host=host, api_port=8080))["servers"] == [{"url": url}]
