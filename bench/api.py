"""The HTTP API's cost: requests per second and the latency it adds over enqueueing directly.

``callrec serve`` (uvicorn, one process) and ``callrec worker`` (1, then 2 processes, one
thread each) on a private data dir and the embedded Redis, driven over 127.0.0.1 by httpx:

1. submission: ``POST /v1/calls`` of a sample manifest under fresh call ids, from 8 client
   threads (requests/s) and from one (median latency per request);
2. status: ``GET /v1/jobs/{id}`` of submitted jobs, 8 client threads (requests/s);
3. the same manifests enqueued directly as ``callrec enqueue`` does (validate, then
   ``JobQueue.submit``), one at a time (median latency): the API's added latency is the
   difference of the two medians.

The calls are the 01-plain-inbound sample with the number's recording switched off, so the
workers consume each job in milliseconds and the figures are the API's and the queue's, not
the pipeline's (bench/queue.py measures that). Medians of ``--runs`` runs.

    python bench/api.py [--runs 3] [--requests 200]
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402

import httpx  # noqa: E402

SAMPLE = ROOT / "samples" / "01-plain-inbound" / "manifest.json"
THREADS = 8
#: Target: the API adds at most this much (median) to enqueueing a call directly.
ADDED_LATENCY_TARGET_MS = 25.0


def manifest(call_id: str) -> dict:
    data = json.loads(SAMPLE.read_text())
    data["call_id"] = call_id
    data["number"]["recording"] = False
    data["segments"] = []
    return data


def start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "worker", *argv], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def parallel(count: int, request) -> float:
    """Requests per second of ``count`` calls of ``request(i)`` from THREADS threads."""
    next_index = iter(range(count))
    lock = threading.Lock()

    errors: list[BaseException] = []

    def loop():
        while not errors:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            try:
                request(index)
            except BaseException as exc:  # reported below: a failed request voids the figure
                errors.append(exc)

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return count / (time.perf_counter() - began)


def one_run(base: str, key: str, tag: str, count: int, queue, settings) -> dict[str, float]:
    from worker.queue.jobs import ProcessCall
    from worker.calls.manifest import load_manifest

    headers = {"Authorization": f"Bearer {key}"}
    clients = threading.local()

    def client() -> httpx.Client:
        if not hasattr(clients, "c"):
            clients.c = httpx.Client(base_url=base, headers=headers, timeout=60)
        return clients.c

    job_ids: list[str] = []

    def submit(index: int) -> None:
        response = client().post("/v1/calls", json=manifest(f"{tag}-p{index}"))
        assert response.status_code == 202, response.text
        job_ids.append(response.json()["job_id"])

    submit_rps = parallel(count, submit)
    status_rps = parallel(count, lambda i: client().get(f"/v1/jobs/{job_ids[i % len(job_ids)]}").raise_for_status())
    api_ms = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as one:
        for index in range(count // 2):
            began = time.perf_counter()
            response = one.post("/v1/calls", json=manifest(f"{tag}-s{index}"))
            assert response.status_code == 202, response.text
            api_ms.append((time.perf_counter() - began) * 1000)
    direct_ms = []
    folder = settings.data_dir / "direct" / tag
    folder.mkdir(parents=True)
    for index in range(count // 2):
        path = folder / f"{index}.json"
        path.write_text(json.dumps(manifest(f"{tag}-d{index}")))
        began = time.perf_counter()
        parsed = load_manifest(path)
        queue.submit(ProcessCall.for_call(str(path), parsed.account.id, parsed.call_id))
        direct_ms.append((time.perf_counter() - began) * 1000)
    return {"submit_rps": submit_rps, "status_rps": status_rps, "api_ms": statistics.median(api_ms),
            "direct_ms": statistics.median(direct_ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="callrec-bench-api-"))
    env = {**os.environ, "CALLREC_DATA_DIR": str(work), "CALLREC_METRICS_PORT": "0", "CALLREC_LOG_LEVEL": "WARNING",
           "CALLREC_STORE": "local", "CALLREC_KEYS": "local", "CALLREC_API_RATE_PER_S": "1000000"}
    env.pop("REDIS_URL", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("CALLREC_")})
    os.environ.pop("REDIS_URL", None)

    from worker.api.demo import free_port
    from worker.api.keys import KeyStore
    from worker.queue.broker import build_broker
    from worker.queue.redis_server import EmbeddedRedis
    from worker.settings import Settings
    from worker.queue.submit import JobQueue

    SETTINGS = Settings.from_env()
    broker = build_broker(SETTINGS)

    redis_server = EmbeddedRedis(work)
    redis_server.start()
    port = free_port()
    serve = start(["serve", "--port", str(port)], env, work / "serve.log")
    failed = False
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if time.monotonic() > deadline:
                raise SystemExit(f"callrec serve did not start; see {work / 'serve.log'}")
        key = KeyStore(broker.client).create("acme")[1]  # the sample's account
        queue = JobQueue(broker, SETTINGS)
        for processes in (1, 2):
            workers = start(["worker", "--processes", str(processes), "--threads", "1"], env,
                            work / f"worker{processes}.log")
            try:
                time.sleep(3)  # the workers' boot is not the API's cost
                runs = [one_run(base, key, f"w{processes}r{r}", args.requests, queue, SETTINGS)
                        for r in range(args.runs)]
            finally:
                stop(workers)
            median = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
            added = median["api_ms"] - median["direct_ms"]
            ok = added <= ADDED_LATENCY_TARGET_MS
            failed |= not ok
            print(f"{processes} worker process(es), median of {args.runs} runs of {args.requests} requests "
                  f"({THREADS} client threads for requests/s):")
            print(f"  POST /v1/calls      {median['submit_rps']:7.0f} requests/s")
            print(f"  GET /v1/jobs/{{id}}   {median['status_rps']:7.0f} requests/s")
            print(f"  latency: API {median['api_ms']:.1f} ms, enqueue directly {median['direct_ms']:.1f} ms, "
                  f"added by the API {added:.1f} ms (target <= {ADDED_LATENCY_TARGET_MS:g} ms: "
                  f"{'ok' if ok else 'MISSED'})")
    finally:
        stop(serve)
        redis_server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
