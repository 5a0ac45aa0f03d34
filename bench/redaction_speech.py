"""Spoken card data: the whole redaction on calls read by a dev speaker held out of training.

Builds calls in memory: synthetic espeak-ng conversation (agent and caller), a card number
read in four groups by the held-out fsdd-dev speaker, then the expiry date and the security
code, all through a telephone channel (300-3400 Hz, G.711 mu-law, line noise); plus calls
with no card data (some with harmless numbers: "two minutes", a short order number). Each
call goes through ``redaction.engine.redact_array`` with the built-in recognizer (detect,
mask, verify). Prints:

- digit recall: card, expiry and code digits masked (>= 80 % of the digit's sound covered);
- cards with 4+ consecutive audible digits (target 0);
- share of other speech masked (target <= 3 %);
- speed in x real time on one core, of the whole redaction and of the recognizer alone.

Targets: DESIGN.md §4. Needs Debian's espeak-ng (skips without it).
    python bench/redaction_speech.py [--speaker theo] [--calls 20] [--quiet-calls 6] [--seed 1]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as DESIGN.md §4 measures

import argparse  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import soxr  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from redaction.config import RedactionConfig  # noqa: E402
from redaction.engine import redact_array  # noqa: E402
from redaction.errors import VerificationError  # noqa: E402
from redaction.speech.recognizer import BuiltinRecognizer  # noqa: E402
from redaction.speech.vocabulary import DIGITS  # noqa: E402
from tools.speech import channel  # noqa: E402
from tools.speech.sequences import FSDD_DIR, trim  # noqa: E402

RATE = 8000
RECALL_TARGET = 0.99
OTHER_MASKED_TARGET = 0.03
SPEED_TARGET_X = 30.0
#: A digit counts as masked when this share of its sound is under a mask.
MASKED_SHARE = 0.8
AGENT, CALLER = "en-gb+f3", "en-us+m2"

OPENING = [
    (AGENT, "good afternoon you are through to customer accounts my name is sarah"),
    (CALLER, "hi there I am ringing to settle the balance on my account"),
    (AGENT, "no problem I can take a payment over the phone for you"),
    (AGENT, "when you are ready please read me the long number across the front of the card"),
]
EXPIRY_ASK = [(AGENT, "thank you and the expiry date please")]
CODE_ASK = [(AGENT, "and finally the three digit security code on the back")]
CLOSING = [
    (AGENT, "lovely that has all gone through and you will get a confirmation shortly"),
    (CALLER, "brilliant thanks very much for your help"),
    (AGENT, "you are welcome have a good day goodbye"),
]
QUIET = [
    (AGENT, "hello you are speaking with tom in the support team how can I help"),
    (CALLER, "hiya my parcel was supposed to come on tuesday and it still has not arrived"),
    (AGENT, "I am sorry about that let me have a look it should only take two minutes"),
    (CALLER, "sure it was order four five seven if that helps"),
    (AGENT, "thanks I can see it left the depot this morning and the driver has it now"),
    (CALLER, "great so it should be with me by this evening then"),
    (AGENT, "yes before eight tonight is there anything else I can do for you"),
    (CALLER, "no that is everything I live at flat nine so tell him to ring the bell"),
    (AGENT, "I will add a note for the driver thanks for calling goodbye"),
]


@dataclass
class Call:
    audio: np.ndarray
    digits: list[tuple[float, float]] = field(default_factory=list)  # sensitive digit sounds
    cards: list[list[int]] = field(default_factory=list)  # indices into digits, per card number
    other: list[tuple[float, float]] = field(default_factory=list)  # ordinary speech


def espeak(voice: str, text: str) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "--stdout", text], check=True, capture_output=True).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return trim(soxr.resample(audio, rate, RATE).astype(np.float32))


def luhn_card(rng: np.random.Generator) -> str:
    prefix = str(rng.choice(["4", "51", "52", "53", "54", "55"]))
    body = prefix + "".join(str(d) for d in rng.integers(0, 10, 15 - len(prefix)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


class Builder:
    def __init__(self, speaker: str, rng: np.random.Generator) -> None:
        self.rng = rng
        self.clips: dict[str, list[np.ndarray]] = {d: [] for d in DIGITS}
        for path in sorted(FSDD_DIR.glob(f"*_{speaker}_*.wav")):
            audio, _ = sf.read(path, dtype="float32")
            self.clips[DIGITS[int(path.stem.split("_")[0])]].append(trim(audio))
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def _speech(self, voice: str, text: str) -> np.ndarray:
        if (voice, text) not in self.cache:
            self.cache[(voice, text)] = channel.set_level(espeak(voice, text), float(self.rng.uniform(-24, -18)))
        return self.cache[(voice, text)]

    def call(self, with_card: bool) -> Call:
        rng, parts, call = self.rng, [], Call(np.zeros(0, np.float32))
        t = 0.0

        def add(x: np.ndarray, gap_s: float) -> float:
            nonlocal t
            parts.append(np.zeros(int(gap_s * RATE), np.float32))
            parts.append(x)
            start = t + gap_s
            t = start + x.size / RATE
            return start

        def talk(lines: list[tuple[str, str]]) -> None:
            for voice, text in lines:
                x = self._speech(voice, text)
                start = add(x, float(rng.uniform(0.4, 1.0)))
                call.other.append((start, start + x.size / RATE))

        def read(digits: str, groups: list[int], level_dbfs: float) -> list[int]:
            indices, k, first = [], 0, True
            for size in groups:
                for j in range(size):
                    clip = self.clips[DIGITS[int(digits[k])]]
                    x = channel.set_level(clip[int(rng.integers(len(clip)))], level_dbfs)
                    gap = rng.uniform(0.5, 0.9) if first else (rng.uniform(0.4, 0.9) if j == 0 else rng.uniform(0.02, 0.2))
                    start = add(x, float(gap))
                    indices.append(len(call.digits))
                    call.digits.append((start, start + x.size / RATE))
                    k, first = k + 1, False
            return indices

        if with_card:
            level = float(rng.uniform(-30, -18))
            talk(OPENING)
            call.cards.append(read(luhn_card(rng), [4, 4, 4, 4], level))
            talk(EXPIRY_ASK)
            read(f"{int(rng.integers(1, 13)):02d}{int(rng.integers(26, 33))}", [2, 2], level)
            talk(CODE_ASK)
            read("".join(str(d) for d in rng.integers(0, 10, 3)), [3], level)
            talk(CLOSING)
        else:
            talk(QUIET)
        parts.append(np.zeros(int(0.5 * RATE), np.float32))
        clean = np.concatenate(parts)
        snr = float(rng.choice([30.0, 25.0, 20.0]))
        call.audio = channel.mu_law(channel.band_pass(channel.add_noise(clean, snr, "pink", rng, -22.0)))
        return call


def coverage(a: float, b: float, masks: list[tuple[float, float]]) -> float:
    covered = sum(max(0.0, min(b, e) - max(a, s)) for s, e in masks)
    return covered / max(b - a, 1e-9)


@dataclass
class Totals:
    digits: int = 0
    masked: int = 0
    cards: int = 0
    leaky_cards: int = 0
    other_s: float = 0.0
    other_masked_s: float = 0.0
    audio_s: float = 0.0
    redact_s: float = 0.0
    recognize_s: float = 0.0
    verification_failures: int = 0
    hits: int = 0
    false_words: int = 0


def run(calls: list[Call], recognizer: BuiltinRecognizer) -> Totals:
    tot = Totals()
    for call in calls:
        duration = call.audio.size / RATE
        tot.audio_s += duration
        t0 = time.perf_counter()
        try:
            _, report = redact_array(call.audio, RATE, recognizer=recognizer)
        except VerificationError:
            tot.verification_failures += 1
            _, report = redact_array(call.audio, RATE, recognizer=recognizer, config=RedactionConfig(verify=False))
        tot.redact_s += time.perf_counter() - t0
        masks = [tuple(m) for m in report.masked]
        masked = [coverage(a, b, masks) >= MASKED_SHARE for a, b in call.digits]
        tot.digits += len(masked)
        tot.masked += sum(masked)
        for card in call.cards:
            tot.cards += 1
            run_len = longest = 0
            for i in card:
                run_len = 0 if masked[i] else run_len + 1
                longest = max(longest, run_len)
            tot.leaky_cards += longest >= 4
        for a, b in call.other:
            tot.other_s += b - a
            tot.other_masked_s += coverage(a, b, masks) * (b - a)
        t0 = time.perf_counter()
        words = list(recognizer.recognize((call.audio[i : i + 65536] for i in range(0, call.audio.size, 65536)), RATE))
        tot.recognize_s += time.perf_counter() - t0
        numbers = [w for w in words if w.text != "<other>"]
        for a, b in call.digits:
            tot.hits += any(a <= (w.start_s + w.end_s) / 2 <= b for w in numbers)
        tot.false_words += sum(
            1 for w in numbers if any(a <= (w.start_s + w.end_s) / 2 <= b for a, b in call.other)
        )
    return tot


def _long_call_rss(minutes: float) -> float:
    """Peak RSS (MB) of a child that runs the recognizer over ``minutes`` of speech-like
    bursts, generated block by block (nothing call-length in memory but what it keeps)."""
    code = f"""
