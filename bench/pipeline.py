"""Whole-pipeline benchmark: ``process_call`` (assemble, redact, verify, encrypt, store).

Generates calls with bench/assembly.py's generator (four leg shapes, holds, a pause), on a
team plan so redaction runs (DTMF receiver twice: detection and verification), and processes
each in a child process pinned to one CPU into a local vault; the child reports its own
peak RSS (VmHWM). Measured: a 4-hour call without a speech recognizer
(CALLREC_RECOGNIZER=none), a 10-minute one without, and, with spoken-digit detection on
(the product's default recognizer, or ``--recognizer``), a call of real conversation: the
held-out eval calls of tools/evalcalls (card and harmless-number calls) back to back, so a
recognizer that only looks closely at speech that may hold numbers is timed on such speech
(needs Debian's espeak-ng; without it those lines are skipped). And an ORDINARY call, what
a typical customer call costs: ``--ordinary-minutes`` (6) of conversation without a number
in it (``ORDINARY_TURNS``, espeak-ng's held-out conversation voices through the eval calls'
telephone channel, one hold) with one held-out card call (card number, expiry, code) read in
it, with Whisper hearing every speech region (``CALLREC_WHISPER_HEARS=speech``, the default)
and only what the number gate passes (``numbers``). Speed is per wall second of the child
and, as the machine is shared, per CPU second of the child; the model's load (once per
worker process) is inside the child's time.

Targets (DESIGN.md §4): >= 500x real time without spoken-digit detection, >= 30x with it,
peak RSS < 400 MB for a 4-hour call. Each figure is the median of 3 runs.
Usage: python bench/pipeline.py [--hours 4] [--speech-minutes 10] [--ordinary-minutes 6] [--recognizer NAME]
                                [--only speech,ordinary]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile
from assembly import make_call, peak_rss_mb  # bench/assembly.py: the same generated calls and RSS probe

ROOT = Path(__file__).resolve().parents[1]

FAST_TARGET_X, SPEECH_TARGET_X, RSS_TARGET_MB = 500.0, 30.0, 400.0
#: Every figure is the median of this many runs (the machine is shared: single runs swing).
RUNS = 3


def child(manifest_path: str, data_dir: str) -> None:
    """Runs in the measured process: the pipeline, timed."""
    from worker.boot import build_backends
    from worker.calls.pipeline import process_call
    from worker.settings import Settings

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    env = {"CALLREC_DATA_DIR": data_dir, "CALLREC_KEEP_SOURCES": "1"}
    if os.environ["BENCH_RECOGNIZER"]:  # empty: the product's default
        env["CALLREC_RECOGNIZER"] = os.environ["BENCH_RECOGNIZER"]
    if os.environ.get("BENCH_HEARS"):  # empty: the product's default
        env["CALLREC_WHISPER_HEARS"] = os.environ["BENCH_HEARS"]
    settings = Settings.from_env(env)
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = process_call(manifest_path, build_backends(settings))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"elapsed_s": elapsed, "cpu_s": cpu, "call_s": outcome.call_duration_s, "stored": outcome.stored,
                      "recording_s": outcome.recorded_duration_s, "redacted": outcome.redacted,
                      "peak_rss_mb": peak_rss_mb(), "recognizer": settings.recognizer}))


def make_speech_call(directory: Path, call_s: float) -> Path:
    """A team-plan call whose one 8 kHz leg is held-out eval calls back to back."""
    sys.path.insert(0, str(ROOT))
    from tools.evalcalls import splits
    from tools.evalcalls.calls import make_call as make_eval_call

    (directory / "legs").mkdir()
    total, written, k = int(call_s * 8000), 0, 0
    pieces = [(voice, kind) for voice in splits.HELD_OUT for kind in ("card", "harmless")]
    with soundfile.SoundFile(directory / "legs" / "caller.wav", "w", samplerate=8000, channels=1,
                             subtype="PCM_16") as out:
        while written < total:
            voice, kind = pieces[k % len(pieces)]
            audio = make_eval_call(voice, kind, 1, k // len(pieces)).audio[: total - written]
            out.write(audio)
            written, k = written + audio.size, k + 1
    return _speech_manifest(directory, call_s)


#: An ordinary customer call's conversation (agent and caller by turns): not one number in it.
ORDINARY_TURNS = (
    "good morning thanks for calling customer services my name is anna how can I help you today",
    "hi there yes I have a few questions about my account and my last delivery",
    "of course I am happy to help with that can I take your full name please",
    "it is margaret ellis and the account should be under my married name",
    "thank you margaret and can you confirm the first line of your address",
    "yes it is the old vicarage on church lane just outside the village",
    "lovely thank you that all matches what I have here so what seems to be the problem",
    "well the parcel I was expecting last week never turned up and nobody left a card",
    "oh I am sorry to hear that let me have a look at the tracking for you",
    "thank you I did wait in all day on the day it was meant to come",
    "I can see the courier marked it as delivered to a neighbour on the afternoon",
    "that is strange because I asked both neighbours and neither of them has it",
    "right in that case I will open an investigation with the courier straight away",
    "how long does that usually take because I need the things for a birthday",
    "normally they come back to us within a couple of working days",
    "and if they cannot find it will you send another one out",
    "yes if it is lost we will send a replacement or refund you whichever you prefer",
    "a replacement would be better as long as it arrives before the weekend",
    "I will put a note on the account asking for a faster delivery at no extra cost",
    "that is very kind thank you I was getting quite worried about it",
    "not a problem at all is there anything else I can help you with today",
    "actually yes I also wanted to ask about changing how I receive my bills",
    "of course would you like them by email rather than in the post",
    "email would be much easier I keep losing the paper ones in the kitchen drawer",
    "no problem I have switched that over for you and you will get a confirmation shortly",
    "brilliant and while I am on could I pay off what I owe on the account",
    "certainly I can take a card payment for you over the phone now",
)
#: Held-out conversation voices (splits.CONVERSATION) that espeak-ng alone speaks.
ORDINARY_VOICES = ("en-gb-x-rp+f3", "en-gb-scotland+m2")
#: The held-out card call read in the ordinary call (voice, seed), and where it starts (share of the call).
ORDINARY_CARD, ORDINARY_CARD_AT = ("en-us-nyc+f3", 1), 0.6
#: A hold in the ordinary call: silence (start share of the call, seconds).
ORDINARY_HOLD = (0.3, 20.0)


def make_ordinary_call(directory: Path, call_s: float, seed: int = 7) -> Path:
    """A team-plan call of ``call_s`` seconds: ORDINARY_TURNS said in turns (looping, pauses of
    0.3-1.5 s, one hold of silence) by two held-out espeak-ng voices through the eval calls'
    telephone channel (per-turn level, line noise, band-pass, mu-law), with one held-out card
    call (``ORDINARY_CARD``, about a minute) from ``ORDINARY_CARD_AT`` of the call on."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from tools.evalcalls.calls import make_call as make_eval_call
    from tools.evalcalls.calls import mu_law_codes, mu_law_decode
    from tools.evalcalls.voices import EspeakVoice
    from tools.speech import channel

    rng = np.random.default_rng(seed)
    total = int(call_s * 8000)
    card = make_eval_call(ORDINARY_CARD[0], "card", ORDINARY_CARD[1], 0).audio  # through its own channel already
    card_at, hold_at = int(ORDINARY_CARD_AT * total), int(ORDINARY_HOLD[0] * total)
    voices = [EspeakVoice(name, rate_wpm=int(rng.integers(150, 181)), pitch=int(rng.integers(35, 66)))
              for name in ORDINARY_VOICES]
    parts, at, k = [], 0, 0
    while at < total:
        if hold_at is not None and at >= hold_at:
            turn, hold_at = np.zeros(int(ORDINARY_HOLD[1] * 8000), np.float32), None
        elif card_at is not None and at >= card_at:
            turn, card_at = card, None
        else:
            said = voices[k % 2].say([ORDINARY_TURNS[k % len(ORDINARY_TURNS)]], rng).audio
            line = channel.add_noise(channel.set_level(said, float(rng.uniform(-28.0, -16.0))), 25.0, "pink", rng, -22.0)
            turn, k = mu_law_decode(mu_law_codes(channel.band_pass(line))), k + 1
        pause = np.zeros(int(rng.uniform(0.3, 1.5) * 8000), np.float32)
        parts += [pause, turn.astype(np.float32)]
        at += pause.size + turn.size
    audio = np.concatenate(parts)[:total]
    (directory / "legs").mkdir()
    soundfile.write(directory / "legs" / "caller.wav", audio, 8000, subtype="PCM_16")
    return _speech_manifest(directory, call_s)


