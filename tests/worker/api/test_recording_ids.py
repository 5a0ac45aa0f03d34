"""A card number inside a well-formed recording id is refused (400, JSON, the field named)
on every route that takes one, before it reaches Redis, the audit trail or a job."""

from __future__ import annotations

import json

import pytest

from tests.hostile.test_leaks import PAN, leaked, redis_dump
from tests.worker.api.conftest import error_of, sample_manifest
from tests.worker.stored_recordings import store_recording, store_recordings
from vault.regions import may_hold_card_number
from worker.vaults import build_vault

#: A made-up id of the right shape holding the card number (16 digits, Luhn-valid).
MADE_UP = f"rec_us_{PAN}abcdefabcdefabcd"


def test_a_card_number_inside_a_recording_id_is_refused_on_every_route(api, acme, redis_client, api_settings):
    assert may_hold_card_number(MADE_UP)
    export = {"as": "agent:a1", "tickets": "T-1"}
    responses = [
        api.get(f"/v1/recordings/{MADE_UP}", headers=acme),
        api.get(f"/v1/recordings/{MADE_UP}/audio", headers=acme, params=export),
        api.get(f"/v1/recordings/{MADE_UP}/transcript", headers=acme, params=export),
        api.post(f"/v1/recordings/{MADE_UP}/redact", headers=acme),
        api.delete(f"/v1/recordings/{MADE_UP}", headers=acme, params={"reason": "customer asked"}),
        api.post(f"/v1/recordings/{MADE_UP}/review-links", headers=acme, json={"as": "agent:a1", "tickets": ["T-1"]}),
    ]
    for response in responses:
        assert response.status_code == 400, (response.request.url, response.text)
        error = response.json()["error"]
        assert error["code"] == "bad_request" and error["field"] == "recording_id", error
        assert "12 or more digits" in error["message"] and not leaked(response.content), error
    redis_client.ping()
    assert not leaked(redis_dump(redis_client)), "card number in Redis"
    vault_dir = api_settings.data_dir / "vault"
    assert not any(not p.is_dir() and leaked(p.read_bytes()) for p in vault_dir.rglob("*")), "card number in the vault"


#: A card number with its groups joined by separators, in a malformed id the API echoed back.
JOINED = ["4111_1111_1111_1111", "4111+1111+1111+1111", "4111:1111:1111:1111", "4111,1111,1111,1111"]


def test_a_malformed_or_unknown_id_holding_joined_card_digits_is_not_echoed(api, acme):
    for joined in JOINED:
        responses = [api.get(f"/v1/recordings/rec_eu_{joined}", headers=acme),
                     api.get(f"/v1/jobs/call-{joined}", headers=acme),
                     api.delete(f"/v1/webhooks/we_{joined}", headers=acme),
                     api.post(f"/v1/ingress/twilio/acme{joined}/recording", data={"x": "1"})]
        for response in responses:
            assert 400 <= response.status_code < 500, (response.request.url, response.text)
            body = response.text
            assert "1111" not in body and "####" not in body, (response.request.url, body)


def test_a_card_number_in_an_unknown_fields_name_is_echoed_in_neither_message_nor_field(api, acme, inbox):
    """The caller's own key names the field of a 422: its digits are hidden there as in the message."""
    manifest = {**sample_manifest(inbox), f"foo{PAN}": 1}
    for response in (api.put("/v1/profile", headers=acme, json={f"x{PAN}": 1}),
                     api.post("/v1/calls", headers=acme, json=manifest)):
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        error = response.json()["error"]
        assert "unknown field" in error["message"] and error["field"] and error["field"].startswith(("x#", "foo#"))
        assert not leaked(response.content), response.text


