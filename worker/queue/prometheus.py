"""Dramatiq's Prometheus middleware on our port, and the metrics server of ``callrec worker``.

Dramatiq's Prometheus module makes its database dir when first imported, by default
``$TMPDIR/dramatiq-prometheus``, shared by every user and run: import this module only
through ``worker.queue.metrics.prometheus(data_dir)``, which points that dir into the data dir
first (``callrec worker`` then takes a directory of its own, see :func:`use_metrics_dir`).
"""

from __future__ import annotations

import os
import shutil
from http.server import HTTPServer
from pathlib import Path
from typing import Any

from dramatiq.middleware import prometheus as dramatiq_prometheus
from dramatiq.middleware.prometheus import Prometheus, _metrics_handler

from worker.queue.metrics import _alive, job_metrics, mark_dead_processes
from worker.settings import Settings


class Metrics(Prometheus):
    """Dramatiq's Prometheus middleware, serving on our ``metrics_port`` (0 = no server)."""

    def __init__(self, *, port: int) -> None:
        super().__init__()
        self.port = port

    @property
    def forks(self) -> list[Any]:
        return [serve_metrics] if self.port else []

    def after_process_boot(self, broker: Any) -> None:
        super().after_process_boot(broker)
        job_metrics()  # registered now: scraped at 0 before the first job


def use_metrics_dir(data_dir: Path, owner_pid: int | None = None) -> Path:
    """Make ``<data_dir>/metrics/<owner_pid>`` the metrics database of this worker and its
    forks; remove the directories of owners that are no longer running. Call it in the
    ``callrec worker`` master before its worker processes start."""
    owner_pid = os.getpid() if owner_pid is None else owner_pid
    root = Path(data_dir).resolve() / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.name.isdigit() and (int(old.name) == owner_pid or not _alive(int(old.name))):
            shutil.rmtree(old, ignore_errors=True)
    directory = root / str(owner_pid)
    directory.mkdir()
    os.environ["dramatiq_prom_db"] = str(directory)  # read by Dramatiq in a spawned process
    dramatiq_prometheus.DB_PATH = str(directory)  # already imported here: forks inherit it
    return directory


class _Handler(_metrics_handler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = dramatiq_prometheus.DB_PATH
        mark_dead_processes(Path(dramatiq_prometheus.DB_PATH))
        super().do_GET()


def serve_metrics() -> int:
    """Fork target of ``callrec worker``: serve every worker process's metrics over HTTP."""
    settings = Settings.from_env()
    HTTPServer((settings.metrics_host, settings.metrics_port), _Handler).serve_forever()
    return 0
