import json
from pathlib import Path

import pytest

from worker.errors import ManifestError
from worker.calls.manifest import Location, load_manifest, parse_manifest
from tests.worker.examples import design_example
from tests.cards import luhn_complete


def parse(data, base="/calls/CA0001"):
    return parse_manifest(data, Path(base))


def test_design_example_parses():
    manifest = parse(design_example())
    assert manifest.call_id == "CA0001" and manifest.ticket_id == "T-1001"
    assert manifest.account.plan == "team" and not manifest.account.can_pause
    assert manifest.account.retention_days is None
    assert manifest.number.recording is True
    assert [e.type for e in manifest.events][:3] == ["ivr", "queue", "agent"]
    agent = manifest.events[2]
    assert (agent.start_s, agent.end_s, agent.via, agent.recorded) == (40.0, 300.0, "browser", True)
    assert manifest.events[3].recorded is False
    assert [(c.action, c.at_s) for c in manifest.controls] == [("pause", 200.0), ("resume", 215.0)]
    assert manifest.segments[0].location == Location("file:legs/a.wav", path=Path("/calls/CA0001/legs/a.wav"))
    assert manifest.segments[1].start_s == 300.0
    assert manifest.transcript.format == "aws" and manifest.transcript.clock == "call"
    assert manifest.transcript.location.path == Path("/calls/CA0001/t.json")
    assert manifest.call_duration_s == 390.0


def test_round_trip_through_dict():
    manifest = parse(design_example())
    assert manifest.to_dict() == design_example()
    assert parse(manifest.to_dict()) == manifest


def test_load_resolves_relative_to_the_manifest(tmp_path):
    path = tmp_path / "calls" / "m.json"
    path.parent.mkdir()
    path.write_text(json.dumps(design_example()))
    manifest = load_manifest(path)
    assert manifest.segments[0].location.path == tmp_path / "calls" / "legs" / "a.wav"
    assert manifest.base_dir == tmp_path / "calls"


def test_uri_forms():
    data = design_example()
    data["segments"] = [{"uri": "/srv/legs/x.flac", "start": 40.0},
                        {"uri": "s3://calls-us/2024/CA0001/b.wav", "start": 300.0},
                        {"uri": "file:///srv/legs/y.wav", "start": 310.0}]
    segments = parse(data).segments
    assert segments[0].location.path == Path("/srv/legs/x.flac")
    assert (segments[1].location.bucket, segments[1].location.key) == ("calls-us", "2024/CA0001/b.wav")
    assert segments[1].location.path is None and not segments[1].location.is_local
    assert segments[2].location.path == Path("/srv/legs/y.wav")


@pytest.mark.parametrize("uri", ["file:///srv/legs/a%20b%20%C3%BC.wav", "file://localhost/srv/legs/a%20b%20%C3%BC.wav",
                                 "file:/srv/legs/a%20b%20%C3%BC.wav", "file:///srv/legs/a b ü.wav"])
def test_a_file_uri_is_percent_decoded_in_every_form(uri):
    """Found by the session-47 audit: ``file:///`` URIs (``Path.as_uri()``'s, RFC 8089's) were not
    percent-decoded, so ``file:///…/a%20b.wav`` named no file; relative ``file:`` ones were."""
    data = design_example()
    data["segments"] = [{"uri": uri, "start": 40.0}]
    assert parse(data).segments[0].location.path == Path("/srv/legs/a b ü.wav")


def test_a_file_uri_naming_another_host_is_refused():
    data = design_example()
    data["segments"] = [{"uri": "file://evil.example.com/srv/legs/y.wav", "start": 40.0}]
    with pytest.raises(ManifestError, match=r"segments\[0\]\.uri: .*names host 'evil.example.com'"):
        parse(data)


def test_optional_parts():
    data = design_example()
    del data["transcript"]
    data["events"][2].pop("via")
    data["account"]["retention_days"] = 30
    manifest = parse(data)
    assert manifest.transcript is None and manifest.events[2].via is None
    assert manifest.account.retention_days == 30


def change(path, value):
    """A copy of the example with the value at ``path`` (a tuple of keys) replaced or deleted."""
    data = design_example()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


DELETE = object()