import numpy as np, sys
sys.path.insert(0, {str(ROOT)!r})
from redaction.speech.recognizer import BuiltinRecognizer
def blocks():
    rng = np.random.default_rng(0)
    for i in range(int({minutes} * 60 / 4)):
        x = rng.standard_normal(32000).astype(np.float32) * 0.002
        for k in range(3):  # three 0.6 s bursts of loud noise per 4 s
            x[k * 10000 : k * 10000 + 4800] *= 50
        yield x
n = sum(1 for _ in BuiltinRecognizer().recognize(blocks(), 8000))
# VmHWM, not ru_maxrss: Linux carries the spawning parent's memory into a child's ru_maxrss
print(int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speaker", default="theo", help="fsdd-dev speaker held out of training and tuning")
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--quiet-calls", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the long-call memory check")
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng (Debian) is not installed; it voices the synthetic conversation")
        return 0
    rng = np.random.default_rng(args.seed)
    builder = Builder(args.speaker, rng)
    calls = [builder.call(True) for _ in range(args.calls)] + [builder.call(False) for _ in range(args.quiet_calls)]
    tot = run(calls, BuiltinRecognizer())
    recall = tot.masked / max(tot.digits, 1)
    other_share = tot.other_masked_s / max(tot.other_s, 1e-9)
    speed = tot.audio_s / max(tot.redact_s, 1e-9)
    print(f"calls: {args.calls} with a card read by {args.speaker} (held out), {args.quiet_calls} without; "
          f"{tot.audio_s / 60:.1f} min of audio")
    print(f"digit recall (card, expiry, code digits masked): {tot.masked}/{tot.digits} = {recall:.2%} "
          f"[target >= {RECALL_TARGET:.0%}]")
    print(f"cards with 4+ consecutive audible digits: {tot.leaky_cards}/{tot.cards} [target 0]")
    print(f"other speech masked: {tot.other_masked_s:.1f}/{tot.other_s:.1f} s = {other_share:.2%} "
          f"[target <= {OTHER_MASKED_TARGET:.0%}]")
    print(f"whole redaction (detect, mask, verify): {speed:.0f}x real time on one core [target >= {SPEED_TARGET_X:.0f}x]; "
          f"verification failures: {tot.verification_failures}")
    print(f"recognizer alone: {tot.audio_s / max(tot.recognize_s, 1e-9):.0f}x real time; sensitive digits with a "
          f"number word heard: {tot.hits}/{tot.digits} = {tot.hits / max(tot.digits, 1):.2%}; "
          f"number words heard in other speech: {tot.false_words}")
    if args.memory:
        short, long = _long_call_rss(10), _long_call_rss(120)
        print(f"recognizer peak RSS: {short:.0f} MB on a 10-minute call, {long:.0f} MB on a 2-hour call")
    ok = recall >= RECALL_TARGET and tot.leaky_cards == 0 and other_share <= OTHER_MASKED_TARGET and speed >= SPEED_TARGET_X
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
