import json

import pytest

from callrec.errors import is_permanent
from worker.errors import JobDecodeError
from worker.queue.jobs import (
    DeleteRecordings,
    Job,
    ProcessCall,
    RedactRecording,
    Reprocess,
    RetentionSweep,
)

RID = "rec_us_0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("job", [
    ProcessCall.for_call("/data/calls/CA0001/manifest.json", "acme", "CA0001"),
    ProcessCall.for_call("s3://callrec-in-us/CA0001/manifest.json", "acme", "CA0001"),
    RedactRecording.for_recording(RID),
    Reprocess.for_batch("b1", RID, ("rewrap", "redact")),
    RetentionSweep(job_id="sweep-1", dry_run=True),
    DeleteRecordings.for_target(ticket_id="T-1001", account_id="acme", reason="customer request"),
])
def test_encode_decode_round_trip(job):
    assert Job.decode(job.encode()) == job


def test_ids_are_deterministic_per_recording_not_per_manifest_path():
    a = ProcessCall.for_call("/m/a.json", "acme", "CA1")
    assert a.job_id == ProcessCall.for_call("/elsewhere/copy-of-a.json", "acme", "CA1").job_id
    assert a.job_id != ProcessCall.for_call("/m/a.json", "acme", "CA2").job_id
    assert a.job_id != ProcessCall.for_call("/m/a.json", "globex", "CA1").job_id
    assert a.job_id.startswith("call-") and len(a.job_id) == 5 + 24


def test_steps_are_put_in_canonical_order():
    job = Reprocess.for_batch("b1", RID, ("rewrap", "redact"))
    assert job.steps == ("redact", "rewrap")
    assert json.loads(job.encode())["steps"] == ["redact", "rewrap"]