def _speech_manifest(directory: Path, call_s: float) -> Path:
    """A team-plan manifest (redaction on) of one 8 kHz leg, legs/caller.wav, the whole call."""
    manifest = {
        "call_id": "CABENCHSPEECH", "ticket_id": "T-BENCHSPEECH",
        "account": {"id": "bench", "plan": "team", "region": "us", "retention_days": None,
                    "recordings_public": False, "pause_behavior": "silence", "redaction": "auto"},
        "number": {"id": "+15550199", "recording": True, "consent_mode": "none"},
        "direction": "inbound", "consent": "none",
        "events": [{"type": "agent", "start": 0.0, "end": call_s, "via": "browser"}], "controls": [],
        "segments": [{"uri": "file:legs/caller.wav", "start": 0.0}],
    }
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def measure(call_s: float, recognizer: str, speech: str = "", runs: int = RUNS, hears: str = "") -> dict:
    """Process a generated call ``runs`` times (each a fresh child and a fresh vault); the
    medians of time and peak RSS (flags: true only when true in every run). ``speech``:
    ``eval`` (held-out eval calls back to back) or ``ordinary`` (make_ordinary_call);
    empty, bench/assembly.py's call. ``hears``: CALLREC_WHISPER_HEARS (empty: the default)."""
    reports = []
    with tempfile.TemporaryDirectory(prefix="callrec-bench-") as temp:
        if speech:
            manifest = (make_ordinary_call if speech == "ordinary" else make_speech_call)(Path(temp), call_s)
        else:
            manifest = make_call(Path(temp), call_s)
            data = json.loads(manifest.read_text())
            data["account"].update(plan="team", redaction="auto")
            data["controls"] = []  # a team plan cannot pause
            manifest.write_text(json.dumps(data))
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   BENCH_RECOGNIZER=recognizer, BENCH_HEARS=hears)
        for run in range(runs):
            process = subprocess.Popen([sys.executable, __file__, "--child", str(manifest),
                                        str(Path(temp) / f"state{run}")], env=env, stdout=subprocess.PIPE, text=True)
            output = process.stdout.read()
            if process.wait():
                raise SystemExit(f"pipeline child failed with exit code {process.returncode}")
            reports.append(json.loads(output.strip().splitlines()[-1]))
    return {key: (all(r[key] for r in reports) if isinstance(reports[0][key], bool) else reports[0][key]
                  if isinstance(reports[0][key], str) else statistics.median(r[key] for r in reports))
            for key in reports[0]}


