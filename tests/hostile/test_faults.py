"""Fault injection over the queue: calls go through real ``callrec worker`` processes while
worker process groups and Redis are SIGKILLed at random moments and one worker runs on a
full disk. In the end every call has exactly one recording, readable and whole; no object
or key is left over in the vault, no job, message or lease is left over in Redis, and the
workers' temp dir is empty.

The faults, all real (nothing in the product is patched):

- a worker killed: ``os.killpg(SIGKILL)`` of a ``callrec worker`` master and its worker
  processes, mid-whatever, like a lost machine; a new worker is started after it;
- one worker process killed: SIGKILL of one of a master's worker processes (out of
  memory, a crash in native code); its master stops the other and exits, and a new
  worker is started;
- Redis killed: SIGKILL of the private embedded redis-server, restarted from its
  append-only file 0.2-0.8 s later (the workers ride the outage out on their retries);
- a full disk: once a worker has booted, the only one running, its processes get
  RLIMIT_FSIZE 4 KiB (``prlimit``), so the kernel fails every write past 4 KiB (EFBIG:
  no file of a call fits, as with ENOSPC on a full temp disk; unprivileged and on any
  file system, which a size-limited tmpfs or loop mount is not). Its jobs must fail
  transiently and be retried, never be given up as bad input; it is killed after it has
  failed a job or two (the operator frees space) and a normal worker takes over.

``make test`` runs one short round (``FAULT_CALLS`` calls, a few faults, about 20-40 s on
two busy cores) under a fixed seed, so CI plays the same plan of faults every time (their
exact moments still follow the scheduler). ``CALLREC_FAULT_ROUNDS=10`` runs ten rounds in a
row, each with a fresh random seed, to search for new failures (a failing round prints its
seed; ``CALLREC_FAULT_SEED`` replays one).
"""

from __future__ import annotations

import io
import os
import random
import resource
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.worker.queue_calls import job_of, write_call
from tests.worker.workers import WorkerProcess, wait_for

#: Worker processes of each ``callrec worker``, and what Dramatiq logs once one has booted.
WORKER_PROCESSES = 2
READY = b"Worker process is ready for action."
#: Calls per round (of CALL_S seconds and more), and faults injected while they are processed.
FAULT_CALLS = 24
CALL_S = 60.0
FAULTS = 6
#: Longest a round may take before the test gives up (generous: the machine is shared).
ROUND_TIMEOUT_S = 240.0
#: File size limit of the "full disk" worker, and longest it runs (it boots, waits for the
#: killed workers' jobs to be freed by the heartbeat timeout, then fails them).
FULL_DISK_BYTES = 4096
FULL_DISK_MAX_S = 20.0

#: The plan of faults ``make test`` plays (found failing once, in CI: a worker killed while
#: making the index key left its temporary file).
CI_SEED = 3084361878

pytestmark = pytest.mark.skipif(bool(os.environ.get("REDIS_URL")),
                                reason="kills and restarts its own embedded Redis")


def fill_disk(pids: list[int]) -> None:
    """From now on the kernel fails every write of these processes past FULL_DISK_BYTES."""
    for pid in pids:
        hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)[1]
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (FULL_DISK_BYTES, hard))


