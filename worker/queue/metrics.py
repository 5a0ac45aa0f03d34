"""Prometheus metrics: the service's own counters, and Dramatiq's middleware (worker.queue.prometheus).

``callrec worker`` runs several processes, so metrics use prometheus_client's multiprocess
mode: Dramatiq's Prometheus middleware points PROMETHEUS_MULTIPROC_DIR at its database
directory when a worker process boots, and one forked exposition server serves the sum of
all processes on ``metrics_host:metrics_port`` (default 127.0.0.1:9191). prometheus_client
picks its storage when first imported, so this module imports it only when the metrics are
first made: at each worker process's boot, so ``/metrics`` shows them (at 0) before the
first job.

The database directory belongs to one ``callrec worker`` (``<data_dir>/metrics/<its pid>``,
see :func:`use_metrics_dir`): counters never mix with another worker's on the same machine
or with an earlier run's, directories of workers that are gone are removed at start, and
each scrape marks the files of dead worker processes dead (their gauges stop counting).

Labels are bounded enumerations (actor, span kind, error class): no ids, no content.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any


def prometheus(data_dir: Path) -> ModuleType:
    """``worker.queue.prometheus`` (Dramatiq's Prometheus middleware and our metrics server),
    imported with Dramatiq's metrics database under ``<data_dir>/metrics`` unless a worker
    chose its own already: Dramatiq makes that dir when its module is first imported."""
    os.environ.setdefault("dramatiq_prom_db", str(Path(data_dir).resolve() / "metrics"))
    return importlib.import_module("worker.queue.prometheus")


#: Job latency buckets, seconds (a job's enqueue to its end).
LATENCY_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


#: Files of prometheus_client's multiprocess mode: ``<kind>_<pid>.db`` (gauges by mode).
_DB_FILE = re.compile(r".+_(\d+)\.db")


def mark_dead_processes(directory: Path) -> list[int]:
    """Mark the files of processes that no longer run as dead; returns their pids."""
    from prometheus_client import multiprocess

    dead = sorted({int(m.group(1)) for p in Path(directory).glob("*.db")
                   if (m := _DB_FILE.fullmatch(p.name)) and not _alive(int(m.group(1)))})
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(directory))
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        self.reclaimed_objects = prom.Counter(
            "callrec_deleted_leftovers_reclaimed_total",
            "Objects (keys, ciphertexts) a killed writer left under deleted recordings, destroyed "
            "by a retention sweep or a repeated deletion.",
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

    def reclaimed(self, count: int) -> None:
        """A sweep or deletion destroyed ``count`` objects left under deleted recordings."""
        self.reclaimed_objects.inc(count)

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
