"""Prometheus metrics: Dramatiq's middleware plus the service's own counters.

``callrec worker`` runs several processes, so metrics use prometheus_client's multiprocess
mode: Dramatiq's Prometheus middleware points PROMETHEUS_MULTIPROC_DIR at its database
directory when a worker process boots, and one forked exposition server serves the sum of
all processes on ``metrics_port``. prometheus_client picks its storage when first imported,
so this module imports it only when the metrics are first made (after boot).

Labels are bounded enumerations (actor, span kind, error class): no ids, no content.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import HTTPServer
from typing import Any

from dramatiq.middleware.prometheus import Prometheus, _metrics_handler

from worker.settings import Settings

#: Job latency buckets, seconds (a job's enqueue to its end).
LATENCY_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics(Prometheus):
    """Dramatiq's Prometheus middleware, serving on our ``metrics_port`` (0 = no server)."""

    def __init__(self, *, port: int) -> None:
        super().__init__()
        self.port = port

    @property
    def forks(self) -> list[Any]:
        return [serve_metrics] if self.port else []


def serve_metrics() -> int:
    """Fork target of ``callrec worker``: serve every worker process's metrics over HTTP."""
    port = Settings.from_env().metrics_port
    HTTPServer(("0.0.0.0", port), _metrics_handler).serve_forever()
    return 0


class JobMetrics:
    """The service's counters, histograms included, in one registry."""

    def __init__(self, registry: Any = None) -> None:
        import prometheus_client as prom

        registry = registry if registry is not None else prom.REGISTRY
        self.recordings = prom.Counter(
            "callrec_recordings_processed_total", "Recordings stored by post-call jobs.",
            registry=registry)
        self.audio_seconds = prom.Counter(
            "callrec_audio_seconds_total", "Seconds of recorded audio processed.",
            registry=registry)
        self.spans = prom.Counter(
            "callrec_spans_masked_total", "Redaction spans masked, by kind.", ["kind"],
            registry=registry)
        self.failures = prom.Counter(
            "callrec_job_failures_total", "Jobs that failed for good, by actor and reason.",
            ["actor", "reason"], registry=registry)
        self.stale_workdirs = prom.Counter(
            "callrec_stale_workdirs_removed_total",
            "Temp work dirs of dead workers removed by a sweep (they may hold unredacted audio).",
            registry=registry)
        self.latency = prom.Histogram(
            "callrec_job_latency_seconds", "Time from a job's enqueue to its end, by actor.",
            ["actor"], buckets=LATENCY_BUCKETS_S, registry=registry)

    def stored(self, recorded_s: float) -> None:
        """A post-call job stored a new recording of ``recorded_s`` seconds."""
        self.recordings.inc()
        self.audio_seconds.inc(recorded_s)

    def masked(self, spans_by_kind: Mapping[str, int]) -> None:
        for kind, count in spans_by_kind.items():
            self.spans.labels(kind=kind).inc(count)

    def finished(self, actor: str, latency_s: float) -> None:
        self.latency.labels(actor=actor).observe(max(latency_s, 0.0))

    def swept(self, count: int) -> None:
        """A sweep removed ``count`` work dirs of dead workers."""
        self.stale_workdirs.inc(count)

    def failed(self, actor: str, reason: str) -> None:
        self.failures.labels(actor=actor, reason=reason).inc()


_lock = threading.Lock()
_metrics: JobMetrics | None = None


def job_metrics() -> JobMetrics:
    """This process's metrics, made on first use (after a worker process has booted)."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = JobMetrics()
        return _metrics