@pytest.mark.parametrize("text, message", [
    ("not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"kind": "mystery", "job_id": "x"}', "job kind 'mystery' is unknown"),
    ('{"kind": "process_call", "job_id": "x"}', "missing field 'manifest_uri'"),
    ('{"kind": "process_call", "job_id": "x", "manifest_uri": "/m", "audio": "UklGRg"}',
     "unknown field 'audio'"),
    ('{"kind": "process_call", "job_id": "x", "manifest_uri": 5}', "manifest_uri is not a valid reference"),
    ('{"kind": "process_call", "job_id": "x", "manifest_uri": "data:audio/wav;base64,UklGRg"}',
     "manifest_uri is not a valid reference"),
    ('{"kind": "reprocess", "job_id": "x", "recording_id": "rec_us_0123456789abcdef0123456789abcdef", "steps": ["encrypt"]}',
     "steps: 'encrypt' is not one of redact, rewrap, retention"),
    ('{"kind": "reprocess", "job_id": "x", "recording_id": "rec_us_0123456789abcdef0123456789abcdef", "steps": []}', "steps: give one or more"),
    ('{"kind": "delete", "job_id": "x"}', "give exactly one of recording_id and ticket_id"),
    ('{"kind": "retention_sweep", "job_id": "x", "dry_run": "yes"}', "dry_run must be true or false"),
])
def test_bad_messages_are_refused_with_reason(text, message):
    with pytest.raises(JobDecodeError, match=message) as info:
        Job.decode(text)
    assert is_permanent(info.value)


def test_ticket_deletion_is_a_new_job_per_request_second():
    first = DeleteRecordings.for_target(ticket_id="T-1", account_id="acme", at_s=1_700_000_000.2)
    assert first.job_id == DeleteRecordings.for_target(ticket_id="T-1", account_id="acme", at_s=1_700_000_000.9).job_id
    later = DeleteRecordings.for_target(ticket_id="T-1", account_id="acme", at_s=1_700_086_400.0)
    other = DeleteRecordings.for_target(ticket_id="T-1", account_id="globex", at_s=1_700_000_000.2)
    assert len({first.job_id, later.job_id, other.job_id}) == 3


@pytest.mark.parametrize("fields", [
    {"ticket_id": "T-1"},
    {"recording_id": RID, "account_id": "acme"},
])
def test_account_goes_with_a_ticket_only(fields):
    with pytest.raises(JobDecodeError, match="account_id goes with ticket_id"):
        DeleteRecordings(job_id="delete-1", **fields)


def test_reason_may_not_carry_digits():
    with pytest.raises(JobDecodeError, match="reason is not a valid reference"):
        DeleteRecordings.for_target(recording_id=RID, reason="card 4111 1111 1111 1111")


def test_error_does_not_echo_a_value_with_digits():
    with pytest.raises(JobDecodeError) as info:
        Job.decode('{"kind": "4111111111111111", "job_id": "x"}')
    assert "4111" not in str(info.value)
    assert "(value not shown)" in str(info.value)


@pytest.mark.parametrize("account", ["4111.1111.1111.1111", "acct:4111+1111+1111+1111", "4111-1111-1111-1111"],
                         ids=["dots", "prefixed-pluses", "dashes"])
def test_ids_with_a_card_number_joined_by_separators_are_refused(account):
    with pytest.raises(JobDecodeError) as info:
        DeleteRecordings.for_target(ticket_id="T-1", account_id=account)
    assert str(info.value) == ("delete job: account_id could hold a card number (12+ digits in a row, or "
                               "13-19 digits across separators that pass the Luhn check)")


def test_a_help_desk_ticket_id_of_a_date_and_a_serial_is_taken():
    job = DeleteRecordings.for_target(ticket_id="INC-2026-12-01-000123", account_id="acme")
    assert Job.decode(job.encode()) == job
    with pytest.raises(JobDecodeError, match="ticket_id could hold a card number"):
        DeleteRecordings.for_target(ticket_id="INC-2026-12-01-000126", account_id="acme")  # its digits pass Luhn


@pytest.mark.parametrize("kind, extra", [("redact_recording", {}), ("reprocess", {"steps": ["redact"]}),
                                         ("delete", {})])
@pytest.mark.parametrize("recording_id", [
    "rec_us_" + "ab" * 15 + "a",         # 31 hex digits: recording ids have 32
    "rec_us_" + "ab" * 16 + "a",         # 33
    "rec_us_" + "AB" * 16,               # upper case: never generated
    "rec_xx_" + "ab" * 16,               # no such region
    "ab" * 16,                           # hex without the prefix
    "rec_us_4111111111111111",           # a card number in place of the hex
], ids=["31-hex", "33-hex", "upper-case", "no-such-region", "no-prefix", "card-for-hex"])
def test_a_queue_message_with_a_recording_id_of_the_wrong_shape_is_refused(kind, extra, recording_id):
    message = json.dumps({"kind": kind, "job_id": "x", "recording_id": recording_id, **extra})
    with pytest.raises(JobDecodeError) as info:
        Job.decode(message)
    assert str(info.value) == (f"{kind} job: recording_id is not a valid reference "
                               "(want rec_<us|eu|au>_<32 hex digits>)")


def test_who_asked_for_a_stored_recordings_job_is_an_api_key_and_never_a_card_number():
    from worker.queue.jobs import DeleteRecordings, RedactRecording

    rid = "rec_us_0123456789abcdef0123456789abcdef"
    job = DeleteRecordings.for_target(recording_id=rid, reason="asked", requested_by="api-key:1acf51902a83b685")
    assert Job.decode(job.encode()) == job and job.job_id == DeleteRecordings.for_target(recording_id=rid).job_id
    assert Job.decode(RedactRecording.for_recording(rid, "api-key:1acf51902a83b685").encode()).requested_by \
        == "api-key:1acf51902a83b685"
    for bad in ("operator 4111111111111111", "api-key:4111111111111111", "someone"):
        with pytest.raises(JobDecodeError, match="requested_by"):
            RedactRecording.for_recording(rid, bad)



def test_a_job_carries_the_id_of_the_http_request_that_asked_for_it():
    asked = DeleteRecordings.for_target(recording_id=RID, requested_by="api-key:0123abcd0123abcd").copy(
        request_id="complaint-42")
    assert json.loads(asked.encode())["request_id"] == "complaint-42"
    assert Job.decode(asked.encode()) == asked
    # a job no request asked for travels as before requests had ids (any worker reads it)
    assert "request_id" not in json.loads(RedactRecording.for_recording(RID).encode())
    assert RedactRecording.for_recording(RID).request_id is None


@pytest.mark.parametrize("request_id", ["4111111111111111", "x-4111-1111-1111-1111", "two words", 7])
def test_a_request_id_that_could_carry_card_data_is_refused(request_id):
    body = json.loads(RedactRecording.for_recording(RID).encode())
    with pytest.raises(JobDecodeError) as refused:
        Job.decode(json.dumps({**body, "request_id": request_id}))
    assert "request_id" in str(refused.value) and "1111" not in str(refused.value)
