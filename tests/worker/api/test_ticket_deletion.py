"""``DELETE /v1/tickets/{ticket}/recordings`` of a ticket the account has no recording of is a
404 at once: it queued a job that then failed ("no recordings")."""

from __future__ import annotations

from dataclasses import replace

from tests.worker.api.conftest import error_of
from tests.worker.stored_recordings import store_recordings
from worker.vaults import build_vault


def test_a_ticket_without_recordings_of_the_account_is_404_and_queues_nothing(api, acme, redis_client, api_settings):
    region_vault = build_vault(api_settings).region("us")
    store_recordings(region_vault, "globex", 1, first=72001)  # T-72001 is another account's ticket
    before = set(redis_client.keys("callrec:job:delete-*"))
    for ticket in ("T-none", "T-72001"):
        answer = api.delete(f"/v1/tickets/{ticket}/recordings", headers=acme)
        assert answer.status_code == 404, answer.text
        assert error_of(answer) == {"code": "not_found", "field": None,
                                    "message": f"no recordings of ticket {ticket} in this account"}
    assert set(redis_client.keys("callrec:job:delete-*")) == before  # no job queued
    store_recordings(region_vault, "acme", 1, first=72002)
    answer = api.delete("/v1/tickets/T-72002/recordings", headers=acme)
    assert answer.status_code == 202, answer.text
    assert set(redis_client.keys("callrec:job:delete-*")) == before | {f"callrec:job:{answer.json()['job_id']}".encode()}



def test_a_vault_whose_index_key_cannot_be_opened_answers_a_ticket_deletion_503(acme, redis_client, api_settings,
                                                                                tmp_path):
    """Session-50 review: the index MAC key wrapped under a KEK version since retired (destroyed)
    cannot be opened; the deletion's check answered 400 ("bad_request"), as if the caller had
    sent something wrong. A server-side key problem is a 503 (no Retry-After: an operator's
    matter) whose message names the region's index key and nothing of the key itself; no job
    is queued. (A server of its own over a vault of its own: the session's server keeps its
    opened key, and its KEK must stay whole.)"""
    from starlette.testclient import TestClient

    from tests.worker.conftest import queue_broker
    from worker.api.app import create_app
    from worker.api.services import build_services

    settings = replace(api_settings, data_dir=tmp_path)
    region_vault = build_vault(settings).region("us")
    store_recordings(region_vault, "acme", 1, first=72003)
    old = region_vault.keys.current()
    region_vault.keys.rotate()
    region_vault.keys.retire(old)  # by hand: `keys rotate` re-wraps the index key first
    before = set(redis_client.keys("callrec:job:delete-*"))
    with TestClient(create_app(build_services(settings, queue_broker(), build_vault(settings)))) as api:
        answer = api.delete("/v1/tickets/T-72003/recordings", headers=acme)
    assert answer.status_code == 503 and "retry-after" not in answer.headers, answer.text
    assert error_of(answer) == {"code": "unavailable", "field": None,
                                "message": "the index key of region us cannot be opened"}
    assert set(redis_client.keys("callrec:job:delete-*")) == before
