"""Twilio ingress: the request signature (Twilio's published vectors), the recording callback
through a worker that fetches the recording over https with the account's credentials."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import numpy as np
import pytest
import soundfile

from tests.worker.api.conftest import TWILIO_SID, TWILIO_TOKEN, error_of
from tests.worker.api.jobs import wait_job
from worker.api.ingress.twilio_signature import compute_signature, valid_signature

# Twilio's own test vectors (twilio-python tests/unit/test_request_validator.py).
URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309", "To": "+18005551212",
          "Caller": "+14158675309"}


def test_signature_matches_twilios_published_vectors():
    assert compute_signature("12345", URI, PARAMS.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    duplicates = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert compute_signature("12345", URI, duplicates) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert valid_signature("12345", URI, PARAMS.items(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    # a proxy that added or dropped the default port does not break it (as Twilio's validators)
    assert valid_signature("12345", URI.replace(".com", ".com:1234"), PARAMS.items(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert valid_signature("12345", URI, PARAMS.items(), "kvajT1Ptam85bY51eRf/AJRuM3w=")  # signed with :443
    assert not valid_signature("12345", URI, {**PARAMS, "To": "+18005551213"}.items(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature("54321", URI, PARAMS.items(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature("12345", URI, PARAMS.items(), "")


CALL_SID = "CA" + "a1" * 16
RECORDING_SID = "RE" + "b2" * 16


def dual_channel_wav(seconds: float = 6.0, rate_hz: int = 8000) -> bytes:
    """Agent on the left (440 Hz), caller on the right (660 Hz), both at -12 dBFS."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    both = np.stack([0.25 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 660 * t)], axis=1)
    out = io.BytesIO()
    soundfile.write(out, both, rate_hz, format="WAV", subtype="PCM_16")
    return out.getvalue()


def callback(api, media, headers=None, *, sid=TWILIO_SID, token=TWILIO_TOKEN, query="ticket=T-2001", **fields):
    params = {"AccountSid": sid, "CallSid": CALL_SID, "RecordingSid": RECORDING_SID,
              "RecordingUrl": f"https://127.0.0.1:{media.port}/2010-04-01/Accounts/{sid}/Recordings/{RECORDING_SID}",
              "RecordingStatus": "completed", "RecordingDuration": "6", "RecordingChannels": "2",
              "RecordingStartTime": "Tue, 01 Dec 2026 15:00:00 +0000", "RecordingSource": "RecordVerb", **fields}
    url = f"{api.base_url}/v1/ingress/twilio/acme/recording?{query}"
    signature = compute_signature(token, url, params.items())
    return api.post(url, content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature, **(headers or {})})


@pytest.fixture
def twilio_profile(api, acme):
    profile = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
               "pause_behavior": "silence", "redaction": "auto", "twilio_account_sid": TWILIO_SID}
    assert api.put("/v1/profile", json=profile, headers=acme).status_code == 200
    return profile


def test_completed_recording_is_fetched_with_the_accounts_credentials(api, acme, media, twilio_profile,
                                                                      worker_process):
    path = f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/{RECORDING_SID}.wav?RequestedChannels=2"
    media.server.routes[path] = (302, {"Location": f"https://localhost:{{port}}/media/{RECORDING_SID}.wav"}, b"")
    media.server.routes[f"/media/{RECORDING_SID}.wav"] = (200, {"Content-Type": "audio/wav"}, dual_channel_wav())
    media.server.requests.clear()
    response = callback(api, media)
    assert response.status_code == 202, response.text
    status = wait_job(api, acme, response.json()["job_id"], worker=worker_process)
    assert status["state"] == "done", status
    basic = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert media.server.requests == [(path, basic), (f"/media/{RECORDING_SID}.wav", None)]  # no creds to another host
    rid = status["result"]["recording_id"]
    meta = api.get(f"/v1/recordings/{rid}", headers=acme).json()
    assert meta["call_id"] == f"{CALL_SID}.{RECORDING_SID}" and meta["ticket_id"] == "T-2001"
    assert meta["recorded_duration_s"] == 6.5  # the beep, then both legs mixed to one channel
    audio = api.get(f"/v1/recordings/{rid}/audio", headers=acme, params={"as": "agent:ann", "tickets": "T-2001"})
    samples, rate_hz = soundfile.read(io.BytesIO(audio.content))
    assert samples.ndim == 1 and rate_hz == 8000 and len(samples) == 52000
    spectrum = np.abs(np.fft.rfft(samples[8000:48000]))
    freqs = np.fft.rfftfreq(40000, 1 / 8000)
    assert spectrum[np.argmin(abs(freqs - 440))] > 100 * np.median(spectrum)  # agent kept
    assert spectrum[np.argmin(abs(freqs - 660))] > 100 * np.median(spectrum)  # caller kept


def test_a_callback_reads_the_accounts_profile_once(api, acme, media, twilio_profile, profile_reads):
    from worker.api.owners import NAMESPACE

    response = callback(api, media)
    assert response.status_code == 202, response.text
    assert profile_reads == [f"{NAMESPACE}:profile:acme"]  # it read it four times: twice here, twice to submit


