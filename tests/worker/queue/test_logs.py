import io
import json
import logging

import pytest

from worker.errors import ManifestError
from worker.queue.logs import JsonFormatter, event


@pytest.fixture
def capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("callrec.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_event_is_one_json_object_with_its_fields(capture):
    logger, stream = capture
    event(logger, "job_done", job_id="call-1", kind="process_call", recorded_s=1.5)
    (line,) = lines(stream)
    assert {k: line[k] for k in ("level", "logger", "msg", "event", "job_id", "kind", "recorded_s")} == {
        "level": "info", "logger": "callrec.test-logs", "msg": "job_done", "event": "job_done",
        "job_id": "call-1", "kind": "process_call", "recorded_s": 1.5}
    assert line["ts"].endswith("Z")


def test_event_fields_must_be_plain(capture):
    logger, _ = capture
    with pytest.raises(TypeError, match="log field 'samples' must be a plain reference or number"):
        event(logger, "oops", samples=[0.1, 0.2])


def test_our_error_messages_are_kept_foreign_ones_are_not(capture):
    logger, stream = capture
    for exc in (ManifestError("events[0].type: unknown"), ValueError("card 4111111111111111")):
        try:
            raise exc
        except Exception:
            logger.exception("failed")
    ours, foreign = lines(stream)
    assert (ours["exc_type"], ours["exc_message"]) == ("ManifestError", "events[0].type: unknown")
    assert foreign["exc_type"] == "ValueError" and "exc_message" not in foreign
    assert "4111" not in stream.getvalue()
    assert "test_our_error_messages_are_kept" in foreign["stack"]


def test_card_digits_in_a_message_reason_or_error_are_scrubbed(capture):
    logger, stream = capture
    event(logger, "job_failed", job_id="call-0123456789abcdef01234567", reason="plan: '4111111111111111'")
    try:
        raise ManifestError("consent: '4111 1111 1111 1111'")
    except ManifestError:
        logger.exception("failed on 4111111111111111")
    first, second = lines(stream)
    assert first["reason"] == "plan: '################'" and first["job_id"] == "call-0123456789abcdef01234567"
    assert second["msg"] == "failed on ################"
    assert second["exc_message"] == "consent: '#### #### #### ####'"
