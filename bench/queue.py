"""Queue throughput and broker overhead: the sample calls through real worker processes.

1. Broker overhead per job: a no-op job through the product's whole queue path (status
   record, enqueue on Redis, delivery, idempotency claim and lease, status updates,
   completion record, ack) with one in-process worker thread on the embedded Redis.
2. Calls processed per minute with 1 and 2 ``callrec worker`` processes (one thread each):
   the committed sample calls, copied ``--copies`` times under fresh call ids, enqueued after
   a warm-up job per process, timed from the first enqueue to the last job done.

    python bench/queue.py [--copies 20] [--noop 300]
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
if __name__ == "queue":
    # Imported, not run: every bench script has bench/ first on sys.path, so the standard
    # library's ``import queue`` finds this file. Stand aside for the real module.
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
    try:
        del sys.modules["queue"]
        importlib.import_module("queue")
    finally:
        sys.path[:] = _saved
else:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = _BENCH.parent
SAMPLES = ROOT / "samples"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="copies of the sample calls per run")
    parser.add_argument("--noop", type=int, default=300, help="no-op jobs for the overhead figure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="callrec-bench-queue-"))
    os.environ.update({"CALLREC_DATA_DIR": str(work / "overhead"), "CALLREC_METRICS_PORT": "0",
                       "CALLREC_LOG_LEVEL": "WARNING", "CALLREC_STORE": "local", "CALLREC_KEYS": "local"})
    os.environ.pop("REDIS_URL", None)
    try:
        overhead(args.noop)
        for processes in (1, 2):
            throughput(work / f"p{processes}", processes, args.copies)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def overhead(count: int) -> None:
    import dramatiq

    from worker.queue.actors import declare_actors
    from worker.queue.broker import build_broker, ensure_redis
    from worker.queue.jobs import ProcessCall
    from worker.queue.redis_server import EmbeddedRedis
    from worker.queue.runner import JobResult, job_runner
    from worker.settings import Settings
    from worker.queue.records import JobRecords

    settings = Settings.from_env()
    broker = build_broker(settings)
    declare_actors(broker)  # the product's queues now: a stopped Dramatiq Worker would otherwise
    # start consumers for queues declared later
    runner = job_runner(broker.client, settings)
    ensure_redis(settings)

    @dramatiq.actor(broker=broker, queue_name="bench-noop", actor_name="bench_noop")
    def noop(body: str) -> None:
        runner.run(body, ProcessCall, lambda job: JobResult())

    status = JobRecords(broker.client)
    jobs = [ProcessCall.for_call(f"/bench/noop-{n}.json", "bench", f"noop-{n}") for n in range(count)]
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=20)
    worker.start()
    try:
        warm = ProcessCall.for_call("/bench/warm.json", "bench", "warm")
        status.create(warm)
        noop.send(warm.encode())
        broker.join("bench-noop", timeout=30_000)
        start = time.perf_counter()
        for job in jobs:
            status.create(job)
            noop.send(job.encode())
        enqueued = time.perf_counter()
        broker.join("bench-noop", interval=5, timeout=300_000)
        done = time.perf_counter()
        assert all(status.get(job.job_id).state == "done" for job in jobs)
    finally:
        worker.stop()
        EmbeddedRedis(settings.data_dir).stop()
    print(f"broker overhead: {count} no-op jobs, 1 worker thread, embedded Redis (unix socket)")
    print(f"  enqueue (status record + message): {1000 * (enqueued - start) / count:.2f} ms/job")
    print(f"  end to end (enqueue, deliver, claim, status, complete, ack): "
          f"{1000 * (done - start) / count:.2f} ms/job = {count / (done - start):.0f} jobs/s")


def throughput(directory: Path, processes: int, copies: int) -> None:
    from dataclasses import replace

    from worker.queue.broker import build_broker
    from worker.queue.jobs import ProcessCall
    from worker.queue.redis_server import EmbeddedRedis
    from worker.settings import Settings
    from worker.queue.submit import JobQueue

    settings = replace(Settings.from_env(), data_dir=directory / "state", redis_url=None)
    manifests = _copies(directory / "inbox", copies + 1)
    warmups, timed = manifests[:processes], manifests[len(manifests) // (copies + 1):]
    redis_server = EmbeddedRedis(settings.data_dir)
    redis_server.start()
    env = {**os.environ, "CALLREC_DATA_DIR": str(settings.data_dir)}
    log = open(directory / "worker.log", "ab")
    workers = subprocess.Popen([sys.executable, "-m", "worker", "worker", "--processes", str(processes),
                                "--threads", "1"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        queue = JobQueue(build_broker(settings), settings)
        _run(queue, warmups)  # every process has imported and built what it needs
        start = time.perf_counter()
        statuses = _run(queue, timed)
        elapsed = time.perf_counter() - start
        audio_s = sum(_recorded_s(s, settings) for s in statuses)
    finally:
        workers.send_signal(signal.SIGTERM)
        workers.wait(timeout=120)
        log.close()
        redis_server.stop()
    failed = [s for s in statuses if s.state != "done"]
    busy = sum(s.finished_at - s.started_at for s in statuses)
    print(f"{processes} worker process(es) x 1 thread: {len(timed)} calls in {elapsed:.2f} s = "
          f"{60 * len(timed) / elapsed:.1f} calls/min ({audio_s / 60:.1f} min of recordings, "
          f"{audio_s / elapsed:.0f}x real time); job time {busy / len(timed):.3f} s/call; "
          f"failed {len(failed)}")


def _copies(inbox: Path, copies: int) -> list[Path]:
    manifests = []
    for copy in range(copies):
        for sample in sorted(SAMPLES.glob("*/manifest.json")):
            target = inbox / f"{sample.parent.name}-{copy}"
            shutil.copytree(sample.parent, target)
            data = json.loads((target / "manifest.json").read_text())
            data["call_id"] = f"{data['call_id']}-{copy}"
            (target / "manifest.json").write_text(json.dumps(data))
            manifests.append(target / "manifest.json")
    return manifests


def _run(queue, manifests: list[Path]) -> list:
    from worker.queue.jobs import ProcessCall

    calls = [json.loads(path.read_text()) for path in manifests]
    jobs = [ProcessCall.for_call(str(path), call["account"]["id"], call["call_id"])
            for path, call in zip(manifests, calls)]
    for job in jobs:
        queue.submit(job)
    while True:
        statuses = [queue.status.get(job.job_id) for job in jobs]
        if all(s.state in ("done", "failed") for s in statuses):
            return statuses
        time.sleep(0.05)


def _recorded_s(status, settings) -> float:
    from worker.vaults import build_vault

    if status.result.get("stored") != "yes":
        return 0.0
    rid = status.result["recording_id"]
    return build_vault(settings).for_recording(rid).get(rid).recorded_duration_s


if __name__ == "__main__":
    sys.exit(main())
