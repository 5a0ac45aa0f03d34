"""Re-scores the card logic on words a recognizer already gave, without hearing the calls again.

    python -m tools.evalcalls.diagnose --seeds 11-30 --harmless --words words.jsonl   # once (slow)
    python -m tools.evalcalls.rescore words.jsonl                                    # after each rule change (fast)
    python -m tools.evalcalls.rescore --calls a.jsonl b.jsonl > now.txt              # per call, to diff two trees
    python -m tools.evalcalls.rescore --channels dual words.jsonl                    # each call as dual-channel

Each line of ``words.jsonl`` holds a TUNE call's pass-1 words (what the recognizer handed
the card logic), its ground truth and its final masks. Here the card logic of this tree
(``redaction.cards.find_entities``) runs on those words again, its entities reach along and
keep to the record's number sounds as the engine has them (``redaction.sounds``; a record
without ``sounds`` keeps them whole) and are padded as the engine pads them (default
RedactionConfig, stopping in the call's pauses: ``redaction.pauses``), and the result is scored like the bench:
digits masked, leaky cards, other speech masked in card calls and in harmless calls. Without
verification (the engine's rounds may add a little masking), so compare it with itself:
the ``recorded`` line scores the final masks the diagnosis saw, for reference.

``--channels dual`` makes each call a dual-channel recording (``calls.dual_channel``, from the
cached call: its speakers' truth and audio): the words are given to the channel that said
them and the entities masked by speaker as the engine masks them (``redaction.channels``),
each unit scored on its speaker's channel's masks; ``--echo-db -20`` also puts each party on the
other's channel 20 dB down (the channels' energy echoes; the words stay the clean mix's), and
card data counts as masked only where every channel masks it (its echo sounds on the other).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from redaction.config import RedactionConfig  # noqa: E402
from redaction.pauses import PauseFinder, padded_s  # noqa: E402
from redaction.sound_chains import added_chains  # noqa: E402
from redaction.speech.regions import RegionFinder, spoken_s  # noqa: E402
from redaction.words import TimedWord  # noqa: E402
from tools.evalcalls.calls import CHANNEL_OF_ROLE, EvalCall, Span, dual_channel, make_call  # noqa: E402
from tools.evalcalls.diagnose import pass1_entities_s, pass1_parts  # noqa: E402
from tools.evalcalls.scoring import CallScore, score  # noqa: E402
from tools.evalcalls.voices import RATE_HZ  # noqa: E402


def masks_of(words: list[TimedWord], config: RedactionConfig = RedactionConfig(),
             sounds: list[tuple[float, float]] | None = None,
             speech: list[tuple[float, float]] | None = None,
             pauses_s: Sequence[tuple[float, float]] = (), noisy: bool = False) -> list[tuple[float, float]]:
    """Pass 1's masks: the card logic's entities, reaching along and kept near the recognizer's
    number sounds (``sounds``: (moment s, probability), None: it said none) and ending with its
    ``speech`` regions that hold their data, with the chains of number sounds the engine adds beside
    them (on a ``noisy`` line or not: ``sound_chains.added_chains``), padded as it pads speech
    (stopping in the call's ``pauses_s``)."""
    return padded(pass1_entities_s(words, sounds, speech, noisy), config, pauses_s)


def speech_of(r: dict) -> list[tuple[float, float]] | None:
    """Record ``r``'s speech regions as the recognizer found them (``recognizer.Sounding``): as
    recorded, or, for a record written without them (``diagnose --words`` wrote none before session
    39, though the engine has had them since session 38), found again in
    the call's audio (``make_call``: the cached call) by the gate's energy detector. The gate
    hearing speech passes each of those regions but one too short for its network, which holds
    no evidence of data: the 13 tune sets rescored the same on every call either way, and the
    gate's network would take 30 times as long. A record made hearing numbers gets more regions
    than its recognizer had. None for a record with no sounds (its recognizer said neither)."""
    if r.get("speech") is not None:
        return [tuple(s) for s in r["speech"]]
    if r.get("sounds") is None:
        return None
    call = cached_call(r)
    finder = RegionFinder()
    found = [*finder.feed(call.audio.astype("float32")), *finder.finish()]
    return [spoken_s(region.start_s, region.end_s) for region in found]


def pauses_of(r: dict) -> list[tuple[float, float]]:
    """Record ``r``'s call's pauses (``redaction.pauses``), as recorded, or, for a record written
    without them (before session 42), found in the cached call's audio as the engine finds them."""
    if r.get("pauses") is not None:
        return [tuple(p) for p in r["pauses"]]
    return list(audio_pauses(cached_call(r).audio))


def audio_pauses(audio: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The pauses in a call's ``audio`` (8 kHz), found as the engine finds them in what it hears."""
    finder = PauseFinder(RATE_HZ)
    for i in range(0, audio.size, 65536):
        finder.feed(audio[i : i + 65536])
    return finder.pauses_s()


def cached_call(r: dict) -> EvalCall:
    """Record ``r``'s call as ``make_call`` makes it (cached): its audio and its truth by speaker."""
    voice, kind, seed, index, *script = r["call"].split("/")
    return make_call(voice, kind, int(seed.removeprefix("seed")), int(index), script=script[0] if script else "dev")


def dual_masks_of(r: dict, config: RedactionConfig = RedactionConfig(),
                  echo_db: float | None = None) -> tuple[EvalCall, dict[str, list]]:
    """Record ``r``'s call made dual-channel (``calls.dual_channel``) and its pass-1 masks by
    speaker: the words given to the channel that said them, the entities (as ``masks_of`` finds
    them) masked on their channel or on both (``redaction.channels``), the chains of number sounds
    (``sound_chains.added_chains``) on both, padded as the engine pads.
    ``echo_db``: each channel carries the other that many dB down (``calls.dual_channel``): the
    words stay those heard of the clean mix, the channels' energy is the echoing one's."""
    from redaction.channels import ChannelEnergy, by_speaker  # noqa: PLC0415

    call = cached_call(r)
    stereo = dual_channel(call, echo_db)
    energy = ChannelEnergy(RATE_HZ, 2)
    for i in range(0, len(stereo), 65536):
        energy.feed(stereo[i : i + 65536])
    words, sounds, speech = energy.tagged(words_of(r)), r.get("sounds"), speech_of(r)
    parts, windows_s = pass1_parts(words, sounds, speech)
    found = by_speaker(parts, words, sounds, energy)
    if sounds:  # the chains of number sounds, masked on every channel
        found += [(entity, None, a, b) for entity, a, b in
                  added_chains(sounds, words, windows_s, [(a, b) for *_, a, b in found], r.get("noisy", False),
                               speech)]
    pauses_s = pauses_of(r)
    return call, {role: padded([(a, b) for _, c, a, b in found if c in (None, channel)], config, pauses_s)
                  for role, channel in CHANNEL_OF_ROLE.items()}


def padded(spans_s: list[tuple[float, float]], config: RedactionConfig = RedactionConfig(),
           pauses_s: Sequence[tuple[float, float]] = ()) -> list[tuple[float, float]]:
    """``spans_s`` of speech a recognizer found, padded as the engine pads them: by up to
    ``config.spoken_pad_s``, each side stopping in the first of ``pauses_s`` within reach."""
    return [padded_s(a, b, pauses_s, *config.spoken_pad_s) for a, b in spans_s]


def load(path: str) -> list[dict]:
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def call_of(r: dict) -> EvalCall:
    """Record ``r``'s call with its ground truth (no audio: only scored)."""
    return EvalCall(r["voice"], r["kind"], r["seed"], 0, None,  # type: ignore[arg-type] (audio unused)
                    tuple(Span(a, b, kind, digits, "caller") for a, b, kind, digits in r["spans"]))


def words_of(r: dict) -> list[TimedWord]:
    """Record ``r``'s pass-1 words (times clamped to start at 0 and not end before they start; a
    word's recognizer confidence when the record has one, as diagnose writes them since session 35)."""
    return [TimedWord(max(0.0, w[0]), max(w[0], w[1], 0.0), w[2], *w[3:]) for w in r["words"]]


def _scored(r: dict, recorded: bool, dual: bool = False, echo_db: float | None = None) -> CallScore:
    """Record ``r`` scored with its recorded final masks, or with this tree's pass-1 masks (of
    its call made dual-channel: ``dual_masks_of``)."""
    if recorded:
        masks = [tuple(m) for m in r["final_s"]]
    elif dual:
        return score(*dual_masks_of(r, echo_db=echo_db), echoed=echo_db is not None)
    else:
        masks = masks_of(words_of(r), sounds=r.get("sounds"), speech=speech_of(r), pauses_s=pauses_of(r),
                         noisy=r.get("noisy", False))  # records before session 44 say nothing: quiet
    return score(call_of(r), masks)


def per_call(records: list[dict], recorded: bool = False, dual: bool = False) -> list[str]:
    """One line a call: its id, sensitive digits masked of all, leaky cards, seconds of speech
    that should stay audible masked, of all (``scoring``: ordinary and harmless-number speech). Run in two
    trees and ``diff`` the output to see which calls a rule changed."""
    lines = []
    for r in records:
        s = _scored(r, recorded, dual)
        lines.append(f"{r['call']} digits {s.digits_masked}/{s.digits} leaky {s.leaky_cards} "
                     f"speech masked {s.speech_masked_s:.1f}/{s.speech_s:.1f} s")
    return lines


def rescore(records: list[dict], recorded: bool = False, dual: bool = False,
            echo_db: float | None = None) -> dict[str, list[float]]:
    """Per voice (and "all"): [digits, masked, cards, leaky, card speech s, masked, harmless speech s, masked]."""
    out: dict[str, list[float]] = {}
    for r in records:
        s = _scored(r, recorded, dual, echo_db)
        row = [s.digits, s.digits_masked, s.cards, s.leaky_cards, 0.0, 0.0, 0.0, 0.0]
        k = 4 if r["kind"] == "card" else 6
        row[k], row[k + 1] = s.speech_s, s.speech_masked_s
        for name in (r["voice"], "all"):
            out[name] = [a + b for a, b in zip(out.get(name, [0.0] * 8), row)]
    return out


def table(rows: dict[str, list[float]], label: str) -> str:
    lines = [f"{label}: {'voice':14} {'digits':>13} {'recall':>7} {'leaky':>7} {'card-oth':>8} {'harmless':>8}"]
    for name, (d, m, c, leaky, cs, cm, hs, hm) in rows.items():
        lines.append(f"{label}: {name:14} {int(m):6}/{int(d):<6} {m / max(d, 1):7.2%} {int(leaky):3}/{int(c):<3} "
                     f"{cm / max(cs, 1e-9):8.2%} {hm / max(hs, 1e-9):8.2%}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("words", nargs="+", help="JSON lines written by diagnose.py --words")
    ap.add_argument("--calls", action="store_true", help="one line a call (rescored), to diff two trees' output")
    ap.add_argument("--channels", choices=("mono", "dual"), default="mono",
                    help="dual: each call as a dual-channel recording, masked by speaker (needs the cached calls)")
    ap.add_argument("--echo-db", type=float, help="with --channels dual: each channel carries the other this many dB "
                    "down (e.g. -20), 30 ms late")
    args = ap.parse_args()
    dual = args.channels == "dual"
    for path in args.words:
        records = load(path)
        if args.calls:
            print("\n".join(f"{Path(path).name} {line}" for line in per_call(records, dual=dual)))
            continue
        print(f"== {path}")
        print(table(rescore(records, recorded=True), "recorded"))
        label = "rescored" + (", dual-channel" if dual else "") + (f", echo {args.echo_db:g} dB" if args.echo_db else "")
        print(table(rescore(records, dual=dual, echo_db=args.echo_db), label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
