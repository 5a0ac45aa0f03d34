"""The card logic's safety net when the recognizer loses a card: a share of the card's digits written as other words.

    python -m tools.evalcalls.stress words.jsonl [--share 0.6] [--seeds 1,2,3] [--kinds card,expiry,code]

Whisper tiny writes some voices' digits as other words ("I want to welcome a ticket"), and on a
speaker nobody tuned on (the held-out fsdd-theo: 52 % of his digits masked on seeds 10-12,
session 25) the gate's network often does not hear them either. Then only the card logic's
answers to the agent's asks (``redaction.answers``: the caller's answer masked whole when
nothing answers the ask) stand between a card and the recording. This simulates that on TUNE
calls' recorded pass-1 words (``diagnose.py --words``): each number word that overlaps one of
the card's digits (or, with ``--kinds``, the expiry date's or the code's) is replaced, with
probability ``--share``, by an ordinary word, and the card logic of this tree runs on the result
with no number sounds (the network heard nothing either).
Its lines read as ``rescore``'s: digits masked, leaky cards, other speech masked in card calls.
Only card calls; each ``--seeds`` seed draws the replacements anew.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from redaction.speech.timing import says_number  # noqa: E402
from redaction.words import TimedWord  # noqa: E402
from tools.evalcalls.rescore import call_of, load, masks_of, words_of  # noqa: E402
from tools.evalcalls.scoring import CallScore, score  # noqa: E402
from tools.evalcalls.voices import RATE_HZ  # noqa: E402

#: The evaluation's kinds of card data (``tools.evalcalls.calls.Span.kind``).
KINDS = frozenset({"card", "expiry", "code"})
#: Words a recognizer wrote for digits on the tune calls ("it's time, time, time, I know").
OTHER_WORDS = ("time", "I", "made", "the", "right", "high", "nice", "big", "you", "what", "yeah", "them", "it's", "me",
               "fine", "more")


def lost(words: list[TimedWord], spans_s: list[tuple[float, float]], share: float, rng: random.Random) -> list[TimedWord]:
    """``words`` with each number word that overlaps a span of ``spans_s`` replaced, with
    probability ``share``, by one of OTHER_WORDS (its times and trailing comma kept)."""
    out = []
    for w in words:
        if says_number(w.text) and any(w.start_s < b and w.end_s > a for a, b in spans_s) and rng.random() < share:
            w = TimedWord(w.start_s, w.end_s, rng.choice(OTHER_WORDS) + ("," if w.text.endswith(",") else ""))
        out.append(w)
    return out


def stressed(record: dict, share: float, rng: random.Random, kinds: frozenset[str] = frozenset({"card"})) -> CallScore:
    """One card call's record (``diagnose.py --words``) scored with the digits of ``kinds`` (the
    evaluation's span kinds: card, expiry, code) lost at ``share``."""
    spans_s = [(a / RATE_HZ, b / RATE_HZ) for a, b, kind, _ in record["spans"] if kind in kinds]
    return score(call_of(record), masks_of(lost(words_of(record), spans_s, share, rng), sounds=None))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("words", nargs="+", help="JSON lines written by diagnose.py --words")
    ap.add_argument("--share", type=float, default=0.6, help="share of the card's number words lost (0-1)")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds of the draws")
    ap.add_argument("--kinds", default="card", help="comma-separated data whose digits are lost: card, expiry, code")
    args = ap.parse_args()
    if not 0.0 <= args.share <= 1.0:
        ap.error(f"--share must lie between 0 and 1, not {args.share}")
    kinds = frozenset(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or not kinds <= KINDS:
        ap.error(f"--kinds must name some of {', '.join(sorted(KINDS))}, not {args.kinds!r}")
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--seeds must be comma-separated whole numbers, not {args.seeds!r}")
    if not seeds:
        ap.error("--seeds names no seed")
    for path in args.words:
        records = [r for r in load(path) if r["kind"] == "card"]
        digits = masked = cards = leaky = 0
        speech_s = speech_masked_s = 0.0
        for seed in seeds:
            rng = random.Random(seed)
            for r in records:
                s = stressed(r, args.share, rng, kinds)
                digits, masked, cards, leaky = digits + s.digits, masked + s.digits_masked, cards + s.cards, leaky + s.leaky_cards
                speech_s, speech_masked_s = speech_s + s.speech_s, speech_masked_s + s.speech_masked_s
        print(f"{Path(path).name} share {args.share} of {','.join(sorted(kinds))} seeds {args.seeds}: digits {masked}/{digits} = "
              f"{masked / max(digits, 1):.2%}, leaky {leaky}/{cards}, other speech {speech_masked_s / max(speech_s, 1e-9):.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
