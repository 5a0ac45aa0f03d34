"""Amazon Connect ingress: a contact record and its S3 recording (moto on 127.0.0.1) into a job."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from tests.cards import luhn_complete
from tests.worker.api.conftest import SAMPLES
from tests.worker.api.jobs import wait_done
from worker.api.ingress.connect import CtrError, contact_lens_format, manifest_of
from worker.queue.jobs import ProcessCall

PROFILE = {"plan": "team", "region": "us", "retention_days": None, "recordings_public": False,
           "pause_behavior": "silence", "redaction": "auto"}


def record(contact_id: str, location: str) -> dict:
    """A contact record as Connect exports it (fields this ingress reads, and some it ignores)."""
    return {
        "AWSContactTraceRecordFormatVersion": "2017-03-10", "Channel": "VOICE", "ContactId": contact_id,
        "InitiationMethod": "INBOUND", "InitiationTimestamp": "2026-12-01T15:00:00Z",
        "ConnectedToSystemTimestamp": "2026-12-01T15:00:00Z", "DisconnectTimestamp": "2026-12-01T15:00:42Z",
        "SystemEndpoint": {"Address": "+15550100", "Type": "TELEPHONE_NUMBER"},
        "Queue": {"Name": "BasicQueue", "EnqueueTimestamp": "2026-12-01T15:00:05Z",
                  "DequeueTimestamp": "2026-12-01T15:00:10Z", "Duration": 5},
        "Agent": {"Username": "ann", "ConnectedToAgentTimestamp": "2026-12-01T15:00:10Z",
                  "AgentInteractionDuration": 28, "CustomerHoldDuration": 4, "NumberOfHolds": 1,
                  "LongestHoldDuration": 4, "AfterContactWorkStartTimestamp": "2026-12-01T15:00:42Z"},
        "Recording": {"Location": location, "Status": "AVAILABLE", "Type": "AUDIO", "DeletionReason": None},
        "TransferCompletedTimestamp": None, "TransferredToEndpoint": None, "Attributes": {},
    }


def job_key(account_id: str, contact_id: str) -> str:
    """The Redis record of the job a contact would make: these tests compare their own jobs, not
    every job, as a job of another test taken meanwhile by a worker thread still running in the
    process is no concern of theirs (as tests/worker/api/test_ticket_deletion.py, session 54)."""
    return f"callrec:job:{ProcessCall.for_call('/unused.json', account_id, contact_id).job_id}"


HOLD = [{"start": "2026-12-01T15:00:20Z", "end": "2026-12-01T15:00:24Z"}]


def test_contact_record_timeline():
    manifest, warnings = manifest_of("acme", PROFILE, {"ticket_id": "T-3001", "holds": HOLD,
                                                       "contact_record": record("c-1", "b/connect/c-1.wav")})
    assert manifest["events"] == [{"type": "ivr", "start": 0.0, "end": 5.0},
                                  {"type": "queue", "start": 5.0, "end": 10.0},
                                  {"type": "agent", "start": 10.0, "end": 42.0, "via": "browser"},
                                  {"type": "hold", "start": 20.0, "end": 24.0}]
    assert manifest["segments"] == [{"uri": "s3://b/connect/c-1.wav", "start": 10.0}]
    assert manifest["number"]["id"] == "+15550100" and warnings == []

    transferred = record("c-2", "b/c-2.wav")
    transferred["TransferCompletedTimestamp"] = "2026-12-01T15:00:30Z"
    transferred["TransferredToEndpoint"] = {"Address": "+15550199", "Type": "TELEPHONE_NUMBER"}
    manifest, warnings = manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": transferred})
    assert manifest["events"][-2:] == [{"type": "agent", "start": 10.0, "end": 30.0, "via": "browser"},
                                       {"type": "external_transfer", "start": 30.0, "end": 42.0}]
    assert warnings[0].startswith("hold: the contact record gives 1 hold(s), 4 s in all, without times")

    newer = record("c-3", "ignored/old.wav")
    newer["Recordings"] = [{"Location": "b/c-3.wav", "MediaStreamType": "AUDIO", "StorageType": "S3",
                            "StartTimestamp": "2026-12-01T15:00:11Z"}]
    assert manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": newer})[0]["segments"] == [
        {"uri": "s3://b/c-3.wav", "start": 11.0}]
    lens, _ = manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": newer, "holds": HOLD,
                                            "contact_lens": "s3://b/l.json"})
    assert contact_lens_format() == "contact-lens"  # the transcripts layer's reader
    assert lens["transcript"] == {"uri": "s3://b/l.json", "format": "contact-lens", "clock": "call"}
    # Contact Lens offsets count from the recording's start (15:00:11): the call's clock too
    assert lens["events"] == [{"type": "agent", "start": 0.0, "end": 31.0, "via": "browser"},
                              {"type": "hold", "start": 9.0, "end": 13.0}]
    assert lens["segments"] == [{"uri": "s3://b/c-3.wav", "start": 0.0}]


@pytest.mark.parametrize("change, field", [
    (lambda r: r["Agent"].pop("ConnectedToAgentTimestamp"), "contact_record.Agent.ConnectedToAgentTimestamp"),
    (lambda r: r.update(InitiationTimestamp="yesterday"), "contact_record.InitiationTimestamp"),
    (lambda r: r.update(InitiationTimestamp="2026-12-01T15:00:00"), "contact_record.InitiationTimestamp"),
    (lambda r: r.update(Channel="CHAT"), "contact_record.Channel"),
    (lambda r: r.update(Recording=None), "contact_record.Recording.Location"),
    (lambda r: r.update(ContactId=5), "contact_record.ContactId"),
    (lambda r: r.update(ContactId="c 1"), "contact_record.ContactId"),  # was refused later, naming call_id
    (lambda r: r.update(ContactId="-".join(["4111", "1111", "1111", "1111"])), "contact_record.ContactId"),  # a card
    # found by the audit: a recording location of the wrong type was a TypeError or AttributeError (a 500)
    (lambda r: r.update(Recordings=5), "contact_record.Recordings"),
    (lambda r: r.update(Recordings={"Location": "b/k.wav"}), "contact_record.Recordings"),
    (lambda r: r.update(Recordings=[{"Location": 7}]), "contact_record.Recordings[0].Location"),
    (lambda r: r["Recording"].update(Location=["b/k.wav"]), "contact_record.Recording.Location"),
    # found by review (session 53): a StorageType not a string was a TypeError (a 500)
    (lambda r: r.update(Recordings=[{"Location": "b/k.wav", "StorageType": ["S3"]}]),
     "contact_record.Recordings[0].StorageType"),
    (lambda r: r.update(Recordings=[{"Location": "b/k.wav", "StorageType": {"S3": 1}}]),
     "contact_record.Recordings[0].StorageType"),
])
def test_bad_contact_records_name_the_field(change, field):
    bad = record("c-1", "b/k.wav")
    change(bad)
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": bad})
    assert caught.value.field == field


def test_contact_record_and_s3_recording_become_a_stored_call(api, acme, moto_s3, worker_process):
    contact_id = f"c-{uuid.uuid4().hex[:12]}"
    key = f"connect/acme-instance/CallRecordings/2026/12/01/{contact_id}.wav"
    moto_s3.put_object(Bucket="connect-acme", Key=key,
                       Body=(SAMPLES / "01-plain-inbound" / "legs" / "agent.wav").read_bytes())
    body = {"ticket_id": "T-3001", "holds": HOLD, "contact_record": record(contact_id, f"connect-acme/{key}")}
    assert api.post("/v1/ingress/connect", json=body, headers=acme).status_code == 409  # no profile yet
    assert api.put("/v1/profile", json=PROFILE, headers=acme).status_code == 200
    response = api.post("/v1/ingress/connect", json=body, headers=acme)
    assert response.status_code == 202, response.text
    assert f"callrec:job:{response.json()['job_id']}" == job_key("acme", contact_id)  # what the refusals check
    status = wait_done(api, acme, response.json()["job_id"], worker=worker_process)
    meta = api.get(f"/v1/recordings/{status['result']['recording_id']}", headers=acme).json()
    assert meta["call_id"] == contact_id and meta["call_duration_s"] == 42.0
    assert [(c["reason"], c["start_s"], c["end_s"]) for c in meta["cuts"]] == [
        ("ivr", 0.0, 5.0), ("queue", 5.0, 10.0), ("hold", 20.0, 24.0)]
    assert meta["recorded_duration_s"] == 28.5  # 32 s of agent less 4 s of hold, plus the beep
    assert "Contents" not in moto_s3.list_objects_v2(Bucket="connect-acme", Prefix=key)  # source destroyed

    bad = copy.deepcopy(body)
    bad["contact_record"]["Agent"]["ConnectedToAgentTimestamp"] = None
    refused = api.post("/v1/ingress/connect", json=bad, headers=acme)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "contact_record.Agent.ConnectedToAgentTimestamp"
    elsewhere = copy.deepcopy(body)
    elsewhere["contact_record"]["Recording"]["Location"] = "someone-elses/connect/x.wav"
    assert "not one this server reads" in api.post("/v1/ingress/connect", json=elsewhere,
                                                   headers=acme).json()["error"]["message"]


@pytest.mark.parametrize("ticket", ["4111-1111-1111-1111", "4111111111111111", "4111 1111 1111 1111"],
                         ids=["dashed", "bare", "spaced"])
def test_a_ticket_that_could_hold_a_card_number_is_refused_naming_the_field(api, acme, redis_client, ticket):
    assert api.put("/v1/profile", json=PROFILE, headers=acme).status_code == 200
    contact_id = f"c-{uuid.uuid4().hex[:12]}"
    body = {"ticket_id": ticket, "contact_record": record(contact_id, "connect-acme/k.wav")}
    response = api.post("/v1/ingress/connect", json=body, headers=acme)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "ticket_id"
    assert b"4111" not in response.content
    assert not redis_client.exists(job_key("acme", contact_id))  # no job, nothing kept


#: Card numbers where the contact centre's number should be (never printed: the ids below).
CARD_ADDRESSES = {"amex-15-plus": "+378282246310005", "visa-16-plus": "+4111111111111111",
                  "visa-16-bare": "4111111111111111", "visa-16-spaced": "+4111 1111 1111 1111"}


@pytest.mark.parametrize("address", list(CARD_ADDRESSES.values()), ids=list(CARD_ADDRESSES))
def test_a_system_endpoint_that_could_hold_a_card_number_is_refused_naming_the_field(address):
    bad = record("c-1", "b/k.wav")
    bad["SystemEndpoint"]["Address"] = address
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": bad})
    assert caught.value.field == "contact_record.SystemEndpoint.Address"
    assert "4111" not in str(caught.value) and "378282" not in str(caught.value)


@pytest.mark.parametrize("address", ["+498912345678903", "+5511987654325", "+15550100"],
                         ids=["de-15-digits-luhn", "br-13-digits-luhn", "nanp-fictional-short"])
def test_system_endpoints_that_are_phone_numbers_are_taken(address):
    """Numbers in use whose digits pass the Luhn check by chance (15 and 13 digits) are taken."""
    good = record("c-1", "b/k.wav")
    good["SystemEndpoint"]["Address"] = address
    assert manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": good})[0]["number"]["id"] == address


def test_a_card_number_as_the_system_endpoint_is_refused_over_http(api, acme, redis_client):
    assert api.put("/v1/profile", json=PROFILE, headers=acme).status_code == 200
    contact_id = f"c-{uuid.uuid4().hex[:12]}"
    contact = record(contact_id, "connect-acme/k.wav")
    contact["SystemEndpoint"]["Address"] = CARD_ADDRESSES["amex-15-plus"]
    response = api.post("/v1/ingress/connect", json={"ticket_id": "T-3002", "contact_record": contact}, headers=acme)
    assert response.status_code == 422, response.status_code
    assert response.json()["error"]["field"] == "contact_record.SystemEndpoint.Address"
    assert b"378282" not in response.content
    assert not redis_client.exists(job_key("acme", contact_id))  # no job, nothing kept


#: System endpoints Connect writes for contacts not dialled at a phone number (Connect's Endpoint
#: type: TELEPHONE_NUMBER | VOIP | CONTACT_FLOW | CONNECT_PHONENUMBER_ARN | EMAIL_ADDRESS): in-app,
#: web and video calls (StartWebRTCContact, InitiationMethod WEBRTC_API) are VOICE contacts
#: recorded like any call, and a claimed number may be named by its ARN (holding the 12-digit AWS
#: account id). Their address is no phone number, and the manifest's number id is a label instead.
OTHER_ENDPOINTS = {
    "phone-number-arn": ({"Type": "CONNECT_PHONENUMBER_ARN",
                          "Address": "arn:aws:connect:us-east-1:123456789012:phone-number/8a3f6c2e-0b6e-4b9a-9f33-1c2d3e4f5a6b"},
                         "connect:phone-number-arn"),
    "voip-sip-address": ({"Type": "VOIP", "Address": "sip:agent desk@example.com"}, "connect:voip"),
    "voip-no-address": ({"Type": "VOIP"}, "connect:voip"),
    "voip-empty-address": ({"Type": "VOIP", "Address": ""}, "connect:voip"),
    "contact-flow": ({"Type": "CONTACT_FLOW", "Address": "arn:aws:connect:eu-central-1:123456789012:instance/"
                      "2fb42df9-78a2-4b99-b484-f5cf80dc300c/contact-flow/b0b8f2dd-ed1b-4c44-af36-ce189a178181"},
                     "connect:contact-flow"),
}


def in_app_call(contact_id: str, location: str, endpoint: dict) -> dict:
    """A contact record of an in-app or web call (WebRTC) as Connect exports it."""
    contact = record(contact_id, location)
    contact.update(InitiationMethod="WEBRTC_API", SystemEndpoint=dict(endpoint),
                   CustomerEndpoint={"Type": "VOIP", "Address": ""})
    return contact


@pytest.mark.parametrize("endpoint, number_id", list(OTHER_ENDPOINTS.values()), ids=list(OTHER_ENDPOINTS))
def test_a_call_whose_system_endpoint_is_no_phone_number_is_taken_with_a_label_for_its_number(endpoint, number_id):
    manifest, _ = manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": in_app_call("c-1", "b/k.wav", endpoint)})
    assert manifest["number"] == {"id": number_id, "recording": True, "consent_mode": "none"}
    assert manifest["direction"] == "inbound" and manifest["account"]["plan"] == "team"  # the profile's, not the number's
    assert "123456789012" not in json.dumps(manifest)  # the address is kept nowhere


def test_a_voip_endpoint_address_is_never_kept_whatever_it_holds():
    pan = luhn_complete("411111111111111")
    manifest, _ = manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": in_app_call(
        "c-1", "b/k.wav", {"Type": "VOIP", "Address": f"sip:{pan}@example.com"})})
    kept = pan[:4] in json.dumps(manifest) or pan[-4:] in json.dumps(manifest)  # a boolean: no digits printed
    assert manifest["number"]["id"] == "connect:voip" and not kept


@pytest.mark.parametrize("endpoint", [{"Type": "TELEPHONE_NUMBER", "Address": "sip:agent desk@example.com"},
                                      {"Address": "sip:agent desk@example.com"}, {"Type": 7, "Address": "+15550100"}],
                         ids=["phone-type-sip-with-space", "untyped-sip-with-space", "type-not-a-string"])
def test_a_phone_endpoint_whose_address_is_no_number_id_is_still_refused(endpoint):
    bad = record("c-1", "b/k.wav")
    bad["SystemEndpoint"] = endpoint
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": bad})
    assert caught.value.field.startswith("contact_record.SystemEndpoint.")


def test_a_call_to_a_number_named_by_its_arn_becomes_a_stored_call(api, acme, moto_s3, worker_process):
    """Over HTTP and a real worker: processed like any other call (it was refused, 422)."""
    contact_id = str(uuid.uuid4())
    key = f"connect/acme-instance/CallRecordings/2026/12/01/{contact_id}_20261201T15:00_UTC.wav"
    moto_s3.put_object(Bucket="connect-acme", Key=key,
                       Body=(SAMPLES / "01-plain-inbound" / "legs" / "agent.wav").read_bytes())
    assert api.put("/v1/profile", json=PROFILE, headers=acme).status_code == 200
    contact = record(contact_id, f"connect-acme/{key}")
    contact["SystemEndpoint"] = dict(OTHER_ENDPOINTS["phone-number-arn"][0])
    response = api.post("/v1/ingress/connect", json={"ticket_id": "T-3003", "contact_record": contact}, headers=acme)
    assert response.status_code == 202, response.text
    status = wait_done(api, acme, response.json()["job_id"], worker=worker_process)
    meta = api.get(f"/v1/recordings/{status['result']['recording_id']}", headers=acme).json()
    assert meta["call_id"] == contact_id and meta["call_duration_s"] == 42.0
    assert [d["uri"] for d in meta["digests"]["inputs"]] == [f"s3://connect-acme/{key}"]  # Connect's name kept


@pytest.mark.parametrize("hold, field", [
    ({"start": "2026-12-01T15:00:20", "end": "2026-12-01T15:00:24Z"}, "holds[0].start"),
    ({"start": "2026-12-01T15:00:20Z", "end": "later"}, "holds[0].end"),
    ({"start": "2026-12-01T15:00:20Z"}, "holds[0].end"),
    ({"start": "2026-12-01T15:00:24Z", "end": "2026-12-01T15:00:20Z"}, "holds[0].end"),
    ({"start": "2026-12-01T15:00:24Z", "end": "2026-12-01T15:00:24Z"}, "holds[0].end"),
])
def test_a_bad_hold_names_the_hold_not_the_contact_record(hold, field):
    """Found by the audit: a hold's bad time was named ``contact_record.start``. A hold ending
    before it starts (session 51's red-team) was named ``events[3].end``, a field of the
    manifest made from the record, which the client never sent."""
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": record("c-1", "b/k.wav"),
                                      "holds": [HOLD[0], hold][1:]})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_a_bad_recording_start_names_its_field():
    """Found by the audit: a recording's bad StartTimestamp was named ``contact_record.t``."""
    bad = record("c-1", "b/k.wav")
    bad["Recordings"] = [{"Location": "b/k.wav", "MediaStreamType": "AUDIO", "StartTimestamp": "soon"}]
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": bad})
    assert caught.value.field == "contact_record.Recordings[0].StartTimestamp"


def test_a_recording_connect_marks_deleted_is_refused_naming_its_status():
    """Found by the session-47 audit: a contact record whose recording Connect deleted
    (``Status: DELETED``, with its ``DeletionReason``) was queued, and its job failed later on
    a missing object. It is refused at once, naming the status; an available one in
    ``Recordings[]`` beside a deleted one is taken."""
    deleted = record("c-1", "b/k.wav")
    deleted["Recording"].update(Status="DELETED", DeletionReason="customer request")
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": deleted})
    assert caught.value.field == "contact_record.Recording.Status"
    assert "DELETED" in str(caught.value)
    both = record("c-2", "b/old.wav")
    both.pop("Recording")
    both["Recordings"] = [{"Location": "b/gone.wav", "MediaStreamType": "AUDIO", "Status": "DELETED"},
                          {"Location": "b/k2.wav", "MediaStreamType": "AUDIO", "Status": "AVAILABLE"}]
    assert manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": both})[0]["segments"][0]["uri"] == "s3://b/k2.wav"


#: A recording Connect streamed to Kinesis Video Streams (live media streaming): an ARN, no S3 object.
KVS = {"Location": "arn:aws:kinesisvideo:us-east-1:111122223333:stream/connect-acme-contact-c1/1764601200000",
       "MediaStreamType": "AUDIO", "ParticipantType": "CUSTOMER", "StorageType": "KINESIS_VIDEO_STREAM",
       "FragmentStartNumber": "91343852333181432392682062607743920146264440972", "Status": "AVAILABLE"}


def test_a_recording_in_kinesis_video_streams_is_passed_over_for_the_s3_one():
    """Found by hand (session 53): with live media streaming on, ``Recordings[]`` lists the
    customer's Kinesis Video Streams stream (its ARN as ``Location``) beside the S3 recording; the
    first audio one was taken, so the call's segment became ``s3://arn:aws:kinesisvideo:...``,
    refused as a source (422) while its S3 recording went unread. A stream is no object to fetch:
    it is passed over, and a record with nothing else is refused naming its storage type."""
    both = record("c-1", "b/old.wav")
    both.pop("Recording")
    both["Recordings"] = [KVS, {"Location": "b/connect/c-1.wav", "MediaStreamType": "AUDIO", "StorageType": "S3",
                                "ParticipantType": "ALL", "Status": "AVAILABLE"}]
    assert manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": both})[0]["segments"][0]["uri"] == \
        "s3://b/connect/c-1.wav"
    streamed = record("c-2", "b/old.wav")
    streamed.pop("Recording")
    streamed["Recordings"] = [KVS]
    with pytest.raises(CtrError) as caught:
        manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": streamed})
    assert caught.value.field == "contact_record.Recordings[0].StorageType"
    assert str(caught.value) == ("contact_record.Recordings[0].StorageType: KINESIS_VIDEO_STREAM: a live media "
                                 "stream, not a recording in S3; there is nothing to fetch")


@pytest.mark.parametrize("key", ["connect/Call Recordings/c-1.wav", "connect/acme#2/c-1.wav", "connect/q?/c-1.wav",
                                 "connect/a;b/c-1.wav", "connect/100%25/c-1.wav", "connect/50% off/c-1.wav"])
def test_a_recording_key_holding_url_characters_names_that_object(key):
    """Found by hand (session 53): ``Recording.Location`` is the raw ``bucket/key`` (an S3 key may
    hold any character: a bucket prefix the account chose), written into the ``s3://`` URI as it
    was, which a manifest reads as a URL: the key was cut at ``#``, ``?`` or ``;`` and had its
    ``%XX`` decoded, naming another object of the account's, read and destroyed in its stead."""
    from worker.calls.manifest import parse_manifest

    manifest, _ = manifest_of("acme", PROFILE, {"ticket_id": "T", "contact_record": record("c-1", f"b/{key}")})
    location = parse_manifest(manifest, "/nonexistent").segments[0].location
    assert (location.bucket, location.key) == ("b", key)
