import re

import pytest

from worker.errors import scrub_digits


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("plan: '4532015112830366' is not one of team", "plan: '################' is not one of team"),
    ("card 4532 0151 1283 0366 read out", "card #### #### #### #### read out"),
    ("4532-0151-1283-0366", "####-####-####-####"),
    ("x4532015112830366y", "x################y"),  # glued to letters: still card length
    ("expiry 1225, code 7391", "expiry ####, code ####"),
    ("４５３２０１５１１２８３０３６６", "################"),  # any Unicode digits
    ("agent 100-130 s overlaps events[2] (agent 40-100 s)", "agent 100-130 s overlaps events[2] (agent 40-100 s)"),
    ("rec_us_0123456789abcdef0123456789abcdef: no recording", "rec_us_0123456789abcdef0123456789abcdef: no recording"),
    ("job sweep-20261201T150000 failed", "job sweep-20261201T150000 failed"),
    ("", ""),
], ids=["quoted-in-a-message", "spaced", "dashed", "glued-to-letters", "expiry-and-code", "fullwidth-digits",
        "times-of-events", "recording-id", "job-id-with-a-date", "empty"])
def test_scrub_hides_card_like_digit_runs_and_keeps_references(text, scrubbed):
    assert scrub_digits(text) == scrubbed
    assert scrub_digits(scrubbed) == scrubbed  # idempotent


def test_card_numbers_only_keeps_counts_and_rates():
    text = "header promises 4160000 data bytes; card 4532015112830366"
    assert scrub_digits(text, card_numbers_only=True) == \
        "header promises 4160000 data bytes; card ################"


def test_card_numbers_only_keeps_ip_addresses_but_not_dotted_cards():
    assert scrub_digits("host 169.254.169.254 is not allowed", card_numbers_only=True) == \
        "host 169.254.169.254 is not allowed"
    assert scrub_digits("card 4532.0151.1283.0366", card_numbers_only=True) == "card ####.####.####.####"


def _product_ids(count: int) -> list[str]:
    """Recording ids and job ids as the product makes and keeps them, many of them with long
    digit runs in their hex (about 3 % of the recording ids made before 2026-12-02, which
    stay stored under them, have 12 or more digits in a row; newer ones hold at most 3)."""
    from vault.regions import legacy_recording_id, recording_id
    from worker.queue.jobs import DeleteRecordings, ProcessCall, RedactRecording, Reprocess

    ids = []
    for n in range(count):
        rid = legacy_recording_id("acme", f"CA{n}", ("us", "eu", "au")[n % 3])
        ids += [rid, recording_id("acme", f"CA{n}", "us"), ProcessCall.for_call("m.json", "acme", f"CA{n}").job_id,
                RedactRecording.for_recording(rid).job_id, DeleteRecordings.for_target(recording_id=rid).job_id,
                Reprocess.for_batch("b0a1b2c3d4e5f6a7", rid, ("redact",)).job_id]
    return ids


def _holds_card_number(text: str) -> bool:
    """A stretch of 13-19 digits, first 2-6, passing the Luhn check (written out here)."""
    for run in re.findall(r"[0-9]{13,}", text):
        for length in range(13, 20):
            for start in range(len(run) - length + 1):
                digits = [int(d) for d in run[start:start + length]]
                total = sum(d if n % 2 == 0 else (2 * d if d < 5 else 2 * d - 9)
                            for n, d in enumerate(reversed(digits)))
                if digits[0] in (2, 3, 4, 5, 6) and total % 10 == 0:
                    return True
    return False


@pytest.mark.parametrize("card_numbers_only", [False, True])
def test_scrub_keeps_the_products_ids_whatever_digits_their_hex_holds(card_numbers_only):
    ids = _product_ids(2000)
    with_runs = [i for i in ids if re.search(r"\d{12,}", i)]
    assert len(with_runs) > 200  # the case that matters is really there (about 3 % of ids)
    kept = [i for i in ids if not _holds_card_number(i)]
    assert len(kept) >= 0.99 * len(ids)
    for rid in kept:
        for text in (rid, f"{rid}: no recording", f"recording '{rid}' (re-redaction)", f"job {rid}, 4 retries"):
            assert scrub_digits(text, card_numbers_only=card_numbers_only) == text


