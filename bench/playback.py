"""Playback: a player's seek in a long recording stored as FLAC (the default codec), as WAV.

A 2-hour 8 kHz recording (noise of changing level, so FLAC stores about 11 bits a sample) is
stored as FLAC in a local vault; then a 64 KiB range of its WAV from the middle, as a player
seeking asks for it, is served three ways (median of 3 runs each, one core's CPU time and the
wall time):
- the product: ``worker.stored.operations.audio_ranges`` decodes the FLAC frames the range
  covers from the ciphertext segments they lie in (``audio/wav_ranges.py``);
- the whole-file export every such request cost before (decrypt everything, transcode the whole
  FLAC to WAV, then cut the range: ``export_recording``);
- what a user would otherwise pick, given the decrypted FLAC: ffmpeg seeking in it
  (``ffmpeg -ss 3600 -i rec.flac -t 4.1 ...``; imageio-ffmpeg's binary), the decryption not counted.
Checks that the product's bytes are the whole export's at that range. Target: a seek is served
in under 0.1 s of wall time whatever the recording's length.

    python bench/playback.py [--hours 2]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 3
RANGE_BYTES = 64 * 1024
TARGET_S = 0.1
RATE_HZ = 8000


def timed(run) -> tuple[float, float, object]:  # noqa: ANN001
    """(median CPU s, median wall s, the last result) of RUNS runs of ``run()``."""
    cpu, wall, result = [], [], None
    for _ in range(RUNS):
        c0, w0 = time.process_time(), time.perf_counter()
        result = run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), result


def main() -> int:
    from audio.encode import CODECS, encode
    from vault.access import Principal
    from vault.index import IndexEntry
    from vault.regions import recording_id
    from worker.settings import Settings
    from worker.stored.operations import audio_ranges, export_recording
    from worker.vaults import build_vault

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="callrec-bench-playback-") as temp:
        work = Path(temp)
        frames = int(args.hours * 3600 * RATE_HZ)
        rng = np.random.default_rng(1)
        with soundfile.SoundFile(work / "rec.wav", "w", RATE_HZ, 1, subtype="PCM_16") as out:
            for start in range(0, frames, 1 << 20):
                n = min(1 << 20, frames - start)
                level = np.repeat(rng.uniform(100, 3000, n // 4000 + 1), 4000)[:n]
                out.write((rng.standard_normal(n) * level).astype(np.int16))
        encode(work / "rec.wav", work / "rec.flac", CODECS["flac"])
        vault = build_vault(Settings(data_dir=work / "state"))
        entry = IndexEntry(recording_id=recording_id("acme", "CA-PLAY", "us"), account_id="acme", call_id="CA-PLAY",
                           ticket_id="T-1", kind="call", region="us", created_at=datetime.now(UTC), retention_days=None,
                           public=False, redacted=True, pipeline_version="bench", detector_version="bench")
        with open(work / "rec.flac", "rb") as audio:
            vault.region("us").put(entry, {"audio": audio, "metadata": io.BytesIO(b"{}")})
        rid, ann = entry.recording_id, Principal.parse("agent:ann", "acme", frozenset({"T-1"}))
        size = 44 + 2 * frames
        first = 44 + 2 * (frames // 2)
        wanted = (first, first + RANGE_BYTES - 1)

        def product() -> bytes:
            ranges = audio_ranges(rid, ann, vault, "wav", wanted)
            return b"".join(ranges.chunks(ranges.first, ranges.last + 1))

        def whole() -> bytes:
            out = export_recording(rid, work / "whole.wav", ann, vault).path
            with open(out, "rb") as f:
                f.seek(first)
                return f.read(RANGE_BYTES)

        def ffmpeg() -> bytes:
            from imageio_ffmpeg import get_ffmpeg_exe

            start_s, length_s = (first - 44) / 2 / RATE_HZ, RANGE_BYTES / 2 / RATE_HZ
            return subprocess.run([get_ffmpeg_exe(), "-v", "error", "-ss", f"{start_s}", "-i", str(work / "rec.flac"),
                                   "-t", f"{length_s}", "-f", "s16le", "-"], check=True, capture_output=True).stdout

        p_cpu, p_wall, p_bytes = timed(product)
        w_cpu, w_wall, w_bytes = timed(whole)
        f_cpu, f_wall, _ = timed(ffmpeg)  # a child process: its CPU time is not this process's
        same = p_bytes == w_bytes
        flac_mb = (work / "rec.flac").stat().st_size / 1e6
        print(f"{args.hours:g}-hour recording stored as FLAC ({flac_mb:.0f} MB; its WAV {size / 1e6:.0f} MB): "
              f"a {RANGE_BYTES // 1024} KiB range of WAV from the middle, medians of {RUNS}")
        print(f"  product (audio_ranges, the frames it covers): {p_wall * 1000:8.1f} ms wall, "
              f"{p_cpu * 1000:8.1f} ms CPU; the whole export's bytes there: {'yes' if same else 'NO'}")
        print(f"  whole-file export, then the range (before):   {w_wall * 1000:8.1f} ms wall, "
              f"{w_cpu * 1000:8.1f} ms CPU")
        print(f"  ffmpeg -ss on the decrypted FLAC:             {f_wall * 1000:8.1f} ms wall (a child process)")
        ok = same and p_wall < TARGET_S
        print(f"seek served in {p_wall * 1000:.1f} ms [target < {TARGET_S * 1000:.0f} ms], bytes as the whole "
              f"export's: {'met' if ok else 'NOT met'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
