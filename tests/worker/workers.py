"""Running ``callrec worker`` as real processes in tests (killed and restarted at will)."""

from __future__ import annotations

import os
import shutil
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
        """SIGKILL the whole group: master and workers die mid-whatever, like a lost machine.

        Returns once every thread of every process of the group is dead, not just the master:
        a worker thread killed while blocked in ``open()`` of a named pipe stays the pipe's
        reader until it has actually exited, which on a loaded machine can be well after the
        master was reaped; a test feeding the pipe then would hand its data to the dead worker
        (and lose it with it), not to the next one.
        """
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 30.0
        while _group_running(self.process.pid):
            if time.monotonic() > deadline:
                raise AssertionError(f"worker process group {self.process.pid} still runs 30 s after SIGKILL")
            time.sleep(0.01)
        self._log.close()

    def dump_stacks(self) -> str:
        """The Python stacks of the master and its workers (py-spy, when installed), for a test
        that gave up waiting on them; also appended to the log."""
        py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        if py_spy is None:
            return "(install py-spy to see where the worker processes are)"
        if self.process.poll() is not None:
            return f"(worker master exited with {self.process.returncode})"
        try:
            done = subprocess.run([py_spy, "dump", "--subprocesses", "--pid", str(self.process.pid)],
                                  capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            return "(py-spy dump timed out)"
        stacks = done.stdout + done.stderr
        self._log.write(b"\n--- py-spy dump ---\n" + stacks.encode())
        self._log.flush()
        return stacks

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


def _group_running(pgid: int) -> bool:
    """Whether a thread of a process of group ``pgid`` has not exited yet.

    Threads, not processes: a SIGKILLed process's main thread can be a zombie already while
    another of its threads (the one blocked in ``open()``) is still on its way out. Zombies
    count as exited: their files are closed, only their exit status waits for a reaper.
    """
    proc = Path("/proc")
    if not proc.is_dir():  # no procfs: any member, zombies included, counts
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/task/[0-9]*/stat"):
        try:
            # "tid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # exited meanwhile
        if int(pgrp) == pgid and state not in ("Z", "X"):
            return True
    return False


def wait_for(condition: Callable[[], object], *, timeout_s: float = 30.0, what: str = "condition",
             workers: tuple[WorkerProcess, ...] = ()) -> object:
    """Poll ``condition`` until truthy; on timeout fail with the stacks of ``workers``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    stacks = "".join(f"\n{worker.log_path.name}:\n{worker.dump_stacks()}" for worker in workers)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}{stacks}")


def wait_acked(broker, queue_name: str, *, timeout_s: float = 30.0, workers: tuple[WorkerProcess, ...] = ()) -> None:
    """Wait until a worker process has acknowledged every message of ``queue_name``: its job shows
    done before that (the job's metrics, log line and clean-up, then Dramatiq's middleware, come
    between), and the queue's size counts the message until then."""
    wait_for(lambda: broker.do_qsize(queue_name) == 0, timeout_s=timeout_s,
             what=f"the {queue_name} queue's messages acknowledged", workers=workers)
