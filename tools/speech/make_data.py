"""Synthesise word and sentence clips for training the digit network.

Voices: espeak-ng (8 accents x ~100 variants, speed and pitch) and, with ``--mbrola-combos``, the
TUNE split's MBROLA voices reading English (``MBROLA_VOICES``: diphones cut from real people's
speech; the held-out split's MBROLA voices never). Writes ``clips.npz``
(8 kHz int16 clips, their word labels, and which voice made them) into OUT_DIR (default
/tmp/callrec_speech). Rerunnable; deterministic for a seed. Needs Debian's espeak-ng (and mbrola with
its voices for ``--mbrola-combos``).

No flite: flite's voices (kal, kal16, awb, rms, slt) are Festival's voices, which are
reserved for the final external judgement and must stay out of training, tuning and tests.
(Weights before December 2026 were trained with them; see redaction/speech/MODEL.txt.)
Usage: python tools/speech/make_data.py [--combos 400] [--mbrola-combos 0] [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from redaction.speech.vocabulary import DIGITS, KEYWORDS, OTHER, TEENS, TENS  # noqa: E402
from tools.evalcalls.splits import TUNE  # noqa: E402
from tools.speech.words import CALL_PHRASES, OTHER_WORDS, SENTENCES  # noqa: E402

BASES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
VARIANTS_DIR = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v")
NUMBER_WORDS = [*DIGITS, "oh", "double", "triple", "hundred", *TEENS, *TENS]
#: The tune split's MBROLA voices (``tools.evalcalls.splits``): the network may learn from them;
#: the held-out split's (``mb-us1``...) are reported on and never trained on.
MBROLA_VOICES = tuple(v for v in TUNE if v.startswith("mb-"))
BREAK_MS = 700
SILENCE_SPLIT_MS = 250


def variants() -> list[str]:
    names = sorted(p.name for p in VARIANTS_DIR.iterdir()) if VARIANTS_DIR.is_dir() else []
    return [""] + [n for n in names if " " not in n]


def speak(voice: str, speed: int, pitch: int, texts: list[str]) -> np.ndarray:
    ssml = "<speak>" + "".join(f'{t} <break time="{BREAK_MS}ms"/> ' for t in texts) + "</speak>"
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-m", "--stdout", ssml],
        check=True, capture_output=True,
    ).stdout
    audio, rate = sf.read(io.BytesIO(out), dtype="float32")
    return soxr.resample(audio, rate, 8000).astype(np.float32)


def word_labels(text: str) -> str:
    """Training labels: number words and keywords as themselves, anything else OTHER.
    (Sentences and phrases hold no number words.)"""
    words = text.split()
    if len(words) == 1 and words[0] in NUMBER_WORDS:
        return words[0]
    return " ".join(w if w in KEYWORDS else OTHER for w in words)


def split_on_silence(x: np.ndarray) -> list[np.ndarray]:
    """Cut at digital silence of SILENCE_SPLIT_MS or more (espeak's breaks), keep 30 ms margins."""
    quiet = np.abs(x) < 2e-4
    frame = 40  # 5 ms
    n = x.size // frame
    q = quiet[: n * frame].reshape(n, frame).all(axis=1)
    need = SILENCE_SPLIT_MS // 5
    pieces, start, run = [], None, 0
    for i, silent in enumerate(q):
        if not silent:
            if start is None:
                start = i
            run = 0
        elif start is not None:
            run += 1
            if run >= need:
                pieces.append((start, i - run + 1))
                start, run = None, 0
    if start is not None:
        pieces.append((start, n - run))
    margin = 6
    return [x[max(0, a - margin) * frame : min(n, b + margin) * frame] for a, b in pieces]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--combos", type=int, default=400)
    ap.add_argument("--out", type=Path, default=Path("/tmp/callrec_speech"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mbrola-combos", type=int, default=0, help="combos more, each with a tune MBROLA voice")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    clips, labels, voices = [], [], []
    all_variants = variants()
    kept = dropped = 0
    for combo in range(args.combos + args.mbrola_combos):
        variant = rng.choice(all_variants)
        voice = rng.choice(BASES) + (f"+{variant}" if variant else "")
        speed, pitch = rng.randint(120, 230), rng.randint(15, 85)
        if combo >= args.combos:  # drawn after the espeak-ng combos: those stay as they were
            voice = rng.choice(MBROLA_VOICES)
        words = NUMBER_WORDS + ["oh", "oh", "double", "triple"] + rng.sample(OTHER_WORDS, 45)
        rng.shuffle(words)
        # Real sentences, plus word salad: more kinds of non-number speech as negatives.
        sentences = rng.sample(SENTENCES, 4) + [" ".join(rng.sample(OTHER_WORDS, rng.randint(3, 8))) for _ in range(4)]
        sentences += rng.sample(CALL_PHRASES, 6)
        for texts in (words, sentences):
            try:
                audio = speak(voice, speed, pitch, texts)
            except subprocess.CalledProcessError:
                break
            pieces = split_on_silence(audio)
            if len(pieces) != len(texts):
                dropped += 1
                continue
            kept += 1
            for text, piece in zip(texts, pieces):
                label = word_labels(text)
                clips.append(np.round(np.clip(piece, -1, 1) * 32767).astype(np.int16))
                labels.append(label)
                voices.append(combo)
    lengths = np.array([c.size for c in clips])
    np.savez(
        args.out / "clips.npz",
        audio=np.concatenate(clips), lengths=lengths, labels=np.array(labels), voices=np.array(voices),
    )
    print(f"{len(clips)} clips from {kept} espeak-ng calls ({dropped} dropped for a split mismatch)")


if __name__ == "__main__":
    main()
