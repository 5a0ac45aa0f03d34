"""Voices for evaluation calls: speech with the exact 8 kHz sample span of every unit said.

A *unit* is a piece of text whose span the ground truth needs: a filler sentence, one digit
word ("four"), a pair that carries two digits ("twenty seven", "double four"). ``say(units)``
returns the audio and one (start, end) sample span per unit.

- ``EspeakVoice``: espeak-ng through its library (libespeak-ng.so.1, Debian's espeak-ng),
  one synthesis per utterance (connected speech); word events give each unit's first sample.
  MBROLA voices (``mb-us1``...) run through the same library but give no word events, so
  they, and any utterance whose events do not map to its units, are said unit by unit.
- ``PicoVoice``: SVOX Pico (``pico2wave``, Debian's libttspico-utils), unit by unit.
- ``FsddSpeaker``: a real person (fsdd-dev recordings); can only say digit words. With a
  ``perturbation`` (``fsdd-jackson+deep``...: ``PERTURBATIONS``) each clip is changed the
  way people differ from one another, a stand-in for speakers nobody has heard.

Festival and flite voices are reserved for the final judgement and are never used here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE_HZ = 8000
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: A unit ends at its last 10 ms frame within this many dB of the unit's loudest frame.
TRIM_FLOOR_DB = 40.0


class VoiceUnavailable(RuntimeError):
    """Raised when a voice's engine (a Debian package) is not installed."""


@dataclass(frozen=True)
class Said:
    """Audio (float32, 8 kHz, unscaled) and the [start, end) sample span of each unit."""

    audio: np.ndarray
    spans: tuple[tuple[int, int], ...]