def line(label: str, report: dict, target_x: float, check_rss: bool) -> str:
    speed = report["call_s"] / report["elapsed_s"]
    cpu_speed = report["call_s"] / max(report["cpu_s"], 1e-9)
    verdict = "OK" if speed >= target_x and (not check_rss or report["peak_rss_mb"] < RSS_TARGET_MB) else "MISSED"
    redacted = "redacted" if report["redacted"] else "NOT redacted"
    return (f"{label}: {report['call_s']:.0f} s call -> {report['recording_s']:.0f} s recording ({redacted}), "
            f"{report['elapsed_s']:.2f} s wall, {speed:.0f}x real time ({cpu_speed:.0f}x per CPU second) "
            f"(target >= {target_x:.0f}x), "
            f"peak RSS {report['peak_rss_mb']:.0f} MB{' (target < 400 MB)' if check_rss else ''}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--speech-minutes", type=float, default=10.0)
    parser.add_argument("--ordinary-minutes", type=float, default=6.0)
    parser.add_argument("--recognizer", default="", help="CALLREC_RECOGNIZER for the speech lines (default: the product's)")
    parser.add_argument("--only", default="none,speech,ordinary",
                        help="which lines: none (no recognizer), speech (eval calls), ordinary (comma-separated)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    only = set(args.only.split(","))
    lines = []
    if "none" in only:
        lines.append(line(f"pipeline, no recognizer, 10 minutes (median of {RUNS})", measure(600.0, "none"),
                          FAST_TARGET_X, False))
        print(lines[-1])
        lines.append(line(f"pipeline, no recognizer, {args.hours:g} hours (median of {RUNS})",
                          measure(args.hours * 3600.0, "none"), FAST_TARGET_X, True))
        print(lines[-1])
    if not only & {"speech", "ordinary"}:
        pass
    elif shutil.which("espeak-ng") is None:
        print("pipeline with spoken-digit detection: skipped (the eval calls need Debian's espeak-ng)")
    else:
        if "speech" in only:
            speech = measure(args.speech_minutes * 60.0, args.recognizer, speech="eval")
            lines.append(line(f"pipeline, recognizer {speech['recognizer']}, {args.speech_minutes:g} minutes of held-out "
                              f"eval calls (median of {RUNS})", speech, SPEECH_TARGET_X, False))
            print(lines[-1])
        if "ordinary" in only:
            for hears in ("speech", "numbers"):
                report = measure(args.ordinary_minutes * 60.0, args.recognizer, speech="ordinary", hears=hears)
                lines.append(line(f"pipeline, recognizer {report['recognizer']} hearing {hears}, an ordinary "
                                  f"{args.ordinary_minutes:g}-minute call with one card read in it (median of {RUNS})",
                                  report, SPEECH_TARGET_X, False))
                print(lines[-1])
    return 1 if any(text.endswith("MISSED") for text in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
