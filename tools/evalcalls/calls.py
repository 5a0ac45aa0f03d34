"""Evaluation calls: audio through a telephone channel plus exact ground-truth sample spans.

``make_call(voice, kind, seed, index)`` is deterministic in its arguments (for given
espeak-ng/mbrola/pico versions) and cached on disk outside the repository (see
``cache_dir``). The telephone channel: per-turn speech levels, line noise (pink, white or
hum) at 15-30 dB S/N, band-pass 300-3400 Hz, G.711 mu-law.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.evalcalls import scripts, splits, wording
from tools.evalcalls.babble import babble
from tools.evalcalls.scripts import SENSITIVE, Turn
from tools.evalcalls.voices import RATE_HZ, EspeakVoice, FsddSpeaker, PicoVoice, VoiceUnavailable
from tools.speech import channel

#: Part of every cache key: bump when what a (voice, kind, seed, index) produces changes.
GENERATOR_VERSION = 1
FSDD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "fsdd-dev"
KINDS = ("card", "harmless")


@dataclass(frozen=True)
class Span:
    """Ground truth for one unit: samples [start, end) of the call at 8 kHz."""

    start: int
    end: int
    kind: str  # card, expiry, code, harmless, other, neutral (scripts.py)
    digits: int  # sensitive digits carried (0 unless kind is card, expiry or code)
    role: str  # agent or caller

    @property
    def sensitive(self) -> bool:
        return self.kind in SENSITIVE

    @property
    def speech(self) -> bool:
        """Ordinary speech, the kind that should stay audible."""
        return self.kind in ("other", "harmless")


@dataclass(frozen=True)
class EvalCall:
    voice: str
    kind: str  # card or harmless
    seed: int
    index: int
    audio: np.ndarray  # float32 8 kHz, after the channel
    spans: tuple[Span, ...]
    script: str = "dev"  # whose wording (wording.NAMES)

    @property
    def duration_s(self) -> float:
        return self.audio.size / RATE_HZ

    @property
    def name(self) -> str:
        return f"{self.voice}/{self.kind}/seed{self.seed}/{self.index}" + ("" if self.script == "dev" else f"/{self.script}")


def voice_of(name: str, rng: np.random.Generator):  # noqa: ANN201 (one of the voices.py classes)
    if name.startswith("fsdd-"):
        speaker, _, perturbation = name[5:].partition("+")
        return FsddSpeaker(speaker, FSDD_DIR, perturbation)
    if name.startswith("pico-"):
        return PicoVoice(name[5:])
    if name.startswith("mb-"):
        return EspeakVoice(name)
    return EspeakVoice(name, rate_wpm=int(rng.integers(140, 186)), pitch=int(rng.integers(30, 71)))


def cache_dir() -> Path:
    """$CALLREC_EVAL_CACHE, else callrec-evalcalls under the system temp directory."""
    return Path(os.environ.get("CALLREC_EVAL_CACHE") or Path(tempfile.gettempdir()) / "callrec-evalcalls")


def _rng(*parts: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(str(p) for p in parts).encode()))


def available(voices: list[str]) -> list[str]:
    """The ``voices`` whose engine is installed (a call of each can be made); each other one is
    skipped with a line saying why (the bench and the diagnosis both run on what this machine has)."""
    out = []
    for voice in voices:
        try:
            make_call(voice, "harmless", 0, 0)
        except (VoiceUnavailable, FileNotFoundError, subprocess.CalledProcessError) as exc:
            print(f"skipped voice {voice}: {exc}")
            continue
        out.append(voice)
    return out


def make_call(voice: str, kind: str, seed: int, index: int, *, cache: bool = True, script: str = "dev") -> EvalCall:
    """Call number ``index`` of ``kind`` for ``voice`` ("fsdd-theo", "en-gb-scotland",
    "mb-us1", "pico-en-GB"...) under ``seed``, in ``script``'s wording (``wording.NAMES``:
    "dev", the wording the card logic was developed on; "alt" and "alt-us", more tuned on; "unseen",
    held out; "gen", drawn for each call from parts)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if script not in wording.NAMES:
        raise ValueError(f"script must be one of {', '.join(wording.NAMES)}, got {script!r}")
    splits.split_of(voice)
    name = f"{voice}-{kind}-{seed}-{index}" + ("" if script == "dev" else f"-{script}")
    path = cache_dir() / f"v{GENERATOR_VERSION}" / f"{name}.npz"
    if cache and path.exists():
        return _load(path, voice, kind, seed, index, script)
    # libespeak-ng's output drifts by a few samples with every synthesis a process has made
    # (state it carries over): each call is made in a fresh fork of a server process that
    # never synthesises, so it depends on its arguments alone.
    with tempfile.TemporaryDirectory(prefix="callrec-evalcall-") as temp:
        out = Path(temp) / "call.npz"
        _Server.get().generate(out, voice, kind, seed, index, script)
        call = _load(out, voice, kind, seed, index, script)
    if cache:
        _save(path, call)
    return call


