"""The idempotency record: a job takes effect once, however often the queue delivers it.

Delivery is at least once (a worker killed mid-job has its message delivered again, a lost
ack re-runs a finished job). Each job id has a record in Redis:

- a *lease* (a key with a TTL) held while a worker runs the job and renewed by a background
  thread; a crashed worker stops renewing, so its lease expires and a redelivery may claim;
- ``holder``: the token of the claim in progress. A claim that finds a holder left behind
  knows the previous delivery died mid-job and counts a crash; past ``max_crashes`` the job
  is failed as poison instead of killing workers forever;
- ``state = done`` plus the result references once the effect is in place: any later
  delivery is acknowledged without running again.

The effect itself is written under deterministic ids with atomic writes (the vault), so a
job that crashed after writing and before ``complete`` re-runs to the same single recording.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from worker.errors import JobBusy, PoisonJob

#: How long a finished job is remembered (redeliveries come within minutes; the vault's
#: deterministic ids cover anything later).
DONE_TTL_S = 30 * 86400

_CLAIM = """
if redis.call('hget', KEYS[1], 'state') == 'done' then return {'done', 0} end
if not redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'busy', 0} end
local crashes = tonumber(redis.call('hget', KEYS[1], 'crashes') or '0')
if redis.call('hexists', KEYS[1], 'holder') == 1 then
  crashes = crashes + 1
  redis.call('hset', KEYS[1], 'crashes', crashes)
end
redis.call('hset', KEYS[1], 'holder', ARGV[1])
return {'claimed', crashes}
"""

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""

_FINISH = """
if ARGV[2] == 'done' then
  redis.call('hset', KEYS[1], 'state', 'done', 'result', ARGV[3], 'finished_at', ARGV[4])
  redis.call('hdel', KEYS[1], 'holder')
  redis.call('expire', KEYS[1], ARGV[5])
elseif redis.call('hget', KEYS[1], 'holder') == ARGV[1] then
  redis.call('hdel', KEYS[1], 'holder')
end
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1
"""


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one job, proven by a random token."""

    job_id: str
    token: str
    crashes: int


class IdempotencyStore:
    """Claims, lease renewal and completion records of jobs, in Redis."""

    def __init__(self, client: redis.Redis, *, lease_s: float, max_crashes: int,
                 namespace: str = "callrec") -> None:
        if lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {lease_s!r}")
        self.client = client
        self.lease_ms = int(lease_s * 1000)
        self.max_crashes = max_crashes
        self.namespace = namespace
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)

    def claim(self, job_id: str) -> Claim | None:
        """Take the job, or return None when it is done already.

        Raises JobBusy while another worker's lease is live and PoisonJob after too many
        crashes.
        """
        token = uuid.uuid4().hex
        state, crashes = self._claim(keys=self._keys(job_id), args=[token, self.lease_ms])
        state = state.decode() if isinstance(state, bytes) else state
        if state == "done":
            return None
        if state == "busy":
            raise JobBusy(f"job {job_id} is being run by another worker")
        claim = Claim(job_id=job_id, token=token, crashes=int(crashes))
        if claim.crashes >= self.max_crashes:
            self.release(claim)
            raise PoisonJob(f"job {job_id} stopped its worker {claim.crashes} times; not run again")
        return claim

    def renew(self, claim: Claim) -> bool:
        """Extend the lease; False when it was lost (expired and maybe taken)."""
        return bool(self._renew(keys=[self._keys(claim.job_id)[1]], args=[claim.token, self.lease_ms]))

    def complete(self, claim: Claim, result: Mapping[str, str]) -> None:
        """Record the effect as done, with its result references, and drop the lease."""
        self._finish(keys=self._keys(claim.job_id),
                     args=[claim.token, "done", json.dumps(dict(result), sort_keys=True),
                           f"{time.time():.3f}", DONE_TTL_S])

    def release(self, claim: Claim) -> None:
        """Give the job up after a clean failure, so a retry can claim it at once."""
        self._finish(keys=self._keys(claim.job_id), args=[claim.token, "released", "", "", 0])

    def result(self, job_id: str) -> dict[str, str] | None:
        """The result references of a finished job, else None."""
        state, raw = self.client.hmget(self._keys(job_id)[0], ["state", "result"])
        if state != b"done":
            return None
        return json.loads(raw or b"{}")

    def forget(self, job_id: str) -> None:
        """Drop the record (crash count included), e.g. before an operator retries a job."""
        self.client.delete(*self._keys(job_id))

    @contextmanager
    def held(self, claim: Claim) -> Iterator[None]:
        """Renew the lease in the background while the body runs."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.lease_ms / 3000):
                try:
                    if not self.renew(claim):
                        return
                except redis.RedisError:
                    continue  # Redis away for a moment: try again at the next tick

        thread = threading.Thread(target=renew, name=f"lease-{claim.job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _keys(self, job_id: str) -> list[str]:
        return [f"{self.namespace}:idem:{job_id}", f"{self.namespace}:lease:{job_id}"]
