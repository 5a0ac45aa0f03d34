import subprocess
import sys

BOOT = """
import numpy  # noqa: F401  (loads OpenBLAS)
import threadpoolctl
from worker.queue.lifecycle import JobLifecycle
from worker.settings import Settings
JobLifecycle(Settings.from_env({"CALLREC_MATH_THREADS": "%s"})).after_process_boot(None)
print(sorted({pool["num_threads"] for pool in threadpoolctl.threadpool_info()}))
"""


def booted_pool_sizes(math_threads: str) -> str:
    return subprocess.run([sys.executable, "-c", BOOT % math_threads], capture_output=True, text=True,
                          check=True, env={"OPENBLAS_NUM_THREADS": "2", "PATH": ""}).stdout.strip()


def test_worker_process_boot_caps_numeric_library_threads():
    assert booted_pool_sizes("1") == "[1]"
    assert booted_pool_sizes("0") == "[2]"  # 0 leaves the libraries' own setting