class _Server:
    """A child process that forks once per call to generate (see make_call)."""

    _instance: _Server | None = None

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
        self.process = subprocess.Popen([sys.executable, "-c", "from tools.evalcalls.calls import _serve; _serve()"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=root)
        atexit.register(self.process.kill)

    @classmethod
    def get(cls) -> _Server:
        if cls._instance is None or cls._instance.process.poll() is not None:
            cls._instance = cls()
        return cls._instance

    def generate(self, out: Path, voice: str, kind: str, seed: int, index: int, script: str) -> None:
        self.process.stdin.write(json.dumps([str(out), voice, kind, seed, index, script]) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline() or '{"error": "RuntimeError: generator server died"}')
        if answer.get("error"):
            kind_name, _, message = answer["error"].partition(": ")
            raise (VoiceUnavailable if kind_name == "VoiceUnavailable" else RuntimeError)(message)


def _serve() -> None:
    """The generator server's loop: one request per line, one fork per request."""
    for line in sys.stdin:
        out, voice, kind, seed, index, script = json.loads(line)
        error_path = Path(out + ".error")
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _generate(Path(out), voice, kind, seed, index, script)
            except BaseException as exc:  # noqa: BLE001 (reported to the parent)
                error_path.write_text(f"{type(exc).__name__}: {exc}")
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        error = error_path.read_text() if error_path.exists() else ("" if status == 0 else f"RuntimeError: status {status}")
        print(json.dumps({"error": error}), flush=True)


def _drawn(voice: str, kind: str, seed: int, index: int, script: str = "dev") -> tuple[np.random.Generator, list[Turn]]:
    """The generator of a call and the turns drawn from it first (what is said, before how)."""
    # the dev script's calls draw what they always drew; another script's are drawn apart
    rng = _rng(GENERATOR_VERSION, voice, kind, seed, index, *([] if script == "dev" else [script]))
    human = voice.startswith("fsdd-")
    phrases = wording.phrases_for(script, rng)
    turns = (scripts.card_call(rng, human=human, phrases=phrases) if kind == "card"
             else scripts.harmless_call(rng, human=human, phrases=phrases))
    return rng, turns


def turns_of(call: EvalCall) -> list[Turn]:
    """The turns ``call`` was rendered from, drawn again (no speech made): their units, in order, are
    the units of ``call.spans``. A ValueError when they are not (a call made by another generator)."""
    _, turns = _drawn(call.voice, call.kind, call.seed, call.index, call.script)
    units = [(unit.kind, unit.digits, turn.role) for turn in turns for unit in turn.units]
    if units != [(span.kind, span.digits, span.role) for span in call.spans]:
        raise ValueError(f"{call.name}: its turns drawn again do not match its ground truth")
    return turns


def _generate(out: Path, voice: str, kind: str, seed: int, index: int, script: str = "dev") -> None:
    rng, turns = _drawn(voice, kind, seed, index, script)
    human = voice.startswith("fsdd-")
    pool = [v for v in splits.conversation_of(voice) if v != voice]
    agent = voice_of(pool[int(rng.integers(len(pool)))], rng)
    caller_text = voice_of(pool[int(rng.integers(len(pool)))] if human else voice, rng)
    speakers = {"agent": agent, "caller": caller_text, "human": voice_of(voice, rng) if human else caller_text}
    _save(out, _render(turns, speakers, rng, voice, kind, seed, index, script))


def _render(turns: list[Turn], speakers: dict, rng: np.random.Generator, voice: str, kind: str, seed: int,
            index: int, script: str = "dev") -> EvalCall:
    levels_dbfs = {"agent": float(rng.uniform(-26, -16)), "caller": float(rng.uniform(-32, -16))}
    parts: list[np.ndarray] = []
    spans: list[Span] = []
    at = 0
    for turn in turns:
        said = speakers["human" if turn.human else turn.role].say([u.text for u in turn.units], rng)
        level = levels_dbfs[turn.role] + float(rng.uniform(-2.0, 2.0))
        gap = np.zeros(int(round(turn.pause_before_s * RATE_HZ)), np.float32)
        parts += [gap, channel.set_level(said.audio, level)]
        at += gap.size
        for unit, (a, b) in zip(turn.units, said.spans):
            spans.append(Span(at + a, at + b, unit.kind, unit.digits, turn.role))
        at += said.audio.size
    parts.append(np.zeros(int(0.5 * RATE_HZ), np.float32))
    clean = np.concatenate(parts)
    snr_db = float(rng.choice([30.0, 25.0, 20.0, 15.0]))
    noise_kind = str(rng.choice(["pink", "pink", "white", "hum"]))
    noisy = channel.add_noise(clean, snr_db, noise_kind, rng, (levels_dbfs["agent"] + levels_dbfs["caller"]) / 2)
    codes = mu_law_codes(channel.band_pass(noisy))
    return EvalCall(voice, kind, seed, index, mu_law_decode(codes), tuple(spans), script)


#: Noises a call can be made noisier with (``with_line_noise``).
NOISE_KINDS = ("white", "pink", "hum", "babble")


def with_line_noise(call: EvalCall, snr_db: float, kind: str = "white") -> EvalCall:
    """``call`` over a noisier line: ``kind`` noise (``channel.noise``, or ``babble``: people talking
    behind it, ``NOISE_KINDS``) ``snr_db`` under the
    caller's speech (its level over the caller's units), added to the call as made, then the
    telephone band and G.711 again. The noise is drawn from the call's name, so a call is the
    same noisy call in every run and tree."""
    if not np.isfinite(snr_db):
        raise ValueError(f"the noise's level under the caller must be a number of dB, got {snr_db!r}")
    caller = np.zeros(call.audio.size, bool)
    for span in call.spans:
        if span.role == "caller":
            caller[span.start : span.end] = True
    if not caller.any():
        raise ValueError(f"{call.name}: no caller speech to set the noise under")
    rng = np.random.default_rng(zlib.crc32(f"line noise {call.name} {snr_db} {kind}".encode()))
    noise = babble(call.audio.size, rng) if kind == "babble" else channel.noise(call.audio.size, kind, rng)
    noise *= 10.0 ** ((channel.rms_dbfs(call.audio[caller]) - snr_db - channel.rms_dbfs(noise)) / 20.0)
    x = call.audio.astype(np.float32) + noise
    return EvalCall(call.voice, call.kind, call.seed, call.index, mu_law_decode(mu_law_codes(channel.band_pass(x))),
                    call.spans, call.script)


#: The channel of each role in a dual-channel call (Amazon Connect's stereo: the customer left,
#: the agent right).
CHANNEL_OF_ROLE = {"caller": 0, "agent": 1}


def dual_channel(call: EvalCall, echo_db: float | None = None, echo_delay_s: float = 0.03) -> np.ndarray:
    """``call`` as a dual-channel recording, (frames, 2) float32, the caller on channel 0 and the
    agent on channel 1 (``CHANNEL_OF_ROLE``): each sample on the channel of the latest unit
    that started by then (before the first unit, the first unit's), so each party's words and
    the line noise after them are on their channel and the other channel is silent. The two
    channels sum to ``call.audio`` sample for sample: heard as one mix, it is the same call.
    ``echo_db``: each channel also carries the other, ``echo_delay_s`` late and that many dB
    down (a headset's or a line's echo; the mix is then no longer the call)."""
    out = np.zeros((call.audio.size, 2), np.float32)
    units = sorted(call.spans, key=lambda s: s.start)
    if not units:
        out[:, CHANNEL_OF_ROLE["caller"]] = call.audio
        return out
    starts = [0] + [u.start for u in units[1:]] + [call.audio.size]
    for unit, a, b in zip(units, starts, starts[1:]):
        out[a:b, CHANNEL_OF_ROLE[unit.role]] = call.audio[a:b]
    if echo_db is not None:
        delay, gain = round(echo_delay_s * RATE_HZ), np.float32(10 ** (echo_db / 20))
        own = out.copy()
        out[delay:, 0] += gain * own[: len(own) - delay, 1]
        out[delay:, 1] += gain * own[: len(own) - delay, 0]
    return out


def mu_law_codes(x: np.ndarray) -> np.ndarray:
    """G.711 mu-law (continuous-curve, as tools/speech/channel.py): 8-bit signed codes."""
    x = np.clip(x, -1.0, 1.0)
    return np.round(np.sign(x) * np.log1p(channel.MU * np.abs(x)) / np.log1p(channel.MU) * 127.0).astype(np.int8)


def mu_law_decode(codes: np.ndarray) -> np.ndarray:
    code = codes.astype(np.float64) / 127.0
    return (np.sign(code) * ((1.0 + channel.MU) ** np.abs(code) - 1.0) / channel.MU).astype(np.float32)


_KIND_CODES = ("card", "expiry", "code", "harmless", "other", "neutral")


def _save(path: Path, call: EvalCall) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = np.array([[s.start, s.end, _KIND_CODES.index(s.kind), s.digits, s.role == "agent"] for s in call.spans],
                     dtype=np.int64)
    temp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(temp, codes=mu_law_codes(call.audio), spans=table)
    os.replace(temp, path)


def _load(path: Path, voice: str, kind: str, seed: int, index: int, script: str = "dev") -> EvalCall:
    with np.load(path) as data:
        codes, table = data["codes"], data["spans"]
    spans = tuple(Span(int(a), int(b), _KIND_CODES[int(k)], int(d), "agent" if r else "caller") for a, b, k, d, r in table)
    return EvalCall(voice, kind, seed, index, mu_law_decode(codes), spans, script)


def describe(call: EvalCall) -> str:
    """Counts only (never the digits): for logs and failure messages."""
    counts = {k: sum(1 for s in call.spans if s.kind == k) for k in _KIND_CODES}
    return json.dumps({"call": call.name, "duration_s": round(call.duration_s, 2), **counts})
