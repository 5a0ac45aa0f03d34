"""``DELETE /v1/tickets/{ticket}/recordings`` of a ticket the account has no recording of is a
404 at once: it queued a job that then failed ("no recordings")."""

from __future__ import annotations

from tests.worker.api.conftest import error_of
from tests.worker.stored_recordings import store_recordings
from worker.vaults import build_vault


def test_a_ticket_without_recordings_of_the_account_is_404_and_queues_nothing(api, acme, redis_client, api_settings):
    region_vault = build_vault(api_settings).region("us")
    store_recordings(region_vault, "globex", 1, first=72001)  # T-72001 is another account's ticket
    before = set(redis_client.keys("callrec:job:*"))
    for ticket in ("T-none", "T-72001"):
        answer = api.delete(f"/v1/tickets/{ticket}/recordings", headers=acme)
        assert answer.status_code == 404, answer.text
        assert error_of(answer) == {"code": "not_found", "field": None,
                                    "message": f"no recordings of ticket {ticket} in this account"}
    assert set(redis_client.keys("callrec:job:*")) == before  # no job queued
    store_recordings(region_vault, "acme", 1, first=72002)
    answer = api.delete("/v1/tickets/T-72002/recordings", headers=acme)
    assert answer.status_code == 202, answer.text
    assert set(redis_client.keys("callrec:job:*")) == before | {f"callrec:job:{answer.json()['job_id']}".encode()}
