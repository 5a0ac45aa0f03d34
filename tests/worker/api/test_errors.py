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
