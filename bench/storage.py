"""Storage codecs: bytes per recorded hour of the committed sample calls, WAV vs FLAC vs Opus.

Each sample call under samples/ is assembled as the product does (``assemble_manifest``),
then encoded with every storage codec (``audio.encode``, each checked on its decoded
result). Prints each call's sizes, the totals as bytes per recorded hour, and the encode
speed (median of 3 runs, one core's CPU time). Target (issue 11): FLAC stores at least
40 % fewer bytes per recorded hour than 16-bit WAV.

    python bench/storage.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVING_TARGET = 0.40
RUNS = 3


def main() -> int:
    from audio.encode import CODECS, encode
    from worker.calls.assemble import assemble_manifest
    from worker.calls.manifest import load_manifest
    from worker.settings import Settings

    totals = {name: 0 for name in CODECS}
    cpu_s = {name: [] for name in CODECS}
    seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="callrec-bench-") as temp:
        for manifest_path in sorted(ROOT.glob("samples/*/manifest.json")):
            wav = Path(temp) / f"{manifest_path.parent.name}.wav"
            outcome = assemble_manifest(load_manifest(manifest_path), wav, Settings.from_env({}))
            if not outcome.recorded:
                continue
            seconds += outcome.recorded_duration_s
            sizes = []
            for name, codec in CODECS.items():
                runs = []
                for _ in range(RUNS):
                    started = time.process_time()
                    result = encode(wav, wav.with_suffix(codec.suffix + ".out"), codec)
                    runs.append(time.process_time() - started)
                cpu_s[name].append(statistics.median(runs))
                totals[name] += result.size_bytes
                sizes.append(f"{name} {result.size_bytes:>8}")
            print(f"{manifest_path.parent.name:<20} {outcome.recorded_duration_s:6.1f} s   " + "   ".join(sizes))
    per_hour = {name: size / seconds * 3600 for name, size in totals.items()}
    saving = 1 - totals["flac"] / totals["wav"]
    print(f"{seconds:.1f} s of recordings; per recorded hour: " +
          ", ".join(f"{name} {per_hour[name] / 1e6:.1f} MB" for name in CODECS))
    for name in CODECS:
        speed = seconds / sum(cpu_s[name])
        print(f"  {name:<5} {totals[name] / totals['wav'] * 100:5.1f} % of WAV, encode + decoded check "
              f"{speed:6.0f}x real time (CPU, median of {RUNS})")
    print(f"FLAC saving {saving * 100:.1f} % per recorded hour (target >= {SAVING_TARGET * 100:.0f} %)  "
          f"{'OK' if saving >= SAVING_TARGET else 'MISSED'}")
    return 0 if saving >= SAVING_TARGET else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
