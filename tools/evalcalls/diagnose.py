"""Why sensitive digits stay audible: every lost digit of the TUNE split's calls, by class.

    python -m tools.evalcalls.diagnose [--voices fsdd-jackson,en-us,en-gb] [--seeds 11-30] [--jobs 2]
                                       [--harmless] [--details out.jsonl] [--hears numbers|speech]

Each call goes through ``redaction.engine.redact_array`` with the product's default
recognizer and settings (as bench/redaction_speech.py does); the recognizer is wrapped so
the words it hands the card logic in pass 1 are kept. A sensitive unit (scoring.py) that
ends up audible (less than MASKED_SHARE of its sound masked) gets the first class that
fits, in the cascade's order:

- ``gate``: nobody listened: less than MASKED_SHARE of it lies in the pieces Whisper heard
  (the gate's regions with their context, windows.pieces_for);
- ``dropped``: Whisper (or the network standing in) gave no word overlapping it;
- ``as-words``: words overlap it, but none says a number ("hide one" for "five one");
- ``logic``: a number word overlaps it, but no entity of the card logic does;
- ``timing``: an entity overlaps it, but its mask (pass 1 and verification) covers less
  than MASKED_SHARE of its sound.

Also counted: digits outside the gate's own regions (before context), digits saved only by
verification, false masking (other speech in card calls, speech in harmless calls), the
share of the calls Whisper heard (its pieces summed: overlaps count twice) and call seconds
per CPU second of the redaction (this process, one thread; a shared machine: noisy).
TUNE voices only: held-out calls are scored by the bench, in aggregate, never diagnosed.
No digit values are printed; ``--details`` writes one JSON line per lost unit (call,
kind, digits, class, time, and the words heard over it: the synthetic call's digits) for a
closer look.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.evalcalls import calls, splits  # noqa: E402
from tools.evalcalls.calls import EvalCall, Span, make_call, with_line_noise, NOISE_KINDS  # noqa: E402
from tools.evalcalls.scoring import MASKED_SHARE, coverage_s, score  # noqa: E402
from tools.evalcalls.wording import NAMES  # noqa: E402
from tools.evalcalls.voices import RATE_HZ  # noqa: E402

CLASSES = ("gate", "dropped", "as-words", "logic", "timing")
#: Calls a worker process diagnoses with a model loaded per call before it is replaced (memory).
FRESH_CALLS_PER_WORKER = 20


class Recording:
    """A recognizer that keeps what the one it wraps said, one list per pass; verification
    hears the masked output again as the pipeline has it do (``recognize_again``, when the
    inner one has it), or whole (``whole_verify``: the pipeline before it did so)."""

    def __init__(self, inner, whole_verify: bool = False) -> None:  # noqa: ANN001 (any Recognizer)
        self.inner, self.name, self.version = inner, inner.name, inner.version
        self.passes: list[list] = []
        self.sounds: list[tuple[float, float]] | None = None  # pass 1's number sounds (recognizer.Sounding)
        self.speech: list[tuple[float, float]] | None = None  # ... and speech regions
        if not whole_verify and hasattr(inner, "recognize_again"):
            self.recognize_again = self._again
        if hasattr(inner, "recognize_sounding"):
            self.recognize_sounding = self._sounding

    def recognize(self, blocks, rate_hz):  # noqa: ANN001, ANN201
        return self._kept(self.inner.recognize(blocks, rate_hz))

    def _sounding(self, blocks, rate_hz, sounds, speech=None):  # noqa: ANN001, ANN201
        self.sounds, self.speech = sounds, speech
        return self._kept(self.inner.recognize_sounding(blocks, rate_hz, sounds, speech))

    def _again(self, blocks, rate_hz, masked_s):  # noqa: ANN001, ANN201
        return self._kept(self.inner.recognize_again(blocks, rate_hz, masked_s))

    def _kept(self, heard):  # noqa: ANN001, ANN201
        words: list = []
        self.passes.append(words)
        for word in heard:
            words.append(word)
            yield word


def _seconds(span: Span) -> tuple[float, float]:
    return span.start / RATE_HZ, span.end / RATE_HZ


def _share(span: Span, intervals: list[tuple[float, float]]) -> float:
    a, b = _seconds(span)
    return coverage_s(a, b, intervals) / max(b - a, 1e-9)


def _overlaps(span: Span, start_s: float, end_s: float) -> bool:
    a, b = _seconds(span)
    return start_s < b and end_s > a


def classify(span: Span, *, pieces_s, words, number_words, entities_s, final_s) -> str | None:
    """The class of a sensitive unit's loss (module docstring), None when it is masked."""
    if _share(span, final_s) >= MASKED_SHARE:
        return None
    if _share(span, pieces_s) < MASKED_SHARE:
        return "gate"
    if not any(_overlaps(span, w.start_s, w.end_s) for w in words):
        return "dropped"
    if not any(_overlaps(span, w.start_s, w.end_s) for w in number_words):
        return "as-words"
    if not any(_overlaps(span, a, b) for a, b in entities_s):
        return "logic"
    return "timing"


