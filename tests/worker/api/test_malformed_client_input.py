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
