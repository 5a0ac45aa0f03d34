import prometheus_client as prom

from worker.queue.metrics import JobMetrics


def value(registry, name, **labels):
    return registry.get_sample_value(name, labels)


def test_counts_recordings_audio_spans_failures_and_latency():
    registry = prom.CollectorRegistry()
    metrics = JobMetrics(registry)
    metrics.stored(12.5)
    metrics.stored(2.5)
    metrics.masked({"card_number": 2, "dtmf": 16})
    metrics.masked({"card_number": 1})
    metrics.failed("process_call", "ManifestError")
    metrics.finished("process_call", 0.3)
    metrics.finished("process_call", 7.0)
    assert value(registry, "callrec_recordings_processed_total") == 2
    assert value(registry, "callrec_audio_seconds_total") == 15.0
    assert value(registry, "callrec_spans_masked_total", kind="card_number") == 3
    assert value(registry, "callrec_spans_masked_total", kind="dtmf") == 16
    assert value(registry, "callrec_job_failures_total", actor="process_call", reason="ManifestError") == 1
    assert value(registry, "callrec_job_latency_seconds_count", actor="process_call") == 2
    assert value(registry, "callrec_job_latency_seconds_bucket", actor="process_call", le="0.5") == 1
    assert value(registry, "callrec_job_latency_seconds_sum", actor="process_call") == 7.3


def test_worker_processes_serve_dramatiq_and_callrec_metrics(redis_client, only_worker_processes, tmp_path):
    import socket
    import urllib.request

    from tests.worker.conftest import queue_broker
    from tests.worker.conftest import queue_broker

    process_call = queue_broker().get_actor("process_call")
    from worker.queue.jobs import ProcessCall
    from worker.queue.records import JobRecords
    from tests.worker.queue_calls import job_of, write_call
    from tests.worker.workers import WorkerProcess, wait_acked, wait_for

    broker = queue_broker()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status = JobRecords(broker.client)
    job = job_of(str(write_call(tmp_path, "CA-METRICS", seconds=2.0)))
    status.create(job)
    process_call.send(job.encode())
    worker = WorkerProcess(tmp_path / "worker.log", processes=2, env={
        "CALLREC_METRICS_PORT": str(port), "dramatiq_prom_db": str(tmp_path / "prom")})
    try:
        wait_for(lambda: status.get(job.job_id).state == "done", timeout_s=60, what="the job")
        wait_acked(broker, "calls", workers=(worker,))  # Dramatiq counts the message after the job is done

        def scrape():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    return response.read().decode()
            except OSError:
                return ""

        text = wait_for(scrape, timeout_s=30, what="the metrics server")
    finally:
        worker.stop()
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(samples["callrec_recordings_processed_total"]) == 1.0
    assert float(samples["callrec_audio_seconds_total"]) == 2.5  # 0.5 s beep + 2 s call
    assert float(samples['callrec_job_latency_seconds_count{actor="process_call"}']) == 1.0
    assert float(samples['dramatiq_messages_total{actor_name="process_call",queue_name="calls"}']) == 1.0


def dead_pid() -> int:
    import subprocess
    import sys

    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_files_of_dead_processes_are_marked_dead(tmp_path):
    import os

    from worker.queue.metrics import mark_dead_processes

    gone, alive = dead_pid(), os.getpid()
    for name in (f"counter_{gone}.db", f"gauge_livesum_{gone}.db", f"gauge_liveall_{alive}.db"):
        (tmp_path / name).write_bytes(b"")
    assert mark_dead_processes(tmp_path) == [gone]
    # a dead process's counts stay in the totals; its live gauges stop counting
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"counter_{gone}.db", f"gauge_liveall_{alive}.db"]


def test_each_worker_has_its_own_metrics_dir_and_old_ones_go(tmp_path):
    import os

    from dramatiq.middleware import prometheus

    from worker.queue.metrics import prometheus as worker_prometheus

    before = prometheus.DB_PATH, os.environ.get("dramatiq_prom_db")
    use_metrics_dir = worker_prometheus(tmp_path).use_metrics_dir
    stale = tmp_path / "metrics" / str(dead_pid())
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"old counts")
    live = tmp_path / "metrics" / str(os.getppid())  # another worker still running
    live.mkdir()
    try:
        directory = use_metrics_dir(tmp_path)
        assert directory == (tmp_path / "metrics" / str(os.getpid())).resolve()
        assert prometheus.DB_PATH == os.environ["dramatiq_prom_db"] == str(directory)
        assert sorted(p.name for p in (tmp_path / "metrics").iterdir()) == sorted([live.name, directory.name])
    finally:
        prometheus.DB_PATH = before[0]
        if before[1] is None:
            os.environ.pop("dramatiq_prom_db", None)
        else:
            os.environ["dramatiq_prom_db"] = before[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses of TCP sockets listening on ``port`` (from /proc/net/tcp)."""
    import socket
    import struct
    from pathlib import Path

    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(socket.inet_ntoa(struct.pack("<I", int(address, 16))))
    return found


def test_worker_serves_its_metrics_at_zero_before_any_job_on_loopback_only(redis_url, tmp_path):
    import socket
    import urllib.request
    from pathlib import Path

    import pytest

    from tests.worker.workers import WorkerProcess, wait_for

    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net/tcp to see the bound address")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = WorkerProcess(tmp_path / "worker.log", processes=2, env={
        "CALLREC_METRICS_PORT": str(port), "CALLREC_DATA_DIR": str(tmp_path / "state"), "REDIS_URL": redis_url})

    def scrape():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return ""
        return text if "callrec_recordings_processed_total" in text else ""

    try:
        text = wait_for(scrape, timeout_s=60, what="the metrics server")
        assert listening_addresses(port) == {"127.0.0.1"}
        assert [p.name for p in (tmp_path / "state" / "metrics").iterdir()] == [str(worker.process.pid)]
    finally:
        worker.stop()
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(samples["callrec_recordings_processed_total"]) == 0.0
    assert float(samples["callrec_audio_seconds_total"]) == 0.0
