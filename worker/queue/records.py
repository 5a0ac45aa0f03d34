"""One record per job in Redis: what the job is, where it stands, who holds it, its result.

Delivery is at least once (a worker killed mid-job has its message delivered again, a lost
ack re-runs a finished job), so a job takes effect once through its record, the hash
``callrec:job:<id>``:

- the encoded job (references only), its kind, batch, state (``queued``, ``running``,
  ``retrying``, ``done``, ``failed``), times, attempts and the reason of its last failure,
  read by ``callrec status``, ``jobs``, ``batch`` and the HTTP API;
- while a worker runs it, ``holder``: the token of its claim, beside a *lease* (the key
  ``callrec:lease:<id>`` with a TTL) renewed by a background thread; a crashed worker stops
  renewing, its lease expires and a redelivery may claim. A claim that finds a holder left
  behind knows the previous delivery died mid-job and counts a crash; past ``max_crashes``
  the job is failed as poison instead of killing workers forever;
- ``state = done`` plus the result references once the effect is in place, written with
  the claim's release in one step: any later delivery is acknowledged without running again.

Failed jobs are also listed in the sorted set ``callrec:failed`` (by time) until retried. A
batch keeps the sets of its recordings done and failed, so counting is idempotent under
redelivery. The effect itself is written under deterministic ids with atomic writes (the
vault), so a job that crashed after writing and before ``complete`` re-runs to the same
single recording.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis

from callrec.errors import CallrecError
from worker.errors import JobBusy, JobDecodeError, PoisonJob, scrub_digits
from worker.queue.jobs import Job, ProcessCall

#: Job states, in the order a job normally passes them.
STATES = ("queued", "running", "retrying", "done", "failed")

#: Longest failure reason kept (reasons name what is wrong, never content).
MAX_REASON_CHARS = 300

#: How long a finished job's status and a batch's progress stay readable (failed jobs stay
#: listed until retried). Bounds Redis memory when batches run over millions of recordings.
FINISHED_TTL_S = 30 * 86400


@dataclass(frozen=True)
class JobStatus:
    """What is known about one job."""

    job_id: str
    kind: str
    state: str
    job: str
    attempts: int = 0
    enqueued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    reason: str | None = None
    batch_id: str | None = None
    result: Mapping[str, str] = field(default_factory=dict)
    #: Where Dramatiq keeps the failed message (``<queue>/<redis message id>``).
    dead_letter: str | None = None

    def decode_job(self) -> Job:
        return Job.decode(self.job)


@dataclass(frozen=True)
class BatchProgress:
    """Counts of one batch: recordings selected, done (including already at target), failed."""

    batch_id: str
    total: int
    done: int
    failed: int
    started_at: float

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total


def failure_reason(exc: BaseException) -> str:
    """A short reason safe to store and show: our errors' messages (digit runs scrubbed),
    else the class name only."""
    name = type(exc).__name__
    if isinstance(exc, CallrecError):
        return _reason(f"{name}: {exc}")
    return name  # a foreign message could echo data; its class is enough to triage


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one job, proven by a random token."""

    job_id: str
    token: str
    crashes: int


#: Lease of a job's claim, and crash count, unless the settings say otherwise.
LEASE_S = 30.0
MAX_CRASHES = 5

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
  redis.call('hdel', KEYS[1], 'holder', 'reason')
  redis.call('expire', KEYS[1], ARGV[5])
  redis.call('zrem', KEYS[3], ARGV[6])
elseif redis.call('hget', KEYS[1], 'holder') == ARGV[1] then
  redis.call('hdel', KEYS[1], 'holder')
