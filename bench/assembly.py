"""Assembly benchmark: call seconds assembled per wall second on one core, and peak RSS.

Generates a call in a temporary directory (agent time with holds, a pause, and four one-
hour legs in different shapes: 8 kHz mono PCM, 16 kHz dual-channel PCM that must be mixed
and resampled, 8 kHz mu-law, 8 kHz FLAC), then assembles it in a child process pinned to
one CPU and reads that child's own peak RSS (VmHWM). A 10-minute call is measured the same
way to show memory does not grow with call length.

Targets (DESIGN.md §4): >= 500x real time, peak RSS < 400 MB for a 4-hour call.
Usage: python bench/assembly.py [--hours 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

SPEED_TARGET_X = 500.0
RSS_TARGET_MB = 400.0
#: Leg shapes, cycled over the call: (file suffix, rate, channels, soundfile subtype).
LEG_SHAPES = (("wav", 8000, 1, "PCM_16"), ("wav", 16000, 2, "PCM_16"),
              ("wav", 8000, 1, "ULAW"), ("flac", 8000, 1, "PCM_16"))
LEG_S = 3600.0


def write_leg(path: Path, seconds: float, rate_hz: int, channels: int, subtype: str, seed: int) -> None:
    """Speech-like noise bursts, written block by block (nothing big in memory)."""
    rng = np.random.default_rng(seed)
    with soundfile.SoundFile(path, "w", samplerate=rate_hz, channels=channels, subtype=subtype) as out:
        remaining = int(seconds * rate_hz)
        while remaining:
            frames = min(remaining, rate_hz * 10)
            envelope = np.repeat(rng.uniform(0.0, 0.3, frames // (rate_hz // 10) + 1), rate_hz // 10)[:frames]
            block = (rng.standard_normal((frames, channels)) * envelope[:, None] * 0.3).astype(np.float32)
            out.write(np.clip(block, -1, 1))
            remaining -= frames


def make_call(directory: Path, call_s: float) -> Path:
    legs = directory / "legs"
    legs.mkdir()
    segments, start = [], 0.0
    while start < call_s:
        index = len(segments)
        suffix, rate_hz, channels, subtype = LEG_SHAPES[index % len(LEG_SHAPES)]
        seconds = min(LEG_S, call_s - start)
        name = f"leg{index}.{suffix}"
        write_leg(legs / name, seconds, rate_hz, channels, subtype, seed=index)
        segments.append({"uri": f"file:legs/{name}", "start": start})
        start += seconds
    events = [{"type": "queue", "start": 0.0, "end": 30.0},
              {"type": "agent", "start": 30.0, "end": call_s, "via": "browser"}]
    events += [{"type": "hold", "start": t, "end": t + 60.0} for t in np.arange(600.0, call_s - 120, 1200.0)]
    controls = [{"action": "pause", "at": call_s / 2}, {"action": "resume", "at": call_s / 2 + 90.0}]
    manifest = {
        "call_id": "CABENCH", "ticket_id": "T-BENCH",
        "account": {"id": "bench", "plan": "professional", "region": "us", "retention_days": None,
                    "recordings_public": False, "pause_behavior": "silence", "redaction": "auto"},
        "number": {"id": "+15550199", "recording": True, "consent_mode": "none"},
        "direction": "inbound", "consent": "none", "events": events, "controls": controls,
        "segments": segments,
    }
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def child(manifest_path: str, out_path: str) -> None:
    """Runs in the measured process: assemble and report the wall time."""
    from worker.assemble import assemble_manifest
    from worker.manifest import load_manifest
    from worker.settings import Settings

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    started = time.perf_counter()
    outcome = assemble_manifest(load_manifest(manifest_path), out_path, Settings.from_env({}))
    elapsed = time.perf_counter() - started
    print(json.dumps({"elapsed_s": elapsed, "call_s": outcome.call_duration_s,
                      "recording_s": outcome.recorded_duration_s, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM). ru_maxrss from wait4 is not used: Linux
    carries a forked parent's memory into the child's count."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # kB


def measure(call_s: float) -> dict:
    """Generate a call of ``call_s`` seconds and assemble it in a fresh child process."""
    with tempfile.TemporaryDirectory(prefix="callrec-bench-") as temp:
        manifest = make_call(Path(temp), call_s)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        process = subprocess.Popen([sys.executable, __file__, "--child", str(manifest),
                                    str(Path(temp) / "out.wav")], env=env, stdout=subprocess.PIPE, text=True)
        output = process.stdout.read()
        if process.wait():
            raise SystemExit(f"assembly child failed with exit code {process.returncode}")
        return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    short = measure(600.0)
    long = measure(args.hours * 3600.0)
    speed = long["call_s"] / long["elapsed_s"]
    print(f"assembly, {short['call_s'] / 60:.0f}-minute call: {short['elapsed_s']:.2f} s, "
          f"peak RSS {short['peak_rss_mb']:.0f} MB")
    print(f"assembly, {args.hours:g}-hour call ({long['call_s']:.0f} s -> {long['recording_s']:.1f} s "
          f"recording): {long['elapsed_s']:.2f} s wall on one core")
    print(f"  speed    {speed:8.0f}x real time   (target >= {SPEED_TARGET_X:.0f}x)  "
          f"{'OK' if speed >= SPEED_TARGET_X else 'MISSED'}")
    print(f"  peak RSS {long['peak_rss_mb']:8.0f} MB          (target <  {RSS_TARGET_MB:.0f} MB) "
          f"{'OK' if long['peak_rss_mb'] < RSS_TARGET_MB else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
