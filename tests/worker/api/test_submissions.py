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
