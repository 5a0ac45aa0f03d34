"""Command-line start-up: ``callrec --help`` wall time and peak RSS (median of runs).

The installed ``callrec`` entry point is timed as a fresh process each run; its peak RSS is
read from the same code path run under a probe that prints VmHWM (the child's own high-water
mark; ru_maxrss from wait4 would count the forking parent). Target (issue 11): < 0.2 s.

    python bench/cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TIME_TARGET_S = 0.2
RSS_TARGET_MB = 40.0

_PROBE = """
import sys
sys.argv = ["callrec", "--help"]
from worker.cli import main
try:
    main()
except SystemExit:
    pass
with open("/proc/self/status") as status:
    line = next(line for line in status if line.startswith("VmHWM:"))
print(int(line.split()[1]) / 1024, file=sys.stderr)
"""


def entry_point() -> list[str]:
    beside = Path(sys.executable).with_name("callrec")
    found = str(beside) if beside.exists() else shutil.which("callrec")
    return [found] if found else [sys.executable, "-m", "worker"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    command = [*entry_point(), "--help"]
    times_s, rss_mb = [], []
    for _ in range(max(3, args.runs)):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        times_s.append(time.perf_counter() - started)
        probe = subprocess.run([sys.executable, "-c", _PROBE], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, check=True)
        rss_mb.append(float(probe.stderr.strip().splitlines()[-1]))
    wall_s, peak_mb = statistics.median(times_s), statistics.median(rss_mb)
    print(f"callrec --help, {len(times_s)} runs (shared 2-core machine: noisy; min {min(times_s):.3f} s, "
          f"max {max(times_s):.3f} s)")
    print(f"  wall     {wall_s:6.3f} s median  (target < {TIME_TARGET_S} s)   "
          f"{'OK' if wall_s < TIME_TARGET_S else 'MISSED'}")
    print(f"  peak RSS {peak_mb:6.1f} MB median (target < {RSS_TARGET_MB:.0f} MB)  "
          f"{'OK' if peak_mb < RSS_TARGET_MB else 'MISSED'}")
    return 0 if wall_s < TIME_TARGET_S and peak_mb < RSS_TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
