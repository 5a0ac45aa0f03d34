"""``callrec demo``: the sample calls end to end through real queue workers into the vault.

Starts an embedded Redis and ``callrec worker`` processes on a private state dir
(``<out>/state``), copies every ``samples/*/manifest.json`` call into ``<out>/inbox/<call_id>/``
(the pipeline destroys raw segments once a recording is stored, and the committed samples must
stay; a call's files in the inbox lie in a folder named its call id: worker.calls.owners), enqueues one post-call job per call, shows progress, then stops the workers and
Redis and prints a summary table read back from the job status and the (encrypted) local
vault, and the URL of the review page (``callrec serve``, started beside the workers) of one
sample. Each run starts from a clean state dir.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from callrec.errors import heading
from worker.api.demo import free_port, review_link, start_service, stop_service
from worker.cli.checks import worker_processes
from worker.errors import DemoError, UsageError

#: The committed sample calls (the repository's samples/ directory).
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"

#: Longest the demo waits for its jobs.
TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Row:
    """One line of the summary table (ids, durations and counts only)."""

    sample: str
    call_id: str
    state: str
    recording: str
    call_s: str
    recorded_s: str
    redacted: str
    masked: str
    latency_s: str


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run every sample call through queue workers into the local vault",
        description="Embedded Redis, queue worker processes, every sample call enqueued and "
                    "processed into the local encrypted vault; a summary table at the end.")
    parser.add_argument("--samples", type=Path, default=SAMPLES_DIR,
                        help="directory of sample calls (<name>/manifest.json)")
    parser.add_argument("--out", type=Path, default=Path("out/demo"),
                        help="demo state: inbox, vault, keys, Redis, worker log (wiped first)")
    parser.add_argument("--processes", type=worker_processes(), default=2, help="worker processes (default 2)")
    parser.add_argument("--keep-serving", action="store_true",
                        help="keep `callrec serve` (and Redis) up after the summary, until Ctrl-C, "
                             "to open the review page")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from worker.queue.broker import build_broker
    from worker.queue.jobs import ProcessCall
    from worker.calls.manifest import load_manifest
    from worker.calls.manifest_digest import manifest_digest
    from worker.queue.redis_server import EmbeddedRedis
    from worker.settings import Settings
    from worker.queue.submit import JobQueue

    samples = sorted(args.samples.glob("*/manifest.json"))
    if not samples:
        raise UsageError(f"{heading(args.samples)}: no sample calls (*/manifest.json) found")
    out = args.out.resolve()
    state = out / "state"
    settings = replace(Settings.from_env(), data_dir=state, redis_url=None, store="local",
                       keys="local", metrics_port=0)
    redis_server = EmbeddedRedis(state)
    redis_server.stop()  # a previous demo that was interrupted
    for directory in (state, out / "inbox"):
        shutil.rmtree(directory, ignore_errors=True)
    manifests = {path.parent.name: _copy_sample(path.parent, out / "inbox") for path in samples}
    calls = {name: load_manifest(path) for name, path in manifests.items()}  # a broken sample: nothing starts

    redis_server.start()
    workers = _start_workers(settings, args.processes, out / "worker.log")
    service = review = None
    try:
        service, base_url = start_service(state, out / "serve.log", free_port())
        queue = JobQueue(build_broker(settings), settings)
        jobs = {}
        for name, path in manifests.items():
            job = ProcessCall.for_call(str(path), calls[name].account.id, calls[name].call_id,
                                       manifest_digest(calls[name]))
            queue.submit(job)
            jobs[name] = job.job_id
        print(f"enqueued {len(jobs)} calls; {args.processes} worker process(es) on "
              f"{redis_server.url} (log: {out / 'worker.log'})", file=sys.stderr)
        _wait(queue, list(jobs.values()), workers)
        rows = [_row(name, job_id, queue, settings) for name, job_id in jobs.items()]
        shown = next((r for r in rows if r.masked != "-"), None) or next((r for r in rows if r.call_s != "-"), None)
        if shown is not None:
            from worker.vaults import build_vault

            review = (shown.sample, review_link(queue.broker.client, build_vault(settings), base_url, shown.recording))
        print(format_table(rows))
        print(f"\nvault: {state / 'vault'} (ciphertext only); keys: {state / 'keys'}")
        if review is not None:
            print(f"review page of {review[0]}: {review[1]}")
            print("  (callrec serve stops with the demo: `callrec demo --keep-serving` keeps it up to open it)"
                  if not args.keep_serving else "  serving until Ctrl-C")
        if args.keep_serving:
            _serve_until_interrupted(service)
    finally:
        if service is not None:
            stop_service(service)
        stop_service(workers, timeout_s=60.0)  # a worker finishes its current job first
        redis_server.stop()
    return 0 if all(row.state == "done" for row in rows) else 1


def _serve_until_interrupted(service) -> None:
    try:
        while service.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def _copy_sample(directory: Path, inbox: Path) -> Path:
    call_id = json.loads((directory / "manifest.json").read_text()).get("call_id")  # checked when loaded
    target = inbox / str(call_id) / directory.name
    shutil.copytree(directory, target)
    return target / "manifest.json"


def _start_workers(settings, processes: int, log_path: Path) -> subprocess.Popen:
    # The inbox (the copies of the samples) is where sources may be destroyed once stored.
    env = {**os.environ, "CALLREC_DATA_DIR": str(settings.data_dir), "CALLREC_STORE": "local",
           "CALLREC_KEYS": "local", "CALLREC_METRICS_PORT": "0",
           "CALLREC_INBOX": str(settings.data_dir.parent / "inbox"), "CALLREC_SOURCE_ROOTS": ""}
    env.pop("REDIS_URL", None)
    log = open(log_path, "ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "worker", "worker", "--processes", str(processes),
                                 "--threads", "1"], stdout=log, stderr=subprocess.STDOUT, env=env)
    finally:
        log.close()


def _wait(queue, job_ids: list[str], workers: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    shown = None
    while True:
        states = [queue.status.get(job_id).state for job_id in job_ids]
        finished = sum(state in ("done", "failed") for state in states)
        if finished != shown:
            print(f"  {finished}/{len(job_ids)} jobs finished", file=sys.stderr)
            shown = finished
        if finished == len(job_ids):
            return
        if workers.poll() is not None:
            raise DemoError(f"the workers stopped (exit {workers.returncode}); see worker.log")
        if time.monotonic() > deadline:
            raise DemoError(f"jobs not finished after {TIMEOUT_S:g} s; see worker.log")
        time.sleep(0.1)




def _row(name: str, job_id: str, queue, settings) -> Row:
    from worker.vaults import build_vault

    status = queue.status.get(job_id)
    job = status.decode_job()
    call_id = json.loads(Path(job.manifest_uri).read_text())["call_id"]
    latency = f"{status.finished_at - status.enqueued_at:.2f}" if status.finished_at else "-"
    base = dict(sample=name, call_id=call_id, state=status.state, latency_s=latency)
    if status.state != "done":
        return Row(**base, recording=status.reason or "-", call_s="-", recorded_s="-", redacted="-", masked="-")
    if status.result.get("stored") != "yes":
        return Row(**base, recording=f"not recorded: {status.result.get('reason', '?')}", call_s="-",
                   recorded_s="-", redacted="-", masked="-")
    rid = status.result["recording_id"]
    region_vault = build_vault(settings).for_recording(rid)
    entry = region_vault.get(rid)
    metadata = io.BytesIO()
    region_vault.read(entry, "metadata", metadata)  # decrypted here, by the operator's keys
    meta = json.loads(metadata.getvalue())
    spans = (meta.get("redaction") or {}).get("spans") or []
    kinds: dict[str, int] = {}
    for span in spans:
        kinds[span["kind"]] = kinds.get(span["kind"], 0) + 1
    return Row(**base, recording=rid, call_s=f"{meta['call_duration_s']:.1f}",
               recorded_s=f"{meta['recorded_duration_s']:.1f}", redacted="yes" if entry.redacted else "no",
               masked=", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "-")


def format_table(rows: list[Row]) -> str:
    headers = Row(sample="sample", call_id="call", state="state", recording="recording",
                  call_s="call s", recorded_s="recorded s", redacted="redacted", masked="masked",
                  latency_s="latency s")
    table = [headers, *rows]
    fields = list(Row.__dataclass_fields__)
    widths = {f: max(len(getattr(row, f)) for row in table) for f in fields}
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(getattr(row, f).ljust(widths[f]) for f in fields).rstrip())
        if n == 0:
            lines.append("  ".join("-" * widths[f] for f in fields))
    return "\n".join(lines)