def test_callbacks_that_are_not_twilios_are_refused(api, acme, media, twilio_profile):
    assert callback(api, media, {"X-Twilio-Signature": "bm9wZQ=="}).status_code == 403
    wrong_token = callback(api, media, token="f" * 32)
    assert wrong_token.status_code == 403
    assert wrong_token.json()["error"]["message"] == "X-Twilio-Signature does not match (URL, parameters or token)"
    other_sid = callback(api, media, sid="AC" + "c3" * 16)
    assert other_sid.status_code == 403
    assert callback(api, media, RecordingStatus="in-progress").json() == {"ignored": "RecordingStatus in-progress"}
    # found by the audit: any other value was echoed back (a signed field can still carry digits)
    assert callback(api, media, RecordingStatus="4111 1111 1111 1111").json() == {"ignored": "RecordingStatus is not completed"}
    no_ticket = callback(api, media, query="number=%2B15550100")
    assert no_ticket.status_code == 400 and no_ticket.json()["error"]["field"] == "ticket"
    bad_duration = callback(api, media, RecordingDuration="0")
    assert bad_duration.status_code == 400 and bad_duration.json()["error"]["field"] == "RecordingDuration"
    foreign_host = callback(api, media, RecordingUrl=f"https://example.com/2010-04-01/Accounts/{TWILIO_SID}/R")
    assert foreign_host.status_code == 422
    assert foreign_host.json()["error"]["message"] == ("segments[0].uri: host example.com is not one this "
                                                       "service fetches from (CALLREC_FETCH_HOSTS)")


@pytest.mark.parametrize("field, value", [
    ("RecordingSid", "RE" + "b2" * 15),                 # 30 hex digits: Twilio SIDs have 32
    ("RecordingSid", "RE" + "b2" * 17),                 # 34
    ("RecordingSid", "RE" + "g" * 32),                  # not hex
    ("RecordingSid", CALL_SID),                         # another resource's prefix
    ("RecordingSid", "RE4111111111111111"),             # a card number where the id should be
    ("RecordingSid", "RE 4111 1111 1111 1111 " + "b2" * 4),
    ("RecordingSid", ""),
    ("CallSid", "CA" + "a1" * 15),
    ("CallSid", "CA4111-1111-1111-1111"),
], ids=["re-30-hex", "re-34-hex", "re-not-hex", "re-a-call-sid", "re-card", "re-card-spaced", "re-empty",
        "ca-30-hex", "ca-card-dashed"])
def test_a_callback_whose_sid_has_the_wrong_shape_is_refused_naming_the_field(api, acme, media, twilio_profile,
                                                                             field, value):
    response = callback(api, media, **{field: value})
    assert response.status_code == 400, response.text
    assert error_of(response) == {"code": "bad_request", "field": field,
                                        "message": f"{field}: missing or not a Twilio SID"}
    assert b"4111" not in response.content


#: Card numbers where the callback URL's ticket or number should be (never printed: the ids).
CARD_QUERIES = {"ticket-dashed": "ticket=4111-1111-1111-1111", "ticket-bare": "ticket=4111111111111111",
                "ticket-spaced": "ticket=4111%201111%201111%201111", "ticket-dotted": "ticket=T.4111.1111.1111.1111",
                "number-visa-16": "ticket=T-2002&number=4111111111111111",
                "number-visa-16-plus": "ticket=T-2002&number=%2B4111111111111111",
                "number-amex-15-plus": "ticket=T-2002&number=%2B378282246310005",
                "number-visa-16-client": "ticket=T-2002&number=client:4111111111111111",
                "number-visa-16-dashed": "ticket=T-2002&number=4111-1111-1111-1111"}


@pytest.mark.parametrize("query", list(CARD_QUERIES.values()), ids=list(CARD_QUERIES))
def test_a_ticket_or_number_that_could_hold_a_card_number_is_refused_naming_the_parameter(
        api, acme, media, twilio_profile, redis_client, query):
    field = query.rpartition("&")[2].partition("=")[0]
    before = set(redis_client.keys("callrec:job:*"))
    response = callback(api, media, query=query)
    assert response.status_code == 400, response.status_code
    error = response.json()["error"]
    assert error["field"] == field and error["code"] == "bad_request"
    assert error["message"].startswith(f"{field}: " if field == "number" else "ticket: could hold a card number")
    assert b"4111" not in response.content and b"378282" not in response.content
    assert set(redis_client.keys("callrec:job:*")) == before  # no job, nothing kept


def test_an_account_in_the_callback_path_that_could_hold_a_card_number_is_not_found(api, media):
    url = f"{api.base_url}/v1/ingress/twilio/4111-1111-1111-1111/recording?ticket=T-1"
    response = api.post(url, content="AccountSid=AC1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 404 and b"4111" not in response.content


@pytest.mark.parametrize("number", ["%2B498912345678903", "%2B5511987654325", "client:alice_1", "+15550100"],
                         ids=["de-15-digits-luhn", "br-13-digits-luhn", "client", "e164-plus-as-written"])
def test_real_numbers_and_client_ids_are_taken(api, acme, media, twilio_profile, number):
    """Phone numbers whose digits pass the Luhn check by chance are still phone numbers. A ``+``
    written as is in the callback URL (``number=+15550100``, as the ingress's own docstring shows
    it) is the number's ``+``: it was read as a space (form encoding) and the callback refused, the
    recording lost (Twilio does not retry a 4xx; found by the session-47 audit)."""
    response = callback(api, media, query=f"ticket=T-2003&number={number}")
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("query", ["ticket=T%202004", "ticket=T-2004&number=client:alice%20smith"],
                         ids=["ticket-with-a-space", "number-with-a-space"])
def test_a_ticket_or_number_outside_the_id_characters_is_refused_naming_the_parameter(
        api, acme, media, twilio_profile, redis_client, query):
    """It passed the ingress's own checks and the manifest refused it, naming ``ticket_id`` or
    ``number.id``: fields the caller never sent."""
    field = query.rpartition("&")[2].partition("=")[0]
    before = set(redis_client.keys("callrec:job:*"))
    response = callback(api, media, query=query)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"].startswith(f"{field}: not a valid id"), error
    assert set(redis_client.keys("callrec:job:*")) == before  # no job, nothing kept
