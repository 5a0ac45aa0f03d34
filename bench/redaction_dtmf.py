"""Keyed digits (DTMF): our receiver over the spec grid, beside multimon-ng, plus talk-off and speed.

1. Spec grid (ITU-T Q.24 / Bellcore numbers, DESIGN.md §4): all 16 keys x on-time
   {40, 50, 100 ms} x frequency error {-1.5, 0, +1.5 %} x twist {4 dB reverse, 0, 8 dB
   normal} x level of the louder tone {0, -10, -20 dBm0, and the weaker tone at the -25 dBm0
   floor} x S/N {no noise, 20 dB, 15 dB}, leaving out combinations whose weaker tone falls
   below -25 dBm0 (out of spec): every press must be found. Out of spec, every
   press must be refused: on-time 20 ms, frequency error +-3.5 %, tones at -55 dBm0.
   Sequences are written at 22050 Hz, 16-bit, and given to multimon-ng too (-t raw -a DTMF)
   when it is installed.
2. Talk-off: false digits over the 1,500 fsdd-dev clips (as recorded, peak-normalised, and
   through a telephone channel: band-pass, G.711 mu-law, line noise) and espeak-ng speech.
3. Speed: x real time of the receiver on one core (8 kHz and 22.05 kHz input), and of the
   whole ``redact_file`` (detect, mask, verify) on a one-hour 8 kHz file; peak RSS of
   ``callrec redact`` on a 4-hour call in a child process.

Targets: 100 % of in-spec digits, 0 false, >= 1000x real time.
Usage: python bench/redaction_dtmf.py [--hours 4] [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import glob  # noqa: E402
import itertools  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from scipy.signal import butter, sosfilt  # noqa: E402

from redaction.config import RedactionConfig  # noqa: E402
from redaction.dtmf import KEYPAD, OPERATE_LEVEL_DBM0, detect_dtmf  # noqa: E402
from redaction.dtmf_synth import KeyPress, key_sequence  # noqa: E402
from redaction.engine import redact_file  # noqa: E402

KEYS = "".join(KEYPAD)
RATE = 22050
FSDD = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd-dev"
if not FSDD.is_dir():
    FSDD = Path("/work/shared/data/fsdd-dev")
SPEED_TARGET_X = 1000.0


def grid(quick: bool) -> tuple[list[tuple[list[KeyPress], float | None]], list[tuple[list[KeyPress], float | None]]]:
    """(in-spec sequences, out-of-spec sequences); each sequence is 16 presses and an S/N."""
    on_times = [0.040, 0.050, 0.100]
    deviations = [-0.015, 0.0, 0.015]
    twists = [-4.0, 0.0, 8.0]
    levels = [0.0, -10.0, -20.0, None]  # None: the weaker tone at -25 dBm0
    snrs = [None, 20.0, 15.0]
    if quick:
        on_times, levels, snrs = [0.040], [-10.0, None], [None, 15.0]
    accept = []
    for on_s, dev, twist, level, snr in itertools.product(on_times, deviations, twists, levels, snrs):
        loud = OPERATE_LEVEL_DBM0 + abs(twist) if level is None else level
        if loud - abs(twist) < OPERATE_LEVEL_DBM0:  # the weaker tone below the spec floor
            continue
        accept.append(([KeyPress(k, on_s, dev, twist, loud) for k in KEYS], snr))
    reject = [([KeyPress(k, 0.020) for k in KEYS], None), ([KeyPress(k, 0.020) for k in KEYS], 20.0)]
    reject += [([KeyPress(k, 0.1, dev) for k in KEYS], snr) for dev in (-0.035, 0.035) for snr in (None, 20.0)]
    reject += [([KeyPress(k, 0.1, level_dbm0=-55.0) for k in KEYS], None)]
    return accept, reject


def multimon(samples: np.ndarray, workdir: Path) -> str | None:
    """Digits multimon-ng decodes from 22050 Hz audio (None when it is not installed)."""
    if shutil.which("multimon-ng") is None:
        return None
    raw = workdir / "seq.raw"
    (np.clip(samples, -1, 1) * 32767).astype("<i2").tofile(raw)
    run = subprocess.run(["multimon-ng", "-q", "-t", "raw", "-a", "DTMF", str(raw)], capture_output=True, text=True)
    return "".join(line.split()[-1] for line in run.stdout.splitlines() if line.startswith("DTMF:"))


def score(expected: str, got: str) -> tuple[int, int]:
    """(presses found in order, extra digits) by a longest-common-subsequence alignment."""
    table = np.zeros((len(expected) + 1, len(got) + 1), int)
    for i, a in enumerate(expected):
        for j, b in enumerate(got):
            table[i + 1, j + 1] = table[i, j] + 1 if a == b else max(table[i, j + 1], table[i + 1, j])
    hits = int(table[-1, -1])
    return hits, len(got) - hits


def run_grid(quick: bool, workdir: Path) -> None:
    accept, reject = grid(quick)
    has_multimon = shutil.which("multimon-ng") is not None
    decoders = ["ours"] + (["multimon-ng"] if has_multimon else [])
    found = {name: 0 for name in decoders}
    extra = {name: 0 for name in decoders}
    by_factor: dict[tuple[str, str], dict[str, int]] = {}  # (factor, value) -> found per decoder, total
    total_in = 0
    for seed, (presses, snr) in enumerate(accept):
        signal, _ = key_sequence(presses, RATE, snr_db=snr, seed=seed)
        expected = "".join(p.key for p in presses)
        total_in += len(expected)
        first = presses[0]
        weakest = first.level_dbm0 - abs(first.twist_db)
        factors = {"on-time": f"{first.on_s * 1000:.0f} ms", "frequency": f"{first.deviation * 100:+.1f} %",
                   "twist": f"{first.twist_db:+.0f} dB", "weaker tone": f"{weakest:.0f} dBm0",
                   "S/N": "clean" if snr is None else f"{snr:.0f} dB"}
        for name in decoders:
            got = "".join(t.key for t in detect_dtmf(signal, RATE)) if name == "ours" else multimon(signal, workdir)
            hits, more = score(expected, got)
            found[name] += hits
            extra[name] += more
            for factor in factors.items():
                cell = by_factor.setdefault(factor, {"total": 0})
                cell[name] = cell.get(name, 0) + hits
        for factor in factors.items():
            by_factor[factor]["total"] += len(expected)
    taken = {name: 0 for name in decoders}
    total_out = 0
    for seed, (presses, snr) in enumerate(reject):
        signal, _ = key_sequence(presses, RATE, snr_db=snr, seed=1000 + seed)
        total_out += len(presses)
        for name in decoders:
            got = "".join(t.key for t in detect_dtmf(signal, RATE)) if name == "ours" else multimon(signal, workdir)
            taken[name] += len(got)
    print(f"spec grid: {len(accept)} sequences, {total_in} in-spec presses; {total_out} out-of-spec presses "
          "(20 ms, +-3.5 %, -55 dBm0)")
    print(f"  {'decoder':<12} {'in-spec found':>16} {'false/extra':>12} {'out-of-spec taken':>18}")
    for name in decoders:
        print(f"  {name:<12} {found[name]:>7}/{total_in} {100 * found[name] / total_in:5.1f}% {extra[name]:>12} "
              f"{taken[name]:>11}/{total_out}")
    if not has_multimon:
        print("  multimon-ng  (not installed)")
    print("  in-spec found by condition: " + " | ".join(decoders))
    order = ["on-time", "frequency", "twist", "weaker tone", "S/N"]
    for (factor, value), cell in sorted(by_factor.items(), key=lambda item: (order.index(item[0][0]), _number(item[0][1]))):
        rates = " | ".join(f"{100 * cell[name] / cell['total']:5.1f}%" for name in decoders)
        print(f"    {factor:<12} {value:>9}: {rates}")


def _number(value: str) -> float:
    try:
        return float(value.split()[0])
    except ValueError:
        return float("inf")  # "clean" last


def telephone(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """300-3400 Hz band, G.711 mu-law companding, line noise at -50 dBFS."""
    band = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), signal)
    mu = 255.0
    coded = np.sign(band) * np.log1p(mu * np.minimum(np.abs(band), 1.0)) / np.log1p(mu)
    quantised = np.round(coded * 127) / 127
    decoded = np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu
    return (decoded + rng.normal(0, 10 ** (-50 / 20) / np.sqrt(2), len(decoded))).astype(np.float32)


def run_talk_off(workdir: Path) -> None:
    paths = sorted(glob.glob(str(FSDD / "*.wav")))
    if not paths:
        print(f"talk-off: {FSDD} not found, skipped")
        return
    clips = [sf.read(p, dtype="float32")[0] for p in paths]
    gap = np.zeros(400, np.float32)
    rng = np.random.default_rng(5)
    versions = {
        "as recorded": np.concatenate([c for clip in clips for c in (clip, gap)]),
        "peak-normalised": np.concatenate([c for clip in clips for c in (clip / max(np.abs(clip).max(), 1e-6) * 0.9, gap)]),
    }
    versions["telephone channel"] = telephone(versions["peak-normalised"], rng)
    espeak = shutil.which("espeak-ng") is not None
    if espeak:
        text = (
            "Thank you for calling. Can you read me the long number on the front of your card? "
            "Ooooh, aaaah, eeeee, mmmmm. Nine one one. Sure: four five three two, one four eight eight. "
            "Beautiful music, la la la. Is there anything else I can help you with today?"
        )
        parts = []
        for voice, pitch, speed in itertools.product(["en", "en+f2", "en+f5", "en+m3", "en-gb"], [20, 50, 99], [130, 200]):
            path = workdir / "espeak.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(path), text], check=True)
            speech, rate = sf.read(path, dtype="float32")
            parts.append((speech / np.abs(speech).max() * 0.9, rate))
        versions["espeak-ng voices"] = np.concatenate([p for p, _ in parts])
        espeak_rate = parts[0][1]
    print(f"talk-off: {len(paths)} fsdd-dev digit clips" + (" and espeak-ng speech" if espeak else ""))
    print(f"  {'speech':<20} {'seconds':>8} {'ours':>6} {'multimon-ng':>12}")
    for name, signal in versions.items():
        rate = espeak_rate if name.startswith("espeak") else 8000
        ours = len(list(detect_dtmf(signal, rate)))
        theirs = None
        if shutil.which("multimon-ng") is not None:
            wav = workdir / "speech.wav"
            sf.write(wav, signal, rate, subtype="PCM_16")
            run = subprocess.run(["multimon-ng", "-q", "-t", "wav", "-a", "DTMF", str(wav)], capture_output=True, text=True)
            theirs = sum(1 for line in run.stdout.splitlines() if line.startswith("DTMF:"))
        print(f"  {name:<20} {len(signal) / rate:8.0f} {ours:>6} {'-' if theirs is None else theirs:>12}")


def run_speed(workdir: Path) -> None:
    rng = np.random.default_rng(9)
    print("speed, one core:")
    for rate, minutes in ((8000, 60), (RATE, 20)):
        signal = (rng.normal(0, 0.05, rate * 60 * minutes)).astype(np.float32)
        blocks = [signal[i : i + 65536] for i in range(0, len(signal), 65536)]
        start = time.process_time()
        found = len(list(detect_dtmf(blocks, rate)))
        elapsed = time.process_time() - start
        x = minutes * 60 / elapsed
        print(f"  receiver at {rate} Hz: {x:,.0f}x real time ({minutes} min in {elapsed:.2f} s CPU, {found} digits)"
              f"  [target >= {SPEED_TARGET_X:.0f}x: {'met' if x >= SPEED_TARGET_X else 'MISSED'}]")
    path = workdir / "hour.wav"
    keys, _ = key_sequence([KeyPress(k, 0.07) for k in "4532015112830366"], 8000)
    with sf.SoundFile(path, "w", 8000, 1, "PCM_16") as f:
        for minute in range(60):
            block = rng.normal(0, 0.05, 8000 * 60).astype(np.float32)
            if minute % 10 == 5:
                block[: len(keys)] += keys
            f.write(block)
    start = time.process_time()
    report = redact_file(path, workdir / "hour.out.wav", config=RedactionConfig())
    elapsed = time.process_time() - start
    print(f"  redact_file, 1 h at 8 kHz (detect + mask + verify): {3600 / elapsed:,.0f}x real time "
          f"({len(report.spans)} keyed digits masked, verified={report.verified})")


def run_memory(hours: float, workdir: Path) -> None:
    path = workdir / "long.wav"
    rng = np.random.default_rng(11)
    keys, _ = key_sequence([KeyPress(k, 0.07) for k in "4532015112830366"], 8000)
    with sf.SoundFile(path, "w", 8000, 1, "PCM_16") as f:
        for minute in range(int(hours * 60)):
            block = rng.normal(0, 0.05, 8000 * 60).astype(np.float32)
            if minute % 30 == 7:
                block[: len(keys)] += keys
            f.write(block)
    env = dict(os.environ, CALLREC_RECOGNIZER="none")
    # The child reports its own high-water mark (VmHWM): ru_maxrss from wait4 would include
    # this parent's memory, which a forked child inherits in the count.
    script = (
        "import sys; from worker.cli import main; code = main(sys.argv[1:]); "
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]; "
        "print(hwm[0].split()[1] if hwm else -1); sys.exit(code)"
    )
    start = time.time()
    run = subprocess.run(
        [sys.executable, "-c", script, "redact", str(path), "-o", str(workdir / "long.out.wav")],
        env=env, capture_output=True, text=True,
    )
    rss_mb = int(run.stdout.split()[-1]) / 1024
    print(f"memory: callrec redact on a {hours:g} h call: peak RSS {rss_mb:.0f} MB "
          f"(target < 400 MB: {'met' if rss_mb < 400 else 'MISSED'}), exit {run.returncode}, "
          f"{time.time() - start:.1f} s wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0, help="length of the call for the memory check")
    parser.add_argument("--quick", action="store_true", help="a smaller grid, no memory check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dtmf-") as tmp:
        workdir = Path(tmp)
        run_grid(args.quick, workdir)
        run_talk_off(workdir)
        run_speed(workdir)
        if not args.quick:
            run_memory(args.hours, workdir)


if __name__ == "__main__":
    main()
