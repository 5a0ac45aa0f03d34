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