def pass1_parts(words: list, sounds: list[tuple[float, float]] | None,
                speech: list[tuple[float, float]] | None = None) -> tuple[list, list[tuple[str, float, float]]]:
    """Pass 1's entities (before padding) as the engine has them, (entity, start_s, end_s): the card
    logic on ``words``, reaching along and kept to the recognizer's number ``sounds``
    (``redaction.sounds``), ending with the ``speech`` regions that hold their data (``redaction.edges``);
    and the expiry and code asks' answer windows (``cards.find_in_pass1``)."""
    from redaction.cards import find_in_pass1  # noqa: PLC0415
    from redaction.edges import spoken_parts  # noqa: PLC0415

    entities, windows_s = find_in_pass1(words)
    return spoken_parts(entities, words, sounds, speech), windows_s


def pass1_entities_s(words: list, sounds: list[tuple[float, float]] | None,
                     speech: list[tuple[float, float]] | None = None, noisy: bool = False) -> list[tuple[float, float]]:
    """``pass1_parts``' times, with the chains of number ``sounds`` the engine adds beside them on a
    ``noisy`` line (``redaction.line_noise``) or not (``redaction.sound_chains.added_chains``)."""
    from redaction.sound_chains import added_chains  # noqa: PLC0415

    parts, windows_s = pass1_parts(words, sounds, speech)
    found = [(a, b) for _, a, b in parts]
    added = added_chains(sounds, words, windows_s, found, noisy, speech) if sounds else []
    return found + [(a, b) for _, a, b in added]


def line_noisy(audio) -> bool:  # noqa: ANN001 (float32 samples)
    """True when the engine takes ``audio`` (8 kHz) for a noisy line (``redaction.line_noise``)."""
    from redaction.line_noise import NoiseMeter  # noqa: PLC0415

    meter = NoiseMeter(RATE_HZ)
    meter.feed(audio)
    return meter.noisy


def loss_classes(call: EvalCall, recording: Recording, final_s: list[tuple[float, float]],
                 pieces_s: list[tuple[float, float]]) -> Counter:
    """Audible sensitive digits of ``call`` by "kind:class" (``classify``), from what
    ``recording`` kept of pass 1 and the final masks: for the bench's aggregate only."""
    from redaction.numbers import says_number  # noqa: PLC0415

    words = recording.passes[0] if recording.passes else []
    number_words = [w for w in words if says_number(w.text)]
    entities_s = pass1_entities_s(words, recording.sounds, recording.speech, line_noisy(call.audio))
    out: Counter = Counter()
    for span in call.spans:
        if span.sensitive:
            which = classify(span, pieces_s=pieces_s, words=words, number_words=number_words,
                             entities_s=entities_s, final_s=final_s)
            if which is not None:
                out[f"{span.kind}:{which}"] += span.digits
    return out