end
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1
"""


class JobRecords:
    """Reads and writes job records (status, claims, results) and batch progress."""

    def __init__(self, client: redis.Redis, *, lease_s: float = LEASE_S, max_crashes: int = MAX_CRASHES,
                 namespace: str = "callrec", clock=time.time) -> None:
        if lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {lease_s!r}")
        self.client = client
        self.lease_ms = int(lease_s * 1000)
        self.max_crashes = max_crashes
        self.namespace = namespace
        self.clock = clock
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)

    # -- jobs -------------------------------------------------------------------------

    def create(self, job: Job, *, replace: bool = False) -> bool:
        """Record a job as queued; False (and nothing written) when it exists already.

        ``replace`` re-queues an existing job (an operator's retry); a live lease stays (a delivery
        still running it: the retry waits for it, never runs the job beside it).
        """
        key = self._job_key(job.job_id)
        values = self._queued(job)
        if replace:
            with self.client.pipeline() as pipe:
                pipe.delete(key)  # its TTL, claim and crash count too
                pipe.hset(key, mapping=values)
                pipe.zrem(self._failed_key(), job.job_id)
                pipe.execute()
            return True
        if not self.client.hsetnx(key, "job", values["job"]):
            return False
        self.client.hset(key, mapping=values)
        return True

    def requeue_done(self, job: Job) -> bool:
        """Record a finished job as queued again (a repeatable job asked for again,
        ``Job.repeatable``); False, and nothing written, unless it is done at this moment (checked
        and replaced atomically: a running job's claim is never reset)."""
        return self._requeue(job, b"done")

    def requeue_failed(self, job: Job) -> bool:
        """Record a failed job as queued again as ``job`` (a call's corrected manifest); False, and
        nothing written, unless it is failed at this moment (checked and replaced atomically: of two
        corrections sent at once, one is recorded). Its dead letter stays for the caller to drop."""
        return self._requeue(job, b"failed")

    def _requeue(self, job: Job, state: bytes) -> bool:
        key = self._job_key(job.job_id)
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(key)
                if pipe.hget(key, "state") != state:
                    pipe.unwatch()
                    return False
                pipe.multi()
                pipe.delete(key, self._lease_key(job.job_id))  # its TTL, claim and crash count too
                pipe.hset(key, mapping=self._queued(job))
                pipe.zrem(self._failed_key(), job.job_id)
                pipe.execute()
            except redis.WatchError:  # it changed meanwhile: another request queued it
                return False
        return True

    def _queued(self, job: Job) -> dict[str, object]:
        """The record of ``job`` as it is queued (made or made again)."""
        values: dict[str, object] = {"job": job.encode(), "kind": job.kind, "state": "queued",
                                     "enqueued_at": f"{self.clock():.3f}", "attempts": 0}
        batch_id = getattr(job, "batch_id", None)
        if batch_id:
            values["batch_id"] = batch_id
        return values

    def running(self, job_id: str) -> None:
        key = self._job_key(job_id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"state": "running", "started_at": f"{self.clock():.3f}"})
            pipe.hincrby(key, "attempts", 1)
            pipe.execute()

    def done(self, job_id: str, result: Mapping[str, str]) -> None:
        """Record a job as done with ``result`` outside a claim (a job a batch found at its
        targets already; a claimed job completes with :meth:`complete`)."""
        key = self._job_key(job_id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"state": "done", "finished_at": f"{self.clock():.3f}",
                                    "result": json.dumps(dict(result), sort_keys=True)})
            pipe.hdel(key, "reason")
            pipe.zrem(self._failed_key(), job_id)
            pipe.expire(key, FINISHED_TTL_S)
            pipe.execute()
        self._count_in_batch(job_id, "done")

    def retrying(self, job_id: str, reason: str) -> None:
        self.client.hset(self._job_key(job_id), mapping={"state": "retrying", "reason": _reason(reason)})

    def failed(self, job_id: str, reason: str, *, dead_letter: str | None = None) -> None:
        now = self.clock()
        values = {"state": "failed", "reason": _reason(reason), "finished_at": f"{now:.3f}"}
        if dead_letter:
            values["dead_letter"] = dead_letter
        with self.client.pipeline() as pipe:
            pipe.hset(self._job_key(job_id), mapping=values)
            pipe.zadd(self._failed_key(), {job_id: now})
            pipe.execute()
        self._count_in_batch(job_id, "failed")

    def get(self, job_id: str) -> JobStatus | None:
        raw = self.client.hgetall(self._job_key(job_id))
        if not raw:
            return None
        data = {key.decode(): value.decode() for key, value in raw.items()}
        return JobStatus(
            job_id=job_id, kind=data.get("kind", "?"), state=data.get("state", "?"),
            job=data.get("job", ""), attempts=int(data.get("attempts", 0)),
            enqueued_at=_float(data.get("enqueued_at")), started_at=_float(data.get("started_at")),
            finished_at=_float(data.get("finished_at")), reason=data.get("reason"),
            batch_id=data.get("batch_id"), result=json.loads(data.get("result", "{}")),
            dead_letter=data.get("dead_letter"),
        )

    def forget(self, job_id: str) -> None:
        """Drop a job's record, its claim and crash count included (it was never sent after
        all, or an operator retries it)."""
        with self.client.pipeline() as pipe:
            pipe.delete(self._job_key(job_id), self._lease_key(job_id))
            pipe.zrem(self._failed_key(), job_id)
            pipe.execute()

    def failed_count(self) -> int:
        """How many jobs are failed (listed or not)."""
        return self.client.zcard(self._failed_key())

    def failed_jobs(self, limit: int = 100) -> list[JobStatus]:
        """Failed jobs, oldest first."""
        ids = self.client.zrange(self._failed_key(), 0, limit - 1)
        statuses = (self.get(job_id.decode()) for job_id in ids)
        return [status for status in statuses if status is not None]

    def record_poison(self, message_id: str, reason: str) -> None:
        """Remember a message that is not a job at all, under its queue message id."""
        now = self.clock()
        with self.client.pipeline() as pipe:
            pipe.hset(self._job_key(message_id), mapping={
                "kind": "?", "state": "failed", "reason": _reason(reason), "job": "",
                "finished_at": f"{now:.3f}"})
            pipe.zadd(self._failed_key(), {message_id: now})
            pipe.execute()

    # -- claims ------------------------------------------------------------------------

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
        """Record the effect as done, with its result references, and drop the claim, in
        one step; count it in its batch."""
        self._finish(keys=self._keys(claim.job_id),
                     args=[claim.token, "done", json.dumps(dict(result), sort_keys=True),
                           f"{self.clock():.3f}", FINISHED_TTL_S, claim.job_id])
        self._count_in_batch(claim.job_id, "done")

    def release(self, claim: Claim) -> None:
        """Give the job up after a clean failure, so a retry can claim it at once."""
        self._finish(keys=self._keys(claim.job_id), args=[claim.token, "released", "", "", 0, claim.job_id])

    def result(self, job_id: str) -> dict[str, str] | None:
        """The result references of a finished job, else None."""
        state, raw = self.client.hmget(self._keys(job_id)[0], ["state", "result"])
        if state != b"done":
            return None
        return json.loads(raw or b"{}")

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

    # -- batches ----------------------------------------------------------------------

    def start_batch(self, batch_id: str, recording_ids: Iterable[str]) -> None:
        """Start (or plan again) a batch of ``recording_ids``: its total is theirs, and a
        recording counted by an earlier run but no longer planned (deleted meanwhile) is no
        longer counted (it showed ``6/4 done``: session-46 audit)."""
        ids = list(recording_ids)
        key, members = self._batch_key(batch_id), self._batch_key(batch_id, "members")
        with self.client.pipeline() as pipe:
            pipe.hsetnx(key, "started_at", f"{self.clock():.3f}")
            pipe.hset(key, "total", len(ids))
            pipe.delete(members)
            for start in range(0, len(ids), 10_000):
                pipe.sadd(members, *ids[start:start + 10_000])
            for part in ("done", "failed"):
                pipe.sinterstore(self._batch_key(batch_id, part), [self._batch_key(batch_id, part), members])
            self._expire_batch(pipe, batch_id)
            pipe.execute()

    def batch_done(self, batch_id: str, recording_ids: Iterable[str]) -> None:
        """Count recordings as done without a job (already at the target versions)."""
        ids = list(recording_ids)
        if ids:
            with self.client.pipeline() as pipe:
                pipe.sadd(self._batch_key(batch_id, "done"), *ids)
                pipe.srem(self._batch_key(batch_id, "failed"), *ids)
                self._expire_batch(pipe, batch_id)
                pipe.execute()

    def batch_sent_again(self, batch_id: str, recording_id: str) -> None:
        """A recording whose job is sent again counts as neither done nor failed until it ends
        (a rerun showed the failures of the run before and returned at once: session-47 audit)."""
        with self.client.pipeline() as pipe:
            for part in ("done", "failed"):
                pipe.srem(self._batch_key(batch_id, part), recording_id)
            pipe.execute()

    def batch_progress(self, batch_id: str) -> BatchProgress | None:
        key = self._batch_key(batch_id)
        with self.client.pipeline() as pipe:
            pipe.hmget(key, ["total", "started_at"])
            pipe.scard(self._batch_key(batch_id, "done"))
            pipe.scard(self._batch_key(batch_id, "failed"))
            (total, started_at), done, failed = pipe.execute()
        if total is None:
            return None
        return BatchProgress(batch_id=batch_id, total=int(total), done=done, failed=failed,
                             started_at=float(started_at))

    def count_done(self, job_id: str) -> None:
        """Count a done job in its batch again (a set: counting twice is once), for a
        delivery that finds it done: the one that completed it may have lost Redis before
        counting."""
        self._count_in_batch(job_id, "done")

    def _count_in_batch(self, job_id: str, outcome: str) -> None:
        status = self.get(job_id)
        if status is None or not status.batch_id:
            return
        recording_id = json.loads(status.job).get("recording_id")
        members = self._batch_key(status.batch_id, "members")
        with self.client.pipeline(transaction=False) as pipe:  # one round trip
            planned, member = pipe.exists(members).sismember(members, recording_id).execute()
        if planned and not member:
            return  # a job of an earlier run of the batch, for a recording it no longer plans
        other = "failed" if outcome == "done" else "done"
        with self.client.pipeline() as pipe:
            pipe.sadd(self._batch_key(status.batch_id, outcome), recording_id)
            pipe.srem(self._batch_key(status.batch_id, other), recording_id)
            self._expire_batch(pipe, status.batch_id)
            pipe.execute()

    def _expire_batch(self, pipe, batch_id: str) -> None:
        for part in ("", "done", "failed", "members"):
            pipe.expire(self._batch_key(batch_id, part), FINISHED_TTL_S)

    def _keys(self, job_id: str) -> list[str]:
        return [self._job_key(job_id), self._lease_key(job_id), self._failed_key()]

    def _lease_key(self, job_id: str) -> str:
        return f"{self.namespace}:lease:{job_id}"

    def _job_key(self, job_id: str) -> str:
        return f"{self.namespace}:job:{job_id}"

    def _failed_key(self) -> str:
        return f"{self.namespace}:failed"

    def _batch_key(self, batch_id: str, part: str = "") -> str:
        return f"{self.namespace}:batch:{batch_id}" + (f":{part}" if part else "")


def _reason(text: str) -> str:
    """A reason as stored: digit runs scrubbed (worker.errors.scrub_digits), bounded."""
    return scrub_digits(text)[:MAX_REASON_CHARS]


def _float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


class FailedCallJobs:
    """The call jobs the records show failed for good, as the retention sweep asks for them
    (worker.calls.kept.JobStates): it marks their kept manifests when they have no failure
    mark (jobs that failed before marks were written)."""

    def __init__(self, records: JobRecords) -> None:
        self.records = records

    def failed_calls(self) -> Iterator[tuple[str, str, float | None]]:
        for raw, _score in self.records.client.zscan_iter(self.records._failed_key()):
            status = self.records.get(raw.decode())
            if status is None or status.state != "failed" or status.kind != ProcessCall.kind:
                continue
            try:
                job = status.decode_job()
            except JobDecodeError:
                continue
            if isinstance(job, ProcessCall):
                yield job.job_id, job.manifest_uri, status.finished_at

    def is_failed(self, job_id: str) -> bool:
        status = self.records.get(job_id)
        return status is not None and status.state == "failed"
