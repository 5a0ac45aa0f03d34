"""Whole-pipeline benchmark: ``process_call`` (assemble, redact, verify, encrypt, store).

Generates calls with bench/assembly.py's generator (four leg shapes, holds, a pause), on a
team plan so redaction runs (DTMF receiver twice: detection and verification), and processes
each in a child process pinned to one CPU into a local vault; the child reports its own
peak RSS (VmHWM). Measured: a 4-hour call without a speech recognizer
(CALLREC_RECOGNIZER=none), a 10-minute one without, and a 10-minute one with the built-in
recognizer (spoken-digit detection on).

Targets (DESIGN.md §4): >= 500x real time without spoken-digit detection, >= 30x with it,
peak RSS < 400 MB for a 4-hour call. Each figure is the median of 3 runs.
Usage: python bench/pipeline.py [--hours 4] [--speech-minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assembly import make_call, peak_rss_mb  # bench/assembly.py: the same generated calls and RSS probe

FAST_TARGET_X, SPEECH_TARGET_X, RSS_TARGET_MB = 500.0, 30.0, 400.0
#: Every figure is the median of this many runs (the machine is shared: single runs swing).
RUNS = 3


def child(manifest_path: str, data_dir: str) -> None:
    """Runs in the measured process: the pipeline, timed."""
    from worker.pipeline import process_call
    from worker.settings import Settings

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    settings = Settings.from_env({"CALLREC_DATA_DIR": data_dir, "CALLREC_KEEP_SOURCES": "1",
                                  "CALLREC_RECOGNIZER": os.environ["BENCH_RECOGNIZER"]})
    started = time.perf_counter()
    outcome = process_call(manifest_path, settings)
    elapsed = time.perf_counter() - started
    print(json.dumps({"elapsed_s": elapsed, "call_s": outcome.call_duration_s, "stored": outcome.stored,
                      "recording_s": outcome.recorded_duration_s, "redacted": outcome.redacted,
                      "peak_rss_mb": peak_rss_mb()}))


def measure(call_s: float, recognizer: str, runs: int = RUNS) -> dict:
    """Process a generated call ``runs`` times (each a fresh child and a fresh vault); the
    medians of time and peak RSS (flags: true only when true in every run)."""
    reports = []
    with tempfile.TemporaryDirectory(prefix="callrec-bench-") as temp:
        manifest = make_call(Path(temp), call_s)
        data = json.loads(manifest.read_text())
        data["account"].update(plan="team", redaction="auto")
        data["controls"] = []  # a team plan cannot pause
        manifest.write_text(json.dumps(data))
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   BENCH_RECOGNIZER=recognizer)
        for run in range(runs):
            process = subprocess.Popen([sys.executable, __file__, "--child", str(manifest),
                                        str(Path(temp) / f"state{run}")], env=env, stdout=subprocess.PIPE, text=True)
            output = process.stdout.read()
            if process.wait():
                raise SystemExit(f"pipeline child failed with exit code {process.returncode}")
            reports.append(json.loads(output.strip().splitlines()[-1]))
    return {key: (all(r[key] for r in reports) if isinstance(reports[0][key], bool)
                  else statistics.median(r[key] for r in reports)) for key in reports[0]}


def line(label: str, report: dict, target_x: float, check_rss: bool) -> str:
    speed = report["call_s"] / report["elapsed_s"]
    verdict = "OK" if speed >= target_x and (not check_rss or report["peak_rss_mb"] < RSS_TARGET_MB) else "MISSED"
    redacted = "redacted" if report["redacted"] else "NOT redacted"
    return (f"{label}: {report['call_s']:.0f} s call -> {report['recording_s']:.0f} s recording ({redacted}), "
            f"{report['elapsed_s']:.2f} s wall, {speed:.0f}x real time (target >= {target_x:.0f}x), "
            f"peak RSS {report['peak_rss_mb']:.0f} MB{' (target < 400 MB)' if check_rss else ''}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--speech-minutes", type=float, default=10.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    lines = [line(f"pipeline, no recognizer, 10 minutes (median of {RUNS})", measure(600.0, "none"),
                  FAST_TARGET_X, False)]
    print(lines[-1])
    lines.append(line(f"pipeline, no recognizer, {args.hours:g} hours (median of {RUNS})",
                      measure(args.hours * 3600.0, "none"), FAST_TARGET_X, True))
    print(lines[-1])
    lines.append(line(f"pipeline, built-in recognizer, {args.speech_minutes:g} minutes (median of {RUNS})",
                      measure(args.speech_minutes * 60.0, "builtin"), SPEECH_TARGET_X, False))
    print(lines[-1])
    return 1 if any(text.endswith("MISSED") for text in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