def diagnose_call(call: EvalCall, recognizer, config, network, hears: str = "speech",  # noqa: ANN001
                  whole_verify: bool = False) -> dict:
    from redaction.engine import redact_array  # noqa: PLC0415
    from redaction.speech.gate import NumberGate, gated_regions  # noqa: PLC0415
    from redaction.numbers import says_number  # noqa: PLC0415
    from redaction.speech.windows import pieces_for  # noqa: PLC0415
    from tools.evalcalls.rescore import audio_pauses, padded  # noqa: PLC0415

    import time  # noqa: PLC0415

    recording = Recording(recognizer, whole_verify)
    failed = False
    cpu0 = time.process_time()
    try:
        _, report = redact_array(call.audio, RATE_HZ, recognizer=recording, config=config)
    except Exception:  # noqa: BLE001 (a failed call: nothing stored; diagnose what pass 1 did)
        failed = True
        from dataclasses import replace  # noqa: PLC0415

        recording.passes.clear()
        _, report = redact_array(call.audio, RATE_HZ, recognizer=recording, config=replace(config, verify=False))
    cpu_s = time.process_time() - cpu0
    final_s = [tuple(m) for m in report.masked]
    words = recording.passes[0] if recording.passes else []
    number_words = [w for w in words if says_number(w.text)]
    # pass 1, as the engine has it
    noisy = line_noisy(call.audio)
    entities_s = pass1_entities_s(words, recording.sounds, recording.speech, noisy)
    pauses_s = audio_pauses(call.audio)
    pass1_s = padded(entities_s, config, pauses_s)
    blocks = (call.audio[i : i + 65536] for i in range(0, call.audio.size, 65536))
    gate = NumberGate(network) if hears == "numbers" else NumberGate(network, 0.0)  # speech: every region
    regions = [(r.start_s, r.end_s) for r in gated_regions(blocks, RATE_HZ, gate)]
    pieces_s = [(p.start_s, p.end_s) for p in pieces_for(regions, call.duration_s, pauses=gate.passes_every_region)]
    out = {"call": call.name, "voice": call.voice, "kind": call.kind, "seed": call.seed, "failed": failed,
           "digits": 0, "masked": 0, "classes": Counter(), "outside_gate": 0, "saved_by_verification": 0,
           "speech_s": 0.0, "speech_masked_s": 0.0, "lost": [], "cpu_s": cpu_s, "duration_s": call.duration_s,
           "heard_s": sum(b - a for a, b in pieces_s),
           "leaky": score(call, final_s).leaky_cards,
           # for re-scoring the card logic offline (rescore.py): pass 1's words and the truth
           "words": [(round(w.start_s, 3), round(w.end_s, 3), w.text, round(w.confidence, 3)) for w in words],
           "sounds": None if recording.sounds is None else [(round(t, 3), round(m, 3)) for t, m in sorted(recording.sounds)],
           "speech": None if recording.speech is None else [(round(a, 3), round(b, 3)) for a, b in recording.speech],
           "pauses": [(round(a, 3), round(b, 3)) for a, b in pauses_s], "noisy": noisy,
           "spans": [(s.start, s.end, s.kind, s.digits) for s in call.spans], "final_s": final_s}
    for span in call.spans:
        if span.speech:
            out["speech_s"] += (span.end - span.start) / RATE_HZ
            out["speech_masked_s"] += _share(span, final_s) * (span.end - span.start) / RATE_HZ
        if not span.sensitive:
            continue
        out["digits"] += span.digits
        out["outside_gate"] += span.digits * (_share(span, regions) < MASKED_SHARE)
        which = classify(span, pieces_s=pieces_s, words=words, number_words=number_words, entities_s=entities_s,
                         final_s=final_s)
        if which is None:
            out["masked"] += span.digits
            out["saved_by_verification"] += span.digits * (_share(span, pass1_s) < MASKED_SHARE)
            continue
        out["classes"][which] += span.digits
        a, b = _seconds(span)
        out["lost"].append({"call": call.name, "kind": span.kind, "digits": span.digits, "class": which,
                            "start_s": round(a, 2), "end_s": round(b, 2),
                            "masked_share": round(_share(span, final_s), 2),
                            "heard": [w.text for w in words if _overlaps(span, w.start_s, w.end_s)]})
    return out


#: What ``--words`` keeps of each call for ``rescore.py``: pass 1's words, the recognizer's number
#: sounds and speech regions, the call's pauses, whether its line is noisy, the truth and the final masks.
WORDS_FIELDS = ("call", "voice", "kind", "seed", "words", "sounds", "speech", "pauses", "noisy", "spans", "final_s")


def words_record(result: dict) -> str:
    """One line of the ``--words`` file: ``result`` (``diagnose_call``'s) cut to ``WORDS_FIELDS``."""
    return json.dumps({k: result[k] for k in WORDS_FIELDS})


_STATE: dict = {}


