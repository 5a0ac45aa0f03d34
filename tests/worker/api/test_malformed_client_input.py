"""Client input no well-behaved client sends, answered as bad input and never as a 500 (found
by the session-46 audit): a review token's MAC, a Twilio signature and a Range header holding
characters outside ASCII."""

from __future__ import annotations

import pytest

from worker.api.ingress.twilio_signature import valid_signature
from worker.api.review_links import ReviewLinks
from worker.api.routes.recordings import single_range


@pytest.mark.parametrize("mac", ["\u00e9", "abc\u00e9", "\U0001f600"])
def test_a_review_token_whose_mac_is_not_ascii_is_unknown(redis_client, mac):
    """hmac.compare_digest raised TypeError on a str that is not ASCII: a 500."""
    assert ReviewLinks(redis_client).check(f"abc.{mac}") is None


def test_a_twilio_signature_that_is_not_ascii_does_not_match():
    assert valid_signature("12345", "https://mycompany.com/myapp.php?foo=1", [("a", "b")], "\u00e9\u00e9") is False


@pytest.mark.parametrize("header", ["bytes=\u00b2-", "bytes=0-\u00b9", "bytes=\u0663-", "bytes=0-\uff19"])
def test_a_range_with_digits_outside_ascii_is_no_range(header):
    """str.isdigit took superscripts and other scripts' digits that int() then refused (a 500):
    a malformed Range is ignored, as RFC 9110 says, and the whole file served."""
    assert single_range(header) is None


@pytest.mark.parametrize("header, wanted", [
    ("bytes=" + "0" * 5000 + "-1", (0, 1)),  # leading zeros: RFC 9110's 1*DIGIT
    ("bytes=0-" + "9" * 5000, (0, 10**18)),  # to the end, whatever the length
    ("bytes=" + "9" * 5000 + "-", (10**18, None)),  # past the end: a 416
    ("bytes=" + "9" * 5000 + "-" + "9" * 4999, None),  # the last before the first: no range
    ("bytes=" + "9" * 4999 + "-" + "9" * 5000, (10**18, 10**18)),
], ids=["zeros", "long-last", "long-first", "last-first", "both-long"])
def test_a_range_position_longer_than_int_reads_is_read_as_it_says(header, wanted):
    """Session 56's red team: int() reads at most 4,300 digits (Python's guard against quadratic
    parsing), so "bytes=" and 5,000 zeros and "-1" was a ValueError: a 500 on every audio and review
    player route. Leading zeros are dropped; a position longer than any file's length is read as
    10**18, one past any; the order of the two is judged before that."""
    assert single_range(header) == wanted


@pytest.mark.parametrize("path, method, content_type", [
    ("/v1/calls", "POST", "application/json"), ("/v1/retention", "PUT", "application/json"),
    ("/v1/webhooks", "POST", "application/json"),
    ("/v1/ingress/twilio/acme/recording?ticket=T-1", "POST", "application/x-www-form-urlencoded"),
], ids=["calls", "retention", "webhooks", "twilio"])
def test_a_compressed_body_is_415_naming_its_encoding(api, acme, path, method, content_type):
    """Found by hand (session 53): a body sent with ``Content-Encoding: gzip`` was read as the
    bytes of a plain body: compressed, a "not UTF-8" 400 that named nothing of the cause; and a
    plain body sent under that header was taken as if the header were not there. RFC 7694: 415
    naming the encoding, and the body is never read."""
    import gzip

    body = gzip.compress(b'{"days": 30}')
    response = api.request(method, path, content=body, headers={**acme, "Content-Type": content_type,
                                                                  "Content-Encoding": "gzip"})
    assert response.status_code == 415, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("unsupported_media_type", "Content-Encoding")
    assert error["message"] == "Content-Encoding: send the body uncompressed (identity), not gzip"


@pytest.mark.parametrize("path, method, body", [
    ("/v1/webhooks", "POST", '{"url": "https://hooks.example.com/\\ud800"}'),
    ("/v1/retention", "PUT", '{"days": 30, "note": "\\udfff"}'),
    ("/v1/profile", "PUT", '{"plan": "team", "region": "us", "retention_days": null, "recordings_public": false, '
                           '"pause_behavior": "silence", "redaction": "auto", "\\ud83d": 1}'),
], ids=["webhooks", "retention", "profile"])
def test_a_json_body_holding_half_a_surrogate_pair_is_400(api, acme, path, method, body):
    """Session 56's red team: JSON lets a string (or a key) hold an escaped half of a UTF-16
    surrogate pair, which no UTF-8 text can: a webhook URL holding one was a 500 (UnicodeEncodeError,
    writing it to Redis). Every JSON body is refused for it as it is read, 400 naming the cause."""
    response = api.request(method, path, content=body.encode(), headers={**acme, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("bad_request", None)
    assert error["message"] == "request body: holds an escaped half of a surrogate pair (\\ud800...), which is no text"