BAD = [
    (("events", 3, "type"), "parking", r"^events\[3\]\.type: unknown value 'parking'; expected one of agent,"),
    (("events", 2, "end"), 30.0, r"^events\[2\]\.end: 30\.0 is not after start 40\.0"),
    (("events", 2, "end"), 40.0, r"^events\[2\]\.end: 40\.0 is not after start 40\.0"),
    (("events", 0, "start"), -1, r"^events\[0\]\.start: -1 is not a time in the call"),
    (("events", 0, "start"), "0", r"^events\[0\]\.start: expected a number of seconds, got string '0'"),
    (("events", 0, "start"), True, r"^events\[0\]\.start: expected a number of seconds, got boolean true"),
    (("events", 1), "queue", r"^events\[1\]: expected an object, got string"),
    (("events", 3, "via"), "browser", r"^events\[3\]\.via: only agent events"),
    (("events", 2, "via"), "desk", r"^events\[2\]\.via: unknown value 'desk'"),
    (("events",), [], r"^events: needs at least 1 item"),
    (("events",), {}, r"^events: expected a list, got an object"),
    (("account", "plan"), "gold", r"^account\.plan: unknown value 'gold'; expected one of team, growth, professional, enterprise"),
    (("account", "region"), "eu-west-1", r"^account\.region: unknown value 'eu-west-1'"),
    (("account", "retention_days"), 0, r"^account\.retention_days: expected a whole number of days from 1 to 36500 or null, got number 0"),
    (("account", "recordings_public"), "no", r"^account\.recordings_public: expected true or false, got string 'no'"),
    (("account", "pause_behavior"), DELETE, r"^account\.pause_behavior: missing \(required\)"),
    (("account", "pause_behaviour"), "skip", r"^account\.pause_behaviour: unknown field"),
    (("number", "recording"), 1, r"^number\.recording: expected true or false, got number 1"),
    (("number", "consent_mode"), "ask", r"^number\.consent_mode: unknown value 'ask'"),
    (("consent",), "yes", r"^consent: unknown value 'yes'; expected one of none, given, declined"),
    (("direction",), None, r"^direction: expected one of inbound, outbound; got null"),
    (("call_id",), "", r"^call_id: expected a non-empty string, got an empty string"),
    (("ticket_id",), DELETE, r"^ticket_id: missing \(required\)"),
    (("controls", 0, "action"), "stop", r"^controls\[0\]\.action: unknown value 'stop'"),
    (("controls", 1, "at"), 400.0, r"^controls\[1\]\.at: 400 s is past the end of the call \(390 s"),
    (("controls", 1, "at"), 150.0, r"^controls\[1\]\.at: 150 s is before the previous control"),
    (("segments", 1, "start"), 390.0, r"^segments\[1\]\.start: 390 s is past the end of the call"),
    (("segments", 0, "uri"), "legs/a.wav", r"^segments\[0\]\.uri: 'legs/a.wav' is a relative path; write file:legs/a.wav"),
    (("segments", 0, "uri"), "ftp://x/a.wav", r"^segments\[0\]\.uri: 'ftp://x/a.wav' is neither"),
    (("segments", 0, "uri"), "https:///a.wav", r"^segments\[0\]\.uri: 'https:///a.wav' names no host"),
    (("segments", 0, "uri"), "s3://bucket-only", r"^segments\[0\]\.uri: 's3://bucket-only' needs a bucket and a key"),
    (("segments", 0, "uri"), "file:", r"^segments\[0\]\.uri: 'file:' names no file"),
    (("segments", 0, "uri"), "file:legs/", r"^segments\[0\]\.uri: 'file:legs/' names no file"),
    (("segments", 0, "uri"), 7, r"^segments\[0\]\.uri: expected a non-empty string, got number 7"),
    (("transcript", "format"), "docx", r"^transcript\.format: unknown value 'docx'"),
    (("transcript", "clock"), "wall", r"^transcript\.clock: unknown value 'wall'"),
    (("extra",), 1, r"^extra: unknown field"),
]


@pytest.mark.parametrize("path,value,message", BAD, ids=[m for _, _, m in BAD])
def test_bad_manifests_name_the_field(path, value, message):
    with pytest.raises(ManifestError, match=message):
        parse(change(path, value))


@pytest.mark.parametrize("start,end", [(299.999, 310.0), (290.0, 310.0), (40.0, 300.0)],
                         ids=["1-ms-of-jitter", "a-second-agent-joins", "the-same-event-twice"])
def test_overlapping_recorded_events_are_accepted(start, end):
    data = design_example()
    data["events"].append({"type": "agent", "start": start, "end": end})
    assert len(parse(data).events) == 8


def test_recorded_events_may_touch():
    data = design_example()
    data["events"].append({"type": "agent", "start": 390.0, "end": 400.0})
    assert parse(data).call_duration_s == 400.0


def test_not_an_object():
    with pytest.raises(ManifestError, match=r"^manifest: expected an object, got a list"):
        parse([1, 2])


