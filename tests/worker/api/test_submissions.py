"""An Idempotency-Key is claimed before anything is submitted: two requests racing with one key and
different bodies cannot both be accepted (found by the audit: both got a 202 in 4 of 5 trials)."""

from __future__ import annotations

import pytest

from worker.api.errors import ApiError
from worker.api.submissions import Submitter, idempotency_key


def test_a_key_is_claimed_by_the_first_request_before_it_submits(redis_client):
    submitter = Submitter(None, redis_client)
    assert submitter.remembered("acme", "k-1", b"body one") is None  # claimed: this request goes on
    # a second request with another body while the first is still submitting: refused now
    with pytest.raises(ApiError) as refused:
        submitter.remembered("acme", "k-1", b"body two")
    assert (refused.value.status, refused.value.code) == (422, "idempotency_key_reused")
    # the same body (a client's retry) goes on: its job id is the same deterministic one
    assert submitter.remembered("acme", "k-1", b"body one") is None
    submitter.remember("acme", "k-1", b"body one", "call-abc")
    assert submitter.remembered("acme", "k-1", b"body one") == "call-abc"
    assert submitter.remembered("acme", "k-1 ", b"body two") is None  # another key
    assert submitter.remembered("other", "k-1", b"body two") is None  # another account's


def test_a_request_refused_before_it_made_a_job_gives_its_key_back(redis_client):
    submitter = Submitter(None, redis_client)
    assert submitter.remembered("acme", "k-2", b"a bad manifest") is None
    submitter.release("acme", "k-2", b"a bad manifest")
    assert submitter.remembered("acme", "k-2", b"the corrected manifest") is None
    submitter.remember("acme", "k-2", b"the corrected manifest", "call-def")
    submitter.release("acme", "k-2", b"the corrected manifest")  # a job was made: the key stays its
    assert submitter.remembered("acme", "k-2", b"the corrected manifest") == "call-def"


def test_a_retry_of_the_same_json_written_otherwise_is_the_same_request(redis_client):
    """Found by the session-47 audit: the key compared raw bytes, so the same manifest sent again
    re-serialised (indented, keys in another order, as another client library writes it) was
    refused as ``idempotency_key_reused``. JSON bodies are compared as JSON."""
    submitter = Submitter(None, redis_client)
    first = b'{"call_id": "CA1", "ticket_id": "T-1", "n": [1, 2]}'
    again = b'{\n  "ticket_id": "T-1",\n  "call_id": "CA1",\n  "n": [1, 2]\n}'
    assert submitter.remembered("acme", "k-3", first) is None
    submitter.remember("acme", "k-3", first, "call-ghi")
    assert submitter.remembered("acme", "k-3", again) == "call-ghi"
    with pytest.raises(ApiError):
        submitter.remembered("acme", "k-3", b'{"call_id": "CA1", "ticket_id": "T-2", "n": [1, 2]}')
    with pytest.raises(ApiError):
        submitter.remembered("acme", "k-3", b'{"call_id": "CA1", "ticket_id": "T-1", "n": [2, 1]}')  # order in lists counts


@pytest.mark.parametrize("key", ["4111111111111111", "4111-1111-1111-1111", "retry.4111111111111111",
                                 "4111_1111_1111_1111", "378282246310005"])
def test_a_key_that_could_hold_a_card_number_is_refused_naming_the_header(key, redis_client):
    """Session 54's review: a key is kept as its plain SHA-256 (in a Redis key's name), and the
    digest of a card number is found again by trying the card numbers (a BIN and the Luhn check
    leave about 10^8). A key holding a number that stands apart and could be one (as a call id or
    a manifest path may not) is refused before anything is kept."""
    with pytest.raises(ApiError) as refused:
        idempotency_key({"idempotency-key": key})
    error = refused.value
    assert (error.status, error.code, error.field) == (400, "bad_request", "Idempotency-Key")
    assert "4111" not in str(error.message) and "3782" not in str(error.message)


@pytest.mark.parametrize("key", ["123e4567-e89b-12d3-a456-426614174000", "CA1008-try-1", "order-2026-12-01-000123",
                                 "01HF8Z2X3Y4W5V6T7S8R9Q0P1N", "4111"])
def test_keys_that_hold_no_card_number_are_taken(key):
    assert idempotency_key({"idempotency-key": key}) == key