@pytest.mark.parametrize("card_numbers_only", [False, True])
def test_an_id_whose_hex_holds_a_card_number_loses_that_run(card_numbers_only):
    pan = "4532015112830366"
    crafted = f"rec_us_{pan}{'a' * 16}"
    assert scrub_digits(f"{crafted}: no recording", card_numbers_only=card_numbers_only) == \
        f"rec_us_{'#' * 16}{'a' * 16}: no recording"
    assert scrub_digits(f"call-ab{pan}cdef12", card_numbers_only=card_numbers_only) == f"call-ab{'#' * 16}cdef12"
    unlucky = [i for i in _product_ids(2000) if _holds_card_number(i)]  # about 1 in 300
    assert unlucky and all(scrub_digits(i) != i for i in unlucky)


@pytest.mark.parametrize("text", [
    "rec_us_4532015112830366",  # too short for an id: not one
    "rec_us_4532015112830366aaaaaaaaaaaaaaaaa",  # one hex digit too many
    "xrec_us_4532015112830366aaaaaaaaaaaaaaaa",  # glued to a letter: not an id
    "call-4532015112830366aaaaaaaa7",
    "id:4532015112830366aaaaaaaaaaaaaaaa",
    "REC_US_4532015112830366AAAAAAAAAAAAAAAA",  # ids are lowercase
], ids=["too-short", "one-hex-digit-too-many", "glued-to-a-letter", "call-prefix", "id-prefix", "uppercase"])
def test_scrub_still_hides_card_numbers_in_what_only_looks_like_an_id(text):
    assert "4532015112830366" not in scrub_digits(text)
    assert "4532015112830366" not in scrub_digits(text, card_numbers_only=True)


def test_scrub_keeps_api_key_webhook_and_event_ids_in_principals_and_reasons():
    """Audit principals are scrubbed (``api-key:<16 hex>``): about 1 key in 110 lost a digit
    run there, and its accesses could no longer be told apart."""
    import hashlib

    ids = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(3000)]
    texts = [f"api-key:{h[:16]}" for h in ids] + [f"endpoint we_{h[:16]} answered 500" for h in ids] + \
            [f"event evt_{h[:24]} not found" for h in ids]
    changed = [t for t in texts if scrub_digits(t) != t]
    assert changed == [t for t in texts if _holds_card_number(t)]
    assert len(changed) < 0.01 * len(texts)
    assert scrub_digits("api-key:4532015112830366") == "api-key:################"


#: A Luhn-valid test number, and the shapes a caller can join its groups with.
_VISA = "4111111111111111"
_SEPARATORS = ["_", "+", "/", "\\", ":", ",", ".", "-", " ", "__", " / ", "_-_", ", ",
               ";", "|", "=", "*", "#", "~", "!", "?", "&", "%", "@", "$", "^", " ; ", "\u00b7", "\u2013"]


@pytest.mark.parametrize("card_numbers_only", [False, True])
@pytest.mark.parametrize("separator", _SEPARATORS)
def test_scrub_hides_card_numbers_whatever_joins_their_groups(separator, card_numbers_only):
    joined = separator.join(_VISA[i:i + 4] for i in range(0, 16, 4))
    for text in (f"recording id 'rec_eu_{joined}' is malformed", f"no job 'call-{joined}'",
                 f"value {joined} is bad", f"x{joined}y", joined, f"agent:{joined}"):
        scrubbed = scrub_digits(text, card_numbers_only=card_numbers_only)
        assert re.sub(r"\D", "", scrubbed) == "", (text, scrubbed)
        assert scrub_digits(scrubbed, card_numbers_only=card_numbers_only) == scrubbed


@pytest.mark.parametrize("card_numbers_only", [False, True])
@pytest.mark.parametrize("groups", ["4111_1111_1111", "411_111_111_111_1", "37_8282_2463_10005",
                                    "4111:1111:1111:1111:123", "6011+0009+9013+9424"],
                         ids=["12-in-4s", "13-in-3s", "amex-2-4-4-5", "19-in-4s-and-3", "discover-pluses"])
def test_scrub_hides_12_or_more_digits_in_any_grouping(groups, card_numbers_only):
    assert re.sub(r"\D", "", scrub_digits(f"id rec_{groups}", card_numbers_only=card_numbers_only)) == ""