def _every_route(api, headers, rid):
    """The answers of every route that takes a recording id, for ``rid``."""
    export = {"as": "agent:a1", "tickets": "T-1"}
    return [api.get(f"/v1/recordings/{rid}", headers=headers),
            api.get(f"/v1/recordings/{rid}/audio", headers=headers, params=export),
            api.head(f"/v1/recordings/{rid}/audio", headers=headers, params=export),
            api.get(f"/v1/recordings/{rid}/transcript", headers=headers, params=export),
            api.head(f"/v1/recordings/{rid}/transcript", headers=headers, params=export),
            api.post(f"/v1/recordings/{rid}/redact", headers=headers),
            api.delete(f"/v1/recordings/{rid}", headers=headers),
            api.post(f"/v1/recordings/{rid}/review-links", headers=headers,
                     json={"as": "agent:a1", "tickets": ["T-1"]})]


@pytest.mark.parametrize("malformed", ["nope", "rec_us_abc", "rec_xx_" + "ab" * 16, "rec_us_" + "AB" * 16,
                                       "rec_us_" + "ab" * 16 + "0", "rec_eu_1234_5678_9012"])
def test_a_malformed_recording_id_is_400_saying_only_that_its_form_is_wrong(api, acme, malformed):
    for answer in _every_route(api, acme, malformed):
        assert answer.status_code == 400, (answer.request.method, answer.request.url, answer.text)
        if answer.request.method != "HEAD":
            assert error_of(answer) == {"code": "bad_request", "field": "recording_id",
                                        "message": "recording_id: not a recording id "
                                                   "(want rec_<us|eu|au>_<32 hex digits>)"}


#: A recording id of the form made before 2026-12-02 holding a 12-digit run (about 3 % did),
#: and one of the same form no recording has.
LEGACY = "rec_us_123456789012abcdefabcdefabcdefab"
LEGACY_MADE_UP = "rec_us_210987654321abcdefabcdefabcdefab"


def _shown(answer, rid):
    """An answer as a caller compares it: status and error, the id it names made the same."""
    if answer.request.method == "HEAD":
        return answer.status_code, None
    return answer.status_code, json.dumps(error_of(answer)).replace(rid, "ID")


def test_another_accounts_legacy_id_answers_exactly_as_one_no_recording_has(api, acme, api_settings):
    """Found by review: a legacy id holding a 12-digit run was 400 when no recording had it but
    404 when another account's recording did: an oracle of other tenants' ids."""
    region_vault = build_vault(api_settings).region("us")
    store_recording(region_vault, "globex", LEGACY, 73001)
    assert may_hold_card_number(LEGACY) and may_hold_card_number(LEGACY_MADE_UP)
    theirs = [_shown(answer, LEGACY) for answer in _every_route(api, acme, LEGACY)]
    nobodys = [_shown(answer, LEGACY_MADE_UP) for answer in _every_route(api, acme, LEGACY_MADE_UP)]
    assert theirs == nobodys
    assert {status for status, _ in theirs} == {400}
    assert list(region_vault.audit_events(LEGACY)) == []  # nothing audited


def test_an_accounts_own_legacy_id_is_served(api, keys, api_settings):
    region_vault = build_vault(api_settings).region("us")
    rid = "rec_us_345678901234abcdefabcdefabcdefab"
    store_recording(region_vault, "initech", rid, 73002)
    answer = api.get(f"/v1/recordings/{rid}", headers={"Authorization": f"Bearer {keys.create('initech')[1]}"})
    assert answer.status_code == 200, answer.text


def test_another_accounts_id_answers_exactly_as_one_no_recording_has(api, acme, api_settings):
    region_vault = build_vault(api_settings).region("us")
    [theirs] = store_recordings(region_vault, "globex", 1, first=73003)
    made_up = theirs[:-6] + ("abcdef" if not theirs.endswith("abcdef") else "fedcba")
    assert [_shown(a, theirs) for a in _every_route(api, acme, theirs)] == \
        [_shown(a, made_up) for a in _every_route(api, acme, made_up)]
    assert api.get(f"/v1/recordings/{theirs}", headers=acme).status_code == 404
