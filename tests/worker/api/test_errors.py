"""The API's bad-request errors are in the one tree: bad input, never retried, naming the field."""

import pytest

from callrec.errors import CallrecError, is_permanent, is_retryable
from worker.api.errors import CtrError, ProfileError, from_service_error


@pytest.mark.parametrize(("error", "message"), [
    (ProfileError("plan", "plan: 'gold' is not one of team, growth"), "plan: 'gold' is not one of team, growth"),
    (CtrError("contact_record.Channel", "only VOICE contacts have recordings"),
     "contact_record.Channel: only VOICE contacts have recordings"),
])
def test_field_errors_are_bad_input_under_the_root(error, message):
    assert isinstance(error, CallrecError) and not isinstance(error, ValueError)
    assert (is_permanent(error), is_retryable(error)) == (True, False)
    assert str(error) == message and error.field == message.split(":")[0]
    answer = from_service_error(error)  # were it to escape its route: a 400, not a 500
    assert (answer.status, answer.code, answer.message) == (400, "bad_request", message)


@pytest.mark.parametrize("error", [__import__("redis").ConnectionError("Connection refused"),
                                   __import__("redis").TimeoutError("Timeout reading from socket"),
                                   __import__("redis").BusyLoadingError("Redis is loading the dataset in memory")])
def test_redis_gone_is_503_with_retry_after_not_a_500(error):
    """Found by the session-47 audit: with the worker that owned the embedded Redis stopped,
    every request answered 500 "internal error (ConnectionError)". Redis away is the queue
    unavailable for a while: 503, ``Retry-After``, and the client tries again."""
    answer = from_service_error(error)
    assert (answer.status, answer.code) == (503, "unavailable")
    assert answer.message == "the job queue (Redis) did not answer; try again shortly"
    assert answer.headers == {"Retry-After": "5"}


def test_an_error_naming_an_audit_event_names_it_whole_and_still_hides_a_card_number():
    """Session 56: the name's time stamp (20 digits across ``T`` and ``.``) was masked as a card
    number, where ``callrec audit`` names it whole; a card number beside it is still hidden."""
    from vault.errors import AuditTamperedError
    from worker.api.errors import error_body

    name = "audit/2026-12-07/20261207T211500.123456-abcdef012345.json"
    answer = from_service_error(AuditTamperedError(f"audit event {name} does not verify; card 4111 1111 1111 1111"))
    answer.field = "reason 4111111111111111"
    assert error_body(answer, "r1")["error"] == {
        "code": "bad_request", "message": f"audit event {name} does not verify; card #### #### #### ####",
        "field": "reason ################", "request_id": "r1"}
