"""Running ``callrec worker`` as real processes in tests (killed and restarted at will)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class WorkerProcess:
    """``python -m worker worker`` in its own process group, logs in ``log_path``."""

    def __init__(self, log_path: Path, *, processes: int = 1, threads: int = 1,
                 env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worker", "worker", "--processes", str(processes),
             "--threads", str(threads)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "CALLREC_LOG_LEVEL": "INFO", **(env or {})},
        )

    def kill(self) -> None:
        """SIGKILL the whole group: master and workers die mid-whatever, like a lost machine."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        """SIGTERM to the master, which stops its workers gracefully (jobs finish or requeue)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._log.close()


def wait_for(condition: Callable[[], object], *, timeout_s: float = 30.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
