"""The endpoint glue: a bug is a 500 naming nothing, and its log line names the route, never
what the caller put in the path (a made-up recording id can hold a card number)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.worker.api.conftest import api_log
from worker.api.handlers import endpoint

CARD = "4111111111111111"


@endpoint
async def buggy(request):
    raise RuntimeError(f"a bug holding {request.path_params['recording_id']}")


@pytest.fixture
def logged():
    """The JSON lines the API logs (every level), and a client of an app with a buggy route."""
    app = Starlette(routes=[Route("/v1/recordings/{recording_id}/audio", buggy)])
    with api_log(logging.DEBUG) as stream:
        yield stream, TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("made_up_id", [
    CARD,
    f"rec_eu_{CARD}",
    "x4111_1111_1111_1111",
    "x4111+1111+1111+1111",
    "41111111%2011111111",
    "%34%31%31%31" + "1" * 12,
], ids=["plain", "as-an-id", "underscores", "pluses", "split-by-a-space", "percent-encoded"])
def test_a_500_logs_the_route_and_no_digit_of_the_path(logged, made_up_id):
    stream, client = logged
    response = client.get(f"/v1/recordings/{made_up_id}/audio")
    assert response.status_code == 500 and CARD[:4] not in response.text
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [line for line in lines if line.get("event") == "api_error"]
    assert errors and errors[0]["path"] == "/v1/recordings/{recording_id}/audio"
    assert errors[0]["exc_type"] == "RuntimeError"
    for line in lines:
        line.pop("ts")
        stack = line.pop("stack", "")  # source lines and line numbers, no values
        assert "1111" not in stack
        assert re.findall(r"\d", json.dumps(line).replace("/v1/", "")) == []
