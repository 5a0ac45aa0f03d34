"""Build training/validation utterances: words and sentences joined as a caller says them,
through a simulated telephone channel, with their label sequences (not used by the product)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from redaction.speech.features import log_mel, mel_matrix, normalise
from redaction.speech.vocabulary import DIGITS, INDEX, OTHER, TEENS, TENS
from tools.speech import channel

FSDD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "fsdd-dev"


@dataclass(frozen=True)
class Clip:
    audio: np.ndarray  # float32, 8 kHz
    label: str  # space-separated words of redaction.speech.vocabulary


def trim(x: np.ndarray, floor_db: float = 35.0) -> np.ndarray:
    """Drop leading/trailing 10 ms frames more than ``floor_db`` under the loudest frame."""
    n = x.size // 80
    if n == 0:
        return x
    e = 10 * np.log10(np.mean(x[: n * 80].reshape(n, 80).astype(np.float64) ** 2, axis=1) + 1e-12)
    keep = np.flatnonzero(e > e.max() - floor_db)
    a, b = max(0, keep[0] - 2), min(n, keep[-1] + 3)
    return x[a * 80 : b * 80]


def load_fsdd(speakers: set[str], fsdd_dir: Path = FSDD_DIR) -> dict[str, list[Clip]]:
    """Dev recordings by speaker ("zero".."nine"), trimmed."""
    out: dict[str, list[Clip]] = defaultdict(list)
    for path in sorted(fsdd_dir.glob("*.wav")):
        digit, speaker, _take = path.stem.split("_")
        if speaker in speakers:
            audio, rate = sf.read(path, dtype="float32")
            assert rate == 8000
            out[speaker].append(Clip(trim(audio), DIGITS[int(digit)]))
    return out


def load_synthetic(path: Path) -> dict[str, list[Clip]]:
    """Synthetic clips (espeak-ng) by voice, as written by make_data.py."""
    d = np.load(path)
    all_audio = d["audio"]
    ends = np.cumsum(d["lengths"])
    out: dict[str, list[Clip]] = defaultdict(list)
    for end, n, label, voice in zip(ends, d["lengths"], d["labels"], d["voices"]):
        audio = all_audio[end - n : end].astype(np.float32) / 32767.0
        out[f"synth{voice}"].append(Clip(trim(audio), str(label)))
    return out


NUMBERISH = set(DIGITS) | {"oh"}
RARE_NUMBERS = {"double", "triple", "hundred", *TEENS, *TENS}


def utterance(voice_clips: list[Clip], rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """One utterance of a single voice: a digit run, words around it, or plain conversation."""
    digits = [c for c in voice_clips if c.label in NUMBERISH]
    rare = [c for c in voice_clips if c.label in RARE_NUMBERS]
    other = [c for c in voice_clips if c.label not in NUMBERISH and c.label not in RARE_NUMBERS]
    kind = rng.choice(["digits", "mixed", "other"], p=[0.45, 0.3, 0.25]) if other else "digits"
    if not digits:
        kind = "other"
    parts: list[Clip] = []
    if kind in ("digits", "mixed"):
        n = int(rng.integers(1, 7))
        for _ in range(n):
            pool = rare if rare and rng.random() < 0.12 else digits
            parts.append(pool[int(rng.integers(len(pool)))])
    if kind == "mixed":
        for _ in range(int(rng.integers(1, 3))):
            parts.insert(int(rng.integers(len(parts) + 1)), other[int(rng.integers(len(other)))])
    if kind == "other":
        parts = [other[int(rng.integers(len(other)))] for _ in range(int(rng.integers(1, 4)))]
    pieces = [np.zeros(int(rng.uniform(0.1, 0.4) * 8000), np.float32)]
    labels: list[str] = []
    tight = rng.random() < 0.5
    for clip in parts:
        pieces.append(clip.audio)
        gap_s = rng.uniform(0.0, 0.08) if tight else rng.uniform(0.03, 0.35)
        pieces.append(np.zeros(int(gap_s * 8000), np.float32))
        labels.extend(clip.label.split())
    pieces.append(np.zeros(int(rng.uniform(0.1, 0.4) * 8000), np.float32))
    return np.concatenate(pieces), labels


def augment(x: np.ndarray, rng: np.random.Generator, reverb: float = 0.0) -> np.ndarray:
    """Speed, with probability ``reverb`` a room (``channel.room``), then the telephone channel."""
    x = channel.change_speed(x, float(rng.uniform(0.88, 1.12)))
    if reverb and rng.random() < reverb:
        x = channel.room(x, rng)
    level = float(rng.uniform(-38.0, -10.0))
    snr = float(rng.choice([45.0, 30.0, 25.0, 20.0, 15.0, 10.0]))
    kind = str(rng.choice(["white", "pink", "pink", "hum"]))
    y = channel.telephone(x, rng, level_dbfs=level, snr_db=snr, noise_kind=kind)
    if rng.random() < 0.3:  # crude room/handset colouring: a random gentle tilt
        y = (y + float(rng.uniform(-0.5, 0.5)) * np.concatenate([[0.0], y[:-1]])).astype(np.float32)
    return y


def features(x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Normalised log-mel; with ``rng``, a random vocal-tract warp and SpecAugment masks."""
    if rng is None:
        return normalise(log_mel(x))
    f = normalise(log_mel(x, mel_matrix(float(rng.uniform(0.87, 1.13)))))
    for _ in range(2):  # SpecAugment: two band masks and two time masks
        width = int(rng.integers(0, 5))
        lo = int(rng.integers(0, f.shape[1] - width + 1))
        f[:, lo : lo + width] = 0.0
    for _ in range(2):
        width = int(rng.integers(0, min(8, max(1, f.shape[0] // 10)) + 1))
        lo = int(rng.integers(0, max(1, f.shape[0] - width)))
        f[lo : lo + width] = 0.0
    return f


def targets(labels: list[str]) -> np.ndarray:
    return np.array([INDEX[w] for w in labels], dtype=np.int64)
