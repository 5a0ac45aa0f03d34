"""Account profiles: the Twilio Account SID a profile names is one account's (found by the
session-47 audit: any account could name another's SID in its profile, and its manifests'
Twilio URLs were then fetched with that tenant's auth token)."""

from __future__ import annotations

import json

import pytest

from worker.api.errors import ApiError
from worker.api.owners import NAMESPACE
from worker.api.profiles import ProfileStore

SID = "AC" + "0" * 31 + "1"
BASE = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
        "pause_behavior": "silence", "redaction": "auto"}


def test_a_sid_is_named_by_one_accounts_profile_until_it_lets_it_go(redis_client):
    store = ProfileStore(redis_client)
    store.put("acme", {**BASE, "twilio_account_sid": SID})
    store.put("acme", {**BASE, "twilio_account_sid": SID})  # its own again: fine
    with pytest.raises(ApiError) as taken:
        store.put("globex", {**BASE, "twilio_account_sid": SID})
    assert (taken.value.status, taken.value.field) == (409, "twilio_account_sid")
    assert store.get("globex") is None  # nothing stored
    assert store.owned_sid("acme", store.get("acme")) == SID and store.owned_sid("globex", store.get("globex")) is None
    store.put("acme", BASE)  # acme names no SID now: it is free
    store.put("globex", {**BASE, "twilio_account_sid": SID})
    assert store.owned_sid("globex", store.get("globex")) == SID and store.owned_sid("acme", store.get("acme")) is None


def test_a_sid_the_operator_gave_an_account_is_that_accounts_alone(redis_client):
    store = ProfileStore(redis_client, sid_accounts={SID: "acme"})  # CALLREC_TWILIO_AUTH_TOKENS acme=AC...:token
    with pytest.raises(ApiError) as taken:
        store.put("globex", {**BASE, "twilio_account_sid": SID})
    assert taken.value.status == 409
    store.put("acme", {**BASE, "twilio_account_sid": SID})
    assert store.owned_sid("acme", store.get("acme")) == SID


def test_profiles_that_named_one_sid_before_claims_existed_leave_it_to_the_first_to_use_it(redis_client):
    for account in ("acme", "globex"):  # stored by an older server: no claim
        redis_client.set(f"{NAMESPACE}:profile:{account}", json.dumps({**BASE, "twilio_account_sid": SID}))
    store = ProfileStore(redis_client)
    assert store.owned_sid("globex", store.get("globex")) == SID  # claimed now, by the first that uses it
    assert store.owned_sid("acme", store.get("acme")) is None


def test_a_submission_reads_the_accounts_profile_once(api, acme, inbox, profile_reads):
    from tests.worker.api.conftest import sample_manifest

    assert api.put("/v1/profile", json={**BASE, "twilio_account_sid": SID}, headers=acme).status_code == 200
    profile_reads.clear()
    response = api.post("/v1/calls", json=sample_manifest(inbox), headers=acme)
    assert response.status_code == 202, response.text
    assert profile_reads == [f"{NAMESPACE}:profile:acme"]  # it read it twice (region check, then the SID)


#: The one answer of every keyed route that needs the account's profile when it has none.
NO_PROFILE = {"code": "no_profile", "field": None,
              "message": "this account has no profile: set its plan and region first (PUT /v1/profile)"}


def test_an_account_without_a_profile_gets_one_answer_wherever_one_is_needed(api, acme, media):
    """Found by review: GET /v1/profile said 404 not_found, Amazon Connect ingress 409 no_profile."""
    from tests.worker.api.conftest import error_of
    from tests.worker.api.test_twilio import callback

    answers = [api.get("/v1/profile", headers=acme),
               api.post("/v1/ingress/connect", headers=acme, json={"ticket_id": "T-1", "contact_record": {}})]
    assert [(answer.status_code, error_of(answer)) for answer in answers] == [(409, NO_PROFILE)] * 2
    # a Twilio callback carries no API key: it is refused as one from another AccountSid (the
    # profile names the SID it must come from), never telling its sender the account has no profile
    twilio = callback(api, media)
    assert (twilio.status_code, error_of(twilio)) == (403, {
        "code": "forbidden", "field": None, "message": "this account takes no Twilio callbacks from that AccountSid"})


def test_a_profile_read_before_the_account_let_its_sid_go_claims_nothing(redis_client):
    """A submission reads the account's profile once and passes it on (``owned_sid``): when the
    account let the SID go meanwhile (PUT /v1/profile naming another), that read is stale, and
    claiming the SID from it gave it back to the account for good: the tenant whose SID it is
    was refused it (409) though no profile named it."""
    store = ProfileStore(redis_client)
    store.put("acme", {**BASE, "twilio_account_sid": SID})
    read = store.get("acme")  # a request of acme's reads its profile ...
    store.put("acme", BASE)  # ... acme names no SID now: it lets it go ...
    assert store.owned_sid("acme", read) is None  # ... and the request goes on with what it read
    store.put("globex", {**BASE, "twilio_account_sid": SID})  # free: another tenant names it
    assert store.owned_sid("globex", store.get("globex")) == SID
