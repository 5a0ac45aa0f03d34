"""Whole-pipeline benchmark: ``process_call`` (assemble, redact, verify, encrypt, store).

Generates calls with bench/assembly.py's generator (four leg shapes, holds, a pause), on a
team plan so redaction runs (DTMF receiver twice: detection and verification), and processes
each in a child process pinned to one CPU into a local vault; the child reports its own
peak RSS (VmHWM). Measured: a 4-hour call without a speech recognizer
(CALLREC_RECOGNIZER=none), a 10-minute one without, and, with spoken-digit detection on
(the product's default recognizer, or ``--recognizer``), a call of real conversation: the
held-out eval calls of tools/evalcalls (card and harmless-number calls) back to back, so a
recognizer that only looks closely at speech that may hold numbers is timed on such speech
(needs Debian's espeak-ng; without it that line is skipped). Speed is per wall second of
the child and, as the machine is shared, per CPU second of the child.

Targets (DESIGN.md §4): >= 500x real time without spoken-digit detection, >= 30x with it,
peak RSS < 400 MB for a 4-hour call. Each figure is the median of 3 runs.
Usage: python bench/pipeline.py [--hours 4] [--speech-minutes 10] [--recognizer NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile
from assembly import make_call, peak_rss_mb  # bench/assembly.py: the same generated calls and RSS probe

ROOT = Path(__file__).resolve().parents[1]

FAST_TARGET_X, SPEECH_TARGET_X, RSS_TARGET_MB = 500.0, 30.0, 400.0
#: Every figure is the median of this many runs (the machine is shared: single runs swing).
RUNS = 3


def child(manifest_path: str, data_dir: str) -> None:
    """Runs in the measured process: the pipeline, timed."""
    from worker.boot import build_backends
    from worker.calls.pipeline import process_call
    from worker.settings import Settings

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    env = {"CALLREC_DATA_DIR": data_dir, "CALLREC_KEEP_SOURCES": "1"}
    if os.environ["BENCH_RECOGNIZER"]:  # empty: the product's default
        env["CALLREC_RECOGNIZER"] = os.environ["BENCH_RECOGNIZER"]
    settings = Settings.from_env(env)
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = process_call(manifest_path, build_backends(settings))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"elapsed_s": elapsed, "cpu_s": cpu, "call_s": outcome.call_duration_s, "stored": outcome.stored,
                      "recording_s": outcome.recorded_duration_s, "redacted": outcome.redacted,
                      "peak_rss_mb": peak_rss_mb(), "recognizer": settings.recognizer}))


def make_speech_call(directory: Path, call_s: float) -> Path:
    """A team-plan call whose one 8 kHz leg is held-out eval calls back to back."""
    sys.path.insert(0, str(ROOT))
    from tools.evalcalls import splits
    from tools.evalcalls.calls import make_call as make_eval_call

    (directory / "legs").mkdir()
    total, written, k = int(call_s * 8000), 0, 0
    pieces = [(voice, kind) for voice in splits.HELD_OUT for kind in ("card", "harmless")]
    with soundfile.SoundFile(directory / "legs" / "caller.wav", "w", samplerate=8000, channels=1,
                             subtype="PCM_16") as out:
        while written < total:
            voice, kind = pieces[k % len(pieces)]
            audio = make_eval_call(voice, kind, 1, k // len(pieces)).audio[: total - written]
            out.write(audio)
            written, k = written + audio.size, k + 1
    manifest = {
        "call_id": "CABENCHSPEECH", "ticket_id": "T-BENCHSPEECH",
        "account": {"id": "bench", "plan": "team", "region": "us", "retention_days": None,
                    "recordings_public": False, "pause_behavior": "silence", "redaction": "auto"},
        "number": {"id": "+15550199", "recording": True, "consent_mode": "none"},
        "direction": "inbound", "consent": "none",
        "events": [{"type": "agent", "start": 0.0, "end": call_s, "via": "browser"}], "controls": [],
        "segments": [{"uri": "file:legs/caller.wav", "start": 0.0}],
    }
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def measure(call_s: float, recognizer: str, speech: bool = False, runs: int = RUNS) -> dict:
    """Process a generated call ``runs`` times (each a fresh child and a fresh vault); the
    medians of time and peak RSS (flags: true only when true in every run)."""
    reports = []
    with tempfile.TemporaryDirectory(prefix="callrec-bench-") as temp:
        if speech:
            manifest = make_speech_call(Path(temp), call_s)
        else:
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
    return {key: (all(r[key] for r in reports) if isinstance(reports[0][key], bool) else reports[0][key]
                  if isinstance(reports[0][key], str) else statistics.median(r[key] for r in reports))
            for key in reports[0]}


def line(label: str, report: dict, target_x: float, check_rss: bool) -> str:
    speed = report["call_s"] / report["elapsed_s"]
    cpu_speed = report["call_s"] / max(report["cpu_s"], 1e-9)
    verdict = "OK" if speed >= target_x and (not check_rss or report["peak_rss_mb"] < RSS_TARGET_MB) else "MISSED"
    redacted = "redacted" if report["redacted"] else "NOT redacted"
    return (f"{label}: {report['call_s']:.0f} s call -> {report['recording_s']:.0f} s recording ({redacted}), "
            f"{report['elapsed_s']:.2f} s wall, {speed:.0f}x real time ({cpu_speed:.0f}x per CPU second) "
            f"(target >= {target_x:.0f}x), "
            f"peak RSS {report['peak_rss_mb']:.0f} MB{' (target < 400 MB)' if check_rss else ''}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--speech-minutes", type=float, default=10.0)
    parser.add_argument("--recognizer", default="", help="CALLREC_RECOGNIZER for the speech line (default: the product's)")
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
    if shutil.which("espeak-ng") is None:
        print("pipeline with spoken-digit detection: skipped (the eval calls need Debian's espeak-ng)")
    else:
        speech = measure(args.speech_minutes * 60.0, args.recognizer, speech=True)
        lines.append(line(f"pipeline, recognizer {speech['recognizer']}, {args.speech_minutes:g} minutes of held-out "
                          f"eval calls (median of {RUNS})", speech, SPEECH_TARGET_X, False))
        print(lines[-1])
    return 1 if any(text.endswith("MISSED") for text in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
