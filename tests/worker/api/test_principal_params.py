"""Who asks for a recording (``as``, ``tickets``, ``requester_of``) is checked at the API as
``callrec export``'s ``--as``/``--tickets``/``--requester-of`` are: ids of the id character set
that cannot hold a card number, else a JSON 4xx naming the parameter, never echoing it, before
the audit trail (which records the principal) or Redis sees it."""

from __future__ import annotations

import uuid

import pytest

from tests.hostile.test_leaks import PAN, leaked, redis_dump
from tests.worker.api.conftest import sample_manifest
from tests.worker.api.jobs import wait_done

DASHED = "-".join(PAN[i:i + 4] for i in range(0, 16, 4))

#: Query parameters of the audio and transcript routes, and the parameter each one names.
BAD_QUERIES = {
    "as-card": ({"as": f"agent:{PAN}", "tickets": "T-1001"}, "as"),
    "as-card-dashed": ({"as": f"agent:{DASHED}", "tickets": "T-1001"}, "as"),
    "as-end-user-card": ({"as": f"end-user:{DASHED}", "requester_of": "T-1001"}, "as"),
    "as-unknown-kind": ({"as": "robot:r2", "tickets": "T-1001"}, "as"),
    "as-no-kind": ({"as": "ann", "tickets": "T-1001"}, "as"),
    "as-space": ({"as": "agent:ann lee", "tickets": "T-1001"}, "as"),
    "as-empty-id": ({"as": "agent:", "tickets": "T-1001"}, "as"),
    "tickets-card": ({"as": "agent:ann", "tickets": f"T-1001,{PAN}"}, "tickets"),
    "tickets-card-dashed": ({"as": "agent:ann", "tickets": f"{DASHED},T-1001"}, "tickets"),
    "tickets-space": ({"as": "agent:ann", "tickets": "T-1001,T 2"}, "tickets"),
    "requester-of-card": ({"as": "end-user:u1", "requester_of": DASHED}, "requester_of"),
    "requester-of-slash": ({"as": "end-user:u1", "requester_of": "T/1"}, "requester_of"),
}

#: Bodies of the review-link route, and the field each one names.
BAD_BODIES = {
    "as-card": ({"as": f"agent:{PAN}", "tickets": ["T-1001"]}, "as"),
    "as-card-dashed": ({"as": f"agent:{DASHED}", "tickets": ["T-1001"]}, "as"),
    "as-space": ({"as": "agent:ann lee", "tickets": ["T-1001"]}, "as"),
    "tickets-card": ({"as": "agent:ann", "tickets": ["T-1001", PAN]}, "tickets"),
    "tickets-card-dashed": ({"as": "agent:ann", "tickets": [DASHED]}, "tickets"),
    "tickets-space": ({"as": "agent:ann", "tickets": ["T 1001"]}, "tickets"),
}


@pytest.fixture(scope="module")
def stored_rid():
    return {}


def stored(api, acme, inbox, worker, cache) -> str:
    if "rid" not in cache:
        data = sample_manifest(inbox, call_id=f"CA-who-{uuid.uuid4().hex[:8]}")  # an audit trail of its own
        job = api.post("/v1/calls", json=data, headers=acme).json()
        cache["rid"] = wait_done(api, acme, job["job_id"], worker=worker)["result"]["recording_id"]
    return cache["rid"]


def audit_trail(rid: str) -> list:
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.vaults import build_vault

    return [(e.action, e.outcome, e.principal) for e in build_vault(SETTINGS).for_recording(rid).audit_events(rid)]


def refused_without_trace(response, status: int, field: str, rid: str, trail: list, redis_client) -> None:
    assert response.status_code == status, response.status_code
    error = response.json()["error"]
    assert error["field"] == field, error["field"]
    assert error["message"].startswith(f"{field}: "), error["message"].split(":")[0]
    assert not leaked(response.content) and b"1111" not in response.content
    assert audit_trail(rid) == trail  # neither allowed nor refused: never reached the vault
    assert not leaked(redis_dump(redis_client)), "card number in Redis"


@pytest.mark.parametrize("route", ["audio", "transcript"])
@pytest.mark.parametrize("params, field", list(BAD_QUERIES.values()), ids=list(BAD_QUERIES))
def test_a_bad_principal_or_ticket_list_is_refused_naming_the_parameter(api, acme, inbox, worker_process,
                                                                       redis_client, stored_rid, route, params, field):
    rid = stored(api, acme, inbox, worker_process, stored_rid)
    trail = audit_trail(rid)
    response = api.get(f"/v1/recordings/{rid}/{route}", headers=acme, params=params)
    refused_without_trace(response, 400, field, rid, trail, redis_client)


@pytest.mark.parametrize("body, field", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_a_bad_principal_or_ticket_list_gets_no_review_link(api, acme, inbox, worker_process, redis_client,
                                                           stored_rid, body, field):
    rid = stored(api, acme, inbox, worker_process, stored_rid)
    trail = audit_trail(rid)
    response = api.post(f"/v1/recordings/{rid}/review-links", headers=acme, json=body)
    refused_without_trace(response, 422, field, rid, trail, redis_client)


def test_good_principals_still_play(api, acme, inbox, worker_process, stored_rid):
    rid = stored(api, acme, inbox, worker_process, stored_rid)
    ok = {"as": "agent:ann.lee@example.com", "tickets": "T-1001, INC-2026-12-01-000123"}
    assert api.get(f"/v1/recordings/{rid}/audio", headers=acme, params=ok).status_code == 200
    refused = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params={"as": "end-user:u1",
                                                                            "requester_of": "T-1001"})
    assert refused.status_code == 403  # a well-formed end user: the access rules decide (not public)
    link = api.post(f"/v1/recordings/{rid}/review-links", headers=acme,
                    json={"as": "agent:ann", "tickets": ["T-1001", "INC-2026-12-01-000123"]})
    assert link.status_code == 201, link.status_code


#: Query parameters given twice, and the parameter each one names.
TWICE = {
    "as": ([("as", "agent:eve"), ("as", "agent:ann"), ("tickets", "T-1001")], "as"),
    "tickets": ([("as", "agent:ann"), ("tickets", "T-9"), ("tickets", "T-1001")], "tickets"),
    "requester_of": ([("as", "end-user:u1"), ("requester_of", "T-1001"), ("requester_of", "T-1001")], "requester_of"),
}


@pytest.mark.parametrize("route, params, field", [
    *((route, params, field) for route in ("audio", "transcript") for params, field in TWICE.values()),
    ("audio", [("as", "agent:ann"), ("tickets", "T-1001"), ("format", "opus"), ("format", "wav")], "format"),
], ids=[*(f"{route}-{name}" for route in ("audio", "transcript") for name in TWICE), "audio-format"])
def test_a_query_parameter_given_twice_is_refused_naming_it(api, acme, inbox, worker_process, redis_client,
                                                             stored_rid, route, params, field):
    """Found by hand (session 53): ``as=agent:eve&as=agent:ann&tickets=T-9&tickets=T-1001`` played
    the recording (200), the last of each taken, the audit naming agent:ann: a front end or proxy
    that checked the first value let another through. A JSON field given twice is refused (the
    manifest, every body); so is a query parameter, before anything is audited."""
    rid = stored(api, acme, inbox, worker_process, stored_rid)
    trail = audit_trail(rid)
    response = api.get(f"/v1/recordings/{rid}/{route}", headers=acme, params=params)
    refused_without_trace(response, 400, field, rid, trail, redis_client)
    assert response.json()["error"]["message"] == f"{field}: given more than once"
