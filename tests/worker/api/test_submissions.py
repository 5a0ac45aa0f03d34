"""An Idempotency-Key is claimed before anything is submitted: two requests racing with one key and
different bodies cannot both be accepted (found by the audit: both got a 202 in 4 of 5 trials)."""

from __future__ import annotations

import pytest

from worker.api.errors import ApiError
from worker.api.submissions import Submitter


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