def test_not_json(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{'call_id': 'CA1'")
    with pytest.raises(ManifestError, match=r"m\.json: not JSON \(.* at line 1 column 2\)"):
        load_manifest(path)


def test_a_manifest_file_written_with_a_utf8_byte_order_mark_is_read(tmp_path):
    """Windows tools (PowerShell 5's Out-File, Notepad's "UTF-8 with BOM") start a file with one;
    RFC 8259 lets a parser ignore it, as transcripts already do. Any other encoding is still refused."""
    path = tmp_path / "m.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(design_example()).encode())
    assert load_manifest(path).call_id == design_example()["call_id"]
    path.write_bytes(json.dumps(design_example()).encode("utf-16"))
    with pytest.raises(ManifestError, match=r"m\.json: cannot read manifest"):
        load_manifest(path)


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match=r"nope\.json: no such manifest file"):
        load_manifest(tmp_path / "nope.json")


@pytest.mark.parametrize("path,value,message", [
    (("events", 0, "end"), 10 ** 400, r"^events\[0\]\.end: \(too long\) is not a time in the call"),
    (("account", "retention_days"), 10 ** 7,
     r"^account\.retention_days: expected a whole number of days from 1 to 36500 or null, got number 10000000"),
])
def test_numbers_too_large_are_refused(path, value, message):
    with pytest.raises(ManifestError, match=message):
        parse(change(path, value))


def test_integer_too_long_to_parse(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"call_id": ' + "9" * 5000 + "}")
    with pytest.raises(ManifestError, match=r"m\.json: not usable JSON"):
        load_manifest(path)


#: Ticket and account ids holding a card number (4111 1111 1111 1111 passes the Luhn check).
CARD_IDS = ["4111-1111-1111-1111", "4111111111111111", "T.4111.1111.1111.1111", "9-4111-1111-1111-1111",
            "INC-2026-12-01-000126"]


@pytest.mark.parametrize("path", [("ticket_id",), ("account", "id")], ids=["ticket_id", "account.id"])
@pytest.mark.parametrize("value", CARD_IDS, ids=["dashed", "bare", "dotted", "led-by-9", "help-desk-luhn"])
def test_ids_that_could_hold_a_card_number_are_refused_without_echo(path, value):
    """A ticket or account id is stored in the metadata and index, queue messages and audit
    records: one that could be a card number is refused where it enters (never echoed)."""
    field = ".".join(path)
    with pytest.raises(ManifestError, match=rf"^{field}: could hold a card number") as caught:
        parse(change(path, value))
    assert "4111" not in str(caught.value) and "000126" not in str(caught.value)


@pytest.mark.parametrize("value", ["4111-1111-1111-1111", "4111111111111111", "call-4111111111111111"],
                         ids=["dashed", "bare", "prefixed"])
def test_a_call_id_that_could_hold_a_card_number_is_refused_without_echo(value):
    """It went into the index entry, metadata, queue messages and job results as given."""
    with pytest.raises(ManifestError, match=r"^call_id: could hold a card number") as caught:
        parse(change(("call_id",), value))
    assert "4111" not in str(caught.value)


def test_platform_call_ids_whose_hex_holds_a_luhn_valid_run_are_taken():
    """A SID or UUID whose digits happen to pass the Luhn check is no card number."""
    for call_id in ["CA4111111111111111abcdefabcdefabcd", "41111111-1111-4111-8111-111111111111"]:
        assert parse(change(("call_id",), call_id)).call_id == call_id


def test_ids_with_spaces_around_a_card_number_are_refused_without_echo():
    with pytest.raises(ManifestError, match=r"^ticket_id: not a valid id") as caught:
        parse(change(("ticket_id",), "4111 1111 1111 1111"))
    assert "4111" not in str(caught.value)


@pytest.mark.parametrize("value", ["INC-2026-12-01-000123", "T-1001", "ZD-48213", "12345678901"])
def test_help_desk_ids_without_a_card_number_are_taken(value):
    assert parse(change(("ticket_id",), value)).ticket_id == value
    assert parse(change(("account", "id"), value)).account.id == value


def test_call_ids_keep_their_long_digit_runs():
    """Call ids are the platform's (SIDs, UUIDs): not checked for card numbers."""
    assert parse(change(("call_id",), "CA" + "1" * 32)).call_id == "CA" + "1" * 32


#: Phone numbers in use (libphonenumber's plans) whose digits pass the Luhn check, and others.
REAL_NUMBERS = {
    "de-15-digits-luhn": "+498912345678903",   # Munich, 15 digits (E.164's longest)
    "at-15-digits-luhn": "+431512345678901",   # Vienna, 15 digits
    "br-mobile-13-digits-luhn": "+5511987654325",
    "gb-12-digits-luhn": "+442079460956",
    "gb-12-digits": "+441234567890",
    "nanp-fictional-short": "+15550100",       # the design brief's example: too short to hold a card
    "country-code-only": "+1",
}


@pytest.mark.parametrize("value", list(REAL_NUMBERS.values()), ids=list(REAL_NUMBERS))
def test_phone_numbers_are_taken_even_when_their_digits_pass_the_luhn_check(value):
    assert parse(change(("number", "id"), value)).number.id == value


@pytest.mark.parametrize("value", ["twilio", "connect", "client:alice_1", "sip:alice@example.com", "main-line",
                                   "sip:+15550100@pbx.example.com"])
def test_other_number_ids_are_taken(value):
    assert parse(change(("number", "id"), value)).number.id == value


@pytest.mark.parametrize("value", ["sip:+498912345678903@pbx.example.com", "tel:+498912345678903",
                                   "sip:+5511987654325@sip.example.net", "sip:+442079460956@10.0.0.1"],
                         ids=["sip-de-15", "tel-de-15", "sip-br-13", "sip-gb-12-ip-host"])
def test_sip_and_tel_ids_of_a_phone_number_are_judged_as_the_phone_number(value):
    """A SIP or tel URI whose user part is an E.164 number in use is taken, however many digits
    it has (the id rule would take any 12 of them in a row for a card number)."""
    assert parse(change(("number", "id"), value)).number.id == value


SIP_CARDS = {
    "sip-amex-15": "sip:+" + luhn_complete("37828224631000") + "@pbx.example.com",
    "tel-visa-16": "tel:+" + luhn_complete("411111111111111"),
    "sip-visa-16-bare-user": "sip:" + luhn_complete("411111111111111") + "@pbx.example.com",
    "sip-card-in-host": "sip:+15550100@" + luhn_complete("411111111111111") + ".example.com",
}


@pytest.mark.parametrize("value", list(SIP_CARDS.values()), ids=list(SIP_CARDS))
def test_sip_and_tel_ids_that_could_hold_a_card_number_are_refused(value):
    with pytest.raises(ManifestError) as caught:
        parse(change(("number", "id"), value))
    message = str(caught.value)
    assert message.startswith("number.id: ") and "4111" not in message and "378282" not in message


#: Card numbers (Luhn-valid) where a phone number should be; never printed (ids below).
CARD_NUMBER_IDS = {
    "amex-15-as-e164": "+" + luhn_complete("37828224631000"),
    "diners-14-as-e164": "+" + luhn_complete("3056930902590"),   # a possible length in +30, not in use
    "amex-15-other": "+" + luhn_complete("37144963539843"),
    "uatp-15-as-e164": "+" + luhn_complete("10000000000007"),
    "visa-16-as-e164": "+" + luhn_complete("411111111111111"),  # longer than E.164 allows
    "visa-16-bare": luhn_complete("411111111111111"),
    "visa-16-dashed": "-".join([luhn_complete("411111111111111")[i:i + 4] for i in range(0, 16, 4)]),
    "visa-16-client": "client:" + luhn_complete("411111111111111"),
    "visa-16-sip": "sip:" + luhn_complete("411111111111111") + "@pbx.example.com",
    "amex-15-dashed-e164": "+3782-822463-" + luhn_complete("37828224631000")[-5:],
}


@pytest.mark.parametrize("value", list(CARD_NUMBER_IDS.values()), ids=list(CARD_NUMBER_IDS))
def test_a_number_id_that_could_hold_a_card_number_is_refused_without_echo(value):
    """number.id is kept in the manifest the API stores for the workers: a card number put
    there (with or without a +) is refused where it enters, naming the field, never echoed."""
    with pytest.raises(ManifestError) as caught:
        parse(change(("number", "id"), value))
    message = str(caught.value)
    assert message.startswith("number.id: "), message.split(":")[0]
    assert "could hold a card number" in message or "not a phone number" in message
    digits = "".join(ch for ch in value if ch.isdigit())
    assert digits[:6] not in message and digits[-4:] not in message


def test_a_manifest_path_heading_an_error_is_quoted_when_it_could_blur(tmp_path):
    bad = tmp_path / "call 1.json"
    bad.write_text("{")
    with pytest.raises(ManifestError) as caught:
        load_manifest(bad)
    assert str(caught.value).startswith(f"{str(bad)!r}: not JSON (")
    missing = tmp_path / "call: 2.json"
    with pytest.raises(ManifestError) as caught:
        load_manifest(missing)
    assert str(caught.value) == f"{str(missing)!r}: no such manifest file"


def test_a_source_path_inside_a_field_error_is_quoted_when_it_could_blur(tmp_path):
    from worker.calls.sources import check_sources
    from worker.errors import SourceError
    from worker.settings import Settings

    outside = tmp_path / "elsewhere" / "leg a.wav"
    data = design_example()
    data["segments"] = [{"uri": str(outside), "start": 40.0}]
    data.pop("transcript", None)
    manifest = parse_manifest(data, tmp_path / "call")
    with pytest.raises(SourceError) as caught:
        check_sources(manifest, Settings.from_env())
    assert str(caught.value).startswith(f"segments[0].uri: {str(outside)!r}: outside the directories")
