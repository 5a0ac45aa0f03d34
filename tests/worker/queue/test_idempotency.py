import threading
import time

import pytest

from callrec.errors import is_permanent
from worker.errors import JobBusy, PoisonJob
from worker.queue.idempotency import IdempotencyStore


@pytest.fixture
def store(redis_client):
    return IdempotencyStore(redis_client, lease_s=0.3, max_crashes=2)


def test_claim_complete_then_done(store):
    claim = store.claim("j1")
    assert claim is not None and claim.crashes == 0
    store.complete(claim, {"recording_id": "r1"})
    assert store.claim("j1") is None
    assert store.result("j1") == {"recording_id": "r1"}


def test_a_live_lease_makes_others_wait(store):
    store.claim("j1")
    with pytest.raises(JobBusy) as info:
        store.claim("j1")
    assert not is_permanent(info.value)


def test_release_lets_a_retry_claim_at_once_without_counting_a_crash(store):
    store.release(store.claim("j1"))
    claim = store.claim("j1")
    assert claim.crashes == 0


def test_an_expired_lease_counts_a_crash_and_then_poison(store):
    store.claim("j1")  # the holder dies: never completes, never releases
    time.sleep(0.35)
    assert store.claim("j1").crashes == 1
    time.sleep(0.35)
    with pytest.raises(PoisonJob, match="stopped its worker 2 times") as info:
        store.claim("j1")
    assert is_permanent(info.value)


def test_held_renews_the_lease_while_the_body_runs(store):
    claim = store.claim("j1")
    with store.held(claim):
        time.sleep(0.7)  # more than two lease periods
        with pytest.raises(JobBusy):
            store.claim("j1")
    store.complete(claim, {})


def test_forget_clears_the_crash_count(store):
    store.claim("j1")
    time.sleep(0.35)
    store.claim("j1")
    store.forget("j1")
    assert store.claim("j1").crashes == 0


def test_only_one_of_many_concurrent_claims_wins(store):
    wins, busy = [], []

    def attempt():
        try:
            wins.append(store.claim("j1"))
        except JobBusy:
            busy.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(wins), len(busy)) == (1, 7)


def test_lease_must_be_positive(redis_client):
    with pytest.raises(ValueError, match="lease_s must be positive"):
        IdempotencyStore(redis_client, lease_s=0, max_crashes=1)
