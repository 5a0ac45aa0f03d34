import prometheus_client as prom

from worker.metrics import JobMetrics


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

    from worker.actors import process_call
    from worker.broker import broker
    from worker.jobs import ProcessCall
    from worker.status import StatusStore
    from tests.worker.calls import write_call
    from tests.worker.workers import WorkerProcess, wait_for

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status = StatusStore(broker.client)
    job = ProcessCall.for_manifest(str(write_call(tmp_path, "CA-METRICS", seconds=2.0)))
    status.create(job)
    process_call.send(job.encode())
    worker = WorkerProcess(tmp_path / "worker.log", processes=2, env={
        "CALLREC_METRICS_PORT": str(port), "dramatiq_prom_db": str(tmp_path / "prom")})
    try:
        wait_for(lambda: status.get(job.job_id).state == "done", timeout_s=60, what="the job")

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