@pytest.mark.parametrize("card_numbers_only", [False, True])
@pytest.mark.parametrize("text", [
    "written 2026-12-01T15:00:00.123456+00:00 by worker-1",
    "at 2026-12-01 15:00:00+00:00 the lease ran out",
    "since 2026-12-01T15:00:00Z",
    "rec_us_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d/leg_1.wav: cannot read",
    "Redis at redis://127.0.0.1:6379/0 does not answer",
    "host 10.0.0.12:65535 refused",
    "header promises 4,160,000 data bytes",
    "leg_1.wav, leg_2.wav: 12.5 s, 3.25 s",
    "agent 100-130 s overlaps events[2] (agent 40-100 s)",
])
def test_scrub_keeps_times_addresses_files_and_counts_readable(text, card_numbers_only):
    assert scrub_digits(text, card_numbers_only=card_numbers_only) == text


def test_scrub_hides_a_lone_run_of_4_digits_outside_the_cli_only() -> None:
    text = "call lasted 1:23:45.678 (5025.678 s)"
    assert scrub_digits(text, card_numbers_only=True) == text
    assert scrub_digits(text) == "call lasted 1:23:45.678 (####.678 s)"


def test_a_file_size_limit_is_a_resource_error():
    """EFBIG (a write past RLIMIT_FSIZE or the file system's largest file) is the machine's
    limit, transient as a full disk is (found by the session-46 audit)."""
    import errno

    from worker.errors import resource_error

    assert resource_error(OSError(errno.EFBIG, "File too large")) is not None


def _event_names(count: int) -> list[str]:
    """Audit events' object names as the vault makes them, a microsecond apart over a day."""
    from datetime import UTC, datetime, timedelta

    from vault.audit import event_name

    start = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    return [event_name(start + timedelta(seconds=n * 29, microseconds=n * 7919)) for n in range(count)]


@pytest.mark.parametrize("card_numbers_only", [False, True])
def test_scrub_keeps_the_audit_events_object_names_the_vault_makes_whole(card_numbers_only):
    """Session 56: the API's error naming a tampered event masked its time stamp (20 digits
    across ``T`` and ``.``: card length), where the CLI names it whole."""
    names = _event_names(3000)
    assert all(re.search(r"\d{6}\.\d{6}-", n) for n in names)  # the stamp's 12+ digits are there
    for name in names:
        text = f"audit event {name} does not verify (altered, moved, or not written by this vault)"
        assert scrub_digits(text, card_numbers_only=card_numbers_only) == text


@pytest.mark.parametrize("card_numbers_only", [False, True])
def test_scrub_keeps_an_older_event_name_whole_unless_its_stamp_and_tag_hold_a_card_number(card_numbers_only):
    """Names made before session 56 (a tag that may begin with digits, read on across ``-``)."""
    older = "audit/2026-12-07/20261207T211500.123456-1a1b2c3d4e5f.json"  # 2115001234561: no Luhn
    assert scrub_digits(f"audit event {older} x", card_numbers_only=card_numbers_only) == f"audit event {older} x"
    crafted = "audit/2026-12-07/20261207T211500.411111-111111111111.json"  # 4111111111111111 inside
    assert scrub_digits(f"audit event {crafted} x", card_numbers_only=card_numbers_only) == \
        "audit event audit/2026-12-07/20261207T######.######-############.json x"
    unlucky = "audit/2026-12-07/20261207T211500.123456-0a1b2c3d4e5f.json"  # 2115001234560 passes Luhn
    assert scrub_digits(unlucky, card_numbers_only=card_numbers_only) == \
        "audit/2026-12-07/20261207T######.######-#a1b2c3d4e5f.json"


@pytest.mark.parametrize("card_numbers_only", [False, True])
@pytest.mark.parametrize("text", [
    "audit/2026-12-07/20261208T211500.123456-abcdef012345.json",  # its folder is another day's
    "audit/2026-12-07/20261207T211500.1234567-abcdef012345.json",  # a digit too many
    "xaudit/2026-12-07/20261207T211500.123456-abcdef012345.json",  # glued to a letter
])
def test_scrub_masks_what_only_looks_like_an_event_name(text, card_numbers_only):
    assert "211500.123456" not in scrub_digits(text, card_numbers_only=card_numbers_only)