def trim_span(audio: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to the frames within TRIM_FLOOR_DB of its loudest 10 ms frame."""
    frame = RATE_HZ // 100
    n = (end - start) // frame
    if n < 2:
        return start, max(end, start + 1)
    x = audio[start : start + n * frame].astype(np.float64).reshape(n, frame)
    energy_db = 10.0 * np.log10(np.mean(x * x, axis=1) + 1e-12)
    loud = np.flatnonzero(energy_db > energy_db.max() - TRIM_FLOOR_DB)
    return start + int(loud[0]) * frame, start + (int(loud[-1]) + 1) * frame


def _to_8k(audio: np.ndarray, rate_hz: int) -> np.ndarray:
    audio = audio.astype(np.float32)
    return audio if rate_hz == RATE_HZ else soxr.resample(audio, rate_hz, RATE_HZ).astype(np.float32)


def _join(pieces: list[np.ndarray], gaps_s: list[float]) -> Said:
    """Trimmed unit clips joined with the given silences (gaps_s[i] before piece i)."""
    out, spans, at = [], [], 0
    for piece, gap_s in zip(pieces, gaps_s):
        a, b = trim_span(piece, 0, piece.size)
        piece = piece[a:b]
        silence = np.zeros(int(round(gap_s * RATE_HZ)), np.float32)
        out += [silence, piece]
        at += silence.size
        spans.append((at, at + piece.size))
        at += piece.size
    return Said(np.concatenate(out) if out else np.zeros(0, np.float32), tuple(spans))


def unit_gaps_s(units: list[str], rng: np.random.Generator) -> list[float]:
    """Silences before each unit said one at a time: longer after a comma or full stop."""
    gaps = [0.0]
    for prev in units[:-1]:
        gaps.append(float(rng.uniform(0.25, 0.5)) if prev.rstrip()[-1:] in ",.?" else float(rng.uniform(0.04, 0.16)))
    return gaps


# -- espeak-ng ------------------------------------------------------------------------------


def espeak_installed() -> bool:
    """Whether libespeak-ng loads (without initialising it: see calls.make_call)."""
    try:
        ctypes.CDLL("libespeak-ng.so.1")
    except OSError:
        return False
    return True


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_EVENT_WORD, _OUTPUT_SYNCHRONOUS, _CHARS_UTF8, _POS_CHARACTER = 1, 2, 1, 1
_PARAM_RATE, _PARAM_PITCH = 1, 3
#: The command line finds "en-gb" by language; the library's by-name lookup needs its file.
_LIBRARY_NAMES = {"en-gb": "gmw/en"}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Espeak:
    """The process's one libespeak-ng instance (the library keeps global state)."""

    _instance: _Espeak | None = None

    def __init__(self) -> None:
        try:
            self.lib = ctypes.CDLL("libespeak-ng.so.1")
        except OSError as exc:
            raise VoiceUnavailable("espeak-ng voices need Debian's espeak-ng (libespeak-ng.so.1)") from exc
        if self.lib.espeak_Initialize(_OUTPUT_SYNCHRONOUS, 0, None, 0) <= 0:
            raise VoiceUnavailable("libespeak-ng did not initialise")
        self.lib.espeak_ng_GetSampleRate.restype = ctypes.c_int
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int]] = []  # (text position, sample)
        self._callback = _CALLBACK(self._on_audio)  # kept referenced for the library's sake
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> _Espeak:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_audio(self, wav, count, events) -> int:  # noqa: ANN001 (ctypes callback)
        i = 0
        while events[i].type != 0:
            if events[i].type == _EVENT_WORD:
                self.events.append((events[i].text_position, events[i].sample))
            i += 1
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, (count,)).astype(np.float32) / 32768.0)
        return 0

    def synth(self, voice: str, rate_wpm: int, pitch: int, text: str) -> tuple[np.ndarray, int, list[tuple[int, int]]]:
        base, plus, variant = voice.partition("+")
        name = _LIBRARY_NAMES.get(base, base) + plus + variant
        if self.lib.espeak_SetVoiceByName(name.encode()) != 0:
            raise VoiceUnavailable(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        self.chunks, self.events = [], []
        data = text.encode()
        with _quiet_stderr():  # the mbrola binary warns about diphones it lacks on our stderr
            self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        return audio, int(self.lib.espeak_ng_GetSampleRate()), self.events


@dataclass(frozen=True)
class EspeakVoice:
    """An espeak-ng voice, e.g. ``en-gb-scotland``, ``en-us+f3``, ``mb-us1`` (MBROLA), ``mb-de4-en``
    (MBROLA's German diphones reading English)."""

    name: str
    rate_wpm: int = 165
    pitch: int = 50

    @property
    def mbrola(self) -> bool:
        return self.name.startswith("mb-")

    def available(self) -> bool:
        if self.mbrola:
            # "mb-us1", and "mb-de4-en" (MBROLA's de4 reading English)
            diphones = self.name[3:].split("-")[0]
            return shutil.which("mbrola") is not None and Path(f"/usr/share/mbrola/{diphones}").is_dir()
        return espeak_installed()

    def say(self, units: list[str], rng: np.random.Generator) -> Said:
        if not self.mbrola:
            said = self._connected(units)
            if said is not None:
                return said
        pieces = []
        for unit in units:
            audio, rate, _ = _Espeak.get().synth(self.name, self.rate_wpm, self.pitch, unit)
            pieces.append(_to_8k(audio, rate))
        return _join(pieces, unit_gaps_s(units, rng))

    def _connected(self, units: list[str]) -> Said | None:
        """One synthesis of the whole utterance; None when a unit gets no word event."""
        text, starts = "", []
        for unit in units:
            text += " " if text else ""
            starts.append(len(text))
            text += unit
        audio, rate, events = _Espeak.get().synth(self.name, self.rate_wpm, self.pitch, text)
        if audio.size == 0:
            return None
        # text_position is 1-based and may point at the space or mark before a word: an
        # event belongs to the first unit that ends after it.
        first_sample: list[int | None] = [None] * len(units)
        for position, sample in events:
            i = next((i for i, start in enumerate(starts) if start + len(units[i]) > position - 1), None)
            if i is not None and first_sample[i] is None:
                first_sample[i] = sample
        if any(s is None for s in first_sample) or first_sample != sorted(first_sample):
            return None
        x = _to_8k(audio, rate)
        bounds = [int(round(s * RATE_HZ / rate)) for s in first_sample] + [x.size]
        spans = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            a, b = min(a, x.size - 1), min(max(b, a + 1), x.size)
            spans.append(trim_span(x, a, b))
        return Said(x, tuple(spans))


# -- SVOX Pico --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PicoVoice:
    """SVOX Pico, language ``en-US`` or ``en-GB``; said unit by unit (pico2wave gives no timing)."""

    language: str

    @property
    def name(self) -> str:
        return f"pico-{self.language}"

    def available(self) -> bool:
        return shutil.which("pico2wave") is not None

    def say(self, units: list[str], rng: np.random.Generator) -> Said:
        if not self.available():
            raise VoiceUnavailable("pico voices need Debian's libttspico-utils (pico2wave)")
        pieces = []
        with tempfile.TemporaryDirectory(prefix="callrec-pico-") as temp:
            path = Path(temp) / "unit.wav"
            for unit in units:
                subprocess.run(["pico2wave", "-l", self.language, "-w", str(path), unit], check=True, capture_output=True)
                audio, rate = sf.read(path, dtype="float32")
                pieces.append(_to_8k(audio, rate))
        return _join(pieces, unit_gaps_s(units, rng))


# -- real people: fsdd-dev ---------------------------------------------------------------------


@dataclass(frozen=True)
class Perturbation:
    """How a real speaker's clips are changed (ranges are drawn from the call's generator).

    ``vocal_tract``: formants and pitch scaled by this factor (resampling: vocal tract length
    perturbation), the duration restored with sox's ``tempo``; ``tempo``: speaking rate
    (duration divided by it, pitch kept); ``level_db``: each clip's level moved by up to
    this much either way; ``noise_snr_db``: white noise added to each clip at this S/N
    (before the call's own line noise and channel). A pair ``(low, high)`` is drawn once per
    call; ``per_clip`` draws the factors again for every clip.
    """

    vocal_tract: tuple[float, float] = (1.0, 1.0)
    tempo: tuple[float, float] = (1.0, 1.0)
    level_db: float = 0.0
    noise_snr_db: tuple[float, float] | None = None
    per_clip: bool = False


#: The perturbations a real speaker's name may carry after "+" (splits.PERTURBED).
PERTURBATIONS = {
    "deep": Perturbation(vocal_tract=(0.84, 0.88)),  # a longer vocal tract: lower formants and pitch
    "high": Perturbation(vocal_tract=(1.16, 1.22)),  # a shorter one: nearer a woman's or a child's
    "slow": Perturbation(tempo=(0.72, 0.80)),
    "fast": Perturbation(tempo=(1.30, 1.40)),
    "rough": Perturbation(vocal_tract=(0.90, 1.10), tempo=(0.85, 1.15), level_db=8.0, noise_snr_db=(8.0, 14.0),
                          per_clip=True),
}


def _tempo(audio: np.ndarray, factor: float) -> np.ndarray:
    """``audio`` (8 kHz) spoken ``factor`` times as fast, pitch kept (sox ``tempo -s``)."""
    if abs(factor - 1.0) < 0.005:
        return audio
    if shutil.which("sox") is None:
        raise VoiceUnavailable("perturbed speakers need Debian's sox (tempo)")
    out = subprocess.run(["sox", "-q", "-t", "f32", "-r", str(RATE_HZ), "-c", "1", "-", "-t", "f32", "-",
                          "tempo", "-s", f"{factor:.4f}"],
                         input=np.ascontiguousarray(audio, np.float32).tobytes(), capture_output=True, check=True)
    return np.frombuffer(out.stdout, np.float32).copy()


def perturb(audio: np.ndarray, vocal_tract: float, tempo: float, gain_db: float, snr_db: float | None,
            rng: np.random.Generator) -> np.ndarray:
    """One clip (8 kHz) with its formants and pitch times ``vocal_tract``, its length divided
    by ``tempo``, ``gain_db`` louder and white noise added at ``snr_db`` (None: none)."""
    x = audio.astype(np.float32)
    if abs(vocal_tract - 1.0) >= 0.005:
        # Read at vocal_tract times the rate: every frequency scaled, the length divided by it.
        x = soxr.resample(x, RATE_HZ * vocal_tract, RATE_HZ).astype(np.float32)
    x = _tempo(x, tempo / vocal_tract)
    x = x * np.float32(10.0 ** (gain_db / 20.0))
    if snr_db is not None and x.size:
        power = float(np.mean(x.astype(np.float64) ** 2))
        x = x + rng.normal(0.0, np.sqrt(power / 10.0 ** (snr_db / 10.0)), x.size).astype(np.float32)
    return x.astype(np.float32)


@dataclass(frozen=True)
class FsddSpeaker:
    """A Free Spoken Digit Dataset speaker (8 kHz recordings ``{digit}_{speaker}_{take}.wav``)."""

    speaker: str
    fsdd_dir: Path
    perturbation: str = ""  # a key of PERTURBATIONS, or "" for the recordings as they are

    def __post_init__(self) -> None:
        if self.perturbation and self.perturbation not in PERTURBATIONS:
            raise ValueError(f"unknown perturbation {self.perturbation!r}; known: {', '.join(PERTURBATIONS)}")

    @property
    def name(self) -> str:
        return f"fsdd-{self.speaker}" + (f"+{self.perturbation}" if self.perturbation else "")

    def available(self) -> bool:
        return any(self.fsdd_dir.glob(f"0_{self.speaker}_*.wav"))

    def clip(self, word: str, rng: np.random.Generator) -> np.ndarray:
        digit = DIGIT_WORDS.index("zero" if word == "oh" else word)
        paths = sorted(self.fsdd_dir.glob(f"{digit}_{self.speaker}_*.wav"))
        if not paths:
            raise VoiceUnavailable(f"no fsdd-dev recordings of {self.speaker!r} in {self.fsdd_dir}")
        audio, rate = sf.read(paths[int(rng.integers(len(paths)))], dtype="float32")
        return _to_8k(audio, rate)

    def say(self, units: list[str], rng: np.random.Generator) -> Said:
        """Digit words only ("zero".."nine", "oh" said as "zero"), with a comma for a group break."""
        words = [u.rstrip(",.?") for u in units]
        bad = [w for w in words if w not in DIGIT_WORDS and w != "oh"]
        if bad:
            raise ValueError(f"an fsdd speaker can only say digit words, got {len(bad)} other unit(s)")
        if not self.perturbation:
            return _join([self.clip(w, rng) for w in words], unit_gaps_s(units, rng))
        how = PERTURBATIONS[self.perturbation]

        def draw() -> tuple[float, float]:
            return float(rng.uniform(*how.vocal_tract)), float(rng.uniform(*how.tempo))

        vocal_tract, tempo = draw()
        snr_db = None if how.noise_snr_db is None else float(rng.uniform(*how.noise_snr_db))
        pieces = []
        for w in words:
            clip = self.clip(w, rng)
            if how.per_clip:
                vocal_tract, tempo = draw()
            gain_db = float(rng.uniform(-how.level_db, how.level_db)) if how.level_db else 0.0
            pieces.append(perturb(clip, vocal_tract, tempo, gain_db, snr_db, rng))
        return _join(pieces, unit_gaps_s(units, rng))