def _init(options: dict, verify: bool, hears: str, whole_verify: bool = False, fresh: bool = False) -> None:
    """The process's state; its one recognizer only when calls share it (``fresh``: each call
    loads its own, ``fresh_recognizer``)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from redaction.speech.network import DigitNetwork  # noqa: PLC0415
    from worker.calls.recognizers import make_recognizer  # noqa: PLC0415
    from worker.calls.redacting import config_from  # noqa: PLC0415
    from worker.settings import Settings  # noqa: PLC0415

    settings = Settings.from_env({"CALLREC_WHISPER_HEARS": hears})
    if fresh:
        recognizer = None
    elif options:  # a variant of Whisper's decoding, for measuring it
        recognizer = fresh_recognizer(hears, options)
    else:
        recognizer = make_recognizer(settings)
    from dataclasses import replace  # noqa: PLC0415

    _STATE.update(recognizer=recognizer, config=replace(config_from(settings), verify=verify), network=DigitNetwork(),
                  hears=hears, whole_verify=whole_verify)


def fresh_recognizer(hears: str, options: dict):  # noqa: ANN201 (a WhisperRecognizer)
    """A WhisperRecognizer on a model loaded anew. CTranslate2 seeds each of its threads'
    random generator once, at its first draw (``set_random_seed`` does not reseed it), so
    Whisper's sampled fallback decodes depend on every window the model's thread decoded
    before: with one model per process, a call's words depend on the calls the process
    heard first (4 of 32 tune calls, seeds 13-14, differed between two orders). A model of
    its own per call made each call's words its own; since ``WhisperRecognizer`` 13 each pass
    restarts the sampling (``whisper_model.restart_sampling``), and a shared model gives the same
    words (24 of 24 tune calls, seeds 159-160, two processes sharing them, words and masks
    the same as with a model per call); a model per call stays the default for comparisons with
    word files made before."""
    from redaction.speech.whisper import WhisperRecognizer  # noqa: PLC0415
    from redaction.speech.whisper_model import load_model  # noqa: PLC0415
    from redaction.speech.whisper_window import FasterWhisperWindows  # noqa: PLC0415

    return WhisperRecognizer(FasterWhisperWindows(load_model(), **options), hears=hears)


def _one(job: tuple) -> dict:
    """One call of ``job`` (item, Whisper options, verify, hears, whole_verify, fresh, noise_db, noise_kind) diagnosed."""
    item, options, verify, hears, whole_verify, fresh, noise_db, noise_kind = job
    if not _STATE:
        _init(options, verify, hears, whole_verify, fresh)
    voice, kind, seed, index, script = item
    recognizer = fresh_recognizer(hears, options) if fresh else _STATE["recognizer"]
    call = make_call(voice, kind, seed, index, script=script)
    if noise_db is not None:
        call = with_line_noise(call, noise_db, noise_kind)
    result = diagnose_call(call, recognizer, _STATE["config"], _STATE["network"], hears, _STATE["whole_verify"])
    result["classes"] = dict(result["classes"])
    return result


def seeds_of(text: str) -> list[int]:
    """"11-30" or "11,12,20" -> seeds."""
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def summarise(results: list[dict]) -> str:
    lines = []
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(r["voice"], []).append(r)
    groups["all"] = results
    lines.append(f"{'voice':14} {'digits':>7} {'masked':>7} {'recall':>7} " + " ".join(f"{c:>8}" for c in CLASSES)
                 + f" {'out-gate':>8} {'by-verif':>8} {'card-oth':>8} {'harmless':>8} {'failed':>6}"
                 + f" {'leaky':>5} {'heard':>6} {'cpu-x':>6}")
    for name, rs in groups.items():
        classes = Counter()
        for r in rs:
            classes.update(r["classes"])
        card = [r for r in rs if r["kind"] == "card"]
        harmless = [r for r in rs if r["kind"] == "harmless"]
        digits, masked = sum(r["digits"] for r in rs), sum(r["masked"] for r in rs)

        def share(group: list[dict]) -> str:
            speech = sum(r["speech_s"] for r in group)
            return f"{sum(r['speech_masked_s'] for r in group) / speech:8.2%}" if speech else f"{'-':>8}"

        lines.append(f"{name:14} {digits:7} {masked:7} {masked / max(digits, 1):7.2%} "
                     + " ".join(f"{classes[c]:8}" for c in CLASSES)
                     + f" {sum(r['outside_gate'] for r in rs):8} {sum(r['saved_by_verification'] for r in rs):8}"
                     + f" {share(card)} {share(harmless)} {sum(r['failed'] for r in rs):6}"
                 + f" {sum(r['leaky'] for r in rs):5}"
                 + f" {sum(r['heard_s'] for r in rs) / max(sum(r['duration_s'] for r in rs), 1e-9):6.1%}"
                 + f" {sum(r['duration_s'] for r in rs) / max(sum(r['cpu_s'] for r in rs), 1e-9):5.1f}x")
    return "\n".join(lines)


def add_call_arguments(ap: argparse.ArgumentParser, seeds: str) -> None:
    """The options that choose the TUNE calls (``tune_items``) and the processes hearing them."""
    ap.add_argument("--voices", default=",".join(splits.TUNE))
    ap.add_argument("--seeds", default=seeds)
    ap.add_argument("--card-calls", type=int, default=1)
    ap.add_argument("--harmless", action="store_true", help="also one harmless-number call per voice and seed")
    ap.add_argument("--jobs", type=int, default=2)


def tune_items(args: argparse.Namespace) -> list[tuple[str, str, int, int, str]]:
    """(voice, kind, seed, index, script) of each call ``add_call_arguments``' options choose;
    a held-out voice is refused (the bench reports it, nobody diagnoses it), one this machine cannot
    make skipped (``calls.available``)."""
    voices = [v for v in args.voices.split(",") if v]
    for voice in voices:
        if splits.split_of(voice) != "tune":
            raise SystemExit(f"{voice!r} is held out: the bench reports it, nobody diagnoses it (splits.py)")
    voices = calls.available(voices)  # a voice whose engine is not installed is skipped, saying why
    kinds = [("card", i) for i in range(args.card_calls)] + ([("harmless", 0)] if args.harmless else [])
    return [(v, kind, s, i, args.script) for s in seeds_of(args.seeds) for v in voices for kind, i in kinds]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_call_arguments(ap, "11-30")
    ap.add_argument("--details", help="write one JSON line per lost unit here")
    ap.add_argument("--no-verify", dest="verify", action="store_false",
                    help="pass 1 only (about half the time; the engine's verification rounds add a little masking)")
    ap.add_argument("--whole-verify", action="store_true",
                    help="verification hears the masked output whole (the pipeline before it used recognize_again)")
    ap.add_argument("--fresh-model", action=argparse.BooleanOptionalAction, default=True,
                    help="load Whisper anew for each call (the default), so its words depend on the call alone and "
                         "two versions differ only where a change acts (fresh_recognizer: the model's files read, "
                         "checked and loaded again, about 0.5 CPU s a call); --no-fresh-model: one model per process, as the bench and the workers run it")
    ap.add_argument("--words", help="write each call's pass-1 words and truth here (JSON lines, for rescore.py)")
    ap.add_argument("--script", default="dev", choices=sorted(NAMES),
                    help="the calls' wording (scripts.py, wording.py): dev, alt, alt-us or gen; unseen is held out, "
                         "its misses write no rules")
    ap.add_argument("--hears", default="speech", help="what Whisper hears: numbers or speech (CALLREC_WHISPER_HEARS)")
    ap.add_argument("--whisper", action="append", default=[], metavar="NAME=JSON",
                    help="a transcribe() option for Whisper's windows, e.g. no_speech_threshold=null")
    ap.add_argument("--noise-db", type=float,
                    help="every call over a noisier line, as the bench's --noise-db (calls.with_line_noise); its "
                         "--words records keep the noisy call's pauses and speech regions, so rescore.py needs no audio")
    ap.add_argument("--noise-kind", choices=NOISE_KINDS, default="white", help="with --noise-db: the noise "
                    "(calls.NOISE_KINDS; babble: tune voices talking behind the call)")
    args = ap.parse_args()
    items = tune_items(args)
    options = {name: json.loads(value) for name, _, value in (o.partition("=") for o in args.whisper)}
    jobs = [(item, options, args.verify, args.hears, args.whole_verify, args.fresh_model, args.noise_db, args.noise_kind)
            for item in items]
    results = []
    details = open(args.details, "w") if args.details else None  # noqa: SIM115 (written as results come)
    words = open(args.words, "w") if args.words else None  # noqa: SIM115
    # A model loaded per call is not all given back: a worker grew by about 50 MB a call (400 -> 860
    # MB over 10 calls; one worker of 232 calls was killed by the kernel at 13 GB). A worker is
    # replaced after FRESH_CALLS_PER_WORKER calls then; one model per process stays flat (357 MB).
    per_worker = FRESH_CALLS_PER_WORKER if args.fresh_model else None
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=per_worker) as pool:
        for r in pool.imap(_one, jobs, chunksize=1):
            results.append(r)
            print(f"{r['call']}: {r['masked']}/{r['digits']} {r['classes']}", flush=True)
            for lost in r["lost"] if details else ():
                details.write(json.dumps(lost) + "\n")
            if words:
                words.write(words_record(r) + "\n")
                words.flush()
    for out in (details, words):
        if out:
            out.close()
    print(summarise(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