class Round:
    """One round: a private state dir, embedded Redis, workers, and the calls' manifests."""

    def __init__(self, directory: Path, seed: int) -> None:
        from worker.queue.broker import build_broker
        from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
        from worker.queue.redis_server import EmbeddedRedis
        from worker.queue.submit import JobQueue

        self.directory = directory
        self.rng = random.Random(seed)
        self.state = directory / "state"
        self.temp = directory / "tmp"
        self.temp.mkdir(parents=True)
        self.redis = EmbeddedRedis(self.state)
        self.redis.start()
        self.settings = replace(SETTINGS, data_dir=self.state, redis_url=self.redis.url, metrics_port=0)
        self.broker = build_broker(self.settings)
        self.queue = JobQueue(self.broker, self.settings)
        self.env = {"CALLREC_DATA_DIR": str(self.state), "REDIS_URL": self.redis.url, "TMPDIR": str(self.temp),
                    "CALLREC_METRICS_PORT": "0", "CALLREC_LOG_LEVEL": "INFO",
                    "CALLREC_INBOX": str(directory / "calls")}  # segments destroyed once stored
        self.workers: list[WorkerProcess] = []
        self.started = 0
        self.log: list[str] = []

    def start_worker(self) -> WorkerProcess:
        self.started += 1
        worker = WorkerProcess(self.directory / f"worker{self.started}.log", processes=WORKER_PROCESSES, threads=1,
                               env=self.env)
        self.workers.append(worker)
        self.log.append(f"start worker{self.started}")
        return worker

    def worker_pids(self, worker: WorkerProcess) -> list[int]:
        """The master and the worker processes of ``worker`` (once they announced themselves)."""
        from worker.queue.presence import live_workers

        children = Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        alive = {int(entry.rsplit(":", 1)[1]) for entry in live_workers(self.broker.client)}
        return [worker.process.pid, *pids] if len(alive & set(pids)) >= 2 else []

    def kill_worker(self, worker: WorkerProcess) -> None:
        worker.kill()
        self.workers.remove(worker)
        self.log.append(f"SIGKILL worker pid {worker.process.pid}")

    def kill_worker_child(self, worker: WorkerProcess) -> None:
        """SIGKILL one worker process of ``worker``: its master then stops the other one
        (which finishes or requeues its job) and exits; a new worker is started."""
        pids = wait_for(lambda: self.worker_pids(worker), timeout_s=60, what="the worker to boot")
        victim = self.rng.choice(pids[1:])
        os.kill(victim, signal.SIGKILL)
        self.log.append(f"SIGKILL worker process {victim} of {worker.process.pid}")
        try:
            worker.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        try:
            worker.kill()  # whatever is left of its group (nothing, normally)
        except ProcessLookupError:
            worker._log.close()  # the whole group is gone already
        self.log.append(f"worker {worker.process.pid} exited with {worker.process.returncode}")
        self.workers.remove(worker)

    def kill_redis(self) -> None:
        pid = int((self.redis.directory / "redis.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        self.log.append(f"SIGKILL redis pid {pid}")
        deadline = time.monotonic() + 10
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(self.rng.uniform(0.2, 0.8))
        self.redis.socket_path.unlink(missing_ok=True)  # a killed server leaves its socket
        self.redis.start()

    def booted(self, worker: WorkerProcess) -> bool:
        """Whether every worker process of ``worker`` has finished booting, and so has swept
        the temp dir (``JobLifecycle.after_worker_boot``; Dramatiq logs "ready" after all the
        boot hooks, whatever their order)."""
        return worker.log_path.read_bytes().count(READY) >= WORKER_PROCESSES

    def stop_workers(self) -> None:
        """Stop the workers gracefully, each once it has booted. The temp dir is checked next,
        and a dead process's work dir goes only when a worker started after its death boots and
        sweeps: the last worker of a round can start when every call is done already (a call
        finished by another delivery while the killed process still ran it), and stopped
        before booting it ran no code at all (a killed process's dir was left, 2026-12-02)."""
        for worker in list(self.workers):
            wait_for(lambda: self.booted(worker), timeout_s=60, what="the worker to boot and sweep",
                     workers=(worker,))
            worker.stop()
            self.log.append(f"stopped worker pid {worker.process.pid}: {worker.process.returncode}")
            self.workers.remove(worker)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


def run_round(directory: Path, seed: int) -> None:
    """One round of calls under faults; fails on anything lost, duplicated or left over."""
    from worker.queue.jobs import ProcessCall
    from worker.vaults import build_vault

    rnd = Round(directory, seed)
    try:
        manifests = [write_call(directory / "calls", f"CF{n:03d}", seconds=CALL_S + n % 3, account="faults")
                     for n in range(FAULT_CALLS)]
        jobs = [job_of(str(path)) for path in manifests]
        for job in jobs:
            assert rnd.queue.submit(job)
        rnd.start_worker()

        reasons: set[str] = set()

        def progress() -> str:
            states = [rnd.queue.status.get(job.job_id) for job in jobs]
            reasons.update(s.reason for s in states if s is not None and s.state == "retrying" and s.reason)
            count = {state: sum(s is not None and s.state == state for s in states)
                     for state in ("running", "retrying", "done", "failed")}
            return " ".join(f"{n} {state}" for state, n in count.items() if n)

        def finished() -> bool:
            text = progress()
            return "running" not in text and "retrying" not in text and "queued" not in text and \
                sum(int(n) for n, state in zip(text.split()[::2], text.split()[1::2])
                    if state in ("done", "failed")) == len(jobs)

        def pause(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                progress()
                time.sleep(0.05)

        faults = ["worker", "worker", "worker_child", "redis", "redis", "full_disk"][:FAULTS]
        rnd.rng.shuffle(faults)
        deadline = time.monotonic() + ROUND_TIMEOUT_S
        for fault in faults:
            pause(rnd.rng.uniform(0.2, 1.2))
            rnd.log.append(f"[{progress()}]")
            if fault == "worker" and rnd.workers:
                rnd.kill_worker(rnd.rng.choice(rnd.workers))
                rnd.start_worker()
            elif fault == "worker_child" and rnd.workers:
                rnd.kill_worker_child(rnd.rng.choice(rnd.workers))
                rnd.start_worker()
            elif fault == "redis":
                rnd.kill_redis()
            elif fault == "full_disk":  # the only worker for a while: it takes jobs
                for worker in list(rnd.workers):
                    rnd.kill_worker(worker)
                full = rnd.start_worker()
                pids = wait_for(lambda: rnd.worker_pids(full), timeout_s=60, what="the worker to boot")
                fill_disk(pids)
                rnd.log.append(f"disk full for worker{rnd.started}")
                before = len(reasons)
                end = time.monotonic() + FULL_DISK_MAX_S  # until it has failed a job or two
                while len(reasons) < before + 1 and time.monotonic() < end:
                    pause(0.1)
                pause(rnd.rng.uniform(0.2, 1.0))
                rnd.log.append(f"[{progress()}]")
                rnd.kill_worker(full)
                rnd.start_worker()
        if not rnd.workers:
            rnd.start_worker()
        rnd.log.append("faults over")
        wait_for(finished, timeout_s=max(deadline - time.monotonic(), 1.0),
                 what=f"all {len(jobs)} calls to finish; faults: {rnd.log}", workers=tuple(rnd.workers))
        # Every call done is not yet everything settled: a second delivery of a call that found
        # it busy waits in the delay queue for its retry (which then acknowledges it without
        # running it again), a killed process's message waits for its heartbeat to time out and
        # its lease for its TTL. Stopping the workers at once left such a message (1 run in 40
        # on 2026-12-02: "left in the queue: callrec-queue:calls (1)", the JobBusy retry of a
        # call done 28 ms later). Then the workers stop once booted (``stop_workers``).
        try:
            wait_for(lambda: not redis_leftovers(rnd.broker.client, jobs),
                     timeout_s=max(deadline - time.monotonic(), 30.0), what="the queue to settle",
                     workers=tuple(rnd.workers))
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {redis_leftovers(rnd.broker.client, jobs)}; faults: {rnd.log}") from None
        rnd.log.append(f"{len(reasons)} retries, of {sorted({r.split(':')[0] for r in reasons})}")
        rnd.stop_workers()

        statuses = [rnd.queue.status.get(job.job_id) for job in jobs]
        not_done = [(s.job_id, s.state, s.reason) for s in statuses if s.state != "done"]
        assert not not_done, f"calls that did not end done: {not_done}; faults: {rnd.log}"
        print(f"seed {seed}: {rnd.log}")
        store_leftovers = check_vault(build_vault(rnd.settings, regions=("us",)).region("us"), statuses, manifests)
        check_redis(rnd.broker.client.__class__.from_url(rnd.redis.url), jobs)
        left = sorted(str(p.relative_to(rnd.temp)) for p in rnd.temp.rglob("*"))
        assert left == [], f"left in the workers' temp dir: {left}; faults: {rnd.log}"
        # A worker killed inside a local store write leaves its ".tmp-" file; the next
        # delivery's commit, a delivery that finds the call stored (or a deletion) reclaims it,
        # so none may be left at the end.
        assert store_leftovers == [], f"half-written store files left: {store_leftovers}; faults: {rnd.log}"
    finally:
        for worker in list(rnd.workers):
            worker.kill()
        rnd.broker.client.close()
        rnd.redis.stop()


def check_vault(region, statuses, manifests) -> list[str]:
    """Exactly one readable recording per call, and no object that is not one of theirs."""
    from vault.regional import data_name, key_name

    entries = [e for e in region.entries() if e.account_id == "faults"]
    assert sorted(e.call_id for e in entries) == sorted(f"CF{n:03d}" for n in range(len(manifests)))
    assert sorted(e.recording_id for e in entries) == sorted(s.result["recording_id"] for s in statuses)
    expected = set()
    for entry in entries:
        assert not entry.deleted
        audio = io.BytesIO()
        assert region.read(entry, "audio", audio) > 0  # decrypts and authenticates
        for info in entry.artifacts:
            expected |= {data_name(entry.recording_id, info), key_name(entry.recording_id, info)}
    stored = set(region.store.names("data/")) | set(region.key_store.names("keys/"))
    assert stored == expected, f"orphan objects: {sorted(stored - expected)}; missing: {sorted(expected - stored)}"
    for path in manifests:  # raw segments are destroyed once stored
        assert not path.with_suffix(".wav").exists()
    assert not list(region.store.names("keys/")), "wrapped keys beside the ciphertext"
    # Half-written files of the local stores (a worker killed inside a write): encrypted,
    # never listed, but disk that nothing reclaims.
    return sorted(str(p) for store in (region.store, region.key_store)
                  for p in Path(store.root).rglob("*") if ".tmp-" in p.name)


def check_redis(client, jobs) -> None:
    """Nothing queued, in flight, delayed or dead; no lease, lock or record left behind."""
    try:
        left = redis_leftovers(client, jobs)
    finally:
        client.close()
    assert left == [], f"left in Redis: {left}"


def redis_leftovers(client, jobs) -> list[str]:
    """What is queued, in flight, delayed or dead, and every lease, lock or open record.

    Allowed: each job's status (``callrec:job:<id>``), finished idempotency records (hashes
    with ``state = done`` and no holder) and presence keys (they expire by themselves).
    """
    from worker.queue.broker import QUEUE_NAMESPACE

    ours = {job.job_id for job in jobs}
    left = []
    for key in client.scan_iter(count=1000):
        name = key.decode()
        kind = client.type(key).decode()
        if kind == "none" or name.startswith("callrec:worker:"):
            continue  # gone meanwhile (an expired lease), or a presence key
        if name.startswith(f"{QUEUE_NAMESPACE}:"):
            size = {"list": client.llen, "zset": client.zcard, "hash": client.hlen, "set": client.scard}.get(
                kind, lambda k: 0)(key)
            if not name.endswith("__heartbeats__") and size:
                left.append(f"left in the queue: {name} ({size})")
            continue
        if name.startswith("callrec:job:"):
            if name.removeprefix("callrec:job:") not in ours:
                left.append(f"status of a job not ours: {name}")
            continue
        if kind != "hash":
            left.append(f"lease or lock left behind: {name} ({kind})")
            continue
        record = {k.decode(): v.decode() for k, v in client.hgetall(key).items()}
        if record and (record.get("state") != "done" or "holder" in record):
            left.append(f"record left open: {name} {record}")
    return left


def test_calls_survive_killed_workers_killed_redis_and_a_full_disk(tmp_path):
    if "CALLREC_FAULT_SEED" in os.environ:
        seeds = [int(os.environ["CALLREC_FAULT_SEED"])]
    elif "CALLREC_FAULT_ROUNDS" in os.environ:
        seeds = [random.SystemRandom().randrange(2**32) for _ in range(int(os.environ["CALLREC_FAULT_ROUNDS"]))]
    else:
        seeds = [CI_SEED]
    for number, seed in enumerate(seeds):
        try:
            run_round(tmp_path / f"round{number}", seed)
        except BaseException as exc:
            raise AssertionError(f"round {number} failed (replay: CALLREC_FAULT_SEED={seed}): {exc}") from exc
