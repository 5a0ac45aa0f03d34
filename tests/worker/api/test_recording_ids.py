"""A card number inside a well-formed recording id is refused (400, JSON, the field named)
on every route that takes one, before it reaches Redis, the audit trail or a job."""

from __future__ import annotations

from tests.hostile.test_leaks import PAN, leaked, redis_dump
from tests.worker.api.conftest import sample_manifest
from vault.regions import may_hold_card_number

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
