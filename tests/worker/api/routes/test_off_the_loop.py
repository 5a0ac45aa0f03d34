"""Every route runs its Redis calls (job records, owners, profiles, Idempotency-Keys, job
submissions, the review links' secret) in the thread pool, never on the event loop, where a
slow Redis would stall every other request of the server, as ``authenticate`` does
(tests/worker/api/test_auth.py) and ``/v1/webhooks`` (test_webhooks.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from worker.api import review
from worker.api.ingress import connect, twilio
from worker.api.routes import calls as call_routes
from worker.api.routes import jobs, profile, recordings
from worker.api.submissions import Submitted
from tests.worker.api.event_loop import on_loop

RID = "rec_us_" + "ab" * 16


class Calls(list):
    """(what was called, whether on the event loop)."""

    def note(self, name: str) -> None:
        self.append((name, on_loop()))


class LoopCheckingRedis:
    """Stands in for the Redis client: records each call; the job's owner is ``acme``."""

    def __init__(self, calls: Calls) -> None:
        self.calls, self.values = calls, {}

    def get(self, name):
        self.calls.note("redis.get")
        return self.values.get(name)

    def set(self, name, value, nx=False, **kwargs):
        self.calls.note("redis.set")
        if not (nx and name in self.values):
            self.values[name] = value.encode() if isinstance(value, str) else value
        return True

    def hget(self, name, field):
        self.calls.note("redis.hget")
        return b"acme"

    def delete(self, name):
        self.calls.note("redis.delete")
        self.values.pop(name, None)

    def pipeline(self):
        return LoopCheckingPipeline(self)


class LoopCheckingPipeline:
    """A transaction of :class:`LoopCheckingRedis` (WATCH, MULTI, EXEC), run as it is queued."""

    def __init__(self, client: LoopCheckingRedis) -> None:
        self.client = client

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def watch(self, *names):
        pass

    def multi(self):
        pass

    def execute(self):
        return []

    def __getattr__(self, name):
        return getattr(self.client, name)


class LoopCheckingSubmitter:
    def __init__(self, calls: Calls, remembered: str | None = None) -> None:
        self.calls, self.earlier = calls, remembered

    def submit(self, job, account_id, **kwargs):
        self.calls.note("submitter.submit")
        return Submitted(job.job_id, None, True)

    def remembered(self, account_id, key, body):
        self.calls.note("submitter.remembered")
        return self.earlier

    def remember(self, account_id, key, body, job_id):
        self.calls.note("submitter.remember")


@pytest.fixture
def app(monkeypatch):
    calls = Calls()

    async def authenticate(request):
        return SimpleNamespace(account_id="acme", key_id="a1b2c3d4e5f60718")  # as KeyStore makes them

    for module in (jobs, profile, recordings, call_routes, connect, review):
        monkeypatch.setattr(module, "authenticate", authenticate)
    live = SimpleNamespace(deleted=False)  # a stored recording's entry, as the routes read it
    monkeypatch.setattr(recordings, "account_recording", lambda request, key, rid: (None, live))

    def ticket_has_recordings(ticket_id, account_id, vault):  # the ticket's markers and entries: it has one
        calls.note("vault.scan")
        return True

    monkeypatch.setattr(recordings, "ticket_has_recordings", ticket_has_recordings)
    # its window (the account's policy, in the vault): judged before a re-redaction, off the loop too
    monkeypatch.setattr(recordings, "refuse_past_retention", lambda *args: calls.note("vault.policy"))
    monkeypatch.setattr(review, "account_recording", lambda request, key, rid: (None, None))
    monkeypatch.setattr(review, "refusal_now", lambda region_vault, entry, principal, artifact: None)
    monkeypatch.setattr(call_routes, "submit_manifest", lambda services, account, data, profile: Submitted("call-1", None, True))
    status = SimpleNamespace(job_id="call-1", kind="process_call", state="queued", attempts=0, enqueued_at=1.0,
                             started_at=None, finished_at=None, reason=None, result={})

    def get_status(job_id):
        calls.note("status.get")
        return status

    services = SimpleNamespace(
        client=LoopCheckingRedis(calls), queue=SimpleNamespace(status=SimpleNamespace(get=get_status)),
        submitter=LoopCheckingSubmitter(calls), vault=None,
        settings=SimpleNamespace(api_max_body_bytes=10_000, max_manifest_bytes=10_000, api_public_url="",
                                 twilio_auth_tokens=""))
    routes = [*jobs.ROUTES, *profile.ROUTES, *recordings.ROUTES, *call_routes.ROUTES, *twilio.ROUTES,
              *connect.ROUTES, *review.ROUTES]
    application = Starlette(routes=routes)
    application.state.services = services
    return TestClient(application), calls, services


def test_job_status_reads_owner_and_record_off_the_loop(app):
    client, noted, _ = app
    assert client.get("/v1/jobs/call-1").json()["state"] == "queued"
    assert noted == [("redis.hget", False), ("status.get", False)]


def test_profile_is_stored_and_read_off_the_loop(app):
    client, noted, _ = app
    body = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
            "pause_behavior": "silence", "redaction": "auto"}
    assert client.put("/v1/profile", json=body).status_code == 200
    assert client.get("/v1/profile").status_code == 200
    assert noted == [("redis.get", False), ("redis.set", False), ("redis.get", False)]


def test_re_redaction_and_deletions_are_submitted_off_the_loop(app):
    """(A re-redaction reads the account's retention policy first, a ticket's deletion scans the
    vault's index for the ticket first: off the loop too.)"""
    client, noted, _ = app
    assert client.post(f"/v1/recordings/{RID}/redact").status_code == 202
    assert client.delete(f"/v1/recordings/{RID}").status_code == 202
    assert client.delete("/v1/tickets/T-1/recordings").status_code == 202
    assert noted == [("vault.policy", False)] + [("submitter.submit", False)] * 2 + [
        ("vault.scan", False), ("submitter.submit", False)]


@pytest.mark.parametrize("earlier", [None, "call-1"])
def test_idempotency_keys_are_checked_and_kept_off_the_loop(app, earlier):
    client, noted, services = app
    services.submitter.earlier = earlier
    response = client.post("/v1/calls", content=b"{}", headers={"Content-Type": "application/json",
                                                                "Idempotency-Key": "k1"})
    assert response.status_code == 202
    done_before = [("submitter.remembered", False), ("status.get", False)]
    # the profile is read (redis.get) before the manifest is submitted, and passed to it
    submitted = [("submitter.remembered", False), ("redis.get", False), ("submitter.remember", False)]
    assert noted == (done_before if earlier else submitted)


def test_ingress_reads_the_profile_off_the_loop(app):
    client, noted, _ = app
    twilio_answer = client.post("/v1/ingress/twilio/acme/recording?ticket=T-1", content=b"AccountSid=AC1",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twilio_answer.status_code == 403
    assert client.post("/v1/ingress/connect", json={"ticket_id": "T-1", "contact_record": {}}).status_code == 409
    assert noted == [("redis.get", False)] * 2


def test_review_links_are_issued_and_checked_off_the_loop(app):
    client, noted, _ = app
    made = client.post(f"/v1/recordings/{RID}/review-links", json={"as": "agent:ann", "tickets": ["T-1"]})
    assert made.status_code == 201
    assert client.get("/review/not-a-token.x").status_code == 404
    assert noted and all(on_loop is False for _, on_loop in noted), noted
